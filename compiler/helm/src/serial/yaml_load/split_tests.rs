//! `split_documents` against the line-by-line split it replaced.

/// The split as first written: every line looked at (the reference).
fn split_documents_by_lines(src: &str) -> Vec<(&str, usize)> {
    let mut docs = Vec::new();
    // The current document is `src[from..at]`: documents are runs of whole lines.
    let (mut from, mut at) = (0, 0);
    let mut start = 1;
    for (i, line) in src.split_inclusive('\n').enumerate() {
        if let Some(rest) = line.strip_prefix("---") {
            let rest = rest.trim();
            if rest.is_empty() || rest.starts_with('#') {
                if at > from {
                    docs.push((&src[from..at], start));
                }
                at += line.len();
                from = at;
                start = i + 2;
                continue;
            }
        }
        at += line.len();
    }
    if at > from {
        docs.push((&src[from..at], start));
    }
    docs
}

#[test]
fn the_document_split_agrees_with_the_line_by_line_split() {
    let pieces = [
        "---",
        "--- ",
        "---  # c",
        "--- a",
        "----",
        "-- ",
        "a: 1",
        "# x",
        "",
        " ---",
        "...",
        "b:\n  - ---",
        "--- #",
        "\t---",
    ];
    // Every sequence of up to 4 lines from `pieces`, with and without a final newline.
    let mut texts = vec![String::new()];
    let mut frontier = vec![Vec::<&str>::new()];
    for _ in 0..4 {
        let mut next = Vec::new();
        for lines in &frontier {
            for p in pieces {
                let mut l = lines.clone();
                l.push(p);
                let joined = l.join("\n");
                texts.push(joined.clone());
                texts.push(joined + "\n");
                next.push(l);
            }
        }
        frontier = next;
    }
    for t in &texts {
        assert_eq!(
            super::split_documents(t),
            split_documents_by_lines(t),
            "{t:?}"
        );
    }
}
