//! Sprig's key and certificate functions — `genPrivateKey`, `genCA`, `genCAWithKey`,
//! `genSelfSignedCert`, `genSelfSignedCertWithKey`, `genSignedCert`, `genSignedCertWithKey`,
//! `buildCustomCert` — with deterministic keys, serials and validity.
//!
//! Helm draws keys and serial numbers from the operating system and stamps the current time, so
//! every render makes a new CA. Strata draws them from a ChaCha20 stream seeded by
//! [`crate::CallContext::next_seed`] (site, service, template, call) and stamps the fixed build
//! time ([`crate::CallContext::now_unix`]): the same inputs give the same PEM bytes on every
//! build. Everything else is what Sprig (Go's `crypto/x509`) makes: RSA-2048 keys for
//! certificates and RSA-4096 for `genPrivateKey "rsa"`, P-256 for `ecdsa`, the same subject,
//! validity, key usages, extended key usages, basic constraints, key identifiers and SANs, signed
//! with SHA-256 (RSA PKCS#1 v1.5, deterministic ECDSA) or Ed25519, and the same PEM block types.
//! DSA keys, which Go has deprecated, are refused.
//!
//! The certificates are written here as DER by hand (a few dozen lines) rather than through an
//! X.509 builder crate, to reproduce Go's choices of field order, string types and extensions.

use std::net::IpAddr;
use std::rc::Rc;

use rand_chacha::ChaCha20Rng;
use rand_core::RngCore;
use sha1::Digest;

use super::args::{exact, int, list_or_nil, string};
use crate::func::register as reg;
use crate::{CallContext, FuncError, FuncMap, Object, Value};

/// Sprig's `certificate` struct: `.Cert` and `.Key`, PEM strings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Certificate {
    /// The certificate, PEM.
    pub cert: String,
    /// Its private key, PEM.
    pub key: String,
}

impl Object for Certificate {
    fn type_name(&self) -> String {
        "sprig.certificate".into()
    }
    fn kind(&self) -> &'static str {
        "struct"
    }
    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "Cert" => Some(Value::str(&self.cert)),
            "Key" => Some(Value::str(&self.key)),
            // What Go's encoding/json prints for the struct (toJson, toYaml): not a method Go
            // has, but how Strata's serialisers learn an object's JSON.
            "MarshalJSON" => Some(Value::from(format!(
                "{{\"Cert\":{},\"Key\":{}}}",
                super::args::json_string(&self.cert),
                super::args::json_string(&self.key)
            ))),
            _ => None,
        }
    }
    fn format(&self) -> String {
        format!("{{{} {}}}", self.cert, self.key)
    }
}

// ---- DER -------------------------------------------------------------------------------------

fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .iter()
            .copied()
            .skip_while(|&b| b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

fn seq(parts: &[Vec<u8>]) -> Vec<u8> {
    der(0x30, &parts.concat())
}

/// A non-negative INTEGER from big-endian magnitude bytes.
fn uint(bytes: &[u8]) -> Vec<u8> {
    let mut b: Vec<u8> = bytes.iter().copied().skip_while(|&x| x == 0).collect();
    if b.first().is_none_or(|&x| x & 0x80 != 0) {
        b.insert(0, 0);
    }
    der(0x02, &b)
}

fn oid(arcs: &[u64]) -> Vec<u8> {
    let mut body = Vec::new();
    let mut push = |mut v: u64| {
        let mut tmp = vec![(v & 0x7f) as u8];
        v >>= 7;
        while v > 0 {
            tmp.push(0x80 | (v & 0x7f) as u8);
            v >>= 7;
        }
        body.extend(tmp.iter().rev());
    };
    push(arcs[0] * 40 + arcs[1]);
    for &a in &arcs[2..] {
        push(a);
    }
    der(0x06, &body)
}

fn bit_string(bytes: &[u8]) -> Vec<u8> {
    let mut b = vec![0u8];
    b.extend_from_slice(bytes);
    der(0x03, &b)
}

fn octet_string(bytes: &[u8]) -> Vec<u8> {
    der(0x04, bytes)
}

/// Go's choice for a string in a Name: PrintableString when every byte allows it, else UTF8String.
fn name_string(s: &str) -> Vec<u8> {
    let printable = s
        .bytes()
        .all(|c| c.is_ascii_alphanumeric() || b" '()+,-./:=?*".contains(&c));
    der(if printable { 0x13 } else { 0x0c }, s.as_bytes())
}

/// A Name holding only a common name (empty when the CN is empty, as Go omits it).
fn name(cn: &str) -> Vec<u8> {
    if cn.is_empty() {
        return seq(&[]);
    }
    let atv = seq(&[oid(&[2, 5, 4, 3]), name_string(cn)]);
    seq(&[der(0x31, &atv)])
}

/// UTCTime before 2050, GeneralizedTime from then on (RFC 5280, as Go does).
fn time(unix: i64) -> Vec<u8> {
    let t = super::dates::Time::utc(unix, 0);
    let year: i64 = t.format("2006").parse().unwrap_or(0);
    if (1950..2050).contains(&year) {
        der(0x17, t.format("060102150405Z").as_bytes())
    } else {
        der(0x18, t.format("20060102150405Z").as_bytes())
    }
}

fn extension(id: &[u64], critical: bool, value: Vec<u8>) -> Vec<u8> {
    let mut parts = vec![oid(id)];
    if critical {
        parts.push(der(0x01, &[0xff]));
    }
    parts.push(octet_string(&value));
    seq(&parts)
}

/// One DER element: its tag, its content, and its whole encoding.
type Element<'a> = (u8, &'a [u8], &'a [u8]);

/// The first DER element of `input` and what follows it.
fn read(input: &[u8]) -> Option<(Element<'_>, &[u8])> {
    let tag = *input.first()?;
    let first = *input.get(1)?;
    let (len, header) = if first < 0x80 {
        (usize::from(first), 2)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        let mut len = 0usize;
        for i in 0..n {
            len = (len << 8) | usize::from(*input.get(2 + i)?);
        }
        (len, 2 + n)
    };
    let end = header.checked_add(len)?;
    if end > input.len() {
        return None;
    }
    Some(((tag, &input[header..end], &input[..end]), &input[end..]))
}

// ---- PEM -------------------------------------------------------------------------------------

fn pem(kind: &str, der: &[u8]) -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {kind}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {kind}-----\n"));
    out
}

/// The first PEM block of `text`: its type and bytes (headers skipped, as Go's `pem.Decode`).
fn pem_decode(text: &str) -> Option<(String, Vec<u8>)> {
    let start = text.find("-----BEGIN ")?;
    let rest = &text[start + 11..];
    let kind_end = rest.find("-----")?;
    let kind = &rest[..kind_end];
    let body = &rest[kind_end + 5..];
    let end = body.find(&format!("-----END {kind}-----"))?;
    let body: String = body[..end]
        .lines()
        .filter(|l| !l.contains(':'))
        .flat_map(|l| l.chars().filter(|c| !c.is_whitespace()))
        .collect();
    let bytes = super::encoding::base64_decode(body.as_bytes()).ok()?;
    Some((kind.to_string(), bytes))
}

// ---- keys ------------------------------------------------------------------------------------

/// A private key of a type Sprig generates and Go's x509 signs with.
enum Key {
    Rsa(Box<rsa::RsaPrivateKey>),
    Ecdsa(p256::ecdsa::SigningKey),
    Ed25519(ed25519_dalek::SigningKey),
}

const OID_P256: &[u64] = &[1, 2, 840, 10_045, 3, 1, 7];
const OID_SHA256_RSA: &[u64] = &[1, 2, 840, 113_549, 1, 1, 11];
const OID_ECDSA_SHA256: &[u64] = &[1, 2, 840, 10_045, 4, 3, 2];
const OID_ED25519: &[u64] = &[1, 3, 101, 112];

fn err(msg: impl Into<String>) -> FuncError {
    FuncError::Call(msg.into())
}

impl Key {
    fn rsa(rng: &mut ChaCha20Rng, bits: usize) -> Result<Key, FuncError> {
        rsa::RsaPrivateKey::new(rng, bits)
            .map(|k| Key::Rsa(Box::new(k)))
            .map_err(|e| err(format!("error generating rsa key: {e}")))
    }

    /// The key as Sprig's `pemBlockForKey` writes it.
    fn to_pem(&self) -> Result<String, FuncError> {
        let fail = |e: &dyn std::fmt::Display| err(format!("error pem-encoding key: {e}"));
        Ok(match self {
            Key::Rsa(k) => {
                use rsa::pkcs1::EncodeRsaPrivateKey;
                pem(
                    "RSA PRIVATE KEY",
                    k.to_pkcs1_der().map_err(|e| fail(&e))?.as_bytes(),
                )
            }
            Key::Ecdsa(k) => {
                // SEC 1 with the curve's OID and the public point, as Go's MarshalECPrivateKey
                // writes it (the crate's encoder leaves the OID out).
                let point = k.verifying_key().to_encoded_point(false);
                let body = seq(&[
                    der(0x02, &[1]),
                    octet_string(&k.to_bytes()),
                    der(0xa0, &oid(OID_P256)),
                    der(0xa1, &bit_string(point.as_bytes())),
                ]);
                pem("EC PRIVATE KEY", &body)
            }
            Key::Ed25519(k) => {
                // PKCS#8 v1 without the public key, as Go's MarshalPKCS8PrivateKey.
                let body = seq(&[
                    der(0x02, &[0]),
                    seq(&[oid(OID_ED25519)]),
                    octet_string(&octet_string(k.as_bytes())),
                ]);
                pem("PRIVATE KEY", &body)
            }
        })
    }

    /// SubjectPublicKeyInfo, DER.
    fn spki(&self) -> Result<Vec<u8>, FuncError> {
        let fail = |e: &dyn std::fmt::Display| err(format!("error retrieving public key: {e}"));
        Ok(match self {
            Key::Rsa(k) => {
                use rsa::pkcs8::EncodePublicKey;
                k.to_public_key()
                    .to_public_key_der()
                    .map_err(|e| fail(&e))?
                    .as_bytes()
                    .to_vec()
            }
            Key::Ecdsa(k) => {
                use p256::pkcs8::EncodePublicKey;
                let public = p256::PublicKey::from(k.verifying_key());
                public
                    .to_public_key_der()
                    .map_err(|e| fail(&e))?
                    .as_bytes()
                    .to_vec()
            }
            Key::Ed25519(k) => seq(&[
                seq(&[oid(OID_ED25519)]),
                bit_string(k.verifying_key().as_bytes()),
            ]),
        })
    }

    /// The signature AlgorithmIdentifier Go picks for this key.
    fn sig_alg(&self) -> Vec<u8> {
        match self {
            Key::Rsa(_) => seq(&[oid(OID_SHA256_RSA), der(0x05, &[])]),
            Key::Ecdsa(_) => seq(&[oid(OID_ECDSA_SHA256)]),
            Key::Ed25519(_) => seq(&[oid(OID_ED25519)]),
        }
    }

    fn sign(&self, tbs: &[u8]) -> Result<Vec<u8>, FuncError> {
        match self {
            Key::Rsa(k) => k
                .sign(
                    rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
                    &sha2::Sha256::digest(tbs),
                )
                .map_err(|e| err(format!("error creating certificate: {e}"))),
            Key::Ecdsa(k) => {
                use p256::ecdsa::signature::Signer;
                let sig: p256::ecdsa::Signature = k.sign(tbs);
                Ok(sig.to_der().as_bytes().to_vec())
            }
            Key::Ed25519(k) => {
                use ed25519_dalek::Signer;
                Ok(k.sign(tbs).to_bytes().to_vec())
            }
        }
    }
}

/// Sprig's `parsePrivateKeyPEM`, with Go's messages.
fn parse_key(text: &str) -> Result<Key, String> {
    let (kind, der) = pem_decode(text).ok_or("no PEM data in input")?;
    if kind == "PRIVATE KEY" {
        return parse_pkcs8(&der).map_err(|e| format!("decoding PEM as PKCS#8: {e}"));
    }
    let Some(prefix) = kind.strip_suffix(" PRIVATE KEY") else {
        return Err(format!("no private key data in PEM block of type {kind}"));
    };
    match prefix {
        "RSA" => {
            use rsa::pkcs1::DecodeRsaPrivateKey;
            rsa::RsaPrivateKey::from_pkcs1_der(&der)
                .map(|k| Key::Rsa(Box::new(k)))
                .map_err(|e| format!("parsing RSA private key from PEM: {e}"))
        }
        "EC" => p256::SecretKey::from_sec1_der(&der)
            .map(|k| Key::Ecdsa(k.into()))
            .map_err(|e| format!("parsing EC private key from PEM: {e} (Strata reads P-256 keys)")),
        "DSA" => Err("parsing DSA private key from PEM: Strata does not support DSA keys".into()),
        _ => Err(format!("invalid private key type {kind}")),
    }
}

fn parse_pkcs8(der: &[u8]) -> Result<Key, String> {
    {
        use rsa::pkcs8::DecodePrivateKey;
        if let Ok(k) = rsa::RsaPrivateKey::from_pkcs8_der(der) {
            return Ok(Key::Rsa(Box::new(k)));
        }
    }
    {
        use p256::pkcs8::DecodePrivateKey;
        if let Ok(k) = p256::SecretKey::from_pkcs8_der(der) {
            return Ok(Key::Ecdsa(k.into()));
        }
    }
    {
        use ed25519_dalek::pkcs8::DecodePrivateKey;
        if let Ok(k) = ed25519_dalek::SigningKey::from_pkcs8_der(der) {
            return Ok(Key::Ed25519(k));
        }
    }
    Err("x509: unknown or unsupported private key (Strata reads RSA, P-256 and Ed25519)".into())
}

// ---- certificates ----------------------------------------------------------------------------

/// The parts of a parsed CA certificate a signed certificate needs.
struct Parent {
    subject: Vec<u8>,
    spki: Vec<u8>,
    key_id: Option<Vec<u8>>,
}

/// Reads a certificate's subject, public key and subject key identifier.
fn parse_cert(der_bytes: &[u8]) -> Option<Parent> {
    let ((_, cert, _), _) = read(der_bytes)?;
    let ((_, tbs, _), _) = read(cert)?;
    let mut rest = tbs;
    let ((tag, _, _), after) = read(rest)?;
    if tag == 0xa0 {
        rest = after; // version
    }
    let (_, rest) = read(rest)?; // serial
    let (_, rest) = read(rest)?; // signature algorithm
    let (_, rest) = read(rest)?; // issuer
    let (_, rest) = read(rest)?; // validity
    let ((_, _, subject), rest) = read(rest)?;
    let ((_, _, spki), mut rest) = read(rest)?;
    let mut key_id = None;
    while let Some(((tag, content, _), after)) = read(rest) {
        rest = after;
        if tag != 0xa3 {
            continue;
        }
        let ((_, mut exts, _), _) = read(content)?;
        while let Some(((_, ext, _), after)) = read(exts) {
            exts = after;
            let ((_, id, _), mut fields) = read(ext)?;
            if id != [0x55, 0x1d, 0x0e] {
                continue;
            }
            while let Some(((tag, value, _), after)) = read(fields) {
                fields = after;
                if tag == 0x04 {
                    let ((_, inner, _), _) = read(value)?;
                    key_id = Some(inner.to_vec());
                }
            }
        }
    }
    Some(Parent {
        subject: subject.to_vec(),
        spki: spki.to_vec(),
        key_id,
    })
}

/// Go's key identifier: SHA-1 of the subjectPublicKey bits.
fn key_id(spki: &[u8]) -> Option<Vec<u8>> {
    let ((_, body, _), _) = read(spki)?;
    let (_, rest) = read(body)?; // algorithm
    let ((_, bits, _), _) = read(rest)?;
    Some(sha1::Sha1::digest(bits.get(1..)?).to_vec())
}

/// What a certificate says about its subject (Sprig's `getBaseCertTemplate`).
struct Template {
    cn: String,
    ips: Vec<IpAddr>,
    dns: Vec<String>,
    days: i64,
    is_ca: bool,
}

fn template(cn: &str, ips: &Value, dns: &Value, days: i64) -> Result<Template, FuncError> {
    let mut addrs = Vec::new();
    for ip in list_or_nil(ips)? {
        let Value::String(s) = &ip else {
            return Err(err(format!(
                "error parsing ip: {} is not a string",
                crate::fmt::sprint(&ip)
            )));
        };
        let addr: IpAddr = s
            .parse()
            .map_err(|_| err(format!("error parsing ip: {s}")))?;
        addrs.push(addr);
    }
    let mut names = Vec::new();
    for name in list_or_nil(dns)? {
        let Value::String(s) = &name else {
            return Err(err(format!(
                "error processing alternate dns name: {} is not a string",
                crate::fmt::sprint(&name)
            )));
        };
        names.push(s.to_string());
    }
    Ok(Template {
        cn: cn.to_string(),
        ips: addrs,
        dns: names,
        days,
        is_ca: false,
    })
}

/// Go's `x509.CreateCertificate` for Sprig's templates; returns the certificate and key PEMs.
fn create(
    rng: &mut ChaCha20Rng,
    now: i64,
    t: &Template,
    key: &Key,
    parent: Option<(&Parent, &Key)>,
) -> Result<Certificate, FuncError> {
    let mut serial = [0u8; 16];
    rng.fill_bytes(&mut serial);
    let spki = key.spki()?;
    let subject = name(&t.cn);
    let (issuer, signer, parent_key_id) = match parent {
        Some((p, k)) => {
            if k.spki()? != p.spki {
                return Err(err(
                    "error creating certificate: x509: provided PrivateKey doesn't match parent's PublicKey",
                ));
            }
            (p.subject.clone(), k, p.key_id.clone())
        }
        None => (subject.clone(), key, None),
    };
    let mut exts = Vec::new();
    let usage = if t.is_ca { [0x02, 0xa4] } else { [0x05, 0xa0] };
    exts.push(extension(&[2, 5, 29, 15], true, der(0x03, &usage)));
    exts.push(extension(
        &[2, 5, 29, 37],
        false,
        seq(&[
            oid(&[1, 3, 6, 1, 5, 5, 7, 3, 1]),
            oid(&[1, 3, 6, 1, 5, 5, 7, 3, 2]),
        ]),
    ));
    let constraints = if t.is_ca {
        seq(&[der(0x01, &[0xff])])
    } else {
        seq(&[])
    };
    exts.push(extension(&[2, 5, 29, 19], true, constraints));
    let own_key_id = if t.is_ca { key_id(&spki) } else { None };
    if let Some(id) = &own_key_id {
        exts.push(extension(&[2, 5, 29, 14], false, octet_string(id)));
    }
    if let Some(id) = parent_key_id.filter(|_| issuer != subject) {
        exts.push(extension(&[2, 5, 29, 35], false, seq(&[der(0x80, &id)])));
    }
    if !t.dns.is_empty() || !t.ips.is_empty() {
        let mut names = Vec::new();
        for d in &t.dns {
            if !d.is_ascii() {
                return Err(err(format!(
                    "error creating certificate: x509: {d:?} cannot be encoded as an IA5String"
                )));
            }
            names.push(der(0x82, d.as_bytes()));
        }
        for ip in &t.ips {
            let bytes = match ip {
                IpAddr::V4(v4) => v4.octets().to_vec(),
                IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                    Some(v4) => v4.octets().to_vec(),
                    None => v6.octets().to_vec(),
                },
            };
            names.push(der(0x87, &bytes));
        }
        exts.push(extension(&[2, 5, 29, 17], false, seq(&names)));
    }
    let not_after = t
        .days
        .checked_mul(86_400)
        .and_then(|d| now.checked_add(d))
        .filter(|t| (-62_135_596_800..253_402_300_800).contains(t))
        .ok_or_else(|| {
            err(format!(
                "error creating certificate: {} days is out of range",
                t.days
            ))
        })?;
    let sig_alg = signer.sig_alg();
    let tbs = seq(&[
        der(0xa0, &der(0x02, &[2])),
        uint(&serial),
        sig_alg.clone(),
        issuer,
        seq(&[time(now), time(not_after)]),
        subject,
        spki,
        der(0xa3, &seq(&exts)),
    ]);
    let signature = signer.sign(&tbs)?;
    let cert = seq(&[tbs, sig_alg, bit_string(&signature)]);
    Ok(Certificate {
        cert: pem("CERTIFICATE", &cert),
        key: key.to_pem()?,
    })
}

fn cert_value(c: Certificate) -> Value {
    Value::Object(Rc::new(c))
}

/// A `sprig.certificate` parameter: its PEM strings.
fn cert_arg(v: &Value) -> Result<(String, String), FuncError> {
    if let Value::Object(o) = v {
        if o.type_name() == "sprig.certificate" {
            if let (Some(Value::String(c)), Some(Value::String(k))) =
                (o.field("Cert"), o.field("Key"))
            {
                return Ok((c.to_string(), k.to_string()));
            }
        }
    }
    Err(super::args::type_err("sprig.certificate", v))
}

fn parse_given_key(text: &str) -> Result<Key, FuncError> {
    parse_key(text).map_err(|e| err(format!("parsing private key: {e}")))
}

fn gen_ca(ctx: &mut dyn CallContext, args: &[Value], with_key: bool) -> Result<Value, FuncError> {
    exact(args, if with_key { 3 } else { 2 })?;
    let cn = string(&args[0])?;
    let days = int(&args[1])?;
    let mut rng = super::random::rng(ctx);
    let key = if with_key {
        parse_given_key(string(&args[2])?)?
    } else {
        Key::rsa(&mut rng, 2048)?
    };
    let mut t = template(cn, &Value::Nil, &Value::Nil, days)?;
    t.is_ca = true;
    create(&mut rng, ctx.now_unix(), &t, &key, None).map(cert_value)
}

fn gen_self_signed(
    ctx: &mut dyn CallContext,
    args: &[Value],
    with_key: bool,
) -> Result<Value, FuncError> {
    exact(args, if with_key { 5 } else { 4 })?;
    let cn = string(&args[0])?;
    let days = int(&args[3])?;
    let t = template(cn, &args[1], &args[2], days)?;
    let mut rng = super::random::rng(ctx);
    let key = if with_key {
        parse_given_key(string(&args[4])?)?
    } else {
        Key::rsa(&mut rng, 2048)?
    };
    create(&mut rng, ctx.now_unix(), &t, &key, None).map(cert_value)
}

fn gen_signed(
    ctx: &mut dyn CallContext,
    args: &[Value],
    with_key: bool,
) -> Result<Value, FuncError> {
    exact(args, if with_key { 6 } else { 5 })?;
    let cn = string(&args[0])?;
    let days = int(&args[3])?;
    let (ca_cert, ca_key) = cert_arg(&args[4])?;
    let given = if with_key {
        Some(parse_given_key(string(&args[5])?)?)
    } else {
        None
    };
    let (_, der_bytes) = pem_decode(&ca_cert).ok_or_else(|| err("unable to decode certificate"))?;
    let parent = parse_cert(&der_bytes).ok_or_else(|| {
        err("error parsing certificate: decodedSignerCert.Bytes: x509: malformed certificate")
    })?;
    let signer = parse_key(&ca_key).map_err(|e| err(format!("error parsing private key: {e}")))?;
    let t = template(cn, &args[1], &args[2], days)?;
    let mut rng = super::random::rng(ctx);
    let key = match given {
        Some(k) => k,
        None => Key::rsa(&mut rng, 2048)?,
    };
    create(&mut rng, ctx.now_unix(), &t, &key, Some((&parent, &signer))).map(cert_value)
}

/// Registers the key and certificate functions.
pub fn register(map: &mut FuncMap) {
    reg(map, "genPrivateKey", |ctx, args| {
        exact(args, 1)?;
        let kind = string(&args[0])?;
        let mut rng = super::random::rng(ctx);
        let key = match kind {
            "" | "rsa" => Key::rsa(&mut rng, 4096)?,
            "ecdsa" => Key::Ecdsa(p256::ecdsa::SigningKey::random(&mut rng)),
            "ed25519" => Key::Ed25519(ed25519_dalek::SigningKey::generate(&mut rng)),
            "dsa" => return Err(err(
                "Strata does not generate DSA keys (deprecated by Go); use rsa, ecdsa or ed25519",
            )),
            other => return Ok(Value::from(format!("Unknown type {other}"))),
        };
        Ok(Value::from(key.to_pem()?))
    });
    reg(map, "genCA", |ctx, args| gen_ca(ctx, args, false));
    reg(map, "genCAWithKey", |ctx, args| gen_ca(ctx, args, true));
    reg(map, "genSelfSignedCert", |ctx, args| {
        gen_self_signed(ctx, args, false)
    });
    reg(map, "genSelfSignedCertWithKey", |ctx, args| {
        gen_self_signed(ctx, args, true)
    });
    reg(map, "genSignedCert", |ctx, args| {
        gen_signed(ctx, args, false)
    });
    reg(map, "genSignedCertWithKey", |ctx, args| {
        gen_signed(ctx, args, true)
    });
    reg(map, "buildCustomCert", |_, args| {
        exact(args, 2)?;
        let decode = |v: &Value, what: &str| -> Result<String, FuncError> {
            let bytes = super::encoding::base64_decode(string(v)?.as_bytes())
                .map_err(|_| err(format!("unable to decode base64 {what}")))?;
            Ok(super::args::bytes_to_string(bytes))
        };
        let cert = decode(&args[0], "certificate")?;
        let key = decode(&args[1], "private key")?;
        let (_, der_bytes) =
            pem_decode(&cert).ok_or_else(|| err("unable to decode certificate"))?;
        if parse_cert(&der_bytes).is_none() {
            return Err(err(
                "error parsing certificate: decodedCert.Bytes: x509: malformed certificate",
            ));
        }
        parse_key(&key).map_err(|e| err(format!("error parsing private key: {e}")))?;
        Ok(cert_value(Certificate { cert, key }))
    });
}

#[cfg(test)]
mod tests {
    use super::super::testctx::{call, call_value, funcs, TestCtx};
    use super::*;

    fn s(x: &str) -> Value {
        Value::from(x)
    }

    fn field(v: &Value, name: &str) -> String {
        let Value::Object(o) = v else {
            panic!("not an object: {v:?}")
        };
        o.field(name)
            .and_then(|f| f.as_str().map(str::to_string))
            .unwrap_or_default()
    }

    /// One RSA-2048 CA (slow to generate unoptimised, so made once) and an ECDSA leaf signed by it.
    #[test]
    fn ca_and_signed_cert_are_valid_and_deterministic() {
        let map = funcs();
        let mut ctx = TestCtx::default();
        let ca = map["genCA"](&mut ctx, &[s("my-ca"), Value::Int(365)]).unwrap();
        let ca_pem = field(&ca, "Cert");
        assert!(ca_pem.starts_with("-----BEGIN CERTIFICATE-----\n"));
        assert!(field(&ca, "Key").starts_with("-----BEGIN RSA PRIVATE KEY-----\n"));
        let Value::Object(o) = &ca else { panic!() };
        assert_eq!(o.type_name(), "sprig.certificate");
        assert!(crate::fmt::sprint(&ca).starts_with("{-----BEGIN CERTIFICATE-----"));

        let leaf_key = map["genPrivateKey"](&mut ctx, &[s("ecdsa")]).unwrap();
        let leaf = map["genSignedCertWithKey"](
            &mut ctx,
            &[
                s("svc"),
                Value::list(vec![s("10.0.0.1"), s("::1")]),
                Value::list(vec![s("a.example"), s("b")]),
                Value::Int(30),
                ca.clone(),
                leaf_key.clone(),
            ],
        )
        .unwrap();
        assert_eq!(field(&leaf, "Key"), leaf_key.as_str().unwrap());

        // The same calls from a fresh context give the same bytes.
        let mut again = TestCtx::default();
        let ca2 = map["genCA"](&mut again, &[s("my-ca"), Value::Int(365)]).unwrap();
        assert_eq!(field(&ca2, "Cert"), ca_pem);

        // The leaf names its CA: issuer = CA subject, AKI = CA SKI, and the CA key verifies it.
        let (_, ca_der) = pem_decode(&ca_pem).unwrap();
        let parent = parse_cert(&ca_der).unwrap();
        let (_, leaf_der) = pem_decode(&field(&leaf, "Cert")).unwrap();
        let ((_, cert, _), _) = read(&leaf_der).unwrap();
        let ((_, _, tbs), rest) = read(cert).unwrap();
        let (_, rest) = read(rest).unwrap();
        let ((_, sig, _), _) = read(rest).unwrap();
        let Key::Rsa(ca_key) = parse_key(&field(&ca, "Key")).unwrap() else {
            panic!()
        };
        ca_key
            .to_public_key()
            .verify(
                rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
                &sha2::Sha256::digest(tbs),
                &sig[1..],
            )
            .unwrap();
        let id = parent.key_id.unwrap();
        assert!(leaf_der.windows(id.len()).any(|w| w == id));
        assert!(leaf_der
            .windows(parent.subject.len())
            .any(|w| w == parent.subject));
        // SANs: DNS names, then the IPs (IPv4 as 4 bytes).
        assert!(leaf_der.windows(11).any(|w| w == b"\x82\x09a.example"));
        assert!(leaf_der.windows(6).any(|w| w == [0x87, 4, 10, 0, 0, 1]));

        // A CA whose key does not match its certificate is refused, as Go refuses it.
        let other = call_value("genPrivateKey", &[s("ed25519")]).unwrap();
        let bad_ca = cert_value(Certificate {
            cert: ca_pem,
            key: other.as_str().unwrap().into(),
        });
        let e = map["genSignedCert"](
            &mut ctx,
            &[s("x"), Value::Nil, Value::Nil, Value::Int(1), bad_ca],
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("doesn't match parent's PublicKey"),
            "{e}"
        );
    }

    #[test]
    fn self_signed_with_small_keys() {
        for kind in ["ecdsa", "ed25519"] {
            let key = call_value("genPrivateKey", &[s(kind)]).unwrap();
            let c = call_value(
                "genSelfSignedCertWithKey",
                &[
                    s("ss"),
                    Value::Nil,
                    Value::list(vec![s("x.example")]),
                    Value::Int(3),
                    key.clone(),
                ],
            )
            .unwrap();
            assert!(field(&c, "Cert").starts_with("-----BEGIN CERTIFICATE-----"));
            let ca = call_value("genCAWithKey", &[s("ca"), Value::Int(3), key]).unwrap();
            assert!(field(&ca, "Cert").ends_with("-----END CERTIFICATE-----\n"));
        }
        let k = call("genPrivateKey", &[s("ecdsa")]).unwrap();
        assert!(
            k.starts_with("-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE"),
            "{k}"
        );
        let k = call("genPrivateKey", &[s("ed25519")]).unwrap();
        // Helm SDK v4.2.3's Ed25519 keys are 48-byte PKCS#8 blocks starting like this.
        assert!(
            k.starts_with("-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEI"),
            "{k}"
        );
    }

    // Error texts from Helm SDK v4.2.3 (after "error calling NAME: ").
    #[test]
    fn errors_match_helm() {
        assert_eq!(
            call("genPrivateKey", &[s("nope")]).unwrap(),
            "Unknown type nope"
        );
        let key = call_value("genPrivateKey", &[s("ed25519")]).unwrap();
        let e = call_value(
            "genSelfSignedCertWithKey",
            &[
                s("svc"),
                Value::list(vec![Value::Int(3)]),
                Value::Nil,
                Value::Int(30),
                key.clone(),
            ],
        )
        .unwrap_err();
        assert_eq!(e.to_string(), "error parsing ip: 3 is not a string");
        let e = call_value(
            "genSelfSignedCertWithKey",
            &[
                s("svc"),
                Value::list(vec![s("1.2.3")]),
                Value::Nil,
                Value::Int(30),
                key,
            ],
        )
        .unwrap_err();
        assert_eq!(e.to_string(), "error parsing ip: 1.2.3");
        let e = call("buildCustomCert", &[s("eA=="), s("eQ==")]).unwrap_err();
        assert_eq!(e.to_string(), "unable to decode certificate");
        let e = call("buildCustomCert", &[s("!"), s("eQ==")]).unwrap_err();
        assert_eq!(e.to_string(), "unable to decode base64 certificate");
        let e = call("genCAWithKey", &[s("x"), Value::Int(1), s("junk")]).unwrap_err();
        assert_eq!(e.to_string(), "parsing private key: no PEM data in input");
        let e = call(
            "genSignedCert",
            &[
                s("x"),
                Value::Nil,
                Value::Nil,
                Value::Int(1),
                Value::empty_map(),
            ],
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "wrong type for value; expected sprig.certificate; got map[string]interface {}"
        );
        let e = call("genPrivateKey", &[s("dsa")]).unwrap_err();
        assert!(e.to_string().contains("DSA"));
    }

    #[test]
    fn der_helpers() {
        assert_eq!(uint(&[0, 0, 0x80]), vec![2, 2, 0, 0x80]);
        assert_eq!(uint(&[0, 0]), vec![2, 1, 0]);
        assert_eq!(oid(&[2, 5, 29, 15]), vec![6, 3, 0x55, 0x1d, 0x0f]);
        assert_eq!(der(0x04, &[0; 200])[..3], [4, 0x81, 200]);
        assert_eq!(name_string("a&b")[0], 0x0c);
        assert!(read(&[0x30, 0x85, 1, 1, 1, 1, 1]).is_none());
        assert!(pem_decode("nothing").is_none());
        let c = Certificate {
            cert: "a\nb".into(),
            key: "<&>".into(),
        };
        assert_eq!(
            crate::fmt::sprint(&c.field("MarshalJSON").unwrap()),
            r#"{"Cert":"a\nb","Key":"\u003c\u0026\u003e"}"#
        );
    }
}
