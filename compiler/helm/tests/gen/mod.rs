//! A seeded generator of Go templates over generated values, for the random differential test
//! against Helm's engine.
//!
//! It knows the type of every value it can reach (the values file it writes, its variables, the
//! dot of each block and of each named template), so that most generated templates render; the
//! rest fail in both engines, which then must agree on the error's position. The output of one
//! seed is a [`Case`]: a `values.yaml`, a file of named templates and a main template, each made
//! of [`Node`]s so that a failing case can be minimized by removing or hoisting nodes.

#![allow(dead_code)] // Each test uses a different part.

use std::fmt::Write as _;

/// Whether `e` is one operand as written (a literal, a field chain, a variable, or one
/// parenthesized expression), so that it needs no parentheses as an argument.
fn is_atomic(e: &str) -> bool {
    let b = e.as_bytes();
    if b.first() == Some(&b'"') {
        // A string literal that ends where the expression ends.
        let mut i = 1;
        while i < b.len() {
            match b[i] {
                b'\\' => i += 2,
                b'"' => return i == b.len() - 1,
                _ => i += 1,
            }
        }
        return false;
    }
    if b.first() == Some(&b'(') {
        let (mut depth, mut in_str, mut i) = (0i32, false, 0);
        while i < b.len() {
            match b[i] {
                b'\\' if in_str => i += 1,
                b'"' => in_str = !in_str,
                b'(' if !in_str => depth += 1,
                b')' if !in_str => {
                    depth -= 1;
                    if depth == 0 {
                        return i == b.len() - 1;
                    }
                }
                _ => {}
            }
            i += 1;
        }
        return false;
    }
    !e.contains(' ')
}

/// SplitMix64: small, seeded, the same on every platform.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x5851_f42d_4c95_7f2d)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    /// True with probability `p` percent.
    pub fn chance(&mut self, p: u32) -> bool {
        self.below(100) < p as usize
    }
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

/// What the generator knows of an expression's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ty {
    /// A Go string.
    Str,
    /// A float64 (every number from values files).
    Float,
    /// A Go int or int64 (literals, `len`, `add`).
    Int,
    Bool,
    /// A list of scalars.
    List,
    /// A map of string keys `k0`…`k3` to scalars.
    Map,
    /// Anything (nil included).
    Any,
}

/// A template fragment; blocks hold their bodies so that a reproduction can be minimized.
#[derive(Clone, Debug)]
pub enum Node {
    /// Text or a complete action, printed as is.
    Leaf(String),
    /// `open` body [`else` alternative] `{{ end }}`; `else_kw` is the `{{ else … }}` action.
    Block {
        open: String,
        body: Vec<Node>,
        alt: Option<(String, Vec<Node>)>,
        close: String,
    },
}

impl Node {
    fn write(&self, out: &mut String) {
        match self {
            Node::Leaf(s) => out.push_str(s),
            Node::Block {
                open,
                body,
                alt,
                close,
            } => {
                out.push_str(open);
                write_nodes(body, out);
                if let Some((kw, nodes)) = alt {
                    out.push_str(kw);
                    write_nodes(nodes, out);
                }
                out.push_str(close);
            }
        }
    }
}

pub fn write_nodes(nodes: &[Node], out: &mut String) {
    for n in nodes {
        n.write(out);
    }
}

/// One generated test: a chart's `values.yaml`, `templates/_defs.tpl` and `templates/t.txt`.
#[derive(Clone, Debug)]
pub struct Case {
    pub seed: u64,
    pub values: String,
    pub defs: Vec<Node>,
    pub main: Vec<Node>,
}

impl Case {
    pub fn defs_text(&self) -> String {
        let mut s = String::new();
        write_nodes(&self.defs, &mut s);
        s
    }
    pub fn main_text(&self) -> String {
        let mut s = String::new();
        write_nodes(&self.main, &mut s);
        s
    }

    /// Smaller variants of this case: each node (at any depth) removed, each block replaced
    /// by its body, each `else` branch dropped. Used to minimize a failing case.
    pub fn shrinks(&self) -> Vec<Case> {
        let mut out = Vec::new();
        for v in shrink_list(&self.main) {
            out.push(Case {
                main: v,
                ..self.clone()
            });
        }
        for v in shrink_list(&self.defs) {
            out.push(Case {
                defs: v,
                ..self.clone()
            });
        }
        out
    }
}

fn shrink_list(nodes: &[Node]) -> Vec<Vec<Node>> {
    let mut out = Vec::new();
    for i in 0..nodes.len() {
        let mut removed = nodes.to_vec();
        removed.remove(i);
        out.push(removed);
        if let Node::Block {
            open,
            body,
            alt,
            close,
        } = &nodes[i]
        {
            let mut hoisted = nodes[..i].to_vec();
            hoisted.extend(body.iter().cloned());
            hoisted.extend(nodes[i + 1..].iter().cloned());
            out.push(hoisted);
            if alt.is_some() {
                let mut no_alt = nodes.to_vec();
                no_alt[i] = Node::Block {
                    open: open.clone(),
                    body: body.clone(),
                    alt: None,
                    close: close.clone(),
                };
                out.push(no_alt);
            }
            for b in shrink_list(body) {
                let mut v = nodes.to_vec();
                v[i] = Node::Block {
                    open: open.clone(),
                    body: b,
                    alt: alt.clone(),
                    close: close.clone(),
                };
                out.push(v);
            }
            if let Some((kw, a)) = alt {
                for b in shrink_list(a) {
                    let mut v = nodes.to_vec();
                    v[i] = Node::Block {
                        open: open.clone(),
                        body: body.clone(),
                        alt: Some((kw.clone(), b)),
                        close: close.clone(),
                    };
                    out.push(v);
                }
            }
        }
    }
    out
}

const STRINGS: &[&str] = &[
    "hello",
    "Hello World",
    "a,b,c",
    "  padded  ",
    "",
    "x-y_z",
    "123",
    "true",
    "multi\nline\n",
    "quote\"d",
    "ünïcode ✓",
    "on",
    "0755",
    "1.0",
    "a: b",
    "CamelCase",
    "snake_case_here",
    "{{ not a template }}",
    "tab\there",
    "#comment",
];
const FLOATS: &[&str] = &[
    "0",
    "1",
    "3",
    "-7",
    "42",
    "1000000",
    "65536",
    "2.5",
    "-0.5",
    "0.1",
    "1e-07",
    "123456789.0",
    "1.5e10",
    "100",
    "3.0",
];
const KEYS: &[&str] = &["k0", "k1", "k2", "k3"];

/// The names and types of the generated values (`s0`, `n0`, `b0`, `l0`, `m0`, `z0`, …).
struct Values {
    strs: usize,
    nums: usize,
    bools: usize,
    lists: usize,
    maps: usize,
}

fn yaml_str(s: &str) -> String {
    // JSON's quoting is valid YAML and leaves nothing to YAML 1.1 resolution.
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A Go string literal.
fn go_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn gen_scalar_yaml(rng: &mut Rng) -> String {
    match rng.below(4) {
        0 | 1 => yaml_str(rng.pick(STRINGS)),
        2 => rng.pick(FLOATS).to_string(),
        _ => rng.pick(&["true", "false", "null"]).to_string(),
    }
}

fn gen_values(rng: &mut Rng) -> (String, Values) {
    let v = Values {
        strs: 1 + rng.below(4),
        nums: 1 + rng.below(4),
        bools: 1 + rng.below(2),
        lists: 1 + rng.below(3),
        maps: 1 + rng.below(3),
    };
    let mut y = String::new();
    for i in 0..v.strs {
        let _ = writeln!(y, "s{i}: {}", yaml_str(rng.pick(STRINGS)));
    }
    for i in 0..v.nums {
        let _ = writeln!(y, "n{i}: {}", rng.pick(FLOATS));
    }
    for i in 0..v.bools {
        let _ = writeln!(y, "b{i}: {}", rng.chance(50));
    }
    y.push_str("z0: null\n");
    for i in 0..v.lists {
        let n = rng.below(5);
        if n == 0 {
            let _ = writeln!(y, "l{i}: []");
        } else {
            let _ = writeln!(y, "l{i}:");
            for _ in 0..n {
                let _ = writeln!(y, "  - {}", gen_scalar_yaml(rng));
            }
        }
    }
    for i in 0..v.maps {
        let n = rng.below(5);
        if n == 0 {
            let _ = writeln!(y, "m{i}: {{}}");
        } else {
            let _ = writeln!(y, "m{i}:");
            for k in KEYS.iter().take(n) {
                if rng.chance(15) {
                    let _ = writeln!(y, "  {k}:\n    inner: {}", gen_scalar_yaml(rng));
                } else {
                    let _ = writeln!(y, "  {k}: {}", gen_scalar_yaml(rng));
                }
            }
        }
    }
    (y, v)
}

/// What `.` is in the template being generated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dot {
    /// The chart's top-level context (`.Values`, `.Release`, …).
    Root,
    /// `dict "a" <string> "b" <float> "root" <top context>`.
    DictCtx,
    /// `list <string> <any>`.
    ListCtx,
    /// A value of that type (inside `with`/`range`).
    Val(Ty),
}

/// A named template and the context it expects.
#[derive(Clone)]
struct Def {
    name: String,
    ctx: Dot,
}

struct Gen<'r> {
    rng: &'r mut Rng,
    vals: Values,
    /// Variables in scope, innermost last, with their types.
    vars: Vec<(String, Ty)>,
    /// How to reach the top-level context (`$`, `$.root`), if it is reachable.
    root: Option<String>,
    /// What `.` is.
    dot: Dot,
    /// What `$` is (the dot the template was called with).
    dollar: Dot,
    defs: Vec<Def>,
    next_var: usize,
    next_block: usize,
    depth: usize,
    in_range: bool,
}

impl Gen<'_> {
    fn values_path(&mut self, ty: Ty) -> Option<String> {
        let root = self.root.clone()?;
        let v = &self.vals;
        let p = match ty {
            Ty::Str => format!("s{}", self.rng.below(v.strs)),
            Ty::Float => format!("n{}", self.rng.below(v.nums)),
            Ty::Bool => format!("b{}", self.rng.below(v.bools)),
            Ty::List => format!("l{}", self.rng.below(v.lists)),
            Ty::Map => format!("m{}", self.rng.below(v.maps)),
            Ty::Int => return None,
            Ty::Any => match self.rng.below(40) {
                0..=5 => "z0".into(),
                6..=11 => "missing".into(),
                12..=23 => format!("m{}.{}", self.rng.below(v.maps), self.rng.pick(KEYS)),
                // Fails on most maps (a field of a scalar): error positions are compared too.
                24 => format!("m{}.k0.inner", self.rng.below(v.maps)),
                25..=31 => format!("s{}", self.rng.below(v.strs)),
                _ => format!("l{}", self.rng.below(v.lists)),
            },
        };
        Some(format!("{root}.Values.{p}"))
    }

    fn var_of(&mut self, ty: Ty) -> Option<String> {
        let c: Vec<&String> = self
            .vars
            .iter()
            .filter(|(_, t)| *t == ty || ty == Ty::Any)
            .map(|(n, _)| n)
            .collect();
        if c.is_empty() {
            None
        } else {
            Some(c[self.rng.below(c.len())].clone())
        }
    }

    fn dot_of(&mut self, ty: Ty) -> Option<String> {
        match self.dot {
            Dot::Val(t) if t == ty || ty == Ty::Any => Some(".".into()),
            Dot::DictCtx => match ty {
                Ty::Str => Some(".a".into()),
                Ty::Float => Some(".b".into()),
                Ty::Any => Some(self.rng.pick(&[".a", ".b", ".nope"]).to_string()),
                _ => None,
            },
            Dot::ListCtx => match ty {
                Ty::Str => Some("(index . 0)".into()),
                Ty::Any => Some("(index . 1)".into()),
                Ty::List => Some(".".into()),
                _ => None,
            },
            _ => None,
        }
    }

    /// An expression of type `ty` usable as a command argument (parenthesized when compound).
    fn arg(&mut self, ty: Ty) -> String {
        let e = self.expr(ty);
        if is_atomic(&e) {
            e
        } else {
            format!("({e})")
        }
    }

    fn simple(&mut self, ty: Ty) -> String {
        for _ in 0..3 {
            let r = self.rng.below(4);
            let got = match r {
                0 => self.values_path(ty),
                1 => self.var_of(ty),
                2 => self.dot_of(ty),
                _ => None,
            };
            if let Some(g) = got {
                return g;
            }
        }
        self.literal(ty)
    }

    fn literal(&mut self, ty: Ty) -> String {
        match ty {
            Ty::Str => go_str(self.rng.pick(STRINGS)),
            Ty::Float => self
                .rng
                .pick(&["1.5", "2.0", "0.25", "-3.5", "1e6"])
                .to_string(),
            Ty::Int => self
                .rng
                .pick(&["0", "1", "2", "3", "7", "-1", "10"])
                .to_string(),
            Ty::Bool => self.rng.pick(&["true", "false"]).to_string(),
            Ty::List => "(list 1 \"two\" 3.5)".into(),
            Ty::Map => "(dict \"k0\" 1 \"k1\" \"v\")".into(),
            Ty::Any => self.rng.pick(&["1", "\"s\"", "true", "2.5"]).to_string(),
        }
    }

    fn expr(&mut self, ty: Ty) -> String {
        if self.depth > 3 || self.rng.chance(35) {
            return self.simple(ty);
        }
        self.depth += 1;
        let e = self.compound(ty);
        self.depth -= 1;
        e
    }

    fn compound(&mut self, ty: Ty) -> String {
        let r = &mut *self.rng;
        match ty {
            Ty::Str => match r.below(30) {
                0 => format!("upper {}", self.arg(Ty::Str)),
                1 => format!("{} | lower", self.simple(Ty::Str)),
                2 => format!("trim {}", self.arg(Ty::Str)),
                3 => format!("title {}", self.arg(Ty::Str)),
                4 => format!("quote {}", self.arg(Ty::Any)),
                5 => format!("squote {}", self.arg(Ty::Str)),
                // Byte-indexed cuts inside a UTF-8 character are a documented difference
                // (Strata prints U+FFFD where Go prints the broken bytes): ASCII operands only.
                6 => format!("trunc {} {}", self.literal(Ty::Int), self.ascii()),
                7 => format!(
                    "replace {} {} {}",
                    go_str(self.rng.pick(&["a", "l", ",", " "])),
                    go_str(self.rng.pick(&["", "X", "--"])),
                    self.arg(Ty::Str)
                ),
                8 => format!("repeat 2 {}", self.arg(Ty::Str)),
                9 => self.printf(),
                10 => format!("cat {} {}", self.arg(Ty::Any), self.arg(Ty::Any)),
                11 => format!(
                    "join {} {}",
                    go_str(self.rng.pick(&[",", "-", ""])),
                    self.arg(Ty::List)
                ),
                12 => format!("toString {}", self.arg(Ty::Any)),
                13 => format!("toYaml {}", self.arg(Ty::Any)),
                14 => format!("toJson {}", self.arg(Ty::Any)),
                15 => format!("default {} {}", self.arg(Ty::Str), self.arg(Ty::Str)),
                16 => format!("coalesce {} {}", self.arg(Ty::Str), self.arg(Ty::Str)),
                17 => format!(
                    "ternary {} {} {}",
                    self.arg(Ty::Str),
                    self.arg(Ty::Str),
                    self.arg(Ty::Bool)
                ),
                18 => format!("nospace {}", self.arg(Ty::Str)),
                19 => format!("trimSuffix \"e\" {}", self.arg(Ty::Str)),
                20 => format!("substr 1 4 {}", self.ascii()),
                21 => format!("{} | b64enc", self.simple(Ty::Str)),
                22 => format!("snakecase {}", self.arg(Ty::Str)),
                23 => format!("indent 2 {}", self.arg(Ty::Str)),
                24 => format!("{} | nindent 4", self.simple(Ty::Str)),
                25 => format!("{} | toYaml | indent 2", self.simple(Ty::Map)),
                26 => self.include(),
                27 => self.tpl(),
                28 => format!("print {} {}", self.arg(Ty::Any), self.arg(Ty::Any)),
                _ => format!("kebabcase {}", self.arg(Ty::Str)),
            },
            Ty::Float => match r.below(6) {
                0 => format!("float64 {}", self.arg(Ty::Int)),
                1 => format!("addf {} {}", self.arg(Ty::Float), self.arg(Ty::Float)),
                2 => format!("mulf {} 2", self.arg(Ty::Float)),
                3 => format!("default 1.5 {}", self.arg(Ty::Float)),
                4 => format!("divf {} 4", self.arg(Ty::Float)),
                _ => format!("round {} 1", self.arg(Ty::Float)),
            },
            Ty::Int => match r.below(8) {
                0 => format!("len {}", self.arg(Ty::List)),
                1 => format!("len {}", self.arg(Ty::Str)),
                2 => format!("add {} {}", self.arg(Ty::Int), self.arg(Ty::Float)),
                3 => format!("sub {} 1", self.arg(Ty::Int)),
                4 => format!("int {}", self.arg(Ty::Float)),
                5 => format!("mul {} 3", self.arg(Ty::Int)),
                6 => format!("len {}", self.arg(Ty::Map)),
                _ => format!("add1 {}", self.arg(Ty::Int)),
            },
            Ty::Bool => match r.below(16) {
                0 => format!("eq {} {}", self.arg(Ty::Str), self.arg(Ty::Str)),
                1 => format!("ne {} {}", self.arg(Ty::Float), self.arg(Ty::Float)),
                2 => format!("lt {} {}", self.arg(Ty::Int), self.arg(Ty::Int)),
                3 => format!("ge {} {}", self.arg(Ty::Float), self.arg(Ty::Float)),
                4 => format!("and {} {}", self.arg(Ty::Any), self.arg(Ty::Bool)),
                5 => format!("or {} {}", self.arg(Ty::Bool), self.arg(Ty::Any)),
                6 => format!("not {}", self.arg(Ty::Any)),
                7 => format!("empty {}", self.arg(Ty::Any)),
                8 => format!("has {} {}", self.arg(Ty::Any), self.arg(Ty::List)),
                9 => format!(
                    "hasKey {} {}",
                    self.arg(Ty::Map),
                    go_str(self.rng.pick(KEYS))
                ),
                10 => format!("contains \"a\" {}", self.arg(Ty::Str)),
                11 => format!("hasPrefix \"h\" {}", self.arg(Ty::Str)),
                12 => format!(
                    "eq (toString {}) (toString {})",
                    self.arg(Ty::Any),
                    self.arg(Ty::Any)
                ),
                13 => format!("gt {} {}", self.arg(Ty::Str), self.arg(Ty::Str)),
                14 => format!("eq {} {}", self.arg(Ty::Float), self.arg(Ty::Int)),
                _ => format!("kindIs \"string\" {}", self.arg(Ty::Any)),
            },
            Ty::List => match r.below(14) {
                0 => format!(
                    "list {} {} {}",
                    self.arg(Ty::Any),
                    self.arg(Ty::Str),
                    self.arg(Ty::Float)
                ),
                1 => format!("splitList \",\" {}", self.arg(Ty::Str)),
                2 => format!("append {} {}", self.arg(Ty::List), self.arg(Ty::Any)),
                3 => format!("reverse {}", self.arg(Ty::List)),
                4 => format!("uniq {}", self.arg(Ty::List)),
                5 => format!("sortAlpha {}", self.arg(Ty::List)),
                6 => format!("compact {}", self.arg(Ty::List)),
                7 => format!("until {}", self.rng.below(5)),
                8 => format!("without {} {}", self.arg(Ty::List), self.arg(Ty::Any)),
                9 => format!("keys {} | sortAlpha", self.arg(Ty::Map)),
                10 => format!("rest {}", self.arg(Ty::List)),
                11 => format!("initial {}", self.arg(Ty::List)),
                12 => format!("concat {} {}", self.arg(Ty::List), self.arg(Ty::List)),
                _ => format!("prepend {} {}", self.arg(Ty::List), self.arg(Ty::Str)),
            },
            Ty::Map => match r.below(8) {
                0 => format!(
                    "dict {} {} {} {}",
                    go_str(self.rng.pick(KEYS)),
                    self.arg(Ty::Any),
                    go_str(self.rng.pick(KEYS)),
                    self.arg(Ty::Str)
                ),
                1 => format!(
                    "merge (dict \"k0\" {}) {}",
                    self.arg(Ty::Any),
                    self.arg(Ty::Map)
                ),
                2 => format!("pick {} \"k0\" \"k2\"", self.arg(Ty::Map)),
                3 => format!("omit {} \"k1\"", self.arg(Ty::Map)),
                4 => format!("deepCopy {}", self.arg(Ty::Map)),
                5 => format!("mergeOverwrite (dict \"k1\" 0) {}", self.arg(Ty::Map)),
                6 => "fromYaml \"k0: 1\\nk1: [a, b]\\nk2: {x: y}\"".into(),
                _ => format!("default (dict) {}", self.arg(Ty::Map)),
            },
            Ty::Any => match r.below(10) {
                0 => format!("first {}", self.arg(Ty::List)),
                1 => format!("last {}", self.arg(Ty::List)),
                2 => format!("get {} {}", self.arg(Ty::Map), go_str(self.rng.pick(KEYS))),
                3 => format!("dig \"k0\" \"dflt\" {}", self.arg(Ty::Map)),
                4 => format!("index {} 0", self.arg(Ty::List)),
                5 => format!(
                    "index {} {}",
                    self.arg(Ty::Map),
                    go_str(self.rng.pick(KEYS))
                ),
                6 => format!(
                    "coalesce {} {} {}",
                    self.arg(Ty::Any),
                    self.arg(Ty::Any),
                    self.arg(Ty::Any)
                ),
                7 => format!("default {} {}", self.arg(Ty::Any), self.arg(Ty::Any)),
                8 => {
                    let t =
                        self.rng
                            .pick(&[Ty::Str, Ty::Float, Ty::Int, Ty::Bool, Ty::List, Ty::Map]);
                    self.expr(t)
                }
                _ => format!(
                    "ternary {} {} {}",
                    self.arg(Ty::Any),
                    self.arg(Ty::Any),
                    self.arg(Ty::Bool)
                ),
            },
        }
    }

    /// A string operand that is ASCII whatever the values hold.
    fn ascii(&mut self) -> String {
        let s = self.rng.pick(STRINGS);
        if s.is_ascii() {
            go_str(s)
        } else {
            format!("(lower {})", self.arg(Ty::Int))
        }
    }

    fn printf(&mut self) -> String {
        let n = 1 + self.rng.below(3);
        let mut fmt = String::new();
        let mut args = Vec::new();
        for _ in 0..n {
            let ty = self.rng.pick(&[
                Ty::Str,
                Ty::Float,
                Ty::Int,
                Ty::Bool,
                Ty::List,
                Ty::Map,
                Ty::Any,
            ]);
            let verb = match ty {
                Ty::Str => self
                    .rng
                    .pick(&["%s", "%q", "%v", "%10s", "%-6s|", "%x", "%.3s"]),
                Ty::Float => self
                    .rng
                    .pick(&["%v", "%f", "%.2f", "%e", "%g", "%8.3f", "%d"]),
                Ty::Int => self
                    .rng
                    .pick(&["%d", "%5d", "%-4d|", "%x", "%o", "%b", "%v", "%03d", "%s"]),
                Ty::Bool => self.rng.pick(&["%t", "%v", "%s"]),
                // Not %T: Go's list types ([]string, []int) are one type in Strata (documented).
                _ => self.rng.pick(&["%v", "%+v", "%s"]),
            };
            fmt.push_str(verb);
            fmt.push(self.rng.pick(&[' ', '-', ':', '/']));
            args.push(self.arg(ty));
        }
        if self.rng.chance(5) {
            fmt.push_str("%%");
        }
        if self.rng.chance(5) {
            args.pop();
        }
        format!("printf {} {}", go_str(&fmt), args.join(" "))
    }

    fn include(&mut self) -> String {
        if self.defs.is_empty() {
            return self.simple(Ty::Str);
        }
        let d = self.defs[self.rng.below(self.defs.len())].clone();
        let ctx = self.ctx_for(d.ctx);
        match ctx {
            Some(c) => format!("include {} {c}", go_str(&d.name)),
            None => self.simple(Ty::Str),
        }
    }

    fn ctx_for(&mut self, ctx: Dot) -> Option<String> {
        match ctx {
            Dot::DictCtx => {
                let root = self.root.clone()?;
                let a = self.arg(Ty::Str);
                let b = self.arg(Ty::Float);
                Some(format!("(dict \"a\" {a} \"b\" {b} \"root\" {root})"))
            }
            Dot::ListCtx => {
                let a = self.arg(Ty::Str);
                let b = self.arg(Ty::Any);
                Some(format!("(list {a} {b})"))
            }
            _ => None,
        }
    }

    fn tpl(&mut self) -> String {
        let Some(root) = self.root.clone() else {
            return self.simple(Ty::Str);
        };
        let vals = &self.vals;
        let inner = match self.rng.below(4) {
            0 => format!("{{{{ .Values.s{} | upper }}}}", self.rng.below(vals.strs)),
            1 => format!("x{{{{ .Values.n{} }}}}y", self.rng.below(vals.nums)),
            2 => format!(
                "{{{{ range .Values.l{} }}}}[{{{{ . }}}}]{{{{ end }}}}",
                self.rng.below(vals.lists)
            ),
            _ => "{{ .Release.Name }}-{{ .Chart.Name }}-{{ .Template.Name }}".into(),
        };
        format!("tpl {} {root}", go_str(&inner))
    }

    fn action(&mut self, e: &str) -> String {
        let l = if self.rng.chance(20) { "- " } else { " " };
        let r = if self.rng.chance(20) { " -" } else { " " };
        format!("{{{{{l}{e}{r}}}}}")
    }

    fn text(&mut self) -> Node {
        Node::Leaf(
            self.rng
                .pick(&[
                    "\n", " ", "a", "key: ", "\n- ", "\n  ", "=", "[", "]", "\n\n",
                ])
                .to_string(),
        )
    }

    fn nodes(&mut self, n: usize) -> Vec<Node> {
        let mark = self.vars.len();
        let mut out = Vec::new();
        for _ in 0..n {
            out.push(self.node());
        }
        self.vars.truncate(mark);
        out
    }

    fn fresh_var(&mut self) -> String {
        self.next_var += 1;
        format!("$v{}", self.next_var)
    }

    fn node(&mut self) -> Node {
        let nested = self.depth < 2;
        match self.rng.below(if nested { 14 } else { 6 }) {
            0 | 1 => self.text(),
            2 | 3 => {
                let ty = self.rng.pick(&[
                    Ty::Str,
                    Ty::Str,
                    Ty::Float,
                    Ty::Int,
                    Ty::Bool,
                    Ty::List,
                    Ty::Map,
                    Ty::Any,
                ]);
                let e = self.expr(ty);
                Node::Leaf(self.action(&e))
            }
            4 => {
                let ty = self
                    .rng
                    .pick(&[Ty::Str, Ty::Float, Ty::Int, Ty::List, Ty::Map, Ty::Bool]);
                let e = self.expr(ty);
                let v = self.fresh_var();
                self.vars.push((v.clone(), ty));
                Node::Leaf(self.action(&format!("{v} := {e}")))
            }
            5 => {
                if self.in_range && self.rng.chance(50) {
                    let kw = if self.rng.chance(50) {
                        "break"
                    } else {
                        "continue"
                    };
                    let c = self.expr(Ty::Bool);
                    return Node::Leaf(format!("{{{{ if {c} }}}}{{{{ {kw} }}}}{{{{ end }}}}"));
                }
                match self.vars.iter().rev().find(|(_, t)| *t != Ty::Any).cloned() {
                    Some((v, t)) => {
                        let e = self.expr(t);
                        Node::Leaf(self.action(&format!("{v} = {e}")))
                    }
                    None => self.text(),
                }
            }
            6 | 7 => self.if_node(),
            8 | 9 => self.range_node(),
            10 => self.with_node(),
            11 => {
                let e = self.include();
                let e = if self.rng.chance(50) {
                    format!("{e} | nindent 2")
                } else {
                    e
                };
                Node::Leaf(self.action(&e))
            }
            12 => {
                // `set` on a values map (later reads see it) or on a fresh dict.
                match self.root.clone() {
                    Some(root) => {
                        let m = self.rng.below(self.vals.maps);
                        let k = self.rng.pick(KEYS);
                        let e = self.arg(Ty::Str);
                        Node::Leaf(format!(
                            "{{{{- $_ := set {root}.Values.m{m} {} {e} }}}}",
                            go_str(k)
                        ))
                    }
                    None => self.text(),
                }
            }
            _ => {
                if self.rng.chance(50) && !self.defs.is_empty() {
                    let d = self.defs[self.rng.below(self.defs.len())].clone();
                    match self.ctx_for(d.ctx) {
                        Some(c) => {
                            Node::Leaf(format!("{{{{ template {} {c} }}}}", go_str(&d.name)))
                        }
                        None => self.text(),
                    }
                } else {
                    let e = self.tpl();
                    Node::Leaf(self.action(&e))
                }
            }
        }
    }

    fn with_scope<T>(&mut self, dot: Dot, f: impl FnOnce(&mut Self) -> T) -> T {
        let saved = self.dot;
        self.dot = dot;
        let r = f(self);
        self.dot = saved;
        r
    }

    fn body_len(&mut self) -> usize {
        1 + self.rng.below(3)
    }

    fn if_node(&mut self) -> Node {
        let c = if self.rng.chance(70) {
            self.expr(Ty::Bool)
        } else {
            self.expr(Ty::Any)
        };
        self.depth += 1;
        let n = self.body_len();
        let body = self.nodes(n);
        let alt = if self.rng.chance(50) {
            let kw = if self.rng.chance(30) {
                let c2 = self.expr(Ty::Bool);
                format!("{{{{ else if {c2} }}}}")
            } else {
                "{{ else }}".to_string()
            };
            let n = self.body_len();
            Some((kw, self.nodes(n)))
        } else {
            None
        };
        self.depth -= 1;
        Node::Block {
            open: self.action(&format!("if {c}")),
            body,
            alt,
            close: "{{ end }}".into(),
        }
    }

    fn with_node(&mut self) -> Node {
        let ty = self
            .rng
            .pick(&[Ty::Str, Ty::Map, Ty::List, Ty::Any, Ty::Float]);
        let e = self.expr(ty);
        self.depth += 1;
        let n = self.body_len();
        let body = self.with_scope(Dot::Val(ty), |g| g.nodes(n));
        let alt = if self.rng.chance(50) {
            let n = self.body_len();
            Some(("{{ else }}".to_string(), self.nodes(n)))
        } else {
            None
        };
        self.depth -= 1;
        Node::Block {
            open: self.action(&format!("with {e}")),
            body,
            alt,
            close: "{{ end }}".into(),
        }
    }

    fn range_node(&mut self) -> Node {
        let (header, kty, vty) = match self.rng.below(5) {
            0 | 1 => (self.expr(Ty::List), Ty::Int, Ty::Any),
            2 | 3 => (self.expr(Ty::Map), Ty::Str, Ty::Any),
            _ => (self.rng.below(5).to_string(), Ty::Int, Ty::Int),
        };
        let int_range = kty == Ty::Int && vty == Ty::Int;
        let k = self.fresh_var();
        let v = self.fresh_var();
        let form = if int_range { 1 } else { self.rng.below(3) };
        let decl = match form {
            0 => format!("range {header}"),
            1 => format!("range {v} := {header}"),
            _ => format!("range {k}, {v} := {header}"),
        };
        self.depth += 1;
        let mark = self.vars.len();
        if form == 2 {
            self.vars.push((k.clone(), kty));
        }
        if form >= 1 {
            self.vars.push((v.clone(), vty));
        }
        let was = self.in_range;
        self.in_range = true;
        let n = self.body_len();
        let body = self.with_scope(Dot::Val(vty), |g| g.nodes(n));
        self.in_range = was;
        self.vars.truncate(mark);
        let alt = if self.rng.chance(30) {
            let n = self.body_len();
            Some(("{{ else }}".to_string(), self.nodes(n)))
        } else {
            None
        };
        self.depth -= 1;
        Node::Block {
            open: self.action(&decl),
            body,
            alt,
            close: "{{ end }}".into(),
        }
    }
}

/// The case of one seed.
pub fn generate(seed: u64) -> Case {
    let mut rng = Rng::new(seed);
    let (values, vals) = gen_values(&mut rng);
    let mut g = Gen {
        rng: &mut rng,
        vals,
        vars: Vec::new(),
        root: Some("$".into()),
        dot: Dot::Root,
        dollar: Dot::Root,
        defs: Vec::new(),
        next_var: 0,
        next_block: 0,
        depth: 0,
        in_range: false,
    };
    // Named templates: each may include the ones defined before it (no recursion).
    let mut defs = Vec::new();
    for i in 0..g.rng.below(3) {
        let ctx = if g.rng.chance(60) {
            Dot::DictCtx
        } else {
            Dot::ListCtx
        };
        let name = format!("gen.d{i}");
        g.root = if ctx == Dot::DictCtx {
            Some("$.root".into())
        } else {
            None
        };
        g.dot = ctx;
        g.dollar = ctx;
        g.vars.clear();
        let n = 1 + g.rng.below(4);
        let body = g.nodes(n);
        let trim = if g.rng.chance(50) { "-" } else { "" };
        defs.push(Node::Block {
            open: format!("{{{{- define {} {trim}}}}}", go_str(&name)),
            body,
            alt: None,
            close: format!("{{{{{trim} end }}}}\n"),
        });
        g.defs.push(Def { name, ctx });
    }
    g.root = Some("$".into());
    g.dot = Dot::Root;
    g.dollar = Dot::Root;
    g.vars.clear();
    let n = 3 + g.rng.below(10);
    let mut main = g.nodes(n);
    if g.rng.chance(15) {
        // A `block`: defines and runs a template in place.
        g.next_block += 1;
        let name = format!("gen.b{}", g.next_block);
        let body = g.with_scope(Dot::Root, |g| g.nodes(2));
        main.push(Node::Block {
            open: format!("{{{{ block {} . }}}}", go_str(&name)),
            body,
            alt: None,
            close: "{{ end }}".into(),
        });
    }
    Case {
        seed,
        values,
        defs,
        main,
    }
}
