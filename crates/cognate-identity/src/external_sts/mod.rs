//! External STS mode: GetCredentialsForIdentity asks a configured STS endpoint's
//! AssumeRoleWithWebIdentity for the credentials, passing this deployment's identity-pool
//! OpenID token, instead of minting built-in ones (for deployments whose AWS-compatible
//! services trust another STS).

mod answer;

use std::time::Duration;

use cognate_wire::ApiError;

pub use answer::ExternalCredentials;
use answer::external_failure;

/// Answers longer than this are not credentials; reading stops there.
const MAX_ANSWER_BYTES: usize = 64 * 1024;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// One AssumeRoleWithWebIdentity call's parameters.
pub struct WebIdentityRequest<'a> {
    pub role_arn: &'a str,
    pub session_name: &'a str,
    pub web_identity_token: &'a str,
    pub duration_s: i64,
}

/// An HTTP client for one STS endpoint.
pub struct ExternalSts {
    url: String,
    client: reqwest::Client,
}

impl ExternalSts {
    /// A client for `url` (the STS endpoint, e.g. `http://127.0.0.1:5000/`). Redirects are
    /// not followed: the form carries a bearer token.
    pub fn new(url: &str) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self {
            url: url.to_owned(),
            client,
        })
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub async fn assume_role_with_web_identity(
        &self,
        request: &WebIdentityRequest<'_>,
    ) -> Result<ExternalCredentials, ApiError> {
        let duration = request.duration_s.to_string();
        let form = [
            ("Action", "AssumeRoleWithWebIdentity"),
            ("Version", "2011-06-15"),
            ("RoleArn", request.role_arn),
            ("RoleSessionName", request.session_name),
            ("WebIdentityToken", request.web_identity_token),
            ("DurationSeconds", duration.as_str()),
        ];
        let mut response = self
            .client
            .post(&self.url)
            .form(&form)
            .send()
            .await
            .map_err(|error| {
                // reqwest's errors name the URL, never the form.
                tracing::warn!(%error, "external STS unreachable");
                external_failure()
            })?;
        let status = response.status().as_u16();
        let mut body = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > MAX_ANSWER_BYTES {
                        tracing::warn!(status, "external STS answer too long");
                        return Err(external_failure());
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(error) => {
                    tracing::warn!(%error, "external STS answer unreadable");
                    return Err(external_failure());
                }
            }
        }
        let text = String::from_utf8_lossy(&body);
        answer::read(status, &text)
    }
}
