//! One place that renders responses, so headers and body always name the same error code
//! (the Rust SDK and Amplify read the header first, botocore and the JS SDK the body).

use bytes::Bytes;
use cognate_wire::ApiError;
use http::{HeaderValue, Response, StatusCode};

pub const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

/// Headers a browser client may read; amazon-cognito-identity-js falls back to the error
/// type header when a body is not JSON.
const EXPOSED_HEADERS: &str = "x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date";

pub fn success_response(request_id: &str, body: Vec<u8>) -> Response<Bytes> {
    let mut response = Response::new(Bytes::from(body));
    add_common_headers(&mut response, request_id);
    response
}

pub fn error_response(request_id: &str, error: &ApiError) -> Response<Bytes> {
    let code = error.code.as_str();
    let body = serde_json::json!({ "__type": code, "message": error.message });
    let mut response = Response::new(Bytes::from(body.to_string()));
    *response.status_mut() =
        StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    add_common_headers(&mut response, request_id);
    let headers = response.headers_mut();
    // Cognito sends the code with a trailing colon; every SDK strips what follows it.
    if let Ok(value) = HeaderValue::from_str(&format!("{code}:")) {
        headers.insert("x-amzn-errortype", value);
    }
    // The message header is a courtesy: skip it when the text is not a valid header value.
    if let Ok(value) = HeaderValue::from_str(&error.message) {
        headers.insert("x-amzn-errormessage", value);
    }
    response
}

fn add_common_headers(response: &mut Response<Bytes>, request_id: &str) {
    let headers = response.headers_mut();
    headers.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static(CONTENT_TYPE),
    );
    if let Ok(value) = HeaderValue::from_str(request_id) {
        headers.insert("x-amzn-requestid", value);
    }
    headers.insert(
        "access-control-expose-headers",
        HeaderValue::from_static(EXPOSED_HEADERS),
    );
}
