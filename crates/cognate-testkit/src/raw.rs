use std::time::{SystemTime, UNIX_EPOCH};

use cognate_protocol::sigv4::{self, Credentials};
use http::HeaderMap;

pub const ADMIN_ACCESS_KEY: &str = "AKIDCOGNATETEST";
pub const ADMIN_SECRET_KEY: &str = "cognate-test-secret-key-0123456789";

/// Sends AWS JSON requests byte for byte as a test wants them, malformed ones included.
pub struct RawClient {
    pub url: String,
    http: reqwest::Client,
}

#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl RawResponse {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null)
    }

    /// The `__type` of an error body.
    pub fn error_type(&self) -> String {
        self.json()["__type"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub fn message(&self) -> String {
        self.json()["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

impl RawClient {
    pub fn new(url: &str) -> Self {
        Self {
            url: url.to_owned(),
            http: reqwest::Client::new(),
        }
    }

    /// A cognito-idp call, unsigned.
    pub async fn idp(&self, operation: &str, body: &serde_json::Value) -> RawResponse {
        self.send(
            &format!("AWSCognitoIdentityProviderService.{operation}"),
            "application/x-amz-json-1.1",
            body.to_string().into_bytes(),
            None,
        )
        .await
    }

    /// A cognito-idp call signed with the test admin credentials.
    pub async fn idp_signed(&self, operation: &str, body: &serde_json::Value) -> RawResponse {
        let creds = Credentials {
            access_key_id: ADMIN_ACCESS_KEY.into(),
            secret_access_key: ADMIN_SECRET_KEY.into(),
        };
        self.send(
            &format!("AWSCognitoIdentityProviderService.{operation}"),
            "application/x-amz-json-1.1",
            body.to_string().into_bytes(),
            Some((&creds, "cognito-idp", now_unix())),
        )
        .await
    }

    /// Anything: target, content type, raw body, optional signature at a chosen time.
    pub async fn send(
        &self,
        target: &str,
        content_type: &str,
        body: Vec<u8>,
        signature: Option<(&Credentials, &str, i64)>,
    ) -> RawResponse {
        let uri: http::Uri = self.url.parse().expect("server url");
        let host = uri.authority().map(|a| a.to_string()).unwrap_or_default();
        let mut headers = HeaderMap::new();
        headers.insert("host", host.parse().expect("host header"));
        headers.insert("x-amz-target", target.parse().expect("target header"));
        headers.insert("content-type", content_type.parse().expect("content type"));
        if let Some((creds, service, at)) = signature {
            sigv4::sign(
                "POST",
                "/",
                "",
                &mut headers,
                &body,
                creds,
                "us-east-1",
                service,
                at,
            );
        }
        let mut request = self.http.post(format!("{}/", self.url)).body(body);
        for (name, value) in &headers {
            if name != "host" {
                request = request.header(name.as_str(), value.as_bytes());
            }
        }
        let response = request.send().await.expect("request reached the server");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.text().await.unwrap_or_default();
        RawResponse {
            status,
            headers,
            body,
        }
    }
}

/// The wall clock: signatures are checked by a real server against its own clock.
#[allow(clippy::disallowed_methods)]
pub fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
