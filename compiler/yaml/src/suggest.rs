//! "Did you mean …?" suggestions for misspelt names and fields: the one rule every crate uses.
//!
//! It lives in the lowest crate of the workspace so that the kustomization parser, the
//! Kubernetes validator and the compiler all suggest the same name for the same typo.
//! The rule: compare case-insensitively by Damerau–Levenshtein distance (a swap of two
//! neighbouring letters is one edit); a candidate is plausible when the distance is at most a
//! third of the longer word (at least 1); the nearest wins, ties broken alphabetically, so the
//! answer does not depend on the order of the candidates.

/// The candidate closest to `word`, if it is close enough to be a plausible typo.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let lower = word.to_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(&lower, &c.to_lowercase()), c))
        .filter(|(d, c)| *d <= (c.chars().count().max(word.chars().count()) / 3).max(1))
        .min_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(b.1)))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let c = ["replicas", "namespace", "services"];
        assert_eq!(did_you_mean("replica", c), Some("replicas"));
        assert_eq!(did_you_mean("namespcae", c), Some("namespace"));
        assert_eq!(did_you_mean("zzz", c), None);
    }
}
