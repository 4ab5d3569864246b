//! The parse tree. It holds no [`crate::Value`]s (constants are kept in their own plain form),
//! so a parsed template set is `Send + Sync` and can be shared by threads.

use std::sync::Arc;

use smallvec::SmallVec;

/// A pipeline's commands: nearly always one, kept inline.
pub type Commands = SmallVec<[Command; 1]>;

/// A command's operands (the function name first): up to three inline, which covers most calls
/// (`include "name" .`, `index $m "k"`) and every plain operand.
pub type Args = SmallVec<[Arg; 3]>;

/// A byte offset in the template text.
pub type Pos = usize;

/// One parsed template (a file's top level, or a `{{define}}`/`{{block}}` body).
#[derive(Debug)]
pub struct Tree {
    /// The template's name (shared: every set that holds a library chart's definitions
    /// names them without a copy).
    pub name: Arc<str>,
    /// The name of the file it was parsed from (Go's `ParseName`), for error locations.
    pub parse_name: Arc<str>,
    /// The whole text of that file, for line and column of errors.
    pub text: Arc<str>,
    /// The body (shared: the same text parsed for several sets yields one body).
    pub root: Arc<Vec<Node>>,
}

impl Tree {
    /// Whether the body is empty but for white space (Go's `IsEmptyTree`).
    pub fn is_empty(&self) -> bool {
        is_empty_list(&self.root)
    }
}

fn is_empty_list(nodes: &[Node]) -> bool {
    nodes.iter().all(|n| match n {
        Node::Text(t) => t.trim_matches(|c: char| c.is_whitespace()).is_empty(),
        Node::Comment => true,
        _ => false,
    })
}

/// A statement-level node.
#[derive(Debug)]
pub enum Node {
    /// Plain text, printed as is.
    Text(Box<str>),
    /// `{{pipeline}}` (boxed: a pipeline holds its first command inline, and a list of nodes
    /// is mostly text).
    Action(Box<Pipe>),
    /// `{{if}}`.
    If(Box<Branch>),
    /// `{{range}}`.
    Range(Box<Branch>),
    /// `{{with}}`.
    With(Box<Branch>),
    /// `{{template "name" pipeline}}` (and the call site of `{{block}}`).
    Template(Box<TemplateCall>),
    /// `{{break}}`.
    Break(Pos),
    /// `{{continue}}`.
    Continue(Pos),
    /// A comment (kept only for the empty-template rule).
    Comment,
}

/// The common shape of `if`, `range` and `with`.
#[derive(Debug)]
pub struct Branch {
    pub pos: Pos,
    pub pipe: Pipe,
    pub list: Vec<Node>,
    pub else_list: Option<Vec<Node>>,
}

/// `{{template "name" pipeline}}`.
#[derive(Debug)]
pub struct TemplateCall {
    pub pos: Pos,
    pub name: String,
    pub pipe: Option<Pipe>,
}

/// A pipeline with optional variable declarations: `$x := a | b c`.
#[derive(Debug)]
pub struct Pipe {
    pub pos: Pos,
    /// `=` rather than `:=`.
    pub is_assign: bool,
    /// Declared variables (with `$`), at most two.
    pub decl: Vec<Arc<str>>,
    pub cmds: Commands,
}

/// One stage of a pipeline: a function or method call, or a single operand.
#[derive(Debug)]
pub struct Command {
    pub pos: Pos,
    pub args: Args,
}

/// A constant in the tree (kept free of `Value`, which is not `Send`).
#[derive(Debug, Clone)]
pub enum Number {
    /// An integer constant (Go `int`); a rune constant too.
    Int(i64),
    /// A float constant (text contains `.`, `e` or `p`).
    Float(f64),
    /// Does not fit in `int` (Go: "... overflows int" at execution).
    Overflow,
}

/// An operand.
#[derive(Debug)]
pub enum Arg {
    /// `.a.b`: field names without dots.
    Field { pos: Pos, idents: Vec<String> },
    /// `$x.a.b`: first element is the variable name with `$`.
    Variable { pos: Pos, idents: Vec<String> },
    /// A function name.
    Identifier { pos: Pos, name: String },
    /// `(pipe).a.b` or `f.a` — a term followed by fields.
    Chain {
        pos: Pos,
        node: Box<Arg>,
        fields: Vec<String>,
    },
    /// `(pipeline)`.
    Pipe(Box<Pipe>),
    /// `.`
    Dot(Pos),
    /// `nil`
    Nil(Pos),
    /// `true`/`false`
    Bool(Pos, bool),
    /// A number, with its source text.
    Number {
        pos: Pos,
        text: String,
        value: Number,
    },
    /// A string constant, with its quoted source text.
    String {
        pos: Pos,
        quoted: String,
        value: String,
    },
}

impl Arg {
    /// Position of the operand in the text.
    pub fn pos(&self) -> Pos {
        match self {
            Arg::Field { pos, .. }
            | Arg::Variable { pos, .. }
            | Arg::Identifier { pos, .. }
            | Arg::Chain { pos, .. }
            | Arg::Dot(pos)
            | Arg::Nil(pos)
            | Arg::Bool(pos, _)
            | Arg::Number { pos, .. }
            | Arg::String { pos, .. } => *pos,
            Arg::Pipe(p) => p.pos,
        }
    }

    /// Go's `String()` of the node (used in error contexts).
    pub fn write(&self, out: &mut String) {
        match self {
            Arg::Field { idents, .. } => {
                for i in idents {
                    out.push('.');
                    out.push_str(i);
                }
            }
            Arg::Variable { idents, .. } => {
                for (n, i) in idents.iter().enumerate() {
                    if n > 0 {
                        out.push('.');
                    }
                    out.push_str(i);
                }
            }
            Arg::Identifier { name, .. } => out.push_str(name),
            Arg::Chain { node, fields, .. } => {
                if let Arg::Pipe(_) = **node {
                    out.push('(');
                    node.write_pipe_inner(out);
                    out.push(')');
                } else {
                    node.write(out);
                }
                for f in fields {
                    out.push('.');
                    out.push_str(f);
                }
            }
            Arg::Pipe(p) => {
                out.push('(');
                p.write(out);
                out.push(')');
            }
            Arg::Dot(_) => out.push('.'),
            Arg::Nil(_) => out.push_str("nil"),
            Arg::Bool(_, b) => out.push_str(if *b { "true" } else { "false" }),
            Arg::Number { text, .. } => out.push_str(text),
            Arg::String { quoted, .. } => out.push_str(quoted),
        }
    }

    fn write_pipe_inner(&self, out: &mut String) {
        if let Arg::Pipe(p) = self {
            p.write(out);
        }
    }

    /// Go's `String()` of the node.
    pub fn to_go_string(&self) -> String {
        let mut s = String::new();
        self.write(&mut s);
        s
    }
}

impl Command {
    /// Go's `String()`: arguments separated by spaces, inner pipelines in parentheses.
    pub fn write(&self, out: &mut String) {
        for (i, a) in self.args.iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            a.write(out);
        }
    }

    /// Go's `String()` of the command.
    pub fn to_go_string(&self) -> String {
        let mut s = String::new();
        self.write(&mut s);
        s
    }
}

impl Pipe {
    /// Go's `String()`: `$x := a | b`.
    pub fn write(&self, out: &mut String) {
        if !self.decl.is_empty() {
            for (i, v) in self.decl.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(v);
            }
            out.push_str(if self.is_assign { " = " } else { " := " });
        }
        for (i, c) in self.cmds.iter().enumerate() {
            if i > 0 {
                out.push_str(" | ");
            }
            c.write(out);
        }
    }

    /// Go's `String()` of the pipeline.
    pub fn to_go_string(&self) -> String {
        let mut s = String::new();
        self.write(&mut s);
        s
    }
}

/// Go's `String()` of a list of nodes.
pub fn write_list(nodes: &[Node], out: &mut String) {
    for n in nodes {
        n.write(out);
    }
}

impl Node {
    /// Go's `String()` of the node (used in error contexts).
    pub fn write(&self, out: &mut String) {
        match self {
            Node::Text(t) => out.push_str(t),
            Node::Action(p) => {
                out.push_str("{{");
                p.write(out);
                out.push_str("}}");
            }
            Node::If(b) => b.write("if", out),
            Node::Range(b) => b.write("range", out),
            Node::With(b) => b.write("with", out),
            Node::Template(t) => t.write(out),
            Node::Break(_) => out.push_str("{{break}}"),
            Node::Continue(_) => out.push_str("{{continue}}"),
            Node::Comment => {}
        }
    }
}

impl Branch {
    /// Go's `String()` of an `if`/`range`/`with` node.
    pub fn write(&self, word: &str, out: &mut String) {
        out.push_str("{{");
        out.push_str(word);
        out.push(' ');
        self.pipe.write(out);
        out.push_str("}}");
        write_list(&self.list, out);
        if let Some(e) = &self.else_list {
            out.push_str("{{else}}");
            write_list(e, out);
        }
        out.push_str("{{end}}");
    }
}

impl TemplateCall {
    /// Go's `String()`: `{{template "name" pipe}}`.
    pub fn write(&self, out: &mut String) {
        out.push_str("{{template ");
        out.push_str(&crate::fmt::quote(&self.name));
        if let Some(p) = &self.pipe {
            out.push(' ');
            p.write(out);
        }
        out.push_str("}}");
    }
}
