//! Go's `text/template` language with Sprig's functions, in Rust.
//!
//! The engine Strata uses to render Helm charts in-process. It follows Go's definition of the
//! language (actions, pipelines, variables, `if`/`with`/`range`/`define`/`template`/`block`,
//! whitespace trimming, the built-in functions, Go's `fmt` formatting of values) and Helm's
//! options (`missingkey=zero`). Values are typed as Go types them ([`Value`]), so output and
//! errors match what Helm prints.
//!
//! Known differences from Go's engine:
//! - `{{template}}` recursion stops at [`ExecOptions::max_depth`] (Go: 100000), and every
//!   execution has an evaluation budget ([`ExecOptions::fuel`]), so no template runs forever.
//! - Parentheses and control structures nest at most [`parse::MAX_NESTING`] deep
//!   ("max expression depth exceeded").
//! - Complex-number constants are not supported; string escapes of bytes 0x80–0xFF (`"\xff"`)
//!   become U+FFFD because strings are UTF-8; `index` of a string gives an `int` (Go: `uint8`).
//! - There are no function values, so the built-in `call` always fails.
//! - A function's argument-conversion error is reported at the argument Go would report it at
//!   as far as it can be inferred from the value types (functions do not say which argument).

pub mod ast;
pub mod builtins;
pub mod error;
pub mod exec;
pub mod fmt;
pub mod func;
pub mod lex;
pub mod parse;
pub mod sprig;
pub mod value;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

pub use error::{Error, ErrorKind};
pub use func::{CallContext, Func, FuncError, FuncMap};
pub use value::{Entries, Key, Map, Object, Value};

/// When less stack than this is left, recursive evaluation continues on a new stack segment.
pub const STACK_RED_ZONE: usize = 256 * 1024;
/// Size of each new stack segment.
pub const STACK_GROW: usize = 4 * 1024 * 1024;

/// The name under which `tpl` texts are parsed and executed (Helm's root template name).
pub const TPL_NAME: &str = "gotpl";

/// What a missing map key evaluates to (Go's `missingkey` option).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MissingKey {
    /// Go's default: no value (`<no value>` when printed; further fields give no value too).
    #[default]
    Default,
    /// The zero value of the map's element type: a nil interface (Helm's setting). Printed as
    /// `<no value>`; a field of it is a "nil pointer" error.
    Zero,
    /// Execution stops with "map has no entry for key".
    Error,
}

/// Options for one execution.
pub struct ExecOptions<'a> {
    /// Functions by name (Sprig and Helm's); the built-ins are always available and take
    /// precedence.
    pub funcs: &'a FuncMap,
    /// What a missing map key gives.
    pub missing_key: MissingKey,
    /// Seed for [`CallContext::next_seed`].
    pub seed: u64,
    /// The fixed build time ([`CallContext::now_unix`]).
    pub now_unix: i64,
    /// How many evaluation steps (nodes, commands, range iterations) one execution may take,
    /// nested templates included; exhausting it is an error, so no template runs forever.
    pub fuel: u64,
    /// How deeply `template`, `include` and `tpl` calls may nest.
    pub max_depth: usize,
}

/// A parsed set of templates sharing one namespace of `{{define}}`d names. It holds no
/// [`Value`]s, so it is `Send + Sync` and can be parsed once and executed from many threads.
#[derive(Default)]
pub struct Templates {
    // foldhash: every `include` and `template` looks a name up here, and every render adds
    // a chart's definitions (helm-toolkit's hundreds) to a new set; SipHash showed in both.
    trees: HashMap<Arc<str>, Arc<ast::Tree>, foldhash::fast::RandomState>,
    order: Vec<Arc<str>>,
    funcs: Option<HashSet<String>>,
}

impl Templates {
    /// An empty set.
    pub fn new() -> Templates {
        Templates::default()
    }

    /// Makes later [`Templates::parse`] calls reject calls of functions that are neither
    /// built-in nor in `funcs`, as Go does at parse time (`function "x" not defined`).
    /// Without it every function name parses and an unknown one fails when executed.
    pub fn check_funcs(&mut self, funcs: &FuncMap) {
        self.funcs = Some(funcs.keys().cloned().collect());
    }

    pub(crate) fn func_names(&self) -> Option<&HashSet<String>> {
        self.funcs.as_ref()
    }

    pub(crate) fn root_name(&self) -> String {
        TPL_NAME.to_string()
    }

    pub(crate) fn get(&self, name: &str) -> Option<Arc<ast::Tree>> {
        self.trees.get(name).cloned()
    }

    fn add(&mut self, tree: ast::Tree) {
        use std::collections::hash_map::Entry;
        // One lookup (the entry) instead of a lookup and an insert: every set adds every
        // definition of the library charts it includes.
        match self.trees.entry(tree.name.clone()) {
            Entry::Occupied(mut old) => {
                // Go's rule: an empty (white space only) body never replaces a non-empty one.
                if tree.is_empty() && !old.get().is_empty() {
                    return;
                }
                old.insert(Arc::new(tree));
            }
            Entry::Vacant(slot) => {
                self.order.push(tree.name.clone());
                slot.insert(Arc::new(tree));
            }
        }
    }

    /// Parses `text` as the template `name`; its `{{define}}`/`{{block}}` templates join the
    /// set. A later definition of a name replaces an earlier one, except that an empty
    /// (whitespace-only) body never replaces a non-empty one (Go's rule).
    pub fn parse(&mut self, name: &str, text: &str) -> Result<(), Error> {
        self.parse_text(name, text, None)
    }

    /// [`Templates::parse`] of a text the caller keeps shared (a chart file read once and
    /// rendered many times): a text parsed before from the same `Arc` is found without
    /// comparing its bytes, and a new parse keeps the `Arc` rather than a copy.
    pub fn parse_shared(&mut self, name: &str, text: &Arc<str>) -> Result<(), Error> {
        self.parse_text(name, text, Some(text))
    }

    fn parse_text(
        &mut self,
        name: &str,
        text: &str,
        shared: Option<&Arc<str>>,
    ) -> Result<(), Error> {
        let fingerprint = self.funcs_fingerprint();
        let hit = match shared {
            Some(arc) => parse_cache::get_shared(fingerprint, arc),
            None => parse_cache::get(fingerprint, text),
        };
        if let Some(hit) = hit {
            self.add_cached(name, &hit);
            return Ok(());
        }
        // Sets built in parallel (the sites of a fleet rendering the same chart) would all
        // miss at once and each parse the same text: misses parse one at a time, and a text
        // another thread parsed meanwhile is taken from the cache.
        let parsing = parse_cache::parsing();
        if let Some(hit) = parse_cache::get(fingerprint, text) {
            drop(parsing);
            self.add_cached(name, &hit);
            return Ok(());
        }
        let (top, defs) = match shared {
            Some(arc) => parse::parse_shared(name, arc.clone(), self.funcs.as_ref())?,
            None => parse::parse(name, text, self.funcs.as_ref())?,
        };
        parse_cache::count(true);
        parse_cache::put(fingerprint, &top, &defs, shared.is_some());
        drop(parsing);
        for d in defs {
            self.add(d);
        }
        self.add(top);
        Ok(())
    }

    /// Adds a text parsed before (in any set of this process: a library chart such as
    /// helm-toolkit is vendored under every chart) as the template `name`: its bodies are
    /// shared, only the names differ.
    fn add_cached(&mut self, name: &str, hit: &parse_cache::Parsed) {
        parse_cache::count(false);
        let parse_name: Arc<str> = Arc::from(name);
        for (def, root) in &hit.defs {
            self.add(ast::Tree {
                name: def.clone(),
                parse_name: parse_name.clone(),
                text: hit.text.clone(),
                root: root.clone(),
            });
        }
        self.add(ast::Tree {
            name: Arc::from(name),
            parse_name,
            text: hit.text.clone(),
            root: hit.top.clone(),
        });
    }

    /// Identifies the function names parsing checks against (0: no check), so that a text
    /// parsed under one set of names is not taken from the cache for another.
    fn funcs_fingerprint(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let Some(names) = &self.funcs else {
            return 0;
        };
        let mut sorted: Vec<&String> = names.iter().collect();
        sorted.sort();
        let mut h = std::collections::hash_map::DefaultHasher::new();
        sorted.hash(&mut h);
        h.finish() | 1
    }

    /// Whether the set has a template `name`.
    pub fn contains(&self, name: &str) -> bool {
        self.trees.contains_key(name)
    }

    /// The names of the templates in the set, in the order they were first defined.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.order.iter().map(|s| &**s)
    }

    /// Executes template `name` with `data` as dot.
    pub fn execute(&self, name: &str, data: &Value, opts: &ExecOptions) -> Result<String, Error> {
        let Some(tree) = self.get(name) else {
            // Go's ExecuteTemplate: "template: no template %q associated with template %q".
            return Err(Error::plain(
                ErrorKind::NoTemplate,
                "",
                format!(
                    "no template {} associated with template {}",
                    fmt::quote(name),
                    fmt::quote(name)
                ),
            ));
        };
        exec::execute(self, tree, data, opts)
    }
}

/// How many texts [`Templates::parse`] has parsed in this process, and how many it took from
/// the process-wide parse cache instead (`(parsed, reused)`). Texts parsed by `tpl`-style
/// calls at execution time are not counted: they do not go through the cache.
///
/// Cheap (two relaxed atomic counters); `strata build` prints them with `STRATA_STATS=1`, so
/// that a fleet build can show that each template text was parsed once.
pub fn parse_counts() -> (u64, u64) {
    parse_cache::counts()
}

/// Parsed texts shared across the sets of a process (see [`Templates::parse`]).
mod parse_cache {
    use std::collections::HashMap;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::{Arc, Mutex, OnceLock};

    use crate::ast::{Node, Tree};

    /// How many texts the cache holds before it starts over (bounds memory for a process
    /// that parses endless distinct texts, such as `tpl` of generated strings).
    const LIMIT: usize = 8192;

    /// How many new entries trigger a sweep of unused shared texts ([`Entries::sweep`]).
    const SWEEP_EVERY: usize = 32;

    /// One parsed text: its top-level body and its definitions' bodies by name.
    pub struct Parsed {
        pub text: Arc<str>,
        pub top: Arc<Vec<Node>>,
        pub defs: Vec<(Arc<str>, Arc<Vec<Node>>)>,
        /// Parsed from a text its caller holds shared ([`crate::Templates::parse_shared`]):
        /// the entry lives as long as someone else holds the text (see [`put`]).
        shared: bool,
    }

    /// The parsed texts by (functions fingerprint, text hash), and the same entries by the
    /// address and length of their text (see [`get_shared`]).
    #[derive(Default)]
    struct Entries {
        by_text: HashMap<(u64, u64), Vec<Arc<Parsed>>, foldhash::fast::RandomState>,
        by_address: HashMap<(u64, usize, usize), Arc<Parsed>, foldhash::fast::RandomState>,
        /// Entries added since the last sweep of unused shared texts.
        puts: usize,
    }

    impl Entries {
        /// Drops the entries of shared texts that nothing outside the cache holds any more
        /// (the chart whose file it was, and every set made from it, are gone): a process
        /// rendering many charts in turn then reuses their memory instead of keeping every
        /// chart's trees. A text still held (a library chart a loader keeps, a chart a build
        /// keeps) stays, so it is still parsed once.
        fn sweep(&mut self) {
            self.puts = 0;
            let unused = |p: &Arc<Parsed>| p.shared && Arc::strong_count(&p.text) == 1;
            self.by_address.retain(|_, p| !unused(p));
            self.by_text.retain(|_, bucket| {
                bucket.retain(|p| !unused(p));
                !bucket.is_empty()
            });
        }
    }

    type Cache = Mutex<Entries>;

    /// Texts parsed, and texts taken from the cache, in this process.
    static PARSED: AtomicU64 = AtomicU64::new(0);
    static REUSED: AtomicU64 = AtomicU64::new(0);

    #[cfg(test)]
    thread_local! {
        /// The same counts for the current thread only: tests run in parallel in one
        /// process, so only these are exact for a test.
        pub static LOCAL: std::cell::Cell<(u64, u64)> = const { std::cell::Cell::new((0, 0)) };
    }

    /// Counts one text parsed (`true`) or taken from the cache (`false`).
    pub fn count(parsed: bool) {
        let counter = if parsed { &PARSED } else { &REUSED };
        counter.fetch_add(1, Ordering::Relaxed);
        #[cfg(test)]
        LOCAL.with(|c| {
            let (p, r) = c.get();
            c.set(if parsed { (p + 1, r) } else { (p, r + 1) });
        });
    }

    pub fn counts() -> (u64, u64) {
        (
            PARSED.load(Ordering::Relaxed),
            REUSED.load(Ordering::Relaxed),
        )
    }

    fn cache() -> &'static Cache {
        static CACHE: OnceLock<Cache> = OnceLock::new();
        CACHE.get_or_init(|| Mutex::new(Entries::default()))
    }

    /// Held while a text missing from the cache is parsed (see [`crate::Templates::parse`]).
    /// A poisoned lock (a panic while parsing elsewhere) only loses the serialisation.
    pub fn parsing() -> Option<std::sync::MutexGuard<'static, ()>> {
        static PARSING: Mutex<()> = Mutex::new(());
        PARSING.lock().ok()
    }

    /// A cheap hash of a text: its length and 16 samples of 32 bytes spread over it (the whole
    /// text when shorter). Looking a text up must not copy it nor run SipHash over it: every
    /// chart's copy of helm-toolkit (hundreds of kilobytes) is looked up on every render, and
    /// even a fast hash of every byte showed up in the profile. Equal hashes are confirmed by
    /// comparing the texts, so texts that agree on the samples only share a bucket: a
    /// collision costs a comparison, never a wrong tree.
    fn text_hash(text: &str) -> u64 {
        const K: u64 = 0x9e37_79b9_7f4a_7c15;
        const SAMPLE: usize = 32;
        const SAMPLES: usize = 16;
        let b = text.as_bytes();
        let mut h = (b.len() as u64).wrapping_mul(K);
        let mut mix = |part: &[u8]| {
            let mut chunks = part.chunks_exact(8);
            for c in &mut chunks {
                let mut w = [0u8; 8];
                w.copy_from_slice(c);
                h = (h ^ u64::from_le_bytes(w)).wrapping_mul(K).rotate_left(29);
            }
            for &x in chunks.remainder() {
                h = (h ^ x as u64).wrapping_mul(K).rotate_left(29);
            }
        };
        if b.len() <= SAMPLE * SAMPLES {
            mix(b);
        } else {
            // The first sample starts the text and the last one ends it.
            let step = (b.len() - SAMPLE) / (SAMPLES - 1);
            for i in 0..SAMPLES - 1 {
                mix(&b[i * step..i * step + SAMPLE]);
            }
            mix(&b[b.len() - SAMPLE..]);
        }
        h ^ (h >> 32)
    }

    pub fn get(fingerprint: u64, text: &str) -> Option<Arc<Parsed>> {
        let key = (fingerprint, text_hash(text));
        let cache = cache().lock().ok()?;
        // The same memory is the same text (the caller holds `text`, the cache its `Arc`):
        // a shared chart file is found without comparing its bytes.
        let same = |p: &&Arc<Parsed>| {
            std::ptr::eq(p.text.as_ptr(), text.as_ptr()) && p.text.len() == text.len()
                || &*p.text == text
        };
        cache.by_text.get(&key)?.iter().find(same).cloned()
    }

    /// [`get`] for a text the caller holds as an `Arc`: a text parsed from this very `Arc`
    /// is found by its address, without hashing or comparing its bytes (a library chart's
    /// files, read once, are looked up for every chart that uses them). An entry keeps its
    /// text alive, so while it is cached no other text can have its address.
    pub fn get_shared(fingerprint: u64, text: &Arc<str>) -> Option<Arc<Parsed>> {
        let address = (fingerprint, text.as_ptr() as usize, text.len());
        let found = cache()
            .lock()
            .ok()
            .and_then(|c| c.by_address.get(&address).cloned());
        found.or_else(|| get(fingerprint, text))
    }

    pub fn put(fingerprint: u64, top: &Tree, defs: &[Tree], shared: bool) {
        let parsed = Parsed {
            shared,
            text: top.text.clone(),
            top: top.root.clone(),
            defs: defs
                .iter()
                .map(|d| (d.name.clone(), d.root.clone()))
                .collect(),
        };
        if let Ok(mut c) = cache().lock() {
            if c.by_text.len() >= LIMIT {
                c.by_text.clear();
                c.by_address.clear();
            }
            c.puts += 1;
            if c.puts >= SWEEP_EVERY {
                c.sweep();
            }
            let address = (
                fingerprint,
                parsed.text.as_ptr() as usize,
                parsed.text.len(),
            );
            let bucket = c
                .by_text
                .entry((fingerprint, text_hash(&top.text)))
                .or_default();
            if !bucket.iter().any(|p| p.text == top.text) {
                let parsed = Arc::new(parsed);
                bucket.push(parsed.clone());
                c.by_address.insert(address, parsed);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn executing_an_unknown_name_is_go_s_error() {
        let t = Templates::new();
        let f = FuncMap::default();
        let opts = ExecOptions {
            funcs: &f,
            missing_key: MissingKey::Zero,
            seed: 0,
            now_unix: 0,
            fuel: 10,
            max_depth: 10,
        };
        let e = t.execute("x", &Value::Nil, &opts).unwrap_err();
        assert_eq!(
            e.to_string(),
            "template: no template \"x\" associated with template \"x\""
        );
    }

    #[test]
    fn a_text_parsed_in_a_second_set_is_reused_not_parsed_again() {
        // A text no other test parses, so the cache cannot already hold it.
        let text = "{{define \"counted\"}}x{{end}}a_text_parsed_twice_is_reused";
        let local = || parse_cache::LOCAL.with(|c| c.get());
        let (p0, r0) = local();
        let (gp0, gr0) = parse_counts();
        let mut first = Templates::new();
        first.parse("a.tpl", text).unwrap();
        assert_eq!(local(), (p0 + 1, r0));
        let mut second = Templates::new();
        second.parse("b.tpl", text).unwrap();
        assert_eq!(local(), (p0 + 1, r0 + 1));
        assert!(second.contains("counted") && second.contains("b.tpl"));
        // The process-wide counters saw both (other tests may add to them meanwhile).
        let (gp1, gr1) = parse_counts();
        assert!(gp1 > gp0 && gr1 > gr0);
    }

    #[test]
    fn a_shared_text_is_found_by_its_address_and_by_its_bytes() {
        let text: Arc<str> =
            Arc::from("{{define \"shared_def\"}}y{{end}}a_shared_text_parsed_once");
        let local = || parse_cache::LOCAL.with(|c| c.get());
        let (p0, r0) = local();
        let mut first = Templates::new();
        first.parse_shared("a.tpl", &text).unwrap();
        assert_eq!(local(), (p0 + 1, r0));
        // The same Arc, and then a copy of its bytes: both reuse the parse.
        let mut second = Templates::new();
        second.parse_shared("b.tpl", &text).unwrap();
        let copy: Arc<str> = Arc::from(text.to_string());
        let mut third = Templates::new();
        third.parse_shared("c.tpl", &copy).unwrap();
        third.parse("d.tpl", &text).unwrap();
        assert_eq!(local(), (p0 + 1, r0 + 3));
        for set in [&second, &third] {
            assert!(set.contains("shared_def"));
        }
        let opts = ExecOptions {
            funcs: &FuncMap::default(),
            missing_key: MissingKey::Default,
            seed: 0,
            now_unix: 0,
            fuel: 100,
            max_depth: 10,
        };
        assert_eq!(
            third.execute("c.tpl", &Value::Nil, &opts).unwrap(),
            "a_shared_text_parsed_once"
        );
    }

    #[test]
    fn a_shared_text_nobody_holds_any_more_leaves_the_cache() {
        let local = || parse_cache::LOCAL.with(|c| c.get());
        let gone: Arc<str> = Arc::from("a_shared_text_whose_chart_is_gone {{.}}");
        let kept: Arc<str> = Arc::from("a_shared_text_still_held {{.}}");
        for text in [&gone, &kept] {
            Templates::new().parse_shared("t", text).unwrap();
        }
        let copy_of_gone: Arc<str> = Arc::from(gone.to_string());
        drop(gone);
        // Enough new entries for a sweep (other tests' entries only add sweeps).
        let others: Vec<Arc<str>> = (0..40)
            .map(|i| Arc::from(format!("sweep_filler_{i} {{{{.}}}}")))
            .collect();
        for t in &others {
            Templates::new().parse_shared("f", t).unwrap();
        }
        let (p0, r0) = local();
        Templates::new().parse_shared("t", &kept).unwrap();
        assert_eq!(local(), (p0, r0 + 1), "a text still held is reused");
        Templates::new().parse_shared("t", &copy_of_gone).unwrap();
        assert_eq!(local(), (p0 + 1, r0 + 1), "a text nobody held was dropped");
    }

    #[test]
    fn a_text_parsed_by_several_threads_at_once_is_parsed_once() {
        // Long enough that the threads overlap while it is parsed.
        let mut text = String::from("parsed_once_by_threads ");
        for i in 0..2000 {
            text.push_str(&format!(
                "{{{{define \"t{i}\"}}}}{{{{ .a.b | printf \"%v\" }}}}{{{{end}}}}"
            ));
        }
        let threads = 8;
        let barrier = std::sync::Barrier::new(threads);
        let parsed: u64 = std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads)
                .map(|_| {
                    s.spawn(|| {
                        let before = parse_cache::LOCAL.with(|c| c.get());
                        barrier.wait();
                        let mut set = Templates::new();
                        set.parse("same.tpl", &text).unwrap();
                        assert!(set.contains("t1999"));
                        parse_cache::LOCAL.with(|c| c.get()).0 - before.0
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).sum()
        });
        assert_eq!(parsed, 1);
    }

    #[test]
    fn templates_are_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Templates>();
    }
}
