//! The parser: Go's text/template grammar, its checks (defined functions and variables,
//! `break`/`continue` inside `range`, pipeline stages) and its error texts.

use std::collections::HashSet;
use std::sync::Arc;

use crate::ast::{Arg, Branch, Command, Node, Number, Pipe, Pos, TemplateCall, Tree};
use crate::lex::{lex, line_at, Item, ItemType};
use crate::Error;

/// How deeply parentheses and control structures may nest; deeper input is an error (Go has a
/// similar limit) so that neither parsing nor execution can overflow the stack.
pub const MAX_NESTING: usize = 1000;

/// Parses `text` as the template `name`. Returns the top-level tree and the trees of the
/// `{{define}}`/`{{block}}` templates it contains, in order of appearance.
pub fn parse(
    name: &str,
    text: &str,
    funcs: Option<&HashSet<String>>,
) -> Result<(Tree, Vec<Tree>), Error> {
    parse_shared(name, Arc::from(text), funcs)
}

/// [`parse`] of a text the caller already holds shared: the trees keep `text` itself.
pub fn parse_shared(
    name: &str,
    text_arc: Arc<str>,
    funcs: Option<&HashSet<String>>,
) -> Result<(Tree, Vec<Tree>), Error> {
    let text: &str = &text_arc;
    let lexed = lex(text);
    let parse_name: Arc<str> = Arc::from(name);
    let mut p = Parser {
        items: lexed.items,
        lex_error: lexed.error,
        src: text,
        idx: 0,
        hi: 0,
        parse_name: parse_name.clone(),
        text: text_arc.clone(),
        vars: vec!["$"],
        vars_base: 0,
        range_depth: 0,
        depth: 0,
        funcs,
        defs: Vec::new(),
        action_pos: None,
    };
    let root = p.parse_top()?;
    let defs = p.defs;
    let tree = Tree {
        name: Arc::from(name),
        parse_name,
        text: text_arc.clone(),
        root: Arc::new(root),
    };
    Ok((tree, defs))
}

struct Parser<'f, 'a> {
    items: Vec<Item<'a>>,
    /// The message of the lexer's `Error` item, if it ended with one.
    lex_error: String,
    /// The text being parsed (lines of error messages are counted in it).
    src: &'a str,
    idx: usize,
    hi: usize,
    parse_name: Arc<str>,
    text: Arc<str>,
    /// Variables in scope; those of the current template body start at `vars_base`.
    vars: Vec<&'a str>,
    vars_base: usize,
    range_depth: usize,
    depth: usize,
    funcs: Option<&'f HashSet<String>>,
    defs: Vec<Tree>,
    /// Position of the `{{` of the action being parsed (`None` outside actions).
    action_pos: Option<Pos>,
}

type PResult<T> = Result<T, Error>;

/// Built-in function names, always defined.
pub const BUILTINS: &[&str] = &[
    "and", "call", "html", "index", "slice", "js", "len", "not", "or", "print", "printf",
    "println", "urlquery", "eq", "ge", "gt", "le", "lt", "ne",
];

impl<'f, 'a> Parser<'f, 'a> {
    fn item(&self, i: usize) -> Item<'a> {
        let last = self.items.len() - 1;
        self.items[i.min(last)]
    }

    fn next(&mut self) -> Item<'a> {
        let it = self.item(self.idx);
        self.idx += 1;
        if self.idx > self.hi {
            self.hi = self.idx;
        }
        it
    }

    fn backup(&mut self) {
        self.idx -= 1;
    }

    fn peek(&mut self) -> Item<'a> {
        let it = self.next();
        self.backup();
        it
    }

    fn next_non_space(&mut self) -> Item<'a> {
        loop {
            let t = self.next();
            if t.typ != ItemType::Space {
                return t;
            }
        }
    }

    fn peek_non_space(&mut self) -> Item<'a> {
        let t = self.next_non_space();
        self.backup();
        t
    }

    fn line(&self, pos: Pos) -> usize {
        line_at(self.src, pos)
    }

    fn errorf(&self, msg: impl Into<String>) -> Error {
        let line = self.line(self.item(self.hi.saturating_sub(1)).pos);
        Error::parse(&self.parse_name, line, msg)
    }

    fn describe(&self, token: &Item<'_>) -> String {
        token.describe(&self.lex_error)
    }

    fn unexpected(&self, token: &Item<'_>, context: &str) -> Error {
        if token.typ == ItemType::Error {
            let msg = &self.lex_error;
            let mut extra = String::new();
            if let Some(action_pos) = self.action_pos {
                let action_line = self.line(action_pos);
                if action_line != self.line(token.pos) {
                    extra = format!(" in action started at {}:{}", self.parse_name, action_line);
                    if msg.ends_with(" action") {
                        extra = extra[" in action".len()..].to_string();
                    }
                }
            }
            return self.errorf(format!("{msg}{extra}"));
        }
        self.errorf(format!(
            "unexpected {} in {}",
            self.describe(token),
            context
        ))
    }

    /// Adds a `{{define}}`d tree, with Go's rule for two definitions in one text.
    fn add_def(&mut self, tree: Tree) -> PResult<()> {
        if let Some(i) = self.defs.iter().position(|d| d.name == tree.name) {
            if self.defs[i].is_empty() {
                self.defs[i] = tree;
            } else if !tree.is_empty() {
                return Err(self.errorf(format!(
                    "template: multiple definition of template {}",
                    crate::fmt::quote(&tree.name)
                )));
            }
            return Ok(());
        }
        self.defs.push(tree);
        Ok(())
    }

    fn expect(&mut self, typ: ItemType, context: &str) -> PResult<Item<'a>> {
        let t = self.next_non_space();
        if t.typ != typ {
            return Err(self.unexpected(&t, context));
        }
        Ok(t)
    }

    fn has_function(&self, name: &str) -> bool {
        match self.funcs {
            None => true,
            Some(set) => BUILTINS.contains(&name) || set.contains(name),
        }
    }

    fn enter(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(self.errorf("max expression depth exceeded"));
        }
        Ok(())
    }

    fn parse_top(&mut self) -> PResult<Vec<Node>> {
        let mut root = Vec::new();
        loop {
            let t = self.peek();
            match t.typ {
                ItemType::Eof => break,
                ItemType::LeftDelim => {
                    self.next();
                    if self.next_non_space().typ == ItemType::Define {
                        self.parse_definition()?;
                        continue;
                    }
                    // Back up to the delimiter (spaces are re-read).
                    while self.idx > 0 && self.item(self.idx - 1).typ != ItemType::LeftDelim {
                        self.idx -= 1;
                    }
                    self.idx -= 1;
                }
                _ => {}
            }
            match self.text_or_action()? {
                Parsed::Node(n) => root.push(n),
                Parsed::End => return Err(self.errorf("unexpected {{end}}")),
                Parsed::Else(_) => return Err(self.errorf("unexpected {{else}}")),
            }
        }
        Ok(root)
    }

    fn unquote_name(&self, t: &Item<'_>) -> PResult<String> {
        unquote(t.val).ok_or_else(|| self.errorf("invalid syntax"))
    }

    /// Runs `f` with a fresh variable scope and range depth (a new template body).
    fn with_new_body<T>(&mut self, f: impl FnOnce(&mut Self) -> PResult<T>) -> PResult<T> {
        let nvars = self.vars.len();
        let base = std::mem::replace(&mut self.vars_base, nvars);
        self.vars.push("$");
        let rd = std::mem::replace(&mut self.range_depth, 0);
        let r = f(self);
        self.vars.truncate(nvars);
        self.vars_base = base;
        self.range_depth = rd;
        r
    }

    fn parse_definition(&mut self) -> PResult<()> {
        let context = "define clause";
        let t = self.next_non_space();
        if t.typ != ItemType::String && t.typ != ItemType::RawString {
            return Err(self.unexpected(&t, context));
        }
        let name = self.unquote_name(&t)?;
        self.expect(ItemType::RightDelim, context)?;
        let (list, end) = self.with_new_body(|p| p.item_list())?;
        if let ListEnd::Else = end {
            return Err(self.errorf(format!("unexpected {{{{else}}}} in {context}")));
        }
        let tree = Tree {
            name: Arc::from(name),
            parse_name: self.parse_name.clone(),
            text: self.text.clone(),
            root: Arc::new(list),
        };
        self.add_def(tree)
    }

    fn item_list(&mut self) -> PResult<(Vec<Node>, ListEnd)> {
        stacker::maybe_grow(crate::STACK_RED_ZONE, crate::STACK_GROW, || {
            self.item_list_inner()
        })
    }

    fn item_list_inner(&mut self) -> PResult<(Vec<Node>, ListEnd)> {
        self.enter()?;
        let mut list = Vec::new();
        while self.peek_non_space().typ != ItemType::Eof {
            match self.text_or_action()? {
                Parsed::Node(n) => list.push(n),
                Parsed::End => {
                    self.depth -= 1;
                    return Ok((list, ListEnd::End));
                }
                Parsed::Else(_) => {
                    self.depth -= 1;
                    return Ok((list, ListEnd::Else));
                }
            }
        }
        Err(self.errorf("unexpected EOF"))
    }

    fn text_or_action(&mut self) -> PResult<Parsed> {
        let t = self.next_non_space();
        match t.typ {
            ItemType::Text => Ok(Parsed::Node(Node::Text(Box::from(t.val)))),
            ItemType::LeftDelim => {
                let saved = self.action_pos.replace(t.pos);
                let r = self.action();
                self.action_pos = saved;
                r
            }
            ItemType::Error => Err(self.unexpected(&t, "input")),
            _ => Err(self.unexpected(&t, "input")),
        }
    }

    fn action(&mut self) -> PResult<Parsed> {
        let t = self.next_non_space();
        match t.typ {
            ItemType::Block => return self.block_control().map(Parsed::Node),
            ItemType::Break => return self.break_control(t.pos, true).map(Parsed::Node),
            ItemType::Continue => return self.break_control(t.pos, false).map(Parsed::Node),
            ItemType::Else => return self.else_control(),
            ItemType::End => {
                self.expect(ItemType::RightDelim, "end")?;
                return Ok(Parsed::End);
            }
            ItemType::If => return self.control(Ctl::If).map(Parsed::Node),
            ItemType::Range => return self.control(Ctl::Range).map(Parsed::Node),
            ItemType::With => return self.control(Ctl::With).map(Parsed::Node),
            ItemType::Template => return self.template_control().map(Parsed::Node),
            ItemType::Error => return Err(self.unexpected(&t, "command")),
            _ => {}
        }
        self.backup();
        let pipe = self.pipeline("command", ItemType::RightDelim)?;
        Ok(Parsed::Node(Node::Action(Box::new(pipe))))
    }

    fn break_control(&mut self, _pos: Pos, is_break: bool) -> PResult<Node> {
        let word = if is_break {
            "{{break}}"
        } else {
            "{{continue}}"
        };
        let t = self.next_non_space();
        if t.typ != ItemType::RightDelim {
            return Err(self.unexpected(&t, word));
        }
        if self.range_depth == 0 {
            return Err(self.errorf(format!("{word} outside {{{{range}}}}")));
        }
        Ok(if is_break {
            Node::Break(t.pos)
        } else {
            Node::Continue(t.pos)
        })
    }

    fn else_control(&mut self) -> PResult<Parsed> {
        let peek = self.peek_non_space();
        if peek.typ == ItemType::If || peek.typ == ItemType::With {
            // `{{else if ...}}` / `{{else with ...}}`: the keyword stays pending.
            return Ok(Parsed::Else(peek.pos));
        }
        let t = self.expect(ItemType::RightDelim, "else")?;
        Ok(Parsed::Else(t.pos))
    }

    fn control(&mut self, ctl: Ctl) -> PResult<Node> {
        let context = match ctl {
            Ctl::If => "if",
            Ctl::Range => "range",
            Ctl::With => "with",
        };
        let nvars = self.vars.len();
        let r = self.control_inner(ctl, context);
        self.vars.truncate(nvars);
        r
    }

    fn control_inner(&mut self, ctl: Ctl, context: &str) -> PResult<Node> {
        let pipe = self.pipeline(context, ItemType::RightDelim)?;
        if ctl == Ctl::Range {
            self.range_depth += 1;
        }
        let body = self.item_list();
        if ctl == Ctl::Range {
            self.range_depth -= 1;
        }
        let (list, end) = body?;
        let mut else_list = None;
        if let ListEnd::Else = end {
            let chained = match ctl {
                Ctl::If => ItemType::If,
                Ctl::With => ItemType::With,
                Ctl::Range => ItemType::Eof,
            };
            let pk = self.peek();
            if chained != ItemType::Eof && pk.typ == chained {
                self.next();
                self.enter()?;
                let inner = self.control(ctl)?;
                self.depth -= 1;
                else_list = Some(vec![inner]);
            } else {
                let (l, e) = self.item_list()?;
                if let ListEnd::Else = e {
                    return Err(self.errorf("expected end; found {{else}}"));
                }
                else_list = Some(l);
            }
        }
        let branch = Box::new(Branch {
            pos: pipe.pos,
            pipe,
            list,
            else_list,
        });
        Ok(match ctl {
            Ctl::If => Node::If(branch),
            Ctl::Range => Node::Range(branch),
            Ctl::With => Node::With(branch),
        })
    }

    fn template_name(&mut self, t: &Item<'_>, context: &str) -> PResult<String> {
        match t.typ {
            ItemType::String | ItemType::RawString => self.unquote_name(t),
            _ => Err(self.unexpected(t, context)),
        }
    }

    fn template_control(&mut self) -> PResult<Node> {
        let context = "template clause";
        let t = self.next_non_space();
        let name = self.template_name(&t, context)?;
        let mut pipe = None;
        if self.next_non_space().typ != ItemType::RightDelim {
            self.backup();
            pipe = Some(self.pipeline(context, ItemType::RightDelim)?);
        }
        Ok(Node::Template(Box::new(TemplateCall {
            pos: t.pos,
            name,
            pipe,
        })))
    }

    fn block_control(&mut self) -> PResult<Node> {
        let context = "block clause";
        let t = self.next_non_space();
        let name = self.template_name(&t, context)?;
        let pipe = self.pipeline(context, ItemType::RightDelim)?;
        let (list, end) = self.with_new_body(|p| p.item_list())?;
        if let ListEnd::Else = end {
            return Err(self.errorf(format!("unexpected {{{{else}}}} in {context}")));
        }
        let tree = Tree {
            name: Arc::from(name.as_str()),
            parse_name: self.parse_name.clone(),
            text: self.text.clone(),
            root: Arc::new(list),
        };
        self.add_def(tree)?;
        Ok(Node::Template(Box::new(TemplateCall {
            pos: t.pos,
            name,
            pipe: Some(pipe),
        })))
    }

    fn pipeline(&mut self, context: &str, _end: ItemType) -> PResult<Pipe> {
        let start = self.peek_non_space();
        let mut pipe = Pipe {
            pos: start.pos,
            is_assign: false,
            decl: Vec::new(),
            cmds: crate::ast::Commands::new(),
        };
        'decls: loop {
            let v = self.peek_non_space();
            if v.typ != ItemType::Variable {
                break;
            }
            let save = self.idx;
            self.next_non_space();
            let after = self.peek();
            let next = self.peek_non_space();
            match next.typ {
                ItemType::Assign | ItemType::Declare => {
                    pipe.is_assign = next.typ == ItemType::Assign;
                    self.next_non_space();
                    pipe.decl.push(Arc::from(v.val));
                    self.vars.push(v.val);
                    break;
                }
                ItemType::Char if next.val == "," => {
                    self.next_non_space();
                    pipe.decl.push(Arc::from(v.val));
                    self.vars.push(v.val);
                    if context == "range" && pipe.decl.len() < 2 {
                        match self.peek_non_space().typ {
                            ItemType::Variable | ItemType::RightDelim | ItemType::RightParen => {
                                continue 'decls;
                            }
                            _ => return Err(self.errorf("range can only initialize variables")),
                        }
                    }
                    return Err(self.errorf(format!("too many declarations in {context}")));
                }
                _ => {
                    let _ = after;
                    self.idx = save;
                    break;
                }
            }
        }
        loop {
            let t = self.next_non_space();
            match t.typ {
                ItemType::RightDelim | ItemType::RightParen => {
                    self.check_pipeline(&pipe, context)?;
                    if t.typ == ItemType::RightParen {
                        self.backup();
                    }
                    return Ok(pipe);
                }
                ItemType::Bool
                | ItemType::CharConstant
                | ItemType::Complex
                | ItemType::Dot
                | ItemType::Field
                | ItemType::Identifier
                | ItemType::Number
                | ItemType::Nil
                | ItemType::RawString
                | ItemType::String
                | ItemType::Variable
                | ItemType::LeftParen => {
                    self.backup();
                    let c = self.command()?;
                    pipe.cmds.push(c);
                }
                ItemType::Error => return Err(self.unexpected(&t, context)),
                _ => return Err(self.unexpected(&t, context)),
            }
        }
    }

    fn check_pipeline(&self, pipe: &Pipe, context: &str) -> PResult<()> {
        if pipe.cmds.is_empty() {
            return Err(self.errorf(format!("missing value for {context}")));
        }
        for (i, c) in pipe.cmds.iter().enumerate().skip(1) {
            if matches!(
                c.args.first(),
                Some(
                    Arg::Bool(..)
                        | Arg::Dot(_)
                        | Arg::Nil(_)
                        | Arg::Number { .. }
                        | Arg::String { .. }
                )
            ) {
                return Err(self.errorf(format!(
                    "non executable command in pipeline stage {}",
                    i + 1
                )));
            }
        }
        Ok(())
    }

    fn command(&mut self) -> PResult<Command> {
        let pos = self.peek_non_space().pos;
        let mut args = crate::ast::Args::new();
        loop {
            self.peek_non_space();
            if let Some(op) = self.operand()? {
                args.push(op);
            }
            let t = self.next();
            match t.typ {
                ItemType::Space => continue,
                ItemType::Error => return Err(self.unexpected(&t, "")),
                ItemType::RightDelim | ItemType::RightParen => self.backup(),
                ItemType::Pipe => {}
                _ => {
                    return Err(self.errorf(format!("unexpected {} in operand", self.describe(&t))))
                }
            }
            break;
        }
        if args.is_empty() {
            return Err(self.errorf("empty command"));
        }
        Ok(Command { pos, args })
    }

    fn operand(&mut self) -> PResult<Option<Arg>> {
        let Some(node) = self.term()? else {
            return Ok(None);
        };
        if self.peek().typ != ItemType::Field {
            return Ok(Some(node));
        }
        let pos = self.peek().pos;
        Ok(Some(match node {
            // A field or variable takes the fields (its vector was sized for them).
            Arg::Field { pos: _, mut idents } => {
                self.push_fields(&mut idents);
                Arg::Field { pos, idents }
            }
            Arg::Variable { pos: _, mut idents } => {
                self.push_fields(&mut idents);
                Arg::Variable { pos, idents }
            }
            Arg::Bool(..) | Arg::String { .. } | Arg::Number { .. } | Arg::Nil(_) | Arg::Dot(_) => {
                // The fields are read first: the error is reported at the last one.
                self.push_fields(&mut Vec::new());
                return Err(self.errorf(format!(
                    "unexpected . after term {}",
                    crate::fmt::quote(&node.to_go_string())
                )));
            }
            other => {
                let mut fields = Vec::with_capacity(self.fields_ahead());
                self.push_fields(&mut fields);
                Arg::Chain {
                    pos,
                    node: Box::new(other),
                    fields,
                }
            }
        }))
    }

    /// How many `Field` tokens come next (the fields chained to the current term).
    fn fields_ahead(&self) -> usize {
        self.items
            .get(self.idx..)
            .unwrap_or(&[])
            .iter()
            .take_while(|t| t.typ == ItemType::Field)
            .count()
    }

    /// Reads the `Field` tokens that come next into `names` (without their dots).
    fn push_fields(&mut self, names: &mut Vec<String>) {
        while self.peek().typ == ItemType::Field {
            let f = self.next();
            names.push(f.val[1..].to_string());
        }
    }

    fn term(&mut self) -> PResult<Option<Arg>> {
        stacker::maybe_grow(crate::STACK_RED_ZONE, crate::STACK_GROW, || {
            self.term_inner()
        })
    }

    fn term_inner(&mut self) -> PResult<Option<Arg>> {
        let t = self.next_non_space();
        Ok(Some(match t.typ {
            ItemType::Error => return Err(self.unexpected(&t, "")),
            ItemType::Identifier => {
                if !self.has_function(t.val) {
                    return Err(
                        self.errorf(format!("function {} not defined", crate::fmt::quote(t.val)))
                    );
                }
                Arg::Identifier {
                    pos: t.pos,
                    name: t.val.to_string(),
                }
            }
            ItemType::Dot => Arg::Dot(t.pos),
            ItemType::Nil => Arg::Nil(t.pos),
            ItemType::Variable => {
                if !self.vars[self.vars_base..].contains(&t.val) {
                    return Err(
                        self.errorf(format!("undefined variable {}", crate::fmt::quote(t.val)))
                    );
                }
                let mut idents = Vec::with_capacity(1 + self.fields_ahead());
                idents.push(t.val.to_string());
                Arg::Variable { pos: t.pos, idents }
            }
            ItemType::Field => {
                let mut idents = Vec::with_capacity(1 + self.fields_ahead());
                idents.push(t.val[1..].to_string());
                Arg::Field { pos: t.pos, idents }
            }
            ItemType::Bool => Arg::Bool(t.pos, t.val == "true"),
            ItemType::CharConstant | ItemType::Number | ItemType::Complex => {
                let value = self.number(&t)?;
                Arg::Number {
                    pos: t.pos,
                    text: t.val.to_string(),
                    value,
                }
            }
            ItemType::LeftParen => {
                self.enter()?;
                let pipe = self.pipeline("parenthesized pipeline", ItemType::RightParen)?;
                self.depth -= 1;
                let t2 = self.next();
                if t2.typ != ItemType::RightParen {
                    return Err(self.errorf(format!(
                        "unclosed right paren: unexpected {}",
                        self.describe(&t2)
                    )));
                }
                Arg::Pipe(Box::new(pipe))
            }
            ItemType::String | ItemType::RawString => {
                let value = unquote(t.val).ok_or_else(|| self.errorf("invalid syntax"))?;
                Arg::String {
                    pos: t.pos,
                    quoted: t.val.to_string(),
                    value,
                }
            }
            _ => {
                self.backup();
                return Ok(None);
            }
        }))
    }

    fn number(&self, t: &Item<'_>) -> PResult<Number> {
        let text = t.val;
        if t.typ == ItemType::CharConstant {
            let s = unquote_char(text)
                .ok_or_else(|| self.errorf(format!("malformed character constant: {text}")))?;
            return Ok(Number::Int(s as i64));
        }
        if t.typ == ItemType::Complex || text.ends_with('i') {
            return Err(self.errorf(format!("complex constants are not supported: {text}")));
        }
        // Most numbers are small decimal integers: read them directly (no leading zero, which
        // would make them octal; 18 digits always fit an i64).
        let b = text.as_bytes();
        if !b.is_empty()
            && b.len() <= 18
            && (b.len() == 1 || b[0] != b'0')
            && b.iter().all(u8::is_ascii_digit)
        {
            let v = b.iter().fold(0i64, |v, &d| v * 10 + (d - b'0') as i64);
            return Ok(Number::Int(v));
        }
        let is_hex_int = text.len() > 2
            && (text.starts_with("0x") || text.starts_with("0X"))
            && !text.contains(['p', 'P']);
        let floaty = !is_hex_int && text.contains(['.', 'e', 'E', 'p', 'P']);
        let int = parse_go_int(text);
        if floaty {
            return match parse_go_float(text) {
                Some(f) => Ok(Number::Float(f)),
                None => Err(self.errorf(format!(
                    "illegal number syntax: {}",
                    crate::fmt::quote(text)
                ))),
            };
        }
        match int {
            Some(i) if i >= i64::MIN as i128 && i <= i64::MAX as i128 => Ok(Number::Int(i as i64)),
            Some(i) if i >= 0 && i <= u64::MAX as i128 => Ok(Number::Overflow),
            _ => {
                if parse_go_float(text).is_some() {
                    Err(self.errorf(format!("integer overflow: {}", crate::fmt::quote(text))))
                } else {
                    Err(self.errorf(format!(
                        "illegal number syntax: {}",
                        crate::fmt::quote(text)
                    )))
                }
            }
        }
    }
}

enum Parsed {
    Node(Node),
    End,
    Else(#[allow(dead_code)] Pos),
}

enum ListEnd {
    End,
    Else,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Ctl {
    If,
    Range,
    With,
}

/// Go's `strconv.ParseInt(text, 0, 64)` widened: sign, `0x`/`0o`/`0b`/leading-`0` prefixes,
/// underscores between digits. `None` when it is not an integer literal or does not fit i128.
pub fn parse_go_int(text: &str) -> Option<i128> {
    let (neg, rest) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let lower = rest.to_ascii_lowercase();
    let (radix, digits, prefixed) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d.to_string(), true)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d.to_string(), true)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d.to_string(), true)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, lower[1..].to_string(), true)
    } else {
        (10, lower.clone(), false)
    };
    if digits.contains('_') {
        // Underscores only between digits (or right after a base prefix).
        let b = digits.as_bytes();
        if b.last() == Some(&b'_')
            || digits.contains("__")
            || (!prefixed && b.first() == Some(&b'_'))
        {
            return None;
        }
    }
    let clean: String = digits.chars().filter(|&c| c != '_').collect();
    if clean.is_empty() {
        return None;
    }
    let v = i128::from_str_radix(&clean, radix).ok()?;
    Some(if neg { -v } else { v })
}

/// Go's `strconv.ParseFloat(text, 64)` for the literals the lexer accepts (underscores,
/// leading `+`, hexadecimal mantissa with `p` exponent).
pub fn parse_go_float(text: &str) -> Option<f64> {
    let clean: String = text.chars().filter(|&c| c != '_').collect();
    let (neg, rest) = match clean.as_bytes().first()? {
        b'-' => (true, &clean[1..]),
        b'+' => (false, &clean[1..]),
        _ => (false, clean.as_str()),
    };
    let lower = rest.to_ascii_lowercase();
    let v = if let Some(h) = lower.strip_prefix("0x") {
        let (mant, exp) = match h.split_once('p') {
            Some((m, e)) => (m, e.parse::<i32>().ok()?),
            None => (h, 0),
        };
        let (ip, fp) = mant.split_once('.').unwrap_or((mant, ""));
        if ip.is_empty() && fp.is_empty() {
            return None;
        }
        let mut v = 0f64;
        for c in ip.chars() {
            v = v * 16.0 + c.to_digit(16)? as f64;
        }
        let mut scale = 1.0 / 16.0;
        for c in fp.chars() {
            v += c.to_digit(16)? as f64 * scale;
            scale /= 16.0;
        }
        v * 2f64.powi(exp)
    } else {
        if lower.contains(['x', 'p', 'o', 'b']) || lower.is_empty() {
            return None;
        }
        if !lower.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
            return None;
        }
        lower.parse::<f64>().ok()?
    };
    Some(if neg { -v } else { v })
}

/// Go's `strconv.Unquote` for `"..."` and `` `...` `` strings.
pub fn unquote(s: &str) -> Option<String> {
    if s.len() >= 2 && s.starts_with('`') && s.ends_with('`') {
        let body = &s[1..s.len() - 1];
        if memchr::memchr(b'\r', body.as_bytes()).is_none() {
            return Some(body.to_string());
        }
        return Some(body.replace('\r', ""));
    }
    if s.len() < 2 || !s.starts_with('"') || !s.ends_with('"') {
        return None;
    }
    let body = &s[1..s.len() - 1];
    // Most strings have no escapes (and, coming from the lexer, never a bare quote or
    // newline): then the body is the value, without decoding it character by character.
    if memchr::memchr3(b'\\', b'"', b'\n', body.as_bytes()).is_none() {
        return Some(body.to_string());
    }
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '"' || c == '\n' {
            return None;
        }
        if c != '\\' {
            out.push(c);
            continue;
        }
        unescape(&mut chars, &mut out, '"')?;
    }
    Some(out)
}

fn unescape(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    out: &mut String,
    quote: char,
) -> Option<()> {
    let c = chars.next()?;
    match c {
        'a' => out.push('\x07'),
        'b' => out.push('\x08'),
        'f' => out.push('\x0c'),
        'n' => out.push('\n'),
        'r' => out.push('\r'),
        't' => out.push('\t'),
        'v' => out.push('\x0b'),
        '\\' => out.push('\\'),
        c if c == quote => out.push(c),
        'x' | 'u' | 'U' => {
            let n = match c {
                'x' => 2,
                'u' => 4,
                _ => 8,
            };
            let mut v = 0u32;
            for _ in 0..n {
                v = v * 16 + chars.next()?.to_digit(16)?;
            }
            if c == 'x' {
                // A byte; Go keeps raw bytes, which a Rust string cannot: bytes >= 0x80 become
                // the replacement character.
                out.push(if v < 0x80 {
                    char::from_u32(v)?
                } else {
                    '\u{FFFD}'
                });
            } else {
                out.push(char::from_u32(v)?);
            }
        }
        '0'..='7' => {
            let mut v = c.to_digit(8)?;
            for _ in 0..2 {
                v = v * 8 + chars.next()?.to_digit(8)?;
            }
            if v > 255 {
                return None;
            }
            out.push(if v < 0x80 {
                char::from_u32(v)?
            } else {
                '\u{FFFD}'
            });
        }
        _ => return None,
    }
    Some(())
}

fn unquote_char(s: &str) -> Option<char> {
    if s.len() < 3 || !s.starts_with('\'') || !s.ends_with('\'') {
        return None;
    }
    let body = &s[1..s.len() - 1];
    let mut chars = body.chars().peekable();
    let mut out = String::new();
    let c = chars.next()?;
    if c == '\\' {
        unescape(&mut chars, &mut out, '\'')?;
    } else {
        out.push(c);
    }
    if chars.next().is_some() {
        return None;
    }
    out.chars().next()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(s: &str) -> String {
        match parse("t", s, None) {
            Ok(_) => panic!("{s}: parsed"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn go_parse_errors() {
        // Texts as Go's parser prints them (checked with Helm SDK v4.2.3 where Helm shows them).
        assert_eq!(err("{{ end }}"), "template: t:1: unexpected {{end}}");
        assert_eq!(err("{{ if 1 }}"), "template: t:1: unexpected EOF");
        assert_eq!(err("{{ $x }}"), "template: t:1: undefined variable \"$x\"");
        assert_eq!(
            err("{{ 1 | 2 }}"),
            "template: t:1: non executable command in pipeline stage 2"
        );
        assert_eq!(
            err("{{ break }}"),
            "template: t:1: {{break}} outside {{range}}"
        );
        assert_eq!(
            err("{{ if 1 }}\n\n{{ end"),
            "template: t:3: unclosed action"
        );
        assert_eq!(
            err("{{ if 1 \n\n"),
            "template: t:3: unclosed action started at t:1"
        );
        assert_eq!(
            err("{{ define \"a\" }}1{{ end }}{{ define \"a\" }}2{{ end }}"),
            "template: t:1: template: multiple definition of template \"a\""
        );
    }

    #[test]
    fn numbers_follow_go() {
        assert_eq!(parse_go_int("0x_1F"), Some(31));
        assert_eq!(parse_go_int("017"), Some(15));
        assert_eq!(parse_go_int("1_000"), Some(1000));
        assert_eq!(parse_go_int("1__0"), None);
        assert_eq!(parse_go_float("0x1p4"), Some(16.0));
        assert_eq!(parse_go_float("1_0.5"), Some(10.5));
        assert_eq!(unquote("\"\\u00e9\\x41\\101\""), Some("éAA".to_string()));
        assert_eq!(unquote("\"\\q\""), None);
    }
}
