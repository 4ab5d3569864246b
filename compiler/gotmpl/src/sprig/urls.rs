//! Sprig's `urlParse` and `urlJoin`, with Go's `net/url` parsing, escaping and printing rules
//! (`urlquery` is a template builtin, not Sprig's).
//!
//! `urlParse` returns a dict with `scheme`, `host`, `hostname`, `path` (unescaped), `query`
//! (raw), `opaque`, `fragment` (unescaped) and `userinfo` (escaped); `urlJoin` prints such a dict
//! back as `URL.String` does.

use std::collections::BTreeMap;

use super::args::{exact, map, string};
use crate::func::register as reg;
use crate::{FuncError, FuncMap, Value};

/// Which part of a URL a string is escaped or unescaped for (Go's `encoding` modes).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Path,
    Host,
    UserPassword,
    Fragment,
}

fn should_escape(c: u8, mode: Mode) -> bool {
    if c.is_ascii_alphanumeric() {
        return false;
    }
    if mode == Mode::Host
        && matches!(
            c,
            b'!' | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
                | b':'
                | b'['
                | b']'
                | b'<'
                | b'>'
                | b'"'
        )
    {
        return false;
    }
    match c {
        b'-' | b'_' | b'.' | b'~' => return false,
        b'$' | b'&' | b'+' | b',' | b'/' | b':' | b';' | b'=' | b'?' | b'@' => {
            return match mode {
                Mode::Path => c == b'?',
                Mode::UserPassword => matches!(c, b'@' | b'/' | b'?' | b':'),
                Mode::Fragment => false,
                Mode::Host => true,
            };
        }
        _ => {}
    }
    if mode == Mode::Fragment && matches!(c, b'!' | b'(' | b')' | b'*') {
        return false;
    }
    true
}

/// Go's `url.escape`.
fn escape(s: &str, mode: Mode) -> String {
    let mut out = String::with_capacity(s.len());
    for &c in s.as_bytes() {
        if should_escape(c, mode) {
            out.push_str(&format!("%{c:02X}"));
        } else {
            out.push(c as char);
        }
    }
    out
}

fn unhex(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// Go's `url.unescape`: `%XX` decoded; in a host only `%25` and escapes of non-ASCII bytes may
/// appear, and characters that must be escaped are refused.
fn unescape(s: &str, mode: Mode) -> Result<String, String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let (Some(hi), Some(lo)) = (
                    b.get(i + 1).copied().and_then(unhex),
                    b.get(i + 2).copied().and_then(unhex),
                ) else {
                    let end = (i + 3).min(b.len());
                    return Err(format!("invalid URL escape {:?}", &s[i..end]));
                };
                if mode == Mode::Host && hi < 8 && &s[i..i + 3] != "%25" {
                    return Err(format!("invalid URL escape {:?}", &s[i..i + 3]));
                }
                out.push(hi << 4 | lo);
                i += 3;
            }
            c => {
                if mode == Mode::Host && c < 0x80 && should_escape(c, mode) {
                    return Err(format!(
                        "invalid character {:?} in host name",
                        (c as char).to_string()
                    ));
                }
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(super::args::bytes_to_string(out))
}

/// A parsed URL, the fields `urlParse` exposes.
#[derive(Default, Debug, PartialEq)]
struct Url {
    scheme: String,
    opaque: String,
    /// `(username, password)` when the URL has an `@`.
    user: Option<(String, Option<String>)>,
    host: String,
    path: String,
    raw_query: String,
    force_query: bool,
    fragment: String,
}

fn valid_optional_port(port: &str) -> bool {
    port.is_empty() || (port.starts_with(':') && port[1..].bytes().all(|c| c.is_ascii_digit()))
}

fn parse_host(host: &str) -> Result<String, String> {
    if host.starts_with('[') {
        let Some(i) = host.rfind(']') else {
            return Err("missing ']' in host".into());
        };
        let port = &host[i + 1..];
        if !valid_optional_port(port) {
            return Err(format!("invalid port {port:?} after host"));
        }
    } else if let Some(i) = host.rfind(':') {
        let port = &host[i..];
        if !valid_optional_port(port) {
            return Err(format!("invalid port {port:?} after host"));
        }
    }
    unescape(host, Mode::Host)
}

fn valid_userinfo(s: &str) -> bool {
    s.bytes().all(|c| {
        c.is_ascii_alphanumeric()
            || matches!(
                c,
                b'-' | b'.'
                    | b'_'
                    | b':'
                    | b'~'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b'%'
                    | b'@'
            )
    })
}

type User = Option<(String, Option<String>)>;

fn parse_authority(authority: &str) -> Result<(User, String), String> {
    let Some(at) = authority.rfind('@') else {
        return Ok((None, parse_host(authority)?));
    };
    let host = parse_host(&authority[at + 1..])?;
    let userinfo = &authority[..at];
    if !valid_userinfo(userinfo) {
        return Err("net/url: invalid userinfo".into());
    }
    let user = match userinfo.split_once(':') {
        None => (unescape(userinfo, Mode::UserPassword)?, None),
        Some((u, p)) => (
            unescape(u, Mode::UserPassword)?,
            Some(unescape(p, Mode::UserPassword)?),
        ),
    };
    Ok((Some(user), host))
}

/// Go's `url.Parse`; the error is the text after `parse "RAW": `.
fn parse(raw: &str) -> Result<Url, String> {
    let (rest, frag) = match raw.split_once('#') {
        Some((r, f)) => (r, Some(f)),
        None => (raw, None),
    };
    let mut url = parse_no_fragment(rest)?;
    if let Some(f) = frag {
        url.fragment = unescape(f, Mode::Fragment)?;
    }
    Ok(url)
}

fn parse_no_fragment(raw: &str) -> Result<Url, String> {
    if raw.bytes().any(|c| c < 0x20 || c == 0x7f) {
        return Err("net/url: invalid control character in URL".into());
    }
    let mut url = Url::default();
    if raw == "*" {
        url.path = "*".into();
        return Ok(url);
    }
    let mut rest = raw;
    for (i, c) in raw.bytes().enumerate() {
        match c {
            b'a'..=b'z' | b'A'..=b'Z' => {}
            b'0'..=b'9' | b'+' | b'-' | b'.' if i > 0 => {}
            b':' => {
                if i == 0 {
                    return Err("missing protocol scheme".into());
                }
                url.scheme = raw[..i].to_ascii_lowercase();
                rest = &raw[i + 1..];
                break;
            }
            _ => break,
        }
    }
    if rest.ends_with('?') && rest.matches('?').count() == 1 {
        url.force_query = true;
        rest = &rest[..rest.len() - 1];
    } else if let Some((r, q)) = rest.split_once('?') {
        url.raw_query = q.to_string();
        rest = r;
    }
    if !rest.starts_with('/') {
        if !url.scheme.is_empty() {
            url.opaque = rest.to_string();
            return Ok(url);
        }
        let segment = rest.split('/').next().unwrap_or("");
        if segment.contains(':') {
            return Err("first path segment in URL cannot contain colon".into());
        }
    }
    if (!url.scheme.is_empty() || !rest.starts_with("///")) && rest.starts_with("//") {
        let after = &rest[2..];
        let (authority, path) = match after.find('/') {
            Some(i) => (&after[..i], &after[i..]),
            None => (after, ""),
        };
        let (user, host) = parse_authority(authority)?;
        url.user = user;
        url.host = host;
        rest = path;
    }
    url.path = unescape(rest, Mode::Path)?;
    Ok(url)
}

fn userinfo_string(user: &User) -> String {
    match user {
        None => String::new(),
        Some((name, password)) => {
            let mut s = escape(name, Mode::UserPassword);
            if let Some(p) = password {
                s.push(':');
                s.push_str(&escape(p, Mode::UserPassword));
            }
            s
        }
    }
}

/// Go's `URL.Hostname`: the host without port and IPv6 brackets.
fn hostname(host: &str) -> &str {
    let mut h = host;
    if let Some(i) = host.rfind(':') {
        if valid_optional_port(&host[i..]) {
            h = &host[..i];
        }
    }
    if h.starts_with('[') && h.ends_with(']') && h.len() >= 2 {
        &h[1..h.len() - 1]
    } else {
        h
    }
}

/// Go's `URL.String`.
fn url_string(u: &Url) -> String {
    let mut buf = String::new();
    if !u.scheme.is_empty() {
        buf.push_str(&u.scheme);
        buf.push(':');
    }
    if !u.opaque.is_empty() {
        buf.push_str(&u.opaque);
    } else {
        if !u.scheme.is_empty() || !u.host.is_empty() || u.user.is_some() {
            if !u.host.is_empty() || !u.path.is_empty() || u.user.is_some() {
                buf.push_str("//");
            }
            if u.user.is_some() {
                buf.push_str(&userinfo_string(&u.user));
                buf.push('@');
            }
            if !u.host.is_empty() {
                buf.push_str(&escape(&u.host, Mode::Host));
            }
        }
        let path = if u.path == "*" {
            "*".to_string()
        } else {
            escape(&u.path, Mode::Path)
        };
        if !path.is_empty() && !path.starts_with('/') && !u.host.is_empty() {
            buf.push('/');
        }
        if buf.is_empty() && path.split('/').next().unwrap_or("").contains(':') {
            buf.push_str("./");
        }
        buf.push_str(&path);
    }
    if u.force_query || !u.raw_query.is_empty() {
        buf.push('?');
        buf.push_str(&u.raw_query);
    }
    if !u.fragment.is_empty() {
        buf.push('#');
        buf.push_str(&escape(&u.fragment, Mode::Fragment));
    }
    buf
}

/// Sprig's `dictGetOrEmpty`: a missing key is "", a non-string value is an error (a panic in
/// Sprig, which Go's template package reports as the call's error).
fn dict_string(d: &crate::Entries, key: &str) -> Result<String, FuncError> {
    match d.get(key) {
        None => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.to_string()),
        Some(Value::Nil) => Err(FuncError::Call(
            "runtime error: invalid memory address or nil pointer dereference".into(),
        )),
        Some(other) => Err(FuncError::Call(format!(
            "unable to parse {key} key, must be of type string, but {} found",
            other.kind()
        ))),
    }
}

/// Registers `urlParse` and `urlJoin`.
pub fn register(map_: &mut FuncMap) {
    reg(map_, "urlParse", |_, args| {
        exact(args, 1)?;
        let raw = string(&args[0])?;
        let u = parse(raw)
            .map_err(|e| FuncError::Call(format!("unable to parse url: parse {raw:?}: {e}")))?;
        let mut d = BTreeMap::new();
        d.insert("scheme".into(), Value::from(u.scheme.as_str()));
        d.insert("host".into(), Value::from(u.host.as_str()));
        d.insert("hostname".into(), Value::from(hostname(&u.host)));
        d.insert("path".into(), Value::from(u.path.as_str()));
        d.insert("query".into(), Value::from(u.raw_query.as_str()));
        d.insert("opaque".into(), Value::from(u.opaque.as_str()));
        d.insert("fragment".into(), Value::from(u.fragment.as_str()));
        d.insert("userinfo".into(), Value::from(userinfo_string(&u.user)));
        Ok(Value::map(d))
    });
    reg(map_, "urlJoin", |_, args| {
        exact(args, 1)?;
        let m = map(&args[0])?;
        let d = m.borrow();
        let mut u = Url {
            scheme: dict_string(&d, "scheme")?,
            host: dict_string(&d, "host")?,
            path: dict_string(&d, "path")?,
            raw_query: dict_string(&d, "query")?,
            opaque: dict_string(&d, "opaque")?,
            fragment: dict_string(&d, "fragment")?,
            ..Url::default()
        };
        let userinfo = dict_string(&d, "userinfo")?;
        if !userinfo.is_empty() {
            // Sprig parses the userinfo as part of a whole URL to unescape it.
            let whole = format!("proto://{userinfo}@host");
            let parsed = parse(&whole).map_err(|e| {
                FuncError::Call(format!(
                    "unable to parse userinfo in dict: parse {whole:?}: {e}"
                ))
            })?;
            u.user = parsed.user;
        }
        Ok(Value::from(url_string(&u)))
    });
}

#[cfg(test)]
mod tests {
    use super::super::testctx::{call, call_value};
    use crate::Value;

    fn s(x: &str) -> Value {
        Value::from(x)
    }

    // Expected strings come from Helm SDK v4.2.3 (helm-python-sdk 0.2.2).
    #[test]
    fn parse_matches_helm() {
        let cases = [
            (
                "https://us%40er:p%3Aw@Example.com:8080/a%20b/c?x=1&y=%20#fr%20ag",
                "map[fragment:fr ag host:Example.com:8080 hostname:Example.com opaque: path:/a b/c query:x=1&y=%20 scheme:https userinfo:us%40er:p%3Aw]",
            ),
            (
                "mailto:joe@x.com",
                "map[fragment: host: hostname: opaque:joe@x.com path: query: scheme:mailto userinfo:]",
            ),
            (
                "/rel/path?q",
                "map[fragment: host: hostname: opaque: path:/rel/path query:q scheme: userinfo:]",
            ),
            (
                "http://[::1]:80/x",
                "map[fragment: host:[::1]:80 hostname:::1 opaque: path:/x query: scheme:http userinfo:]",
            ),
            ("HTTP://x/%2F", "map[fragment: host:x hostname:x opaque: path:// query: scheme:http userinfo:]"),
        ];
        for (input, want) in cases {
            assert_eq!(call("urlParse", &[s(input)]).unwrap(), want, "{input}");
        }
        let errors = [
            (":bad", "unable to parse url: parse \":bad\": missing protocol scheme"),
            (
                "http://a b.com/",
                "unable to parse url: parse \"http://a b.com/\": invalid character \" \" in host name",
            ),
            ("%zz", "unable to parse url: parse \"%zz\": invalid URL escape \"%zz\""),
        ];
        for (input, want) in errors {
            assert_eq!(
                call("urlParse", &[s(input)]).unwrap_err().to_string(),
                want,
                "{input}"
            );
        }
    }

    #[test]
    fn join_matches_helm() {
        let dict = |pairs: &[(&str, Value)]| {
            Value::map(
                pairs
                    .iter()
                    .map(|(k, v)| ((*k).into(), v.clone()))
                    .collect(),
            )
        };
        let d = dict(&[
            ("scheme", s("https")),
            ("host", s("h:1")),
            ("path", s("/a b")),
            ("query", s("q=1")),
            ("fragment", s("f g")),
            ("userinfo", s("u:p@")),
        ]);
        assert_eq!(
            call("urlJoin", &[d]).unwrap(),
            "https://u:p%40@h:1/a%20b?q=1#f%20g"
        );
        let d = dict(&[("scheme", s("mailto")), ("opaque", s("joe@x.com"))]);
        assert_eq!(call("urlJoin", &[d]).unwrap(), "mailto:joe@x.com");
        assert_eq!(
            call("urlJoin", &[dict(&[("path", s("a:b"))])]).unwrap(),
            "./a:b"
        );
        let parsed = call_value("urlParse", &[s("HTTP://x/%2F")]).unwrap();
        assert_eq!(call("urlJoin", &[parsed]).unwrap(), "http://x//");
        let e = call("urlJoin", &[dict(&[("host", Value::Int(3))])]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "unable to parse host key, must be of type string, but int found"
        );
    }
}
