//! Maps lines of a template's rendered output back to lines of the template.
//!
//! minijinja does not record which template line produced which output line, yet a person
//! needs errors in rendered YAML (a syntax error, an invalid field) to point at the template
//! they edit. Aligning the two texts line by line recovers that: lines copied verbatim align
//! exactly; a line with an expression aligns with the template line of the same YAML key
//! inside the changed region; lines a loop produced align with the nearest template line
//! before them.

use similar::{DiffOp, TextDiff};

/// For every rendered line (0-based), the template line (0-based) it most likely came from.
#[derive(Clone, Debug, Default)]
pub struct LineMap {
    map: Vec<usize>,
}

fn key_of(line: &str) -> Option<&str> {
    let t = line.trim_start().trim_start_matches("- ");
    let (k, _) = t.split_once(':')?;
    let k = k.trim();
    (!k.is_empty() && !k.contains(['{', '}', ' '])).then_some(k)
}

impl LineMap {
    /// Aligns `rendered` with the `template` it came from.
    pub fn new(template: &str, rendered: &str) -> LineMap {
        let t_lines: Vec<&str> = template.lines().collect();
        let r_lines: Vec<&str> = rendered.lines().collect();
        let mut map = vec![0usize; r_lines.len()];
        let diff = TextDiff::configure()
            .timeout(std::time::Duration::from_millis(200))
            .diff_lines(template, rendered);
        for op in diff.ops() {
            match *op {
                DiffOp::Equal {
                    old_index,
                    new_index,
                    len,
                } => {
                    for i in 0..len {
                        if let Some(m) = map.get_mut(new_index + i) {
                            *m = old_index + i;
                        }
                    }
                }
                DiffOp::Insert {
                    old_index,
                    new_index,
                    new_len,
                } => {
                    for i in 0..new_len {
                        let r = new_index + i;
                        let guess = r_lines
                            .get(r)
                            .and_then(|l| key_of(l))
                            .and_then(|k| nearest_key(&t_lines, k, old_index))
                            .unwrap_or(old_index.saturating_sub(1));
                        if let Some(m) = map.get_mut(r) {
                            *m = guess;
                        }
                    }
                }
                DiffOp::Replace {
                    old_index,
                    old_len,
                    new_index,
                    new_len,
                } => {
                    for i in 0..new_len {
                        let r = new_index + i;
                        let by_key = r_lines.get(r).and_then(|l| key_of(l)).and_then(|k| {
                            (old_index..old_index + old_len)
                                .find(|&t| key_of(t_lines[t]) == Some(k))
                        });
                        let guess = by_key.unwrap_or(old_index + i.min(old_len.saturating_sub(1)));
                        if let Some(m) = map.get_mut(r) {
                            *m = guess;
                        }
                    }
                }
                DiffOp::Delete { .. } => {}
            }
        }
        LineMap { map }
    }

    /// The template line (0-based) for a rendered line (0-based).
    pub fn template_line(&self, rendered_line: usize) -> Option<usize> {
        self.map.get(rendered_line).copied()
    }
}

/// The template line with YAML key `key` closest before `before` (a loop body's line).
fn nearest_key(t_lines: &[&str], key: &str, before: usize) -> Option<usize> {
    (0..before.min(t_lines.len()))
        .rev()
        .find(|&t| key_of(t_lines[t]) == Some(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_expressions_and_loops() {
        let template = "kind: Deployment\nspec:\n  replicas: {{ values.replicas }}\n  ports:\n{% for p in ports %}\n  - containerPort: {{ p }}\n{% endfor %}\n  end: true\n";
        let rendered = "kind: Deployment\nspec:\n  replicas: 3\n  ports:\n  - containerPort: 1\n  - containerPort: 2\n  end: true\n";
        let m = LineMap::new(template, rendered);
        assert_eq!(m.template_line(2), Some(2));
        assert_eq!(m.template_line(4), Some(5));
        assert_eq!(m.template_line(5), Some(5));
        assert_eq!(m.template_line(6), Some(7));
    }
}
