//! String checks the Kubernetes API server makes and JSON Schema cannot express well:
//! object names, label keys and values, quantities, base64 and Go durations.
//!
//! They are registered as custom JSON Schema `format`s (see [`crate::transform`]) so that they
//! run inside the compiled validators, and used directly for `metadata.name`, whose rule
//! depends on the kind. Hand-written rather than regexes: they run on every label of every
//! object, and the length limits of qualified names are awkward in a regular expression.

use base64::Engine as _;

/// Format name: a Kubernetes resource quantity (`100m`, `1`, `1.5Gi`, `2e3`).
pub(crate) const QUANTITY: &str = "k8s-quantity";
/// Format name: a label value (empty, or at most 63 characters, alphanumeric at both ends).
pub(crate) const LABEL_VALUE: &str = "k8s-label-value";
/// Format name: a label key (a qualified name with an optional DNS subdomain prefix).
pub(crate) const LABEL_KEY: &str = "k8s-label-key";
/// Format name: an annotation key (a qualified name once lower-cased).
pub(crate) const ANNOTATION_KEY: &str = "k8s-annotation-key";
/// Format name: a DNS-1123 label (namespace names).
pub(crate) const DNS_LABEL: &str = "k8s-dns-label";
/// OpenAPI's `byte` format: standard base64 with padding, as Go's encoding/json reads `[]byte`.
pub(crate) const BYTE: &str = "byte";
/// The `duration` format of CRD schemas: a Go duration (`30s`, `1h30m`), not ISO 8601.
pub(crate) const DURATION: &str = "duration";

/// Formats that jsonschema knows but whose JSON Schema meaning differs from what Kubernetes
/// checks (or that Kubernetes does not check for built-in kinds): they are accepted as
/// annotations so that a valid object is never rejected for them.
pub(crate) const NEUTRALISED: &[&str] = &[
    "email",
    "idn-email",
    "hostname",
    "idn-hostname",
    "ipv4",
    "ipv6",
    "uri",
    "uri-reference",
    "iri",
    "iri-reference",
    "uri-template",
    "uuid",
    "date",
    "time",
    "regex",
    "json-pointer",
    "relative-json-pointer",
];

fn is_alnum(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

/// A DNS-1123 label: 1–63 characters, lower-case alphanumeric or `-`, alphanumeric at both ends.
pub(crate) fn is_dns1123_label(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b.iter()
            .all(|&c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
}

/// A DNS-1035 label: a DNS-1123 label that starts with a letter (Service names).
pub(crate) fn is_dns1035_label(s: &str) -> bool {
    is_dns1123_label(s) && s.as_bytes()[0].is_ascii_lowercase()
}

/// A DNS-1123 subdomain: at most 253 characters, dot-separated DNS-1123 labels.
pub(crate) fn is_dns1123_subdomain(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|part| {
            // The API server's regex does not limit each part to 63 characters.
            let b = part.as_bytes();
            !b.is_empty()
                && b.iter()
                    .all(|&c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
                && b[0] != b'-'
                && b[b.len() - 1] != b'-'
        })
}

/// A path segment name (RBAC object names): not `.` or `..`, no `/` or `%`.
pub(crate) fn is_path_segment_name(s: &str) -> bool {
    !s.is_empty() && s != "." && s != ".." && !s.contains(['/', '%'])
}

/// The name part of a qualified name, and a non-empty label value: at most 63 characters of
/// alphanumerics, `-`, `_` and `.`, alphanumeric at both ends.
fn is_qualified_name_part(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && is_alnum(b[0])
        && is_alnum(b[b.len() - 1])
        && b.iter()
            .all(|&c| is_alnum(c) || c == b'-' || c == b'_' || c == b'.')
}

/// A qualified name (label and annotation keys): `name` or `prefix/name`, the prefix a
/// DNS-1123 subdomain.
pub(crate) fn is_qualified_name(s: &str) -> bool {
    match s.split_once('/') {
        None => is_qualified_name_part(s),
        Some((prefix, name)) => {
            !name.contains('/') && is_dns1123_subdomain(prefix) && is_qualified_name_part(name)
        }
    }
}

/// A label key.
pub(crate) fn is_label_key(s: &str) -> bool {
    is_qualified_name(s)
}

/// An annotation key: the API server lower-cases it before checking it as a qualified name.
pub(crate) fn is_annotation_key(s: &str) -> bool {
    is_qualified_name(&s.to_ascii_lowercase())
}

/// A label value: empty, or a qualified name part.
pub(crate) fn is_label_value(s: &str) -> bool {
    s.is_empty() || is_qualified_name_part(s)
}

/// A resource quantity as `resource.ParseQuantity` reads it:
/// `[+-]` digits `[.digits]` then nothing, a decimal SI suffix (`n u m k M G T P E`), a binary
/// SI suffix (`Ki Mi Gi Ti Pi Ei`) or a decimal exponent (`e3`, `E-2`).
pub(crate) fn is_quantity(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let mut digits = i - int_start;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let frac_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        digits += i - frac_start;
    }
    if digits == 0 {
        return false;
    }
    let suffix = &s[i..];
    match suffix {
        "" | "n" | "u" | "m" | "k" | "M" | "G" | "T" | "P" | "E" => true,
        "Ki" | "Mi" | "Gi" | "Ti" | "Pi" | "Ei" => true,
        _ => {
            let rest = suffix.as_bytes();
            if !matches!(rest.first(), Some(b'e' | b'E')) {
                return false;
            }
            let mut j = 1;
            if matches!(rest.get(j), Some(b'+' | b'-')) {
                j += 1;
            }
            j < rest.len() && rest[j..].iter().all(u8::is_ascii_digit)
        }
    }
}

/// Standard base64 with padding; Go's decoder skips `\r` and `\n`.
pub(crate) fn is_base64(s: &str) -> bool {
    if s.contains(['\r', '\n']) {
        let cleaned: String = s.chars().filter(|c| *c != '\r' && *c != '\n').collect();
        base64::engine::general_purpose::STANDARD
            .decode(cleaned)
            .is_ok()
    } else {
        base64::engine::general_purpose::STANDARD.decode(s).is_ok()
    }
}

/// A Go duration as `time.ParseDuration` reads it: `0`, or an optional sign and one or more
/// `<number><unit>` pairs with units `ns us µs μs ms s m h`.
pub(crate) fn is_go_duration(s: &str) -> bool {
    let mut rest = s.strip_prefix(['+', '-']).unwrap_or(s);
    if rest == "0" {
        return true;
    }
    if rest.is_empty() {
        return false;
    }
    while !rest.is_empty() {
        let num_len = rest
            .bytes()
            .take_while(|b| b.is_ascii_digit() || *b == b'.')
            .count();
        let num = &rest[..num_len];
        if num.is_empty() || num == "." || num.matches('.').count() > 1 {
            return false;
        }
        rest = &rest[num_len..];
        let unit_len: usize = rest
            .chars()
            .take_while(|c| !c.is_ascii_digit() && *c != '.')
            .map(char::len_utf8)
            .sum();
        if !matches!(
            &rest[..unit_len],
            "ns" | "us" | "µs" | "μs" | "ms" | "s" | "m" | "h"
        ) {
            return false;
        }
        rest = &rest[unit_len..];
    }
    true
}

/// The rule the API server applies to `metadata.name` of a kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NameRule {
    /// Most kinds, and every custom resource.
    Subdomain,
    /// Namespaces.
    Dns1123Label,
    /// Services: a label starting with a letter.
    Dns1035Label,
    /// RBAC roles and bindings (`system:controller:foo` is valid).
    PathSegment,
    /// CronJobs: a subdomain of at most 52 characters (the Job names it makes get a suffix).
    CronJob,
}

impl NameRule {
    /// The rule for a built-in or custom kind.
    pub(crate) fn for_kind(group: &str, kind: &str) -> NameRule {
        match (group, kind) {
            ("", "Namespace") => NameRule::Dns1123Label,
            ("", "Service") => NameRule::Dns1035Label,
            (
                "rbac.authorization.k8s.io",
                "Role" | "ClusterRole" | "RoleBinding" | "ClusterRoleBinding",
            ) => NameRule::PathSegment,
            ("batch", "CronJob") => NameRule::CronJob,
            _ => NameRule::Subdomain,
        }
    }

    /// Whether `name` follows the rule.
    pub(crate) fn check(self, name: &str) -> bool {
        match self {
            NameRule::Subdomain => is_dns1123_subdomain(name),
            NameRule::Dns1123Label => is_dns1123_label(name),
            NameRule::Dns1035Label => is_dns1035_label(name),
            NameRule::PathSegment => is_path_segment_name(name),
            NameRule::CronJob => is_dns1123_subdomain(name) && name.len() <= 52,
        }
    }

    /// What a valid name looks like, for messages.
    pub(crate) fn explain(self) -> &'static str {
        match self {
            NameRule::Subdomain => {
                "a name must be lower-case letters, digits, '-' and '.', start and end with a letter or digit, and be at most 253 characters long"
            }
            NameRule::Dns1123Label => {
                "a namespace name must be lower-case letters, digits and '-', start and end with a letter or digit, and be at most 63 characters long"
            }
            NameRule::Dns1035Label => {
                "a Service name must be lower-case letters, digits and '-', start with a letter, end with a letter or digit, and be at most 63 characters long"
            }
            NameRule::PathSegment => "a name must not be '.' or '..' and must not contain '/' or '%'",
            NameRule::CronJob => {
                "a CronJob name must be lower-case letters, digits, '-' and '.', start and end with a letter or digit, and be at most 52 characters long"
            }
        }
    }
}

/// What a valid value of a custom format looks like, for messages.
pub(crate) fn explain_format(format: &str) -> Option<&'static str> {
    Some(match format {
        QUANTITY => "is not a valid quantity (examples: 100m, 2, 0.5, 1.5Gi, 512Mi)",
        LABEL_VALUE => {
            "is not a valid label value: at most 63 characters of letters, digits, '-', '_' and '.', starting and ending with a letter or digit"
        }
        LABEL_KEY => {
            "is not a valid label key: an optional DNS subdomain prefix and '/', then at most 63 characters of letters, digits, '-', '_' and '.', starting and ending with a letter or digit"
        }
        ANNOTATION_KEY => {
            "is not a valid annotation key: an optional DNS subdomain prefix and '/', then at most 63 characters of letters, digits, '-', '_' and '.', starting and ending with a letter or digit"
        }
        DNS_LABEL => {
            "is not a valid namespace name: lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters"
        }
        BYTE => "is not valid base64",
        DURATION => "is not a valid duration (examples: 30s, 5m, 1h30m)",
        "date-time" => "is not an RFC 3339 date-time (example: 2024-01-31T12:00:00Z)",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities() {
        for ok in [
            "1", "100m", "0.5", ".5", "5.", "1.5Gi", "512Mi", "2e3", "1E-2", "+1k", "-1", "10n",
            "3u", "1Ei",
        ] {
            assert!(is_quantity(ok), "{ok}");
        }
        for bad in [
            "", "abc", "1.2.3", "100 m", "1Kb", "1ki", "m", ".", "1e", "1e+", "1 Gi",
        ] {
            assert!(!is_quantity(bad), "{bad}");
        }
    }

    #[test]
    fn names_and_labels() {
        assert!(is_dns1123_subdomain("keystone-api.v2"));
        assert!(!is_dns1123_subdomain("Keystone"));
        assert!(!is_dns1123_subdomain("a..b"));
        assert!(!is_dns1123_subdomain(&"a".repeat(254)));
        assert!(is_dns1123_label("openstack"));
        assert!(!is_dns1123_label("open.stack"));
        assert!(!is_dns1123_label(&"a".repeat(64)));
        assert!(is_dns1035_label("keystone"));
        assert!(!is_dns1035_label("1keystone"));
        assert!(is_path_segment_name("system:controller:foo"));
        assert!(!is_path_segment_name("a/b"));
        assert!(is_label_key("app.kubernetes.io/name"));
        assert!(is_label_key("Tier"));
        assert!(!is_label_key("Example.com/x"));
        assert!(!is_label_key("a/b/c"));
        assert!(!is_label_key("-x"));
        assert!(is_annotation_key("Example.com/Note"));
        assert!(is_label_value(""));
        assert!(is_label_value("v1.2_3-x"));
        assert!(!is_label_value("has space"));
        assert!(!is_label_value(&"a".repeat(64)));
        assert!(NameRule::CronJob.check(&"a".repeat(52)));
        assert!(!NameRule::CronJob.check(&"a".repeat(53)));
    }

    #[test]
    fn base64_and_durations() {
        assert!(is_base64("aGVsbG8="));
        assert!(is_base64("aGVs\nbG8="));
        assert!(!is_base64("hello!"));
        assert!(!is_base64("aGVsbG8"));
        for ok in ["0", "30s", "1h30m", "1.5h", "-5m", "100ms", "2µs"] {
            assert!(is_go_duration(ok), "{ok}");
        }
        for bad in ["", "ten", "5", "1d", "s", "1..5s", "1h 30m"] {
            assert!(!is_go_duration(bad), "{bad}");
        }
    }
}
