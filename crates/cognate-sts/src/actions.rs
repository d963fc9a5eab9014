//! GetCallerIdentity and AssumeRoleWithWebIdentity: parameters in, the result element's
//! XML out.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use cognate_identity::{IdentityService, IssuedCredentials, WebIdentityRefusal};
use cognate_protocol::sigv4::SignedRequest;

use crate::StsRequest;
use crate::auth::authenticate;
use crate::wire::{StsError, element};

/// Cognate's credentials live at most one hour, whatever DurationSeconds asks (the default
/// role maximum in IAM).
const MAX_SESSION_SECONDS: i64 = 3_600;
const MIN_SESSION_SECONDS: i64 = 900;

/// A stable `AROA…` role id for a role ARN (IAM's unique ids are opaque; this one is derived
/// so the same role always shows the same id).
pub fn role_id(role_arn: &str) -> String {
    let digest = hex::encode_upper(Sha256::digest(role_arn.as_bytes()));
    format!("AROA{}", digest.get(..17).unwrap_or_default())
}

fn role_name(role_arn: &str) -> &str {
    role_arn.rsplit('/').next().unwrap_or_default()
}

pub async fn get_caller_identity(
    identity: &IdentityService,
    request: &StsRequest<'_>,
) -> Result<String, StsError> {
    let signed = SignedRequest {
        method: request.method,
        path: request.path,
        query: request.query,
        headers: request.headers,
        body: request.body,
    };
    let session = authenticate(identity, &signed, "sts", request.now_ms).await?;
    Ok(format!(
        "    {}\n    {}\n    {}\n",
        element("Arn", &session.assumed_role_arn()),
        element(
            "UserId",
            &format!("{}:{}", role_id(&session.role_arn), session.session_name)
        ),
        element("Account", session.account())
    ))
}

fn required<'a>(params: &'a BTreeMap<String, String>, name: &str) -> Result<&'a str, StsError> {
    params.get(name).map(String::as_str).ok_or_else(|| {
        StsError::validation(format!(
            "1 validation error detected: Value null at '{}' failed to satisfy constraint: \
             Member must not be null",
            lower_first(name)
        ))
    })
}

fn lower_first(name: &str) -> String {
    let mut chars = name.chars();
    chars
        .next()
        .map(|c| c.to_ascii_lowercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

/// `RoleSessionName`: 2–64 characters of `[\w+=,.@-]`.
fn check_session_name(name: &str) -> Result<(), StsError> {
    let valid = (2..=64).contains(&name.chars().count())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c));
    if valid {
        Ok(())
    } else {
        Err(StsError::validation(format!(
            "1 validation error detected: Value '{name}' at 'roleSessionName' failed to satisfy \
             constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*"
        )))
    }
}

fn duration(params: &BTreeMap<String, String>) -> Result<i64, StsError> {
    let Some(text) = params.get("DurationSeconds") else {
        return Ok(MAX_SESSION_SECONDS);
    };
    let seconds: i64 = text
        .parse()
        .map_err(|_| StsError::validation(format!("Invalid DurationSeconds: {text}")))?;
    if seconds < MIN_SESSION_SECONDS {
        return Err(StsError::validation(format!(
            "1 validation error detected: Value '{seconds}' at 'durationSeconds' failed to \
             satisfy constraint: Member must have value greater than or equal to 900"
        )));
    }
    if seconds > MAX_SESSION_SECONDS {
        return Err(StsError::validation(
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
        ));
    }
    Ok(seconds)
}

fn iso8601(seconds: i64) -> String {
    OffsetDateTime::from_unix_timestamp(seconds)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}

fn credentials_xml(credentials: &IssuedCredentials) -> String {
    format!(
        "    <Credentials>\n      {}\n      {}\n      {}\n      {}\n    </Credentials>\n",
        element("AccessKeyId", &credentials.access_key_id),
        element("SecretAccessKey", &credentials.secret_access_key),
        element("SessionToken", &credentials.session_token),
        element("Expiration", &iso8601(credentials.expiration_s))
    )
}

pub async fn assume_role_with_web_identity(
    identity: &IdentityService,
    request: &StsRequest<'_>,
    params: &BTreeMap<String, String>,
) -> Result<String, StsError> {
    let role_arn = required(params, "RoleArn")?;
    let session_name = required(params, "RoleSessionName")?;
    let token = required(params, "WebIdentityToken")?;
    check_session_name(session_name)?;
    let duration_s = duration(params)?;
    let assumed = identity
        .assume_role_with_web_identity(token, role_arn, session_name, duration_s, request.now_ms)
        .await
        .map_err(|refusal| match refusal {
            WebIdentityRefusal::InvalidToken(message) => {
                StsError::new("InvalidIdentityToken", message, 400)
            }
            WebIdentityRefusal::Expired(message) => {
                StsError::new("ExpiredTokenException", message, 400)
            }
            WebIdentityRefusal::AccessDenied => StsError::new(
                "AccessDenied",
                "Not authorized to perform sts:AssumeRoleWithWebIdentity",
                403,
            ),
            WebIdentityRefusal::Internal => StsError::internal(),
        })?;
    let account = role_arn.split(':').nth(4).unwrap_or_default();
    let assumed_arn = format!(
        "arn:aws:sts::{account}:assumed-role/{}/{session_name}",
        role_name(role_arn)
    );
    Ok(format!(
        "    {}\n    {}\n    <AssumedRoleUser>\n      {}\n      {}\n    </AssumedRoleUser>\n{}    {}\n",
        element("SubjectFromWebIdentityToken", &assumed.subject),
        element("Audience", &assumed.audience),
        element("Arn", &assumed_arn),
        element(
            "AssumedRoleId",
            &format!("{}:{session_name}", role_id(role_arn))
        ),
        credentials_xml(&assumed.credentials),
        element("Provider", &assumed.provider),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_ids_are_stable_and_shaped_like_iam() {
        let id = role_id("arn:aws:iam::000000000000:role/Auth");
        assert_eq!(id.len(), 21);
        assert!(id.starts_with("AROA"));
        assert_eq!(id, role_id("arn:aws:iam::000000000000:role/Auth"));
        assert_ne!(id, role_id("arn:aws:iam::000000000000:role/Other"));
    }

    #[test]
    fn session_names_and_durations_are_checked() {
        assert!(check_session_name("CognitoIdentityCredentials").is_ok());
        assert!(check_session_name("a").is_err());
        assert!(check_session_name("has space").is_err());
        let params = |d: &str| BTreeMap::from([("DurationSeconds".to_owned(), d.to_owned())]);
        assert_eq!(duration(&BTreeMap::new()), Ok(3_600));
        assert_eq!(duration(&params("900")), Ok(900));
        assert!(duration(&params("899")).is_err());
        assert!(duration(&params("3601")).is_err());
        assert!(duration(&params("x")).is_err());
    }

    #[test]
    fn expiration_is_iso8601_utc() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00Z");
    }
}
