//! AWS Signature Version 4, header form (`Authorization: AWS4-HMAC-SHA256 ...`): verification
//! of incoming requests and signing of outgoing ones (tests, the testkit, later STS).
//!
//! Verification follows what AWS's JSON services do, including their error codes and
//! messages, so SDKs and the CLI print what users would see from AWS:
//! - the payload hash is always computed from the body: JSON APIs do not accept
//!   `UNSIGNED-PAYLOAD`, and an `x-amz-content-sha256` header is only another header;
//! - the path is taken as received (percent-encoded), normalised (dot segments, repeated
//!   slashes) and encoded again per segment, which is what the SDKs sign for every
//!   service except S3;
//! - the signature is compared in constant time;
//! - the time may be off by at most [`DEFAULT_MAX_SKEW_SECS`] either way.
//!
//! Presigned URLs (signature in the query string), SigV4a and session tokens are not
//! handled: Cognito's admin APIs are called with long-term keys in headers.

use std::fmt;

use hmac::{Hmac, Mac};
use http::{HeaderMap, HeaderValue};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

type HmacSha256 = Hmac<Sha256>;

pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// AWS's window for the request time, either direction.
pub const DEFAULT_MAX_SKEW_SECS: i64 = 15 * 60;
const TERMINATOR: &str = "aws4_request";
/// How much of a bad Authorization header is echoed in an error message.
const MAX_ECHO: usize = 512;

/// An access key pair. `Debug` never shows the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .finish()
    }
}

/// The parts of an HTTP request that SigV4 covers.
pub struct SignedRequest<'a> {
    pub method: &'a str,
    /// The path as received, still percent-encoded (`/` for the AWS JSON APIs).
    pub path: &'a str,
    /// The raw query string, without `?`.
    pub query: &'a str,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

/// Who signed a request that verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedCaller {
    pub access_key_id: String,
    /// The region named in the credential scope; callers decide whether it must match.
    pub region: String,
    pub service: String,
    /// The request time the signature covers.
    pub signed_at_unix: i64,
}

/// Why a request's signature was refused, with AWS's error code and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SigV4Error {
    /// No `Authorization` header.
    MissingAuthenticationToken,
    /// The header, the credential or the date is malformed or incomplete.
    IncompleteSignature(String),
    /// The access key id is not known.
    UnrecognizedClient,
    /// The signature does not match the request.
    SignatureMismatch,
    /// The request time is outside the allowed window (message says which way).
    SignatureExpired(String),
    /// The credential scope names the wrong service, terminator or date.
    InvalidScope(String),
}

impl SigV4Error {
    /// The AWS error code (`__type`).
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::MissingAuthenticationToken => "MissingAuthenticationTokenException",
            Self::IncompleteSignature(_) => "IncompleteSignatureException",
            Self::UnrecognizedClient => "UnrecognizedClientException",
            Self::SignatureMismatch | Self::SignatureExpired(_) | Self::InvalidScope(_) => {
                "InvalidSignatureException"
            }
        }
    }

    /// AWS's message for this error.
    #[must_use]
    pub fn message(&self) -> &str {
        match self {
            Self::MissingAuthenticationToken => "Missing Authentication Token",
            Self::UnrecognizedClient => "The security token included in the request is invalid.",
            Self::SignatureMismatch => {
                "The request signature we calculated does not match the signature you provided. \
                 Check your AWS Secret Access Key and signing method. Consult the service \
                 documentation for details."
            }
            Self::IncompleteSignature(m) | Self::SignatureExpired(m) | Self::InvalidScope(m) => m,
        }
    }
}

impl fmt::Display for SigV4Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code(), self.message())
    }
}

impl std::error::Error for SigV4Error {}

/// Verifies a request signed with SigV4 in the `Authorization` header, allowing AWS's
/// 15-minute clock skew. `lookup` returns the secret for an access key id.
pub fn verify(
    req: &SignedRequest<'_>,
    lookup: &dyn Fn(&str) -> Option<String>,
    now_unix: i64,
    expected_service: &str,
) -> Result<VerifiedCaller, SigV4Error> {
    verify_with_skew(
        req,
        lookup,
        now_unix,
        expected_service,
        DEFAULT_MAX_SKEW_SECS,
    )
}

/// [`verify`] with another allowed clock skew, in seconds.
pub fn verify_with_skew(
    req: &SignedRequest<'_>,
    lookup: &dyn Fn(&str) -> Option<String>,
    now_unix: i64,
    expected_service: &str,
    max_skew_secs: i64,
) -> Result<VerifiedCaller, SigV4Error> {
    let auth = parse_authorization(req.headers)?;
    let scope = parse_credential(auth.credential)?;

    if scope.terminator != TERMINATOR {
        return Err(SigV4Error::InvalidScope(format!(
            "Credential should be scoped with a valid terminator: '{TERMINATOR}', not '{}'.",
            scope.terminator
        )));
    }
    if scope.service != expected_service {
        return Err(SigV4Error::InvalidScope(format!(
            "Credential should be scoped to correct service: '{expected_service}'."
        )));
    }
    if scope.region.is_empty() {
        return Err(SigV4Error::InvalidScope(
            "Credential should be scoped to a valid region. ".into(),
        ));
    }
    let amz_date = format_amz_date(auth.time);
    if scope.date != &amz_date[..8] {
        return Err(SigV4Error::InvalidScope(format!(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date \
             from HTTP: '{}' != '{}', from '{}'.",
            scope.date,
            &amz_date[..8],
            auth.date_header_value
        )));
    }
    if !auth
        .signed_headers
        .iter()
        .any(|h| h.eq_ignore_ascii_case("host"))
    {
        return Err(SigV4Error::IncompleteSignature(
            "'Host' must be a 'SignedHeader' in the AWS Authorization.".into(),
        ));
    }

    let secret = lookup(scope.access_key_id).ok_or(SigV4Error::UnrecognizedClient)?;

    let request_unix = auth.time.unix_timestamp();
    check_skew(request_unix, now_unix, max_skew_secs)?;

    let canonical = canonical_request(
        req.method,
        req.path,
        req.query,
        req.headers,
        &auth.signed_headers,
        auth.signed_headers_raw,
        req.body,
    );
    let expected = signature(&secret, &amz_date, &scope, &canonical);
    // Constant time, so response timing does not reveal how many leading characters of a
    // forged signature are right.
    if !cognate_crypto::constant_time_eq(expected.as_bytes(), auth.signature.as_bytes()) {
        return Err(SigV4Error::SignatureMismatch);
    }
    Ok(VerifiedCaller {
        access_key_id: scope.access_key_id.to_owned(),
        region: scope.region.to_owned(),
        service: scope.service.to_owned(),
        signed_at_unix: request_unix,
    })
}

/// Why a request could not be signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignError {
    /// The headers have no `host`, which SigV4 requires to be signed.
    MissingHost,
    /// The time cannot be written as an ISO-8601 basic timestamp (years 0000–9999).
    TimeOutOfRange,
    /// The access key id or scope contains characters not allowed in a header.
    InvalidHeaderValue,
}

impl fmt::Display for SignError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::MissingHost => "cannot sign a request without a host header",
            Self::TimeOutOfRange => "signing time out of range",
            Self::InvalidHeaderValue => "credentials or scope not valid in a header",
        })
    }
}

impl std::error::Error for SignError {}

/// Signs a request in place: sets `x-amz-date` and `authorization` (replacing any), signing
/// every header present except those proxies rewrite. The headers must include `host`.
///
/// For tests and internal clients with well-formed input; it leaves the request unsigned
/// if it cannot sign it. Use [`try_sign`] to see why.
#[allow(clippy::too_many_arguments)] // mirrors the inputs of the algorithm one to one
pub fn sign(
    method: &str,
    path: &str,
    query: &str,
    headers: &mut HeaderMap,
    body: &[u8],
    creds: &Credentials,
    region: &str,
    service: &str,
    now_unix: i64,
) {
    let _ = try_sign(
        method, path, query, headers, body, creds, region, service, now_unix,
    );
}

/// [`sign`], reporting failures.
#[allow(clippy::too_many_arguments)]
pub fn try_sign(
    method: &str,
    path: &str,
    query: &str,
    headers: &mut HeaderMap,
    body: &[u8],
    creds: &Credentials,
    region: &str,
    service: &str,
    now_unix: i64,
) -> Result<(), SignError> {
    let time =
        OffsetDateTime::from_unix_timestamp(now_unix).map_err(|_| SignError::TimeOutOfRange)?;
    if !(0..=9999).contains(&time.year()) {
        return Err(SignError::TimeOutOfRange);
    }
    if !headers.contains_key(http::header::HOST) {
        return Err(SignError::MissingHost);
    }
    let amz_date = format_amz_date(time);
    headers.remove(http::header::AUTHORIZATION);
    headers.insert(
        "x-amz-date",
        HeaderValue::from_str(&amz_date).map_err(|_| SignError::InvalidHeaderValue)?,
    );

    // Header names in a HeaderMap are already lower case; keys() yields each name once.
    let mut names: Vec<&str> = headers
        .keys()
        .map(http::HeaderName::as_str)
        .filter(|n| !UNSIGNED_HEADERS.contains(n))
        .collect();
    names.sort_unstable();
    let signed_headers_raw = names.join(";");
    let scope = Scope {
        access_key_id: &creds.access_key_id,
        date: &amz_date[..8],
        region,
        service,
        terminator: TERMINATOR,
    };
    let canonical = canonical_request(
        method,
        path,
        query,
        headers,
        &names,
        &signed_headers_raw,
        body,
    );
    let sig = signature(&creds.secret_access_key, &amz_date, &scope, &canonical);
    let value = format!(
        "{ALGORITHM} Credential={}/{}, SignedHeaders={signed_headers_raw}, Signature={sig}",
        creds.access_key_id,
        scope.string()
    );
    headers.insert(
        http::header::AUTHORIZATION,
        HeaderValue::from_str(&value).map_err(|_| SignError::InvalidHeaderValue)?,
    );
    Ok(())
}

/// Headers the signer leaves out: set or rewritten by HTTP clients and proxies after
/// signing (the AWS SDKs skip the same ones).
const UNSIGNED_HEADERS: &[&str] = &["authorization", "user-agent", "expect", "x-amzn-trace-id"];

struct Authorization<'a> {
    credential: &'a str,
    /// Lower-cased names, in the order given.
    signed_headers: Vec<&'a str>,
    /// The `SignedHeaders` value exactly as sent: it is the canonical request's line.
    signed_headers_raw: &'a str,
    signature: &'a str,
    time: OffsetDateTime,
    /// `x-amz-date` or `date`, as sent, for error messages.
    date_header_value: &'a str,
}

struct Scope<'a> {
    access_key_id: &'a str,
    date: &'a str,
    region: &'a str,
    service: &'a str,
    terminator: &'a str,
}

impl Scope<'_> {
    /// `date/region/service/aws4_request`: the scope without the key id.
    fn string(&self) -> String {
        format!(
            "{}/{}/{}/{}",
            self.date, self.region, self.service, self.terminator
        )
    }
}

fn parse_authorization(headers: &HeaderMap) -> Result<Authorization<'_>, SigV4Error> {
    let mut values = headers.get_all(http::header::AUTHORIZATION).iter();
    let Some(value) = values.next() else {
        return Err(SigV4Error::MissingAuthenticationToken);
    };
    if values.next().is_some() {
        return Err(SigV4Error::IncompleteSignature(
            "Only one Authorization header may be sent.".into(),
        ));
    }
    let Ok(value) = value.to_str() else {
        return Err(SigV4Error::IncompleteSignature(
            "Authorization header contains characters that are not printable ASCII.".into(),
        ));
    };
    let value = value.trim_matches([' ', '\t']);
    if value.is_empty() {
        return Err(SigV4Error::MissingAuthenticationToken);
    }

    let (algorithm, params) = value.split_once([' ', '\t']).unwrap_or((value, ""));
    let mut credential = None;
    let mut signed_headers = None;
    let mut signature = None;
    // AWS splits the parameters on commas and whitespace alike ("Credential= AKID/..."
    // reports 'AKID/...' as the pair missing its equal sign), and so does this.
    for part in params.split([',', ' ', '\t']) {
        if part.is_empty() {
            continue;
        }
        let Some((name, val)) = part.split_once('=') else {
            return Err(SigV4Error::IncompleteSignature(format!(
                "'{}' not a valid key=value pair (missing equal-sign) in Authorization header: \
                 '{}'.",
                echo(part),
                echo(value)
            )));
        };
        let slot = match name {
            "Credential" => &mut credential,
            "SignedHeaders" => &mut signed_headers,
            "Signature" => &mut signature,
            _ => continue,
        };
        if slot.replace(val).is_some() {
            return Err(SigV4Error::IncompleteSignature(format!(
                "Authorization header has more than one '{name}' parameter."
            )));
        }
    }

    let amz_date = headers.get("x-amz-date");
    let date_value = amz_date.or_else(|| headers.get(http::header::DATE));
    let mut missing = Vec::new();
    if credential.is_none_or(str::is_empty) {
        missing.push("Authorization header requires 'Credential' parameter.");
    }
    if signature.is_none_or(str::is_empty) {
        missing.push("Authorization header requires 'Signature' parameter.");
    }
    if signed_headers.is_none_or(str::is_empty) {
        missing.push("Authorization header requires 'SignedHeaders' parameter.");
    }
    if date_value.is_none() {
        missing.push(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
        );
    }
    let (Some(credential), Some(signed_headers_raw), Some(signature), Some(date_value), true) = (
        credential,
        signed_headers,
        signature,
        date_value,
        missing.is_empty(),
    ) else {
        return Err(SigV4Error::IncompleteSignature(format!(
            "{} Authorization={}",
            missing.join(" "),
            echo(value)
        )));
    };
    if algorithm != ALGORITHM {
        return Err(SigV4Error::IncompleteSignature(format!(
            "Unsupported AWS 'algorithm': '{}'.",
            echo(algorithm)
        )));
    }

    let signed_headers: Vec<&str> = signed_headers_raw.split(';').collect();
    if signed_headers.iter().any(|h| h.is_empty()) {
        return Err(SigV4Error::IncompleteSignature(format!(
            "Authorization header has a malformed 'SignedHeaders' parameter: '{}'.",
            echo(signed_headers_raw)
        )));
    }

    let date_text = date_value.to_str().unwrap_or("");
    let time = if amz_date.is_some() {
        parse_amz_date(date_text)
    } else {
        OffsetDateTime::parse(date_text, &time::format_description::well_known::Rfc2822).ok()
    };
    let Some(time) = time.filter(|t| (0..=9999).contains(&t.year())) else {
        return Err(SigV4Error::IncompleteSignature(format!(
            "Date must be in ISO-8601 'basic format'. Got '{}'. See \
             http://en.wikipedia.org/wiki/ISO_8601",
            echo(date_text)
        )));
    };

    Ok(Authorization {
        credential,
        signed_headers,
        signed_headers_raw,
        signature,
        time,
        date_header_value: date_text,
    })
}

fn parse_credential(credential: &str) -> Result<Scope<'_>, SigV4Error> {
    let parts: Vec<&str> = credential.split('/').collect();
    let [access_key_id, date, region, service, terminator] = parts[..] else {
        return Err(SigV4Error::IncompleteSignature(format!(
            "Credential must have exactly 5 slash-delimited elements, e.g. \
             keyid/date/region/service/term, got '{}'",
            echo(credential)
        )));
    };
    Ok(Scope {
        access_key_id,
        date,
        region,
        service,
        terminator,
    })
}

/// At most [`MAX_ECHO`] bytes of client input for a message (cut on a char boundary).
fn echo(s: &str) -> &str {
    if s.len() <= MAX_ECHO {
        return s;
    }
    let mut end = MAX_ECHO;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

fn check_skew(request_unix: i64, now_unix: i64, max_skew_secs: i64) -> Result<(), SigV4Error> {
    let minutes = max_skew_secs / 60;
    if request_unix < now_unix.saturating_sub(max_skew_secs) {
        return Err(SigV4Error::SignatureExpired(format!(
            "Signature expired: {} is now earlier than {} ({} - {minutes} min.)",
            amz_date_or_number(request_unix),
            amz_date_or_number(now_unix.saturating_sub(max_skew_secs)),
            amz_date_or_number(now_unix),
        )));
    }
    if request_unix > now_unix.saturating_add(max_skew_secs) {
        return Err(SigV4Error::SignatureExpired(format!(
            "Signature not yet current: {} is still later than {} ({} + {minutes} min.)",
            amz_date_or_number(request_unix),
            amz_date_or_number(now_unix.saturating_add(max_skew_secs)),
            amz_date_or_number(now_unix),
        )));
    }
    Ok(())
}

fn amz_date_or_number(unix: i64) -> String {
    match OffsetDateTime::from_unix_timestamp(unix) {
        Ok(t) if (0..=9999).contains(&t.year()) => format_amz_date(t),
        _ => unix.to_string(),
    }
}

/// `YYYYMMDDTHHMMSSZ`; callers keep the year within 0..=9999 so it is always 16 chars.
fn format_amz_date(t: OffsetDateTime) -> String {
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Strict `YYYYMMDDTHHMMSSZ`, nothing else.
fn parse_amz_date(s: &str) -> Option<OffsetDateTime> {
    let b = s.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<u32> {
        let digits = b.get(range)?;
        digits.iter().try_fold(0u32, |acc, d| {
            d.is_ascii_digit().then(|| acc * 10 + u32::from(d - b'0'))
        })
    };
    let year = i32::try_from(num(0..4)?).ok()?;
    let month = time::Month::try_from(u8::try_from(num(4..6)?).ok()?).ok()?;
    let day = u8::try_from(num(6..8)?).ok()?;
    let hour = u8::try_from(num(9..11)?).ok()?;
    let minute = u8::try_from(num(11..13)?).ok()?;
    let second = u8::try_from(num(13..15)?).ok()?;
    let date = time::Date::from_calendar_date(year, month, day).ok()?;
    let clock = time::Time::from_hms(hour, minute, second).ok()?;
    Some(time::PrimitiveDateTime::new(date, clock).assume_utc())
}

/// The canonical request, as bytes: header values may hold non-UTF-8 octets.
fn canonical_request(
    method: &str,
    path: &str,
    query: &str,
    headers: &HeaderMap,
    signed_headers: &[&str],
    signed_headers_raw: &str,
    body: &[u8],
) -> Vec<u8> {
    let mut out = Vec::with_capacity(512);
    out.extend_from_slice(method.as_bytes());
    out.push(b'\n');
    out.extend_from_slice(canonical_uri(path).as_bytes());
    out.push(b'\n');
    out.extend_from_slice(canonical_query(query).as_bytes());
    out.push(b'\n');
    for name in signed_headers {
        let lower = name.to_ascii_lowercase();
        out.extend_from_slice(lower.as_bytes());
        out.push(b':');
        for (i, value) in headers.get_all(lower.as_str()).iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            push_folded(&mut out, value.as_bytes());
        }
        out.push(b'\n');
    }
    out.push(b'\n');
    out.extend_from_slice(signed_headers_raw.as_bytes());
    out.push(b'\n');
    out.extend_from_slice(hex::encode(Sha256::digest(body)).as_bytes());
    out
}

/// Trims a header value and collapses each run of spaces and tabs into one space.
fn push_folded(out: &mut Vec<u8>, value: &[u8]) {
    let mut pending_space = false;
    let mut started = false;
    for &b in value {
        if b == b' ' || b == b'\t' {
            pending_space = started;
            continue;
        }
        if pending_space {
            out.push(b' ');
            pending_space = false;
        }
        out.push(b);
        started = true;
    }
}

/// Removes `.`/`..` segments and empty segments, keeping a leading and trailing slash
/// (as the SDKs normalise before signing), then percent-encodes each segment.
fn canonical_uri(path: &str) -> String {
    if path.is_empty() {
        return "/".into();
    }
    let mut segments: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    let mut out = String::with_capacity(path.len() + 8);
    if path.starts_with('/') {
        out.push('/');
    }
    for (i, segment) in segments.iter().enumerate() {
        if i > 0 {
            out.push('/');
        }
        uri_encode_into(&mut out, segment.as_bytes());
    }
    if path.ends_with('/') && !segments.is_empty() {
        out.push('/');
    }
    out
}

/// Parameters decoded, re-encoded with the SigV4 rules, sorted by name then value.
fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            let mut key = String::new();
            let mut value = String::new();
            uri_encode_into(&mut key, &percent_decode(k));
            uri_encode_into(&mut value, &percent_decode(v));
            (key, value)
        })
        .collect();
    pairs.sort_unstable();
    let mut out = String::with_capacity(query.len() + 16);
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(k);
        out.push('=');
        out.push_str(v);
    }
    out
}

/// `%XX` decoded; everything else (including `+`, which SigV4 does not treat as a space)
/// kept as is. A malformed escape stays literal, so it is re-encoded rather than lost.
fn percent_decode(s: &str) -> Vec<u8> {
    percent_encoding::percent_decode_str(s).collect()
}

/// RFC 3986 unreserved characters stay; every other byte becomes `%XX` (upper case).
fn uri_encode_into(out: &mut String, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in bytes {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0x0f)]));
        }
    }
}

/// The hex signature of a canonical request under `secret` and `scope`.
fn signature(secret: &str, amz_date: &str, scope: &Scope<'_>, canonical_request: &[u8]) -> String {
    let string_to_sign = format!(
        "{ALGORITHM}\n{amz_date}\n{}\n{}",
        scope.string(),
        hex::encode(Sha256::digest(canonical_request))
    );
    let k_date = hmac(format!("AWS4{secret}").as_bytes(), scope.date.as_bytes());
    let k_region = hmac(&k_date, scope.region.as_bytes());
    let k_service = hmac(&k_region, scope.service.as_bytes());
    let k_signing = hmac(&k_service, scope.terminator.as_bytes());
    hex::encode(hmac(&k_signing, string_to_sign.as_bytes()))
}

fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail; the fallback keeps
    // this free of panics all the same.
    let Ok(mut mac) = HmacSha256::new_from_slice(key) else {
        return [0; 32];
    };
    mac.update(data);
    mac.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests;
