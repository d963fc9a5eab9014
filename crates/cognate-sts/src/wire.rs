//! The AWS Query protocol as STS speaks it: form-encoded parameters in, XML out, errors as
//! `<ErrorResponse>`.

use std::collections::BTreeMap;

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode};
use percent_encoding::percent_decode_str;

pub const NAMESPACE: &str = "https://sts.amazonaws.com/doc/2011-06-15/";
pub const VERSION: &str = "2011-06-15";

/// Parses `application/x-www-form-urlencoded` (`+` is a space). The last value of a repeated
/// name wins; `None` if the body is not UTF-8 once decoded.
pub fn parse_form(body: &[u8]) -> Option<BTreeMap<String, String>> {
    let text = std::str::from_utf8(body).ok()?;
    let mut params = BTreeMap::new();
    for pair in text.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let decode = |s: &str| {
            percent_decode_str(&s.replace('+', " "))
                .decode_utf8()
                .map(|c| c.into_owned())
                .ok()
        };
        params.insert(decode(name)?, decode(value)?);
    }
    Some(params)
}

/// Escapes text for an XML element.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// `<name>escaped text</name>`.
pub fn element(name: &str, text: &str) -> String {
    format!("<{name}>{}</{name}>", escape(text))
}

/// An STS error: code, message and status (all STS errors are sender faults).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StsError {
    pub code: &'static str,
    pub message: String,
    pub status: u16,
}

impl StsError {
    pub fn new(code: &'static str, message: impl Into<String>, status: u16) -> Self {
        Self {
            code,
            message: message.into(),
            status,
        }
    }

    pub fn validation(message: impl Into<String>) -> Self {
        Self::new("ValidationError", message, 400)
    }

    /// AWS STS's answer to a caller over its request rate.
    pub fn throttled() -> Self {
        Self::new("Throttling", "Rate exceeded", 400)
    }

    pub fn internal() -> Self {
        Self::new(
            "InternalFailure",
            "The request processing has failed because of an unknown error.",
            500,
        )
    }
}

fn xml_response(status: u16, request_id: &str, body: String) -> Response<Bytes> {
    let mut response = Response::new(Bytes::from(body));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    let headers = response.headers_mut();
    headers.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("text/xml"),
    );
    if let Ok(value) = HeaderValue::from_str(request_id) {
        headers.insert("x-amzn-requestid", value);
    }
    response
}

/// `<{action}Response><{action}Result>…</…><ResponseMetadata>…` (botocore's resultWrapper).
pub fn success(action: &str, request_id: &str, result_xml: &str) -> Response<Bytes> {
    let body = format!(
        "<{action}Response xmlns=\"{NAMESPACE}\">\n  <{action}Result>\n{result_xml}  </{action}Result>\n  \
         <ResponseMetadata>\n    {}\n  </ResponseMetadata>\n</{action}Response>\n",
        element("RequestId", request_id)
    );
    xml_response(200, request_id, body)
}

/// `<ErrorResponse>` with `Type` `Sender` (the model marks every STS error a sender fault;
/// whether AWS writes `Sender` is unconfirmed, reference §9 #16).
pub fn error(request_id: &str, error: &StsError) -> Response<Bytes> {
    let kind = if error.status >= 500 {
        "Receiver"
    } else {
        "Sender"
    };
    let body = format!(
        "<ErrorResponse xmlns=\"{NAMESPACE}\">\n  <Error>\n    {}\n    {}\n    {}\n  </Error>\n  {}\n</ErrorResponse>\n",
        element("Type", kind),
        element("Code", error.code),
        element("Message", &error.message),
        element("RequestId", request_id)
    );
    xml_response(error.status, request_id, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_decode_like_browsers_encode() {
        let form =
            parse_form(b"Action=GetCallerIdentity&Version=2011-06-15&A=b+c%26d%3D&E=").unwrap();
        assert_eq!(
            form.get("Action").map(String::as_str),
            Some("GetCallerIdentity")
        );
        assert_eq!(form.get("A").map(String::as_str), Some("b c&d="));
        assert_eq!(form.get("E").map(String::as_str), Some(""));
        assert_eq!(parse_form(b"A=%FF"), None);
    }

    #[test]
    fn errors_render_as_error_response() {
        let response = error(
            "rid",
            &StsError::new("InvalidIdentityToken", "bad <token>", 400),
        );
        assert_eq!(response.status(), 400);
        let body = std::str::from_utf8(response.body()).unwrap();
        assert!(body.contains("<Code>InvalidIdentityToken</Code>"), "{body}");
        assert!(
            body.contains("<Message>bad &lt;token&gt;</Message>"),
            "{body}"
        );
        assert!(body.contains("<Type>Sender</Type>"), "{body}");
        assert!(body.contains("<RequestId>rid</RequestId>"), "{body}");
    }
}
