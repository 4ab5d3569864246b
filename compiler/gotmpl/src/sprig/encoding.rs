//! Sprig's encoding functions: `b64enc`, `b64dec`, `b32enc`, `b32dec` (standard alphabets with
//! padding, as Go's `encoding/base64` and `encoding/base32` `StdEncoding`).
//!
//! The decoders return Go's error text *as the value* on bad input (`illegal base64 data at
//! input byte 4`), exactly as Sprig does, so a template never fails on them. The byte offsets in
//! those messages follow Go's decoders, which is why decoding is written here rather than taken
//! from a crate: a crate reports other offsets.

use base64::Engine as _;

use super::args::{bytes_to_string, exact, string};
use crate::func::register as reg;
use crate::{FuncMap, Value};

/// Registers the encoding functions.
pub fn register(map: &mut FuncMap) {
    reg(map, "b64enc", |_, args| {
        exact(args, 1)?;
        Ok(Value::from(
            base64::engine::general_purpose::STANDARD.encode(string(&args[0])?),
        ))
    });
    reg(map, "b64dec", |_, args| {
        exact(args, 1)?;
        Ok(Value::from(
            match base64_decode(string(&args[0])?.as_bytes()) {
                Ok(bytes) => bytes_to_string(bytes),
                Err(at) => format!("illegal base64 data at input byte {at}"),
            },
        ))
    });
    reg(map, "b32enc", |_, args| {
        exact(args, 1)?;
        Ok(Value::from(base32_encode(string(&args[0])?.as_bytes())))
    });
    reg(map, "b32dec", |_, args| {
        exact(args, 1)?;
        Ok(Value::from(
            match base32_decode(string(&args[0])?.as_bytes()) {
                Ok(bytes) => bytes_to_string(bytes),
                Err(at) => format!("illegal base32 data at input byte {at}"),
            },
        ))
    });
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

fn b64_value(c: u8) -> Option<u8> {
    B64.iter().position(|&x| x == c).map(|p| p as u8)
}

fn b32_value(c: u8) -> Option<u8> {
    B32.iter().position(|&x| x == c).map(|p| p as u8)
}

/// Go's `base64.StdEncoding.DecodeString`: CR and LF are skipped anywhere, padding is required,
/// trailing bits are not checked. `Err(offset)` is the offset Go's `CorruptInputError` names.
pub fn base64_decode(src: &[u8]) -> Result<Vec<u8>, usize> {
    let mut out = Vec::with_capacity(src.len() / 4 * 3);
    let mut si = 0;
    loop {
        let mut quantum = [0u8; 4];
        let mut len = 4;
        let mut j = 0;
        let mut done = false;
        while j < 4 {
            if si == src.len() {
                if j == 0 {
                    return Ok(out);
                }
                // A quantum cut short without padding.
                return Err(si - j);
            }
            let c = src[si];
            si += 1;
            if let Some(v) = b64_value(c) {
                quantum[j] = v;
                j += 1;
                continue;
            }
            if c == b'\n' || c == b'\r' {
                continue;
            }
            if c != b'=' {
                return Err(si - 1);
            }
            // Padding: only after two or three symbols of a quantum.
            match j {
                0 | 1 => return Err(si - 1),
                2 => {
                    while si < src.len() && (src[si] == b'\n' || src[si] == b'\r') {
                        si += 1;
                    }
                    if si == src.len() {
                        return Err(src.len());
                    }
                    if src[si] != b'=' {
                        return Err(si - 1);
                    }
                    si += 1;
                }
                _ => {}
            }
            while si < src.len() && (src[si] == b'\n' || src[si] == b'\r') {
                si += 1;
            }
            if si < src.len() {
                // Data after the padding.
                return Err(si);
            }
            len = j;
            done = true;
            break;
        }
        let v = (u32::from(quantum[0]) << 18)
            | (u32::from(quantum[1]) << 12)
            | (u32::from(quantum[2]) << 6)
            | u32::from(quantum[3]);
        let bytes = [(v >> 16) as u8, (v >> 8) as u8, v as u8];
        out.extend_from_slice(&bytes[..len - 1]);
        if done {
            return Ok(out);
        }
    }
}

/// Go's `base32.StdEncoding.EncodeToString`.
pub fn base32_encode(src: &[u8]) -> String {
    let mut out = String::with_capacity(src.len().div_ceil(5) * 8);
    for chunk in src.chunks(5) {
        let mut block = [0u8; 5];
        block[..chunk.len()].copy_from_slice(chunk);
        let v = block.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
        // Symbols that carry at least one bit of input; the rest of the 8 are padding.
        let symbols = (chunk.len() * 8).div_ceil(5);
        for i in 0..8 {
            if i < symbols {
                out.push(B32[((v >> (35 - 5 * i)) & 31) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Go's `base32.StdEncoding.DecodeString`: CR and LF are removed first (offsets count the
/// remaining bytes), padding is required. `Err(offset)` is Go's `CorruptInputError`.
pub fn base32_decode(src: &[u8]) -> Result<Vec<u8>, usize> {
    let src: Vec<u8> = src
        .iter()
        .copied()
        .filter(|&c| c != b'\n' && c != b'\r')
        .collect();
    let total = src.len();
    let mut rest: &[u8] = &src;
    let mut out = Vec::with_capacity(total / 8 * 5);
    let mut end = false;
    while !rest.is_empty() && !end {
        let mut quantum = [0u8; 8];
        let mut len = 8;
        let mut j = 0;
        while j < 8 {
            let Some((&c, tail)) = rest.split_first() else {
                // Missing padding.
                return Err(total - j);
            };
            rest = tail;
            if c == b'=' && j >= 2 && rest.len() < 8 {
                if rest.len() + j < 7 {
                    return Err(total);
                }
                for k in 0..7 - j {
                    if rest.len() > k && rest[k] != b'=' {
                        return Err(total - rest.len() + k - 1);
                    }
                }
                len = j;
                end = true;
                // 1, 3 and 6 symbols cannot encode a whole byte.
                if matches!(len, 1 | 3 | 6) {
                    return Err(total - rest.len() - 1);
                }
                break;
            }
            match b32_value(c) {
                Some(v) => quantum[j] = v,
                None => return Err(total - rest.len() - 1),
            }
            j += 1;
        }
        let v = quantum
            .iter()
            .fold(0u64, |acc, &b| (acc << 5) | u64::from(b));
        let bytes = [
            (v >> 32) as u8,
            (v >> 24) as u8,
            (v >> 16) as u8,
            (v >> 8) as u8,
            v as u8,
        ];
        let n = match len {
            8 => 5,
            7 => 4,
            5 => 3,
            4 => 2,
            _ => 1,
        };
        out.extend_from_slice(&bytes[..n]);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::testctx::call;

    // Expected strings below come from Helm SDK v4.2.3 (helm-python-sdk 0.2.2).
    #[test]
    fn base64_round_trip_and_go_errors() {
        assert_eq!(call("b64enc", &["héllo".into()]).unwrap(), "aMOpbGxv");
        assert_eq!(call("b64dec", &["aGVsbG8=".into()]).unwrap(), "hello");
        assert_eq!(call("b64dec", &["aGVs\nbG8=".into()]).unwrap(), "hello");
        assert_eq!(
            call("b64dec", &["!!".into()]).unwrap(),
            "illegal base64 data at input byte 0"
        );
        assert_eq!(
            call("b64dec", &["aGVsbG8".into()]).unwrap(),
            "illegal base64 data at input byte 4"
        );
    }

    #[test]
    fn base32_round_trip_and_go_errors() {
        assert_eq!(call("b32enc", &["hello".into()]).unwrap(), "NBSWY3DP");
        assert_eq!(call("b32dec", &["NBSWY3DP".into()]).unwrap(), "hello");
        assert_eq!(
            call("b32dec", &["!!".into()]).unwrap(),
            "illegal base32 data at input byte 0"
        );
        assert_eq!(
            call("b32dec", &["nbswy3dp".into()]).unwrap(),
            "illegal base32 data at input byte 0"
        );
    }

    #[test]
    fn wrong_argument_types_are_go_errors() {
        let err = call("b64enc", &[crate::Value::Int(3)]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "wrong type for value; expected string; got int"
        );
        let err = call("b64enc", &[crate::Value::Nil]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "wrong type for value; expected string; got interface {}"
        );
    }

    /// Edge cases of padding, newlines and garbage; outputs printed by Helm SDK v4.2.3.
    #[test]
    fn decoder_edge_cases_match_helm() {
        let cases: &[(&str, &str, &str)] = &[
            ("b64dec", "", ""),
            ("b64dec", "YQ==", "a"),
            ("b64dec", "YQ=", "illegal base64 data at input byte 3"),
            ("b64dec", "YQ", "illegal base64 data at input byte 0"),
            ("b64dec", "YWI=", "ab"),
            ("b64dec", "YWJj", "abc"),
            ("b64dec", "Y", "illegal base64 data at input byte 0"),
            ("b64dec", "YQ==YQ==", "illegal base64 data at input byte 4"),
            ("b64dec", "YQ==\n", "a"),
            ("b64dec", "YQ=\n=", "a"),
            ("b64dec", "Y===", "illegal base64 data at input byte 1"),
            ("b64dec", "====", "illegal base64 data at input byte 0"),
            ("b64dec", "YWJjZA=x", "illegal base64 data at input byte 6"),
            ("b64dec", "YWJj\r\nZGVm", "abcdef"),
            ("b64dec", "YW Jj", "illegal base64 data at input byte 2"),
            ("b64dec", "YQ==a", "illegal base64 data at input byte 4"),
            ("b64dec", "aGVsbG8gd29ybGQ=", "hello world"),
            ("b32dec", "", ""),
            ("b32dec", "ME======", "a"),
            ("b32dec", "ME=====", "illegal base32 data at input byte 7"),
            ("b32dec", "ME", "illegal base32 data at input byte 0"),
            ("b32dec", "MFRA====", "ab"),
            ("b32dec", "MFRGG===", "abc"),
            ("b32dec", "MFRGGZA=", "abcd"),
            ("b32dec", "MFRGGZDF", "abcde"),
            ("b32dec", "M=======", "illegal base32 data at input byte 1"),
            ("b32dec", "MFR=====", "illegal base32 data at input byte 3"),
            ("b32dec", "MFRGGZ==", "illegal base32 data at input byte 6"),
            (
                "b32dec",
                "ME======ME======",
                "illegal base32 data at input byte 2",
            ),
            ("b32dec", "ME\n======", "a"),
            ("b32dec", "1E======", "illegal base32 data at input byte 0"),
            ("b32dec", "me======", "illegal base32 data at input byte 0"),
            ("b32dec", "MFRGGZDFMY======", "abcdef"),
            ("b32dec", "MFRGGZDF\nMY======", "abcdef"),
            ("b32enc", "", ""),
            ("b32enc", "a", "ME======"),
            ("b32enc", "ab", "MFRA===="),
            ("b32enc", "abc", "MFRGG==="),
            ("b32enc", "abcd", "MFRGGZA="),
            ("b32enc", "abcde", "MFRGGZDF"),
            ("b32enc", "abcdef", "MFRGGZDFMY======"),
        ];
        for (func, input, want) in cases {
            assert_eq!(
                call(func, &[(*input).into()]).unwrap(),
                *want,
                "{func} {input:?}"
            );
        }
    }
}
