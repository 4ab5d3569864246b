//! The fast reader must agree with the general path on every text it accepts.

use strata_gotmpl::Value;

use super::{fast, unmarshal_general};

/// Checks that when the fast reader takes `src`, the general path reads the same value (and
/// no error). Returns whether the fast reader took it.
fn agree(src: &str) -> bool {
    let Some(fast) = fast::load(src) else {
        return false;
    };
    match unmarshal_general(src) {
        Ok(general) => assert!(
            same_value(&fast, &general),
            "fast and general readers differ on {src:?}:\nfast:    {fast:?}\ngeneral: {general:?}"
        ),
        Err(e) => panic!(
            "fast reader accepted {src:?} as {fast:?}, the general path fails: {}",
            e.message
        ),
    }
    true
}

/// Texts the fast reader must take (and read as the general path does).
const TAKEN: &[&str] = &[
    "",
    "# only a comment\n\n",
    "a: 1\n",
    "a: 1",
    "---\na: b\n",
    "--- # c\na: b\n...\n# after\n",
    "a: b\n...\n",
    "null",
    "{}",
    "[]",
    "[a, 'b', \"c\", 1, true, ~]",
    "a:\n  b:\n    c: d\n  e: [x, y z, -1]\nf: {}\ng: []\n",
    "a: yes\nb: no\nc: on\nd: off\ne: y\nf: n\ng: Yes\nh: NO\ni: True\nj: ~\nk: null\nl:\nm: ''\n",
    "a: 0x1F\nb: 0o17\nc: 0755\nd: 1_000\ne: +12\nf: -0b101\ng: 0789\nh: 1e3\ni: .5\nj: 1.\nk: 1e400\n",
    "l: 99999999999999999999\nm: 18446744073709551615\nn: 9223372036854775807\n",
    "1: a\n1.5: b\ntrue: c\n\"1\": d\ny: e\n",
    "a: 1\na: 2\nb: 3\n",
    "\"1\": a\n1: b\n\"1\": c\n",
    "1: a\n\"1\": b\n1: c\n",
    "1.0: a\n1: b\n",
    "list:\n- a\n- b\nnext: 1\n",
    "list:\n  - a: 1\n    b: 2\n  - \"q\": 3\n  -\n    c: 4\n  -\n  - 5 # c\n",
    "- a\n-\n  - b\n",
    "s: 'it''s'\nd: \"tab\\there \\\"q\\\" \\\\ \\u00e9 \\/\"\n",
    "k: v # comment\nk2: v#not\nk3: a  b  \nurl: http://x:80/y\n",
    "script: |\n  echo 1\n\n    indented\n  last\nn: 1\n",
    "a: |-\n  x\n  y\n\n\nb: |+\n  x\n\n\nc: >\n  folded\n  text\n\n  para\n    more\n  end\nd: >-\n  x\n",
    "a: |\n  x\n# comment\nb: 1\n",
    "a: |\nb: |\n\n  x\n",
    "a: >\n\n  x\n   y\n  z\n\n",
    "plain: first\n  second\n\n  third\nnext: x\n",
    "- multi\n  line\n- x\n",
    "key:\n  value on next line\n",
    "k: é ü — ok\n",
    "  indented: root\n  b: 2\n",
    "a:\n  - b\n  # c\n  - d\n",
];

/// Texts the fast reader must leave to the general path.
const LEFT: &[&str] = &[
    "a: &x 1\nb: *x\n",
    "a: !!str 1\n",
    "<<: {a: 1}\n",
    "a: {b: 1}\n",
    "a: \"multi\n  line\"\n",
    "a:\tb\n",
    "a: b\r\n",
    "%YAML 1.1\n---\na: 1\n",
    "a: 1\n---\nb: 2\n",
    "a: .inf\n",
    "~: a\n",
    "a: 1\n  b: 2\n",
    "a: b: c\n",
    "a: |2\n   x\n",
    "? a\n: b\n",
    "a: [b,\n c]\n",
    "- a\n- - b\n",
    "a: |\n  no final line break",
    "a: |\n  x\n  ",
];

#[test]
fn fast_reader_takes_and_agrees() {
    for src in TAKEN {
        assert!(agree(src), "the fast reader left {src:?}");
    }
    for src in LEFT {
        assert!(fast::load(src).is_none(), "the fast reader took {src:?}");
    }
}

#[test]
fn fast_reader_agrees_on_helm_cases() {
    let cases = include_str!("../testdata/helm-v4.2.3.json");
    let Ok(strata_gotmpl::Value::List(cases)) = super::super::from_json_any(cases) else {
        panic!("test data");
    };
    for case in cases.iter() {
        let strata_gotmpl::Value::Map(m) = case else {
            continue;
        };
        if let Some(strata_gotmpl::Value::String(v)) = m.borrow().get("values") {
            agree(v);
            for line in v.split_inclusive('\n') {
                agree(line);
            }
        }
    }
}

/// Every YAML file of the openstack-helm charts, and fragments of them cut and shifted in
/// ways that make unusual (often invalid) texts.
#[test]
fn fast_reader_agrees_on_openstack_helm() {
    let Ok(root) = std::env::var("STRATA_OPENSTACK_HELM") else {
        return;
    };
    let mut files = Vec::new();
    let mut dirs = vec![std::path::PathBuf::from(root)];
    while let Some(d) = dirs.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
                files.push(p);
            }
        }
    }
    assert!(!files.is_empty());
    let (mut taken, mut total) = (0, 0);
    for f in &files {
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        let mut check = |src: &str| {
            total += 1;
            if agree(src) {
                taken += 1;
            }
        };
        for (doc, _) in super::split_documents(&text) {
            check(doc);
        }
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        let mut at = 0;
        while at < lines.len() {
            let window = &lines[at..(at + 24).min(lines.len())];
            let joined: String = window.concat();
            check(&joined);
            // Shifted left by two columns (where possible).
            check(
                &window
                    .iter()
                    .map(|l| l.strip_prefix("  ").unwrap_or(l))
                    .collect::<String>(),
            );
            // A line dropped from the middle.
            let mut dropped = window.to_vec();
            dropped.remove(window.len() / 2);
            check(&dropped.concat());
            // A line indented by one more column.
            let mut nudged: Vec<String> = window.iter().map(|l| l.to_string()).collect();
            let mid = nudged.len() / 2;
            nudged[mid].insert(0, ' ');
            check(&nudged.concat());
            // Cut in the middle of a line.
            let cut = joined.len() * 2 / 3;
            if joined.is_char_boundary(cut) {
                check(&joined[..cut]);
            }
            at += 11;
        }
    }
    // Most files are templates (not YAML); still, many texts must have been taken.
    assert!(
        taken * 10 > total,
        "fast reader took only {taken} of {total}"
    );
}

/// Random texts made of the pieces the fast reader knows, at random indentations: the rules
/// of indentation, folding and chomping meet in ways hand-written cases miss.
#[test]
fn fast_reader_agrees_on_random_texts() {
    const PIECES: &[&str] = &[
        "k: v",
        "k:",
        "key: |",
        "key: >",
        "key: |-",
        "key: >-",
        "key: |+",
        "key: >+",
        "- x",
        "- k: v",
        "-",
        "- |",
        "- >",
        "- |-",
        "x",
        "x y",
        "# c",
        "",
        " ",
        "  ",
        "   ",
        "k: 'q'",
        "k: \"q\"",
        "k: [a, b]",
        "k: []",
        "k: {}",
        "1: n",
        "y: b",
        "k: v # c",
        "k: a:b",
        "- - x",
        "k: 1",
        "k: 0x10",
        "k: ~",
        "k: on",
    ];
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    let (mut taken, total) = (0, 20_000);
    for _ in 0..total {
        let lines = 1 + next(8);
        let mut text = String::new();
        for _ in 0..lines {
            text.push_str(&" ".repeat(next(4) * next(3)));
            text.push_str(PIECES[next(PIECES.len())]);
            text.push('\n');
        }
        if next(4) == 0 {
            text.pop();
        }
        if agree(&text) {
            taken += 1;
        }
    }
    assert!(
        taken * 10 > total,
        "fast reader took only {taken} of {total}"
    );
}

/// Structural equality of loaded values (floats by bits), for checking the fast reader.
fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Nil, Value::Nil) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Float(x), Value::Float(y)) => x.to_bits() == y.to_bits(),
        (Value::String(x), Value::String(y)) => x == y,
        (Value::List(x), Value::List(y)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(a, b)| same_value(a, b))
        }
        (Value::Map(x), Value::Map(y)) => {
            let (x, y) = (x.borrow(), y.borrow());
            x.len() == y.len()
                && x.iter()
                    .zip(y.iter())
                    .all(|((ka, va), (kb, vb))| ka == kb && same_value(va, vb))
        }
        _ => false,
    }
}
