//! Sprig's hashing and symmetric crypto: `sha1sum`, `sha256sum`, `sha512sum`, `adler32sum`,
//! `bcrypt`, `htpasswd`, `derivePassword`, `encryptAES`, `decryptAES`.
//!
//! The hashes and `derivePassword` are pure functions and print exactly what Helm prints.
//! `bcrypt`/`htpasswd` (random salt) and `encryptAES` (random IV) take their randomness from
//! [`crate::CallContext::next_seed`], so they are reproducible per build and still valid: any
//! bcrypt verifier accepts the hash, and Helm's `decryptAES` decrypts the ciphertext.
//! Sprig's habit of returning an error's text as the value (`bcrypt`, `htpasswd`,
//! `derivePassword`) is kept.

use aes::cipher::{BlockDecrypt, BlockEncrypt, KeyInit};
use hmac::Mac;
use rand_core::RngCore;
use sha1::Digest;

use super::args::{bytes_to_string, exact, string, type_err};
use crate::func::register as reg;
use crate::{CallContext, FuncError, FuncMap, Value};

/// Lower-case hex, as Go's `hex.EncodeToString`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Go's `hash/adler32.Checksum`.
pub(crate) fn adler32(data: &[u8]) -> u32 {
    const MOD: u32 = 65521;
    let (mut a, mut b) = (1u32, 0u32);
    // 5552 bytes is the most that can be summed before `b` could overflow a u32.
    for chunk in data.chunks(5552) {
        for &x in chunk {
            a += u32::from(x);
            b += a;
        }
        a %= MOD;
        b %= MOD;
    }
    (b << 16) | a
}

/// Go's `bcrypt.GenerateFromPassword(input, 10)` with a salt from the call's seed, or Sprig's
/// error text.
fn bcrypt_hash(ctx: &mut dyn CallContext, password: &str) -> String {
    if password.len() > 72 {
        return "failed to encrypt string with bcrypt: bcrypt: password length exceeds 72 bytes"
            .to_string();
    }
    let mut salt = [0u8; 16];
    super::random::rng(ctx).fill_bytes(&mut salt);
    match bcrypt::hash_with_salt(password, 10, salt) {
        Ok(parts) => parts.format_for_version(bcrypt::Version::TwoA),
        Err(e) => format!("failed to encrypt string with bcrypt: {e}"),
    }
}

const MASTER_PASSWORD_SEED: &str = "com.lyndir.masterpassword";

/// The Master Password templates Sprig's `derivePassword` knows, by password type.
fn password_templates(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "maximum" => &["anoxxxxxxxxxxxxxxxxx", "axxxxxxxxxxxxxxxxxno"],
        "long" => &[
            "CvcvnoCvcvCvcv",
            "CvcvCvcvnoCvcv",
            "CvcvCvcvCvcvno",
            "CvccnoCvcvCvcv",
            "CvccCvcvnoCvcv",
            "CvccCvcvCvcvno",
            "CvcvnoCvccCvcv",
            "CvcvCvccnoCvcv",
            "CvcvCvccCvcvno",
            "CvcvnoCvcvCvcc",
            "CvcvCvcvnoCvcc",
            "CvcvCvcvCvccno",
            "CvccnoCvccCvcv",
            "CvccCvccnoCvcv",
            "CvccCvccCvcvno",
            "CvcvnoCvccCvcc",
            "CvcvCvccnoCvcc",
            "CvcvCvccCvccno",
            "CvccnoCvcvCvcc",
            "CvccCvcvnoCvcc",
            "CvccCvcvCvccno",
        ],
        "medium" => &["CvcnoCvc", "CvcCvcno"],
        "short" => &["Cvcn"],
        "basic" => &["aaanaaan", "aannaaan", "aaannaaa"],
        "pin" => &["nnnn"],
        _ => return None,
    })
}

/// The characters a Master Password template letter stands for.
fn template_chars(c: u8) -> &'static [u8] {
    match c {
        b'V' => b"AEIOU",
        b'C' => b"BCDFGHJKLMNPQRSTVWXYZ",
        b'v' => b"aeiou",
        b'c' => b"bcdfghjklmnpqrstvwxyz",
        b'A' => b"AEIOUBCDFGHJKLMNPQRSTVWXYZ",
        b'a' => b"AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz",
        b'n' => b"0123456789",
        b'o' => b"@&%?,=[]_:-+*$#!'^~;()/.",
        _ => b"AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz0123456789!@#$%^&*()",
    }
}

/// Sprig's `derivePassword` (the Master Password algorithm: scrypt of the master password salted
/// with the user name, HMAC-SHA256 of the site and counter, characters picked by a template).
fn derive_password(counter: u32, kind: &str, password: &str, user: &str, site: &str) -> String {
    let Some(templates) = password_templates(kind) else {
        return format!("cannot find password template {kind}");
    };
    let mut salt = MASTER_PASSWORD_SEED.as_bytes().to_vec();
    salt.extend_from_slice(&(user.len() as u32).to_be_bytes());
    salt.extend_from_slice(user.as_bytes());
    let mut key = [0u8; 64];
    let derived = scrypt::Params::new(15, 8, 2, 64)
        .map_err(|e| e.to_string())
        .and_then(|params| {
            scrypt::scrypt(password.as_bytes(), &salt, &params, &mut key).map_err(|e| e.to_string())
        });
    if let Err(e) = derived {
        return format!("failed to derive password: {e}");
    }
    let mut message = MASTER_PASSWORD_SEED.as_bytes().to_vec();
    message.extend_from_slice(&(site.len() as u32).to_be_bytes());
    message.extend_from_slice(site.as_bytes());
    message.extend_from_slice(&counter.to_be_bytes());
    let Ok(mut mac) = <hmac::Hmac<sha2::Sha256> as Mac>::new_from_slice(&key) else {
        return "failed to derive password: bad HMAC key".to_string();
    };
    mac.update(&message);
    let seed = mac.finalize().into_bytes();
    let template = templates[usize::from(seed[0]) % templates.len()];
    template
        .bytes()
        .enumerate()
        .map(|(i, c)| {
            let chars = template_chars(c);
            chars[usize::from(seed[i + 1]) % chars.len()] as char
        })
        .collect()
}

/// The AES-256 key Sprig derives from a password: its bytes, zero-padded or cut to 32.
fn aes_key(password: &str) -> aes::Aes256 {
    let mut key = [0u8; 32];
    let n = password.len().min(32);
    key[..n].copy_from_slice(&password.as_bytes()[..n]);
    aes::Aes256::new(&key.into())
}

/// Sprig's `encryptAES`: AES-256-CBC with PKCS#7 padding, the IV prepended, base64.
fn encrypt_aes(ctx: &mut dyn CallContext, password: &str, plaintext: &str) -> String {
    if plaintext.is_empty() {
        return String::new();
    }
    let cipher = aes_key(password);
    let mut content = plaintext.as_bytes().to_vec();
    let pad = 16 - content.len() % 16;
    content.extend(std::iter::repeat_n(pad as u8, pad));
    let mut out = vec![0u8; 16];
    super::random::rng(ctx).fill_bytes(&mut out);
    let mut prev: [u8; 16] = [0; 16];
    prev.copy_from_slice(&out);
    for chunk in content.chunks(16) {
        let mut block = [0u8; 16];
        for (i, b) in block.iter_mut().enumerate() {
            *b = chunk[i] ^ prev[i];
        }
        let mut ga = block.into();
        cipher.encrypt_block(&mut ga);
        prev.copy_from_slice(&ga);
        out.extend_from_slice(&ga);
    }
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(out)
}

/// Sprig's `decryptAES`; Go's panics on malformed input are reported as the errors Go's template
/// package makes of them.
fn decrypt_aes(password: &str, crypt64: &str) -> Result<String, FuncError> {
    if crypt64.is_empty() {
        return Ok(String::new());
    }
    let crypt = super::encoding::base64_decode(crypt64.as_bytes())
        .map_err(|at| FuncError::Call(format!("illegal base64 data at input byte {at}")))?;
    if crypt.len() < 16 {
        return Err(FuncError::Call(format!(
            "runtime error: slice bounds out of range [:16] with capacity {}",
            crypt.len()
        )));
    }
    let (iv, body) = crypt.split_at(16);
    if body.len() % 16 != 0 {
        return Err(FuncError::Call(
            "crypto/cipher: input not full blocks".into(),
        ));
    }
    if body.is_empty() {
        return Err(FuncError::Call(
            "runtime error: index out of range [-1]".into(),
        ));
    }
    let cipher = aes_key(password);
    let mut prev: &[u8] = iv;
    let mut plain = Vec::with_capacity(body.len());
    for chunk in body.chunks(16) {
        let mut ga = aes::Block::clone_from_slice(chunk);
        cipher.decrypt_block(&mut ga);
        plain.extend(ga.iter().zip(prev).map(|(a, b)| a ^ b));
        prev = chunk;
    }
    let pad = usize::from(plain[plain.len() - 1]);
    if pad > plain.len() {
        return Err(FuncError::Call(format!(
            "runtime error: slice bounds out of range [:{}]",
            plain.len() as i64 - pad as i64
        )));
    }
    plain.truncate(plain.len() - pad);
    Ok(bytes_to_string(plain))
}

fn one_string(args: &[Value]) -> Result<&str, FuncError> {
    exact(args, 1)?;
    string(&args[0])
}

/// Registers the hashing and symmetric crypto functions.
pub fn register(map: &mut FuncMap) {
    reg(map, "sha1sum", |_, args| {
        Ok(Value::from(hex(&sha1::Sha1::digest(
            one_string(args)?.as_bytes(),
        ))))
    });
    reg(map, "sha256sum", |_, args| {
        Ok(Value::from(hex(&sha2::Sha256::digest(
            one_string(args)?.as_bytes(),
        ))))
    });
    reg(map, "sha512sum", |_, args| {
        Ok(Value::from(hex(&sha2::Sha512::digest(
            one_string(args)?.as_bytes(),
        ))))
    });
    reg(map, "adler32sum", |_, args| {
        Ok(Value::from(
            adler32(one_string(args)?.as_bytes()).to_string(),
        ))
    });
    reg(map, "bcrypt", |ctx, args| {
        let input = one_string(args)?;
        Ok(Value::from(bcrypt_hash(ctx, input)))
    });
    reg(map, "htpasswd", |ctx, args| {
        exact(args, 2)?;
        let (user, password) = (string(&args[0])?, string(&args[1])?);
        if user.contains(':') {
            return Ok(Value::from(format!("invalid username: {user}")));
        }
        Ok(Value::from(format!(
            "{user}:{}",
            bcrypt_hash(ctx, password)
        )))
    });
    reg(map, "derivePassword", |_, args| {
        exact(args, 5)?;
        // Go's parameter is a uint32: an integer literal is cut to 32 bits, a negative one is
        // refused.
        let counter = match &args[0] {
            Value::Int(i) if *i >= 0 => *i as u32,
            other => return Err(type_err("uint32", other)),
        };
        let kind = string(&args[1])?;
        let password = string(&args[2])?;
        let user = string(&args[3])?;
        let site = string(&args[4])?;
        Ok(Value::from(derive_password(
            counter, kind, password, user, site,
        )))
    });
    reg(map, "encryptAES", |ctx, args| {
        exact(args, 2)?;
        let (password, plaintext) = (string(&args[0])?, string(&args[1])?);
        Ok(Value::from(encrypt_aes(ctx, password, plaintext)))
    });
    reg(map, "decryptAES", |_, args| {
        exact(args, 2)?;
        Ok(Value::from(decrypt_aes(
            string(&args[0])?,
            string(&args[1])?,
        )?))
    });
}

#[cfg(test)]
mod tests {
    use super::super::testctx::call;
    use crate::Value;

    fn s(x: &str) -> Value {
        Value::from(x)
    }

    // Expected strings come from Helm SDK v4.2.3 (helm-python-sdk 0.2.2).
    #[test]
    fn hashes_match_helm() {
        assert_eq!(
            call("sha1sum", &[s("abc")]).unwrap(),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(
            call("sha256sum", &[s("abc")]).unwrap(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            call("sha512sum", &[s("abc")]).unwrap(),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a\
             2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"
        );
        assert_eq!(call("adler32sum", &[s("abc")]).unwrap(), "38600999");
        // Long input: the chunked sums agree with the definition computed in u64.
        let data = vec![0xffu8; 100_000];
        let (mut a, mut b) = (1u64, 0u64);
        for &x in &data {
            a = (a + u64::from(x)) % 65521;
            b = (b + a) % 65521;
        }
        assert_eq!(u64::from(super::adler32(&data)), (b << 16) | a);
    }

    #[test]
    fn derive_password_matches_helm() {
        let args = [
            Value::Int(1),
            s("long"),
            s("password"),
            s("user"),
            s("example.com"),
        ];
        assert_eq!(call("derivePassword", &args).unwrap(), "ZedaFaxcZaso9*");
        let args = [Value::Int(1), s("pin"), s("p"), s("u"), s("s")];
        assert_eq!(call("derivePassword", &args).unwrap(), "2461");
        let args = [Value::Int(1), s("nope"), s("p"), s("u"), s("s")];
        assert_eq!(
            call("derivePassword", &args).unwrap(),
            "cannot find password template nope"
        );
    }

    #[test]
    fn bcrypt_and_htpasswd() {
        let h = call("htpasswd", &[s("a"), s("b")]).unwrap();
        assert!(h.starts_with("a:$2a$10$"), "{h}");
        assert_eq!(h.len(), 2 + 60);
        let hash = &h[2..];
        assert!(bcrypt::verify("b", hash).unwrap());
        assert_eq!(
            call("htpasswd", &[s("a:b"), s("x")]).unwrap(),
            "invalid username: a:b"
        );
        assert_eq!(
            call("bcrypt", &[s(&"x".repeat(80))]).unwrap(),
            "failed to encrypt string with bcrypt: bcrypt: password length exceeds 72 bytes"
        );
    }

    #[test]
    fn aes_round_trip_and_helm_ciphertext() {
        let map = super::super::testctx::funcs();
        let mut ctx = super::super::testctx::TestCtx::default();
        let enc = map["encryptAES"](&mut ctx, &[s("secretkey"), s("plaintext")]).unwrap();
        let dec = call("decryptAES", &[s("secretkey"), enc]).unwrap();
        assert_eq!(dec, "plaintext");
        // Ciphertext Helm's encryptAES made with a 40-byte password (key cut to 32 bytes).
        let helm = s("32Y7dCabyQmXNVDh/SKFauZMYc6M0GV7usNXj1rk0Nc=");
        assert_eq!(
            call("decryptAES", &[s(&"k".repeat(40)), helm]).unwrap(),
            "x"
        );
        assert_eq!(call("decryptAES", &[s("k"), s("")]).unwrap(), "");
        assert_eq!(call("encryptAES", &[s("k"), s("")]).unwrap(), "");
        let e = call("decryptAES", &[s("k"), s("!!")]).unwrap_err();
        assert_eq!(e.to_string(), "illegal base64 data at input byte 0");
        let e = call("decryptAES", &[s("k"), s("YWJj")]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "runtime error: slice bounds out of range [:16] with capacity 3"
        );
    }
}
