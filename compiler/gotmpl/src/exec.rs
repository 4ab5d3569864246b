//! The executor: walks a parsed template with Go's evaluation rules (fields, variables,
//! pipelines, control structures, missing keys, function calls) and Go's error texts.

use std::sync::Arc;

use crate::ast::{Arg, Branch, Command, Node, Number, Pipe, Pos, TemplateCall, Tree};
use crate::error::ErrorKind;
use crate::func::{CallContext, FuncError};
use crate::{builtins, Error, ExecOptions, MissingKey, Templates, Value};

/// A value as the executor holds it. `boxed` records that it came out of an `interface{}` slot
/// (a map entry or list element): Go then reports its type as `interface {}`, and a nil there
/// is a "nil pointer" rather than "no value". `Nil` unboxed is Go's invalid value (no value).
#[derive(Clone, Debug, Default)]
pub struct Val {
    pub v: Value,
    pub boxed: bool,
}

impl Val {
    fn plain(v: Value) -> Val {
        Val { v, boxed: false }
    }
    fn boxed(v: Value) -> Val {
        Val { v, boxed: true }
    }
    /// Go's "invalid" reflect value (no value at all).
    pub fn invalid() -> Val {
        Val::default()
    }
    /// Whether this is Go's invalid value.
    pub fn is_invalid(&self) -> bool {
        matches!(self.v, Value::Nil) && !self.boxed
    }
    /// The static type name Go reports for it in field errors.
    fn static_type(&self) -> String {
        if self.boxed {
            "interface {}".to_string()
        } else {
            self.v.type_name()
        }
    }
}

/// The node an error is reported at (Go's `state.at`).
#[derive(Clone, Copy)]
pub enum At<'n> {
    Arg(&'n Arg),
    Cmd(&'n Command),
    Pipe(&'n Pipe),
    Node(&'n Node),
    Tmpl(&'n TemplateCall),
    Branch(&'static str, &'n Branch),
    Ident(Pos, &'n str),
}

impl At<'_> {
    fn pos(&self) -> Pos {
        match self {
            At::Arg(a) => a.pos(),
            At::Cmd(c) => c.pos,
            At::Pipe(p) => p.pos,
            At::Node(n) => match n {
                Node::Action(p) => p.pos,
                Node::If(b) | Node::Range(b) | Node::With(b) => b.pos,
                Node::Template(t) => t.pos,
                Node::Break(p) | Node::Continue(p) => *p,
                _ => 0,
            },
            At::Tmpl(t) => t.pos,
            At::Branch(_, b) => b.pos,
            At::Ident(p, _) => *p,
        }
    }

    fn context(&self) -> String {
        let mut s = String::new();
        match self {
            At::Arg(a) => a.write(&mut s),
            At::Cmd(c) => c.write(&mut s),
            At::Pipe(p) => p.write(&mut s),
            At::Node(n) => n.write(&mut s),
            At::Tmpl(t) => t.write(&mut s),
            At::Branch(w, b) => b.write(w, &mut s),
            At::Ident(_, name) => s.push_str(name),
        }
        s
    }
}

/// The node Go's executor last visited when a pipeline finished (where Go reports errors that
/// follow the evaluation, like "range can't iterate over").
fn last_at(pipe: &Pipe) -> At<'_> {
    let Some(cmd) = pipe.cmds.last() else {
        return At::Pipe(pipe);
    };
    visit_end(&cmd.args[cmd.args.len() - 1])
}

/// The node Go's executor visits last while evaluating the operand `node`: the operand itself,
/// or for a parenthesized pipeline (also under a chain) the last node inside it.
fn visit_end(node: &Arg) -> At<'_> {
    match node {
        Arg::Pipe(p) => last_at(p),
        Arg::Chain { node: inner, .. } => visit_end(inner),
        Arg::Identifier { pos, name } => At::Ident(*pos, name),
        other => At::Arg(other),
    }
}

/// Where Go reports an argument conversion error, and its text. A function reports
/// "wrong type for value; expected X; got Y" without saying which argument; Go reports it at
/// the argument node, and for a literal argument says "expected X; found LITERAL" instead.
fn arg_error_site<'n>(
    explicit: &'n [Arg],
    argv: &[Value],
    default: At<'n>,
    msg: String,
) -> (At<'n>, String) {
    let Some(rest) = msg.strip_prefix("wrong type for value; expected ") else {
        return (default, msg);
    };
    let Some((want, got)) = rest.split_once("; got ") else {
        return (default, msg);
    };
    // Go reports the first argument that fails to convert. Which one that is depends on the
    // parameter types, which are not known here: take the first argument of the reported type,
    // except for `bool` parameters, which Sprig puts last (`ternary`).
    let order: Vec<usize> = if want == "bool" {
        (0..explicit.len().min(argv.len())).rev().collect()
    } else {
        (0..explicit.len().min(argv.len())).collect()
    };
    for (node, v) in order.into_iter().map(|i| (&explicit[i], &argv[i])) {
        // A nil from a map or list is Go's `interface {}` with nothing in it.
        let matches = v.type_name() == got || (matches!(v, Value::Nil) && got == "interface {}");
        if !matches {
            continue;
        }
        if let Arg::Number { .. } | Arg::Bool(..) | Arg::String { .. } | Arg::Nil(_) = node {
            let kind = match want {
                "int" | "int64" | "int32" | "uint" | "uint64" | "uint32" | "int8" | "uint8" => {
                    "integer"
                }
                "float64" | "float32" => "float",
                other => other,
            };
            return (
                At::Arg(node),
                format!("expected {kind}; found {}", node.to_go_string()),
            );
        }
        return (visit_end(node), msg);
    }
    (default, msg)
}

/// Control flow out of a list of nodes.
#[derive(PartialEq, Eq)]
enum Flow {
    Normal,
    Break,
    Continue,
}

/// Errors are boxed inside the executor so that results stay small on the hot paths.
type R<T> = Result<T, Box<Error>>;

struct Var {
    name: Arc<str>,
    val: Val,
}

/// The running state of one `execute` (shared by the nested `template`, `include` and `tpl`
/// calls it makes, so fuel and depth are counted across all of them).
pub struct State<'a> {
    set: &'a Templates,
    opts: &'a ExecOptions<'a>,
    /// Definitions made by `tpl` texts being executed (innermost last); they shadow the set.
    locals: Vec<Arc<Tree>>,
    /// The tree being executed (for error positions).
    cur: Arc<Tree>,
    /// Every scope's variables on one stack; a template call's scope starts at `frame` (Go
    /// gives a called template only `$`), so calls allocate no list of their own.
    vars: Vec<Var>,
    frame: usize,
    out: String,
    /// Output buffers of finished `include` calls, kept with their capacity: an `include`
    /// result is copied into its string value, and its buffer serves the next call instead of
    /// growing a new one from nothing.
    spare: Vec<String>,
    /// Emptied argument lists of finished function calls: a call takes one instead of
    /// allocating its own (nested calls take one each).
    arg_lists: Vec<Vec<Value>>,
    /// The same for the built-ins' argument lists.
    val_lists: Vec<Vec<Val>>,
    depth: usize,
    fuel: u64,
    seed_calls: u64,
}

/// The name of the variable `$` (one shared string: every template call starts a scope with it).
fn dollar() -> Arc<str> {
    static DOLLAR: std::sync::OnceLock<Arc<str>> = std::sync::OnceLock::new();
    DOLLAR.get_or_init(|| Arc::from("$")).clone()
}

/// Executes `tree` (a template of `set`) with `data` as dot.
pub fn execute(
    set: &Templates,
    tree: Arc<Tree>,
    data: &Value,
    opts: &ExecOptions,
) -> Result<String, Error> {
    let mut st = State {
        set,
        opts,
        locals: Vec::new(),
        cur: tree.clone(),
        vars: vec![Var {
            name: dollar(),
            val: Val::plain(data.clone()),
        }],
        frame: 0,
        // A template's output is about as long as its text: start there rather than grow
        // the buffer from nothing by doubling.
        out: String::with_capacity(tree.text.len().min(1 << 20)),
        spare: SPARE_BUFFERS.take(),
        arg_lists: Vec::new(),
        val_lists: Vec::new(),
        depth: 0,
        fuel: opts.fuel,
        seed_calls: 0,
    };
    let dot = Val::plain(data.clone());
    let r = st.walk_list(&dot, &tree.root);
    SPARE_BUFFERS.set(std::mem::take(&mut st.spare));
    r.map_err(|e| *e)?;
    Ok(st.out)
}

/// Puts an argument list back into its pool, emptied; the pool and the lists it keeps are
/// bounded, so one call with very many arguments does not keep its memory.
fn give_back<T>(pool: &mut Vec<Vec<T>>, mut list: Vec<T>) {
    list.clear();
    if pool.len() < 64 && list.capacity() <= 64 {
        pool.push(list);
    }
}

thread_local! {
    /// The `include` output buffers of the thread's last execution, kept with their
    /// capacity for the next one (a chart's templates are executed one after another, each
    /// including the same definitions).
    static SPARE_BUFFERS: std::cell::Cell<Vec<String>> = const { std::cell::Cell::new(Vec::new()) };
}

impl<'a> State<'a> {
    fn lookup(&self, name: &str) -> Option<Arc<Tree>> {
        for t in self.locals.iter().rev() {
            if *t.name == *name {
                return Some(t.clone());
            }
        }
        self.set.get(name)
    }

    /// An execution error at `at` in the current tree.
    pub fn err(&self, at: At, kind: ErrorKind, msg: impl Into<String>) -> Box<Error> {
        let pos = at.pos().min(self.cur.text.len());
        let before = &self.cur.text.as_bytes()[..pos];
        let line = crate::lex::line_at(&self.cur.text, pos);
        let col = match before.iter().rposition(|&c| c == b'\n') {
            Some(i) => pos - (i + 1),
            None => pos,
        };
        Box::new(Error::exec(
            kind,
            &self.cur.parse_name,
            line,
            col,
            &self.cur.name,
            &at.context(),
            msg,
        ))
    }

    fn burn(&mut self, at: At) -> R<()> {
        if self.fuel == 0 {
            return Err(self.err(at, ErrorKind::Fuel, "fuel exhausted"));
        }
        self.fuel -= 1;
        Ok(())
    }

    fn walk_list(&mut self, dot: &Val, nodes: &[Node]) -> R<Flow> {
        // Deep template recursion (up to `max_depth`) must not overflow the thread's stack:
        // grow it on the heap when it runs low.
        stacker::maybe_grow(crate::STACK_RED_ZONE, crate::STACK_GROW, || {
            self.walk_nodes(dot, nodes)
        })
    }

    fn walk_nodes(&mut self, dot: &Val, nodes: &[Node]) -> R<Flow> {
        for n in nodes {
            let f = self.walk(dot, n)?;
            if f != Flow::Normal {
                return Ok(f);
            }
        }
        Ok(Flow::Normal)
    }

    fn walk(&mut self, dot: &Val, node: &Node) -> R<Flow> {
        match node {
            Node::Text(t) => {
                self.out.push_str(t);
                Ok(Flow::Normal)
            }
            Node::Comment => Ok(Flow::Normal),
            Node::Action(pipe) => {
                self.burn(At::Node(node))?;
                let v = self.eval_pipeline(dot, pipe)?;
                if pipe.decl.is_empty() {
                    self.print_value(node, &v)?;
                }
                Ok(Flow::Normal)
            }
            Node::If(b) => self.walk_if_with(dot, b, false),
            Node::With(b) => self.walk_if_with(dot, b, true),
            Node::Range(b) => self.walk_range(dot, node, b),
            Node::Template(t) => {
                self.walk_template(dot, t)?;
                Ok(Flow::Normal)
            }
            Node::Break(_) => Ok(Flow::Break),
            Node::Continue(_) => Ok(Flow::Continue),
        }
    }

    fn print_value(&mut self, _node: &Node, v: &Val) -> R<()> {
        match &v.v {
            Value::Nil => self.out.push_str("<no value>"),
            Value::String(s) => self.out.push_str(s),
            other => crate::fmt::write_v(&mut self.out, other, 0),
        }
        Ok(())
    }

    fn walk_if_with(&mut self, dot: &Val, b: &Branch, with: bool) -> R<Flow> {
        self.burn(At::Branch(if with { "with" } else { "if" }, b))?;
        let mark = self.vars.len();
        let r = (|| {
            let val = self.eval_pipeline(dot, &b.pipe)?;
            if val.v.truth() {
                if with {
                    self.walk_list(&val, &b.list)
                } else {
                    self.walk_list(dot, &b.list)
                }
            } else if let Some(e) = &b.else_list {
                self.walk_list(dot, e)
            } else {
                Ok(Flow::Normal)
            }
        })();
        self.vars.truncate(mark);
        r
    }

    fn set_top_var(&mut self, n: usize, v: Val) {
        let i = self.vars.len() - n;
        self.vars[i].val = v;
    }

    fn set_var(&mut self, at: At, name: &str, v: Val) -> R<()> {
        for var in self.vars[self.frame..].iter_mut().rev() {
            if &*var.name == name {
                var.val = v;
                return Ok(());
            }
        }
        Err(self.err(at, ErrorKind::Exec, format!("undefined variable: {name}")))
    }

    fn walk_range(&mut self, dot: &Val, node: &Node, b: &Branch) -> R<Flow> {
        let at = At::Branch("range", b);
        self.burn(at)?;
        let mark = self.vars.len();
        let r = self.walk_range_inner(dot, node, b);
        self.vars.truncate(mark);
        r.map(|_| Flow::Normal)
    }

    fn one_iteration(&mut self, b: &Branch, index: Val, elem: Val, mark: usize) -> R<bool> {
        let at = At::Branch("range", b);
        self.burn(at)?;
        let decl = &b.pipe.decl;
        if !decl.is_empty() {
            if b.pipe.is_assign {
                if decl.len() > 1 {
                    self.set_var(At::Pipe(&b.pipe), &decl[0], index.clone())?;
                } else {
                    self.set_var(At::Pipe(&b.pipe), &decl[0], elem.clone())?;
                }
            } else {
                self.set_top_var(1, elem.clone());
            }
        }
        if decl.len() > 1 {
            if b.pipe.is_assign {
                self.set_var(At::Pipe(&b.pipe), &decl[1], elem.clone())?;
            } else {
                self.set_top_var(2, index);
            }
        }
        let r = self.walk_list(&elem, &b.list);
        self.vars.truncate(mark);
        Ok(r? == Flow::Break)
    }

    fn walk_range_inner(&mut self, dot: &Val, _node: &Node, b: &Branch) -> R<()> {
        let val = self.eval_pipeline(dot, &b.pipe)?;
        let mark = self.vars.len();
        let mut ran = false;
        match &val.v {
            Value::List(items) => {
                let items = items.clone();
                for (i, e) in items.iter().enumerate() {
                    ran = true;
                    if self.one_iteration(
                        b,
                        Val::plain(Value::Int(i as i64)),
                        Val::boxed(e.clone()),
                        mark,
                    )? {
                        break;
                    }
                }
            }
            Value::Map(m) => {
                // Snapshot the entries: the body may modify the map (Sprig's `set`).
                let entries: Vec<(Value, Value)> = m
                    .borrow()
                    .iter()
                    .map(|(k, v)| (Value::str(k), v.clone()))
                    .collect();
                for (k, e) in entries {
                    ran = true;
                    if self.one_iteration(b, Val::plain(k), Val::boxed(e), mark)? {
                        break;
                    }
                }
            }
            Value::Int(n) | Value::Int64(n) => {
                if b.pipe.decl.len() > 1 {
                    return Err(self.err(
                        last_at(&b.pipe),
                        ErrorKind::Exec,
                        format!("can't use {n} to iterate over more than one variable"),
                    ));
                }
                let is64 = matches!(val.v, Value::Int64(_));
                for i in 0..*n {
                    ran = true;
                    let iv = if is64 { Value::Int64(i) } else { Value::Int(i) };
                    if self.one_iteration(b, Val::plain(iv.clone()), Val::plain(iv), mark)? {
                        break;
                    }
                }
            }
            Value::Object(o) if o.entries().is_some() => {
                for (k, e) in o.entries().unwrap_or_default() {
                    ran = true;
                    if self.one_iteration(b, Val::plain(Value::str(&k)), Val::plain(e), mark)? {
                        break;
                    }
                }
            }
            Value::Nil => {}
            other => {
                return Err(self.err(
                    last_at(&b.pipe),
                    ErrorKind::Exec,
                    format!("range can't iterate over {}", crate::fmt::sprint(other)),
                ));
            }
        }
        if !ran {
            if let Some(e) = &b.else_list {
                self.walk_list(dot, e)?;
            }
        }
        Ok(())
    }

    fn walk_template(&mut self, dot: &Val, t: &TemplateCall) -> R<()> {
        self.burn(At::Tmpl(t))?;
        let Some(tree) = self.lookup(&t.name) else {
            return Err(self.err(
                At::Tmpl(t),
                ErrorKind::NoTemplate,
                format!("template {} not defined", crate::fmt::quote(&t.name)),
            ));
        };
        if self.depth >= self.opts.max_depth {
            return Err(self.err(
                At::Tmpl(t),
                ErrorKind::Depth,
                format!("exceeded maximum template depth ({})", self.opts.max_depth),
            ));
        }
        let newdot = match &t.pipe {
            Some(p) => self.eval_pipeline(dot, p)?,
            None => Val::invalid(),
        };
        self.run_tree(tree, newdot).map(|_| ())
    }

    /// Runs `tree` with `dot` in a fresh variable scope, one level deeper.
    fn run_tree(&mut self, tree: Arc<Tree>, dot: Val) -> R<()> {
        let mark = self.vars.len();
        let saved_frame = std::mem::replace(&mut self.frame, mark);
        self.vars.push(Var {
            name: dollar(),
            val: dot.clone(),
        });
        let saved_tree = std::mem::replace(&mut self.cur, tree.clone());
        self.depth += 1;
        let r = self.walk_list(&dot, &tree.root);
        self.depth -= 1;
        self.cur = saved_tree;
        self.vars.truncate(mark);
        self.frame = saved_frame;
        r.map(|_| ())
    }

    fn eval_pipeline(&mut self, dot: &Val, pipe: &Pipe) -> R<Val> {
        stacker::maybe_grow(crate::STACK_RED_ZONE, crate::STACK_GROW, || {
            self.eval_pipeline_inner(dot, pipe)
        })
    }

    fn eval_pipeline_inner(&mut self, dot: &Val, pipe: &Pipe) -> R<Val> {
        let mut value: Option<Val> = None;
        for cmd in &pipe.cmds {
            let mut v = self.eval_command(dot, cmd, value.take())?;
            // A value out of an interface{} slot is unwrapped at the end of each stage.
            v.boxed = false;
            value = Some(v);
        }
        let value = value.unwrap_or_default();
        for name in &pipe.decl {
            if pipe.is_assign {
                self.set_var(last_at(pipe), name, value.clone())?;
            } else {
                self.vars.push(Var {
                    name: name.clone(),
                    val: value.clone(),
                });
            }
        }
        Ok(value)
    }

    fn not_a_function(&self, args: &[Arg], fin: &Option<Val>) -> R<()> {
        if args.len() > 1 || fin.is_some() {
            return Err(self.err(
                At::Arg(&args[0]),
                ErrorKind::Exec,
                format!(
                    "can't give argument to non-function {}",
                    args[0].to_go_string()
                ),
            ));
        }
        Ok(())
    }

    fn eval_command(&mut self, dot: &Val, cmd: &Command, fin: Option<Val>) -> R<Val> {
        self.burn(At::Cmd(cmd))?;
        let first = &cmd.args[0];
        match first {
            Arg::Field { idents, .. } => {
                return self.eval_field_chain(dot, dot.clone(), first, idents, &cmd.args, fin)
            }
            Arg::Chain { node, fields, .. } => {
                return self.eval_chain(dot, first, node, fields, &cmd.args, fin)
            }
            Arg::Identifier { pos, name } => {
                return self.eval_function(dot, *pos, name, Some(cmd), &cmd.args, fin)
            }
            Arg::Pipe(p) => {
                self.not_a_function(&cmd.args, &fin)?;
                return self.eval_pipeline(dot, p);
            }
            Arg::Variable { idents, .. } => {
                return self.eval_variable(first, idents, &cmd.args, fin);
            }
            _ => {}
        }
        self.not_a_function(&cmd.args, &fin)?;
        Ok(match first {
            Arg::Bool(_, b) => Val::plain(Value::Bool(*b)),
            Arg::Dot(_) => dot.clone(),
            Arg::Nil(_) => {
                return Err(self.err(At::Arg(first), ErrorKind::Exec, "nil is not a command"))
            }
            Arg::Number { .. } => Val::plain(self.ideal_constant(first)?),
            Arg::String { value, .. } => Val::plain(Value::str(value)),
            _ => Val::invalid(),
        })
    }

    fn ideal_constant(&self, a: &Arg) -> R<Value> {
        if let Arg::Number { value, text, .. } = a {
            return match value {
                Number::Int(i) => Ok(Value::Int(*i)),
                Number::Float(f) => Ok(Value::Float(*f)),
                Number::Overflow => {
                    Err(self.err(At::Arg(a), ErrorKind::Exec, format!("{text} overflows int")))
                }
            };
        }
        Ok(Value::Nil)
    }

    fn var_value(&self, at: At, name: &str) -> R<Val> {
        for v in self.vars[self.frame..].iter().rev() {
            if &*v.name == name {
                return Ok(v.val.clone());
            }
        }
        Err(self.err(at, ErrorKind::Exec, format!("undefined variable: {name}")))
    }

    fn eval_variable(
        &mut self,
        node: &Arg,
        idents: &[String],
        args: &[Arg],
        fin: Option<Val>,
    ) -> R<Val> {
        let value = self.var_value(At::Arg(node), &idents[0])?;
        if idents.len() == 1 {
            self.not_a_function(args, &fin)?;
            return Ok(value);
        }
        let dot = Val::invalid();
        self.eval_field_chain(&dot, value, node, &idents[1..], args, fin)
    }

    fn eval_chain(
        &mut self,
        dot: &Val,
        chain: &Arg,
        node: &Arg,
        fields: &[String],
        args: &[Arg],
        fin: Option<Val>,
    ) -> R<Val> {
        if let Arg::Nil(_) = node {
            return Err(self.err(
                At::Arg(chain),
                ErrorKind::Exec,
                format!(
                    "indirection through explicit nil in {}",
                    chain.to_go_string()
                ),
            ));
        }
        let pipe = self.eval_arg(dot, node)?;
        self.eval_field_chain(dot, pipe, chain, fields, args, fin)
    }

    fn eval_field_chain(
        &mut self,
        dot: &Val,
        receiver: Val,
        node: &Arg,
        idents: &[String],
        args: &[Arg],
        fin: Option<Val>,
    ) -> R<Val> {
        // Go reports errors of a chain `(x).f` at the last node evaluated inside `x`.
        let at = match node {
            Arg::Chain { node: inner, .. } => match &**inner {
                Arg::Pipe(p) => last_at(p),
                Arg::Identifier { pos, name } => At::Ident(*pos, name),
                other => At::Arg(other),
            },
            other => At::Arg(other),
        };
        let n = idents.len();
        let mut receiver = receiver;
        for ident in &idents[..n - 1] {
            receiver = self.eval_field(dot, ident, at, &[], None, receiver)?;
        }
        self.eval_field(dot, &idents[n - 1], at, args, fin, receiver)
    }

    fn eval_field(
        &mut self,
        dot: &Val,
        name: &str,
        at: At,
        args: &[Arg],
        fin: Option<Val>,
        receiver: Val,
    ) -> R<Val> {
        if receiver.is_invalid() {
            if self.opts.missing_key == MissingKey::Error {
                return Err(self.err(
                    at,
                    ErrorKind::Exec,
                    format!("nil data; no entry for key {}", crate::fmt::quote(name)),
                ));
            }
            return Ok(Val::invalid());
        }
        let has_args = args.len() > 1 || fin.is_some();
        match &receiver.v {
            Value::Nil => Err(self.err(
                at,
                ErrorKind::Exec,
                format!("nil pointer evaluating {}.{}", receiver.static_type(), name),
            )),
            Value::Map(m) => {
                if has_args {
                    return Err(self.err(
                        at,
                        ErrorKind::Exec,
                        format!("{name} is not a method but has arguments"),
                    ));
                }
                let found = m.borrow().get(name).cloned();
                match found {
                    Some(v) => Ok(Val::boxed(v)),
                    None => match self.opts.missing_key {
                        MissingKey::Default => Ok(Val::invalid()),
                        MissingKey::Zero => Ok(Val::boxed(Value::Nil)),
                        MissingKey::Error => Err(self.err(
                            at,
                            ErrorKind::Exec,
                            format!("map has no entry for key {}", crate::fmt::quote(name)),
                        )),
                    },
                }
            }
            Value::Object(o) => {
                let o = o.clone();
                if has_args {
                    let argv = self.eval_call_args(dot, args, fin)?;
                    return match o.call_method(name, &argv) {
                        Some(Ok(v)) => Ok(Val::plain(v)),
                        Some(Err(e)) => Err(self.func_error(at, at, name, e)),
                        None => {
                            if o.field(name).is_some() {
                                Err(self.err(
                                    at,
                                    ErrorKind::Exec,
                                    format!(
                                        "{name} has arguments but cannot be invoked as function"
                                    ),
                                ))
                            } else {
                                Err(self.err(
                                    at,
                                    ErrorKind::Exec,
                                    format!(
                                        "can't evaluate field {name} in type {}",
                                        o.type_name()
                                    ),
                                ))
                            }
                        }
                    };
                }
                // Go looks up a method before a field or map key: `(.Files.Glob "x").AsConfig`
                // calls the method even though `Files` is a map that could hold that key.
                match o.call_method(name, &[]) {
                    Some(Ok(v)) => Ok(Val::plain(v)),
                    Some(Err(e)) => Err(self.func_error(at, at, name, e)),
                    None => match o.field(name) {
                        Some(v) => Ok(Val::plain(v)),
                        None => Err(self.err(
                            at,
                            ErrorKind::Exec,
                            format!("can't evaluate field {name} in type {}", o.type_name()),
                        )),
                    },
                }
            }
            _ => Err(self.err(
                at,
                ErrorKind::Exec,
                format!(
                    "can't evaluate field {name} in type {}",
                    receiver.static_type()
                ),
            )),
        }
    }

    /// Evaluates an argument for an `interface{}` parameter.
    fn eval_arg(&mut self, dot: &Val, n: &Arg) -> R<Val> {
        match n {
            Arg::Dot(_) => Ok(dot.clone()),
            Arg::Nil(_) => Ok(Val::boxed(Value::Nil)),
            Arg::Field { idents, .. } => {
                self.eval_field_chain(dot, dot.clone(), n, idents, &[], None)
            }
            Arg::Variable { idents, .. } => self.eval_variable(n, idents, &[], None),
            Arg::Pipe(p) => self.eval_pipeline(dot, p),
            Arg::Identifier { pos, name } => {
                self.eval_function(dot, *pos, name, None, std::slice::from_ref(n), None)
            }
            Arg::Chain { node, fields, .. } => self.eval_chain(dot, n, node, fields, &[], None),
            Arg::Bool(_, b) => Ok(Val::plain(Value::Bool(*b))),
            Arg::Number { .. } => Ok(Val::plain(self.ideal_constant(n)?)),
            Arg::String { value, .. } => Ok(Val::plain(Value::str(value))),
        }
    }

    fn eval_call_args(&mut self, dot: &Val, args: &[Arg], fin: Option<Val>) -> R<Vec<Value>> {
        // An argument list from the pool (see `arg_lists`); it is given back after the call.
        let mut argv = self.arg_lists.pop().unwrap_or_default();
        for a in args.iter().skip(1) {
            match self.eval_arg(dot, a) {
                Ok(v) => argv.push(v.v),
                Err(e) => {
                    self.recycle_args(argv);
                    return Err(e);
                }
            }
        }
        if let Some(f) = fin {
            argv.push(f.v);
        }
        Ok(argv)
    }

    /// Gives an argument list back to the pool, emptied.
    fn recycle_args(&mut self, argv: Vec<Value>) {
        give_back(&mut self.arg_lists, argv);
    }

    fn func_error(&self, call_at: At, arg_at: At, name: &str, e: FuncError) -> Box<Error> {
        match e {
            FuncError::Call(m) => self.err(
                call_at,
                ErrorKind::Func,
                format!("error calling {name}: {m}"),
            ),
            FuncError::Arg(m) => self.err(arg_at, ErrorKind::Func, m),
            FuncError::Arity { want, got } => self.err(
                arg_at,
                ErrorKind::Func,
                format!("wrong number of args for {name}: want {want} got {got}"),
            ),
            FuncError::Template(inner) => self.err(
                call_at,
                ErrorKind::Func,
                format!("error calling {name}: {inner}"),
            ),
        }
    }

    /// Calls function `name`. `cmd` is the command it heads (None when it is an argument),
    /// `args` the command's arguments including the name itself.
    fn eval_function(
        &mut self,
        dot: &Val,
        pos: Pos,
        name: &str,
        cmd: Option<&Command>,
        args: &[Arg],
        fin: Option<Val>,
    ) -> R<Val> {
        let ident_at = At::Ident(pos, name);
        let call_at = match cmd {
            Some(c) => At::Cmd(c),
            None => ident_at,
        };
        // The function map outlives this state (`'a`): the function is called through a
        // borrow of it, without cloning its `Arc` (two atomic operations per call).
        let funcs: &'a crate::FuncMap = self.opts.funcs;
        let Some(f) = funcs.get(name) else {
            if let Some(r) = builtins::call_builtin(self, dot, name, call_at, ident_at, args, fin) {
                return r;
            }
            return Err(self.err(
                ident_at,
                ErrorKind::Exec,
                format!("{} is not a defined function", crate::fmt::quote(name)),
            ));
        };
        let argv = self.eval_call_args(dot, args, fin)?;
        let arg_at = if args.len() > 1 {
            At::Arg(&args[args.len() - 1])
        } else {
            ident_at
        };
        let r = match f(self, &argv) {
            Ok(v) => Ok(Val::plain(v)),
            Err(e @ FuncError::Arity { .. }) => Err(self.func_error(call_at, ident_at, name, e)),
            Err(FuncError::Arg(m)) => {
                let (at, m) = arg_error_site(&args[1.min(args.len())..], &argv, arg_at, m);
                Err(self.err(at, ErrorKind::Func, m))
            }
            Err(e) => Err(self.func_error(call_at, arg_at, name, e)),
        };
        self.recycle_args(argv);
        r
    }

    // ----- helpers the built-in functions use -----

    /// An empty argument list for a built-in, from the pool.
    pub(crate) fn take_vals(&mut self) -> Vec<Val> {
        self.val_lists.pop().unwrap_or_default()
    }

    /// Gives a built-in's argument list back to the pool, emptied.
    pub(crate) fn give_vals(&mut self, vals: Vec<Val>) {
        give_back(&mut self.val_lists, vals);
    }

    /// Evaluates one argument (for the built-ins).
    pub fn arg(&mut self, dot: &Val, n: &Arg) -> R<Val> {
        self.eval_arg(dot, n)
    }

    /// An error at a node (for the built-ins).
    pub fn error_at(&self, at: At, msg: impl Into<String>) -> Box<Error> {
        self.err(at, ErrorKind::Func, msg)
    }

    /// Current template name.
    fn executing_name(&self) -> &str {
        &self.cur.name
    }

    /// Runs `f` with a fresh output buffer one level deeper; returns what it printed.
    fn nested(&mut self, f: impl FnOnce(&mut Self) -> R<()>) -> Result<String, FuncError> {
        if self.depth >= self.opts.max_depth {
            return Err(FuncError::Call(format!(
                "exceeded maximum template depth ({})",
                self.opts.max_depth
            )));
        }
        let buf = self.spare.pop().unwrap_or_default();
        let saved_out = std::mem::replace(&mut self.out, buf);
        let r = f(self);
        let produced = std::mem::replace(&mut self.out, saved_out);
        match r {
            Ok(()) => Ok(produced),
            Err(e) => Err(FuncError::Template(e)),
        }
    }

    /// Takes back a buffer `nested` produced once its text has been copied.
    fn recycle(&mut self, mut buf: String) {
        // A bounded pool of bounded buffers: one huge output is not kept alive.
        if self.spare.len() < 16 && buf.capacity() <= 1 << 20 {
            buf.clear();
            self.spare.push(buf);
        }
    }
}

impl CallContext for State<'_> {
    fn template_name(&self) -> &str {
        self.executing_name()
    }

    fn execute_named(&mut self, name: &str, data: &Value) -> Result<String, FuncError> {
        let Some(tree) = self.lookup(name) else {
            return Err(FuncError::Call(format!(
                "template: no template {} associated with template {}",
                crate::fmt::quote(name),
                crate::fmt::quote(&self.set.root_name())
            )));
        };
        let dot = Val::plain(data.clone());
        self.nested(|st| st.run_tree(tree, dot))
    }

    fn include(&mut self, name: &str, data: &Value) -> Result<Value, FuncError> {
        let out = self.execute_named(name, data)?;
        let v = Value::str(&out);
        self.recycle(out);
        Ok(v)
    }

    fn execute_text(&mut self, text: &str, data: &Value) -> Result<String, FuncError> {
        let (top, defs) = crate::parse::parse(crate::TPL_NAME, text, self.set.func_names())
            .map_err(|e| FuncError::Template(Box::new(e)))?;
        let mark = self.locals.len();
        for d in defs {
            let d = Arc::new(d);
            if d.is_empty() {
                if let Some(old) = self.lookup(&d.name) {
                    if !old.is_empty() {
                        continue;
                    }
                }
            }
            self.locals.push(d);
        }
        let top = Arc::new(top);
        let dot = Val::plain(data.clone());
        let r = self.nested(|st| st.run_tree(top, dot));
        self.locals.truncate(mark);
        r
    }

    fn next_seed(&mut self) -> u64 {
        self.seed_calls += 1;
        let mut h = self.opts.seed ^ 0x9e37_79b9_7f4a_7c15;
        for b in self.cur.name.bytes() {
            h = (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3);
        }
        h ^= self.seed_calls.wrapping_mul(0xbf58_476d_1ce4_e5b9);
        // splitmix64 finalizer
        h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        h ^ (h >> 31)
    }

    fn now_unix(&self) -> i64 {
        self.opts.now_unix
    }
}
