//! Reading an external STS's AssumeRoleWithWebIdentity answer (AWS Query protocol, XML) and
//! turning its errors into the errors Cognito's GetCredentialsForIdentity answers with.
//!
//! Pure functions over the status and body, so every case is unit-tested without a server.

use cognate_wire::{ApiError, ErrorCode};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Credentials an external STS issued.
pub struct ExternalCredentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
    /// Seconds since the epoch.
    pub expiration_s: i64,
}

impl std::fmt::Debug for ExternalCredentials {
    // The secret and the session token never reach a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExternalCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("expiration_s", &self.expiration_s)
            .finish_non_exhaustive()
    }
}

/// Cognito's text when STS refuses the role (trust policy, malformed role); widely quoted
/// from the service. The text for the other mapped cases is Cognate's choice (unconfirmed).
pub const INVALID_CONFIGURATION: &str =
    "Invalid identity pool configuration. Check assigned IAM roles for this pool.";
const EXTERNAL_FAILURE: &str = "The external STS endpoint failed to issue credentials.";

/// The answer to one AssumeRoleWithWebIdentity call: credentials on 200, a Cognito error
/// otherwise.
pub fn read(status: u16, body: &str) -> Result<ExternalCredentials, ApiError> {
    if status == 200 {
        return credentials(body).ok_or_else(|| {
            tracing::warn!("external STS answered 200 without readable credentials");
            external_failure()
        });
    }
    let code = element(body, "Code").unwrap_or_default();
    let message = element(body, "Message").unwrap_or_default();
    tracing::warn!(status, code = %code, message = %message, "external STS refused");
    Err(map_error(&code, &message))
}

/// STS's documented AssumeRoleWithWebIdentity errors, by who must act on them: the caller
/// (its token), the pool's administrator (its roles), or nobody (STS itself failed).
pub fn map_error(code: &str, message: &str) -> ApiError {
    match code {
        "InvalidIdentityToken" | "ExpiredTokenException" | "IDPRejectedClaim" => {
            let text = if message.is_empty() {
                "Invalid login token."
            } else {
                message
            };
            ApiError::new(ErrorCode::NotAuthorizedException, text)
        }
        "AccessDenied"
        | "MalformedPolicyDocument"
        | "PackedPolicyTooLarge"
        | "RegionDisabledException"
        | "ValidationError"
        | "InvalidParameterValue" => ApiError::new(
            ErrorCode::InvalidIdentityPoolConfigurationException,
            INVALID_CONFIGURATION,
        ),
        "Throttling" => ApiError::new(ErrorCode::TooManyRequestsException, "Rate exceeded"),
        _ => external_failure(),
    }
}

pub fn external_failure() -> ApiError {
    ApiError::new(ErrorCode::ExternalServiceException, EXTERNAL_FAILURE)
}

fn credentials(body: &str) -> Option<ExternalCredentials> {
    let block = element_raw(body, "Credentials")?;
    let expiration = element(block, "Expiration")?;
    Some(ExternalCredentials {
        access_key_id: element(block, "AccessKeyId")?,
        secret_access_key: element(block, "SecretAccessKey")?,
        session_token: element(block, "SessionToken")?,
        expiration_s: OffsetDateTime::parse(expiration.trim(), &Rfc3339)
            .ok()?
            .unix_timestamp(),
    })
}

/// The text of the first `<name>…</name>` element, entities decoded and trimmed.
fn element(body: &str, name: &str) -> Option<String> {
    element_raw(body, name).map(|raw| unescape(raw.trim()))
}

/// The raw content of the first `<name>…</name>` (STS's elements carry no attributes below
/// the root, so the open tag is matched exactly).
fn element_raw<'a>(body: &'a str, name: &str) -> Option<&'a str> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let start = body.find(&open)? + open.len();
    let end = start + body.get(start..)?.find(&close)?;
    body.get(start..end)
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&#xA;", "\n")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &str = r#"<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <SubjectFromWebIdentityToken>us-east-1:abc</SubjectFromWebIdentityToken>
    <Credentials>
      <AccessKeyId>ASIAEXAMPLE</AccessKeyId>
      <SecretAccessKey>se/cr+et</SecretAccessKey>
      <SessionToken>tok&amp;en</SessionToken>
      <Expiration>2026-12-06T07:00:00.123Z</Expiration>
    </Credentials>
  </AssumeRoleWithWebIdentityResult>
</AssumeRoleWithWebIdentityResponse>"#;

    fn error_body(code: &str, message: &str) -> String {
        format!(
            "<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>\
             <Message>{message}</Message></Error><RequestId>x</RequestId></ErrorResponse>"
        )
    }

    #[test]
    fn reads_credentials_and_expiration() {
        let creds = read(200, OK).unwrap();
        assert_eq!(creds.access_key_id, "ASIAEXAMPLE");
        assert_eq!(creds.secret_access_key, "se/cr+et");
        assert_eq!(creds.session_token, "tok&en");
        // 2026-12-06T07:00:00Z
        assert_eq!(creds.expiration_s, 1_796_540_400);
    }

    #[test]
    fn a_200_without_credentials_is_an_external_failure() {
        let err = read(200, "<AssumeRoleWithWebIdentityResponse/>").unwrap_err();
        assert_eq!(err.code, ErrorCode::ExternalServiceException);
        let bad_date = OK.replace("2026-12-06T07:00:00.123Z", "tomorrow");
        let err = read(200, &bad_date).unwrap_err();
        assert_eq!(err.code, ErrorCode::ExternalServiceException);
    }

    #[test]
    fn token_refusals_are_not_authorized_with_sts_text() {
        let err = read(
            400,
            &error_body("InvalidIdentityToken", "bad &lt;token&gt;"),
        )
        .unwrap_err();
        assert_eq!(err.code, ErrorCode::NotAuthorizedException);
        assert_eq!(err.message, "bad <token>");
        let err = read(400, &error_body("ExpiredTokenException", "")).unwrap_err();
        assert_eq!(err.code, ErrorCode::NotAuthorizedException);
        assert_eq!(err.message, "Invalid login token.");
    }

    #[test]
    fn role_refusals_are_invalid_pool_configuration() {
        let err = read(403, &error_body("AccessDenied", "Not authorized")).unwrap_err();
        assert_eq!(
            err.code,
            ErrorCode::InvalidIdentityPoolConfigurationException
        );
        assert_eq!(err.message, INVALID_CONFIGURATION);
    }

    #[test]
    fn throttling_and_server_failures() {
        let err = read(400, &error_body("Throttling", "slow down")).unwrap_err();
        assert_eq!(err.code, ErrorCode::TooManyRequestsException);
        let err = read(500, &error_body("InternalFailure", "oops")).unwrap_err();
        assert_eq!(err.code, ErrorCode::ExternalServiceException);
        let err = read(502, "<html>bad gateway</html>").unwrap_err();
        assert_eq!(err.code, ErrorCode::ExternalServiceException);
    }
}
