//! User pool domains: a Cognito prefix (`<prefix>.auth.<region>.amazoncognito.com` in AWS)
//! or a custom FQDN with an ACM certificate. A pool may hold one of each.
//!
//! Cognate serves every domain itself, so the CloudFront names Cognito reports are replaced
//! by the host of Cognate's public URL: that is where a custom domain's DNS record must
//! point. The S3 bucket is a placeholder in Cognito's naming pattern.

use serde_json::{Map, Value, json};

use cognate_store::{Constraint, DomainRecord, StoreError, UserPoolRecord};
use cognate_wire::idp::{
    CreateUserPoolDomainRequest, CreateUserPoolDomainResponse, DeleteUserPoolDomainRequest,
    DeleteUserPoolDomainResponse, DescribeUserPoolDomainRequest, DescribeUserPoolDomainResponse,
    UpdateUserPoolDomainRequest, UpdateUserPoolDomainResponse,
};
use cognate_wire::{ApiError, ErrorCode, RequestContext};

use crate::documents::{from_document, to_object};
use crate::errors::{pool_not_found, store_failure};
use crate::service::{IdpService, ServiceConfig};

/// Words a prefix domain may not contain.
const RESERVED_WORDS: &[&str] = &["aws", "amazon", "cognito"];

/// Managed login versions: 1 is the classic hosted UI, 2 managed login.
const DEFAULT_MANAGED_LOGIN_VERSION: i64 = 1;

pub async fn create(
    svc: &IdpService,
    ctx: &RequestContext,
    input: CreateUserPoolDomainRequest,
) -> Result<CreateUserPoolDomainResponse, ApiError> {
    let pool = svc.pool(&input.user_pool_id).await?;
    let request = to_object(&input)?;
    let custom_config = request.get("CustomDomainConfig").filter(|c| c.is_object());
    let custom = custom_config.is_some();
    if custom {
        check_custom_domain(&input.domain)?;
    } else {
        check_prefix(&input.domain)?;
    }
    let version = managed_login_version(&pool, request.get("ManagedLoginVersion"), None)?;
    let mut settings = Map::new();
    if let Some(config) = custom_config {
        settings.insert("CustomDomainConfig".into(), config.clone());
    }
    settings.insert("ManagedLoginVersion".into(), json!(version));
    let record = DomainRecord {
        domain: input.domain.clone(),
        pool_id: pool.id.clone(),
        custom,
        settings: Value::Object(settings),
        created_ms: ctx.now_ms,
        modified_ms: ctx.now_ms,
    };
    svc.store
        .create_domain(&record)
        .await
        .map_err(|e| match e {
            // Both messages as the service sends them.
            StoreError::Conflict(Constraint::Domain) => {
                ApiError::invalid_parameter("Domain already associated with another user pool.")
            }
            StoreError::Conflict(Constraint::PoolHasDomain) => {
                ApiError::invalid_parameter("User pool already has a domain configured.")
            }
            StoreError::NotFound => pool_not_found(&pool.id),
            other => store_failure(other),
        })?;
    tracing::info!(pool_id = %pool.id, custom, "user pool domain created");
    from_document(change_response(&svc.config, &record))
}

/// What Create and Update answer: the branding version, and for a custom domain the host
/// its DNS record should point at.
fn change_response(config: &ServiceConfig, record: &DomainRecord) -> Value {
    let mut response = json!({ "ManagedLoginVersion": record.settings["ManagedLoginVersion"] });
    if record.custom {
        response["CloudFrontDomain"] = json!(public_host(&config.public_url));
    }
    response
}

/// A prefix is 1–63 lower-case letters, digits and inner hyphens, without Cognito's
/// reserved words. Messages as the service sends them.
pub fn check_prefix(prefix: &str) -> Result<(), ApiError> {
    if !is_label(prefix) {
        return Err(ApiError::invalid_parameter(
            "The domain name contains an invalid character. Domain names can only contain lower-case letters, numbers, and hyphens. Please enter a different name that follows this format: ^[a-z0-9](?:[a-z0-9\\-]{0,61}[a-z0-9])?$",
        ));
    }
    if let Some(word) = RESERVED_WORDS.iter().find(|w| prefix.contains(**w)) {
        return Err(ApiError::invalid_parameter(format!(
            "Domain cannot contain reserved word: {word}"
        )));
    }
    Ok(())
}

/// `^[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?$`
fn is_label(label: &str) -> bool {
    let bytes = label.as_bytes();
    let alnum = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    match (bytes.first(), bytes.last()) {
        (Some(first), Some(last)) => {
            bytes.len() <= 63
                && alnum(first)
                && alnum(last)
                && bytes.iter().all(|b| alnum(b) || *b == b'-')
        }
        _ => false,
    }
}

/// A custom domain is a fully-qualified name of at least two labels. The exact checks and
/// message of the service are unconfirmed.
pub fn check_custom_domain(domain: &str) -> Result<(), ApiError> {
    let labels: Vec<&str> = domain.split('.').collect();
    if domain.len() > 253 || labels.len() < 2 || !labels.iter().all(|l| is_label(l)) {
        return Err(ApiError::invalid_parameter(format!(
            "{domain} is not a valid fully-qualified domain name."
        )));
    }
    Ok(())
}

/// The version asked for (or kept, or 1), refusing unknown versions and managed login on
/// the Lite plan.
fn managed_login_version(
    pool: &UserPoolRecord,
    requested: Option<&Value>,
    current: Option<i64>,
) -> Result<i64, ApiError> {
    let version = match requested.filter(|v| !v.is_null()) {
        Some(value) => value.as_i64().unwrap_or(0),
        None => current.unwrap_or(DEFAULT_MANAGED_LOGIN_VERSION),
    };
    if !matches!(version, 1 | 2) {
        return Err(ApiError::invalid_parameter(format!(
            "ManagedLoginVersion {version} is not supported; use 1 or 2."
        )));
    }
    if version == 2 && pool.settings["UserPoolTier"].as_str() == Some("LITE") {
        return Err(ApiError::new(
            ErrorCode::FeatureUnavailableInTierException,
            "Managed login requires the Essentials or Plus feature plan.",
        ));
    }
    Ok(version)
}

/// Describe of a domain nobody has returns an empty description, not an error.
pub async fn describe(
    svc: &IdpService,
    ctx: &RequestContext,
    input: DescribeUserPoolDomainRequest,
) -> Result<DescribeUserPoolDomainResponse, ApiError> {
    let record = svc
        .store
        .get_domain(&input.domain)
        .await
        .map_err(store_failure)?;
    let description = match record {
        Some(record) => description(&svc.config, &ctx.region, &record),
        None => json!({}),
    };
    from_document(json!({ "DomainDescription": description }))
}

fn description(config: &ServiceConfig, request_region: &str, record: &DomainRecord) -> Value {
    let region = record
        .pool_id
        .split_once('_')
        .map_or(request_region, |(region, _)| region);
    let mut description = json!({
        "UserPoolId": record.pool_id,
        "AWSAccountId": config.account_id,
        "Domain": record.domain,
        "S3Bucket": format!("aws-cognito-prod-{region}-assets"),
        "CloudFrontDistribution": public_host(&config.public_url),
        "Version": compact_utc(record.modified_ms),
        "Status": "ACTIVE",
        "ManagedLoginVersion": record.settings["ManagedLoginVersion"],
    });
    // The service shows `"CustomDomainConfig": {}` for a prefix domain, which the wire type
    // (CertificateArn is required) can't carry; a prefix domain leaves the member out.
    if let Some(config) = record.settings.get("CustomDomainConfig") {
        description["CustomDomainConfig"] = config.clone();
    }
    description
}

/// The domain if it belongs to the pool. The message is the one the service gives when a
/// domain is deleted from the wrong pool.
async fn owned(svc: &IdpService, pool_id: &str, domain: &str) -> Result<DomainRecord, ApiError> {
    svc.store
        .get_domain(domain)
        .await
        .map_err(store_failure)?
        .filter(|record| record.pool_id == pool_id)
        .ok_or_else(|| ApiError::invalid_parameter("No such domain or user pool exists."))
}

/// Changes the certificate of a custom domain and the branding version; what the request
/// leaves out stays.
pub async fn update(
    svc: &IdpService,
    ctx: &RequestContext,
    input: UpdateUserPoolDomainRequest,
) -> Result<UpdateUserPoolDomainResponse, ApiError> {
    let pool = svc.pool(&input.user_pool_id).await?;
    let mut record = owned(svc, &pool.id, &input.domain).await?;
    let request = to_object(&input)?;
    let current = record.settings["ManagedLoginVersion"].as_i64();
    let version = managed_login_version(&pool, request.get("ManagedLoginVersion"), current)?;
    let mut settings = record.settings.as_object().cloned().unwrap_or_default();
    if let Some(config) = request.get("CustomDomainConfig").filter(|c| c.is_object()) {
        if !record.custom {
            // Unconfirmed message: a prefix domain has no certificate to change.
            return Err(ApiError::invalid_parameter(
                "CustomDomainConfig can only be updated for a custom domain.",
            ));
        }
        settings.insert("CustomDomainConfig".into(), config.clone());
    }
    settings.insert("ManagedLoginVersion".into(), json!(version));
    record.settings = Value::Object(settings);
    record.modified_ms = ctx.now_ms;
    svc.store
        .update_domain(&record)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => {
                ApiError::invalid_parameter("No such domain or user pool exists.")
            }
            other => store_failure(other),
        })?;
    from_document(change_response(&svc.config, &record))
}

pub async fn delete(
    svc: &IdpService,
    _ctx: &RequestContext,
    input: DeleteUserPoolDomainRequest,
) -> Result<DeleteUserPoolDomainResponse, ApiError> {
    let pool = svc.pool(&input.user_pool_id).await?;
    let record = owned(svc, &pool.id, &input.domain).await?;
    svc.store
        .delete_domain(&record.domain)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => {
                ApiError::invalid_parameter("No such domain or user pool exists.")
            }
            other => store_failure(other),
        })?;
    tracing::info!(pool_id = %pool.id, "user pool domain deleted");
    Ok(DeleteUserPoolDomainResponse::default())
}

/// The host (without port) of a base URL such as `https://auth.example.com:8443/x`.
pub(crate) fn public_host(public_url: &str) -> String {
    let rest = public_url
        .split_once("://")
        .map_or(public_url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    let authority = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let host = if authority.starts_with('[') {
        authority
            .find(']')
            .map_or(authority, |close| &authority[..=close])
    } else {
        authority.split(':').next().unwrap_or(authority)
    };
    host.to_ascii_lowercase()
}

/// `yyyyMMddHHmmss` in UTC: the form Cognito uses for domain versions and CSS versions.
pub(crate) fn compact_utc(ms: i64) -> String {
    let seconds = ms.div_euclid(1000);
    let (days, secs_of_day) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}{month:02}{day:02}{:02}{:02}{:02}",
        secs_of_day / 3_600,
        (secs_of_day % 3_600) / 60,
        secs_of_day % 60
    )
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar
/// (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_rules() {
        assert!(check_prefix("my-app-123").is_ok());
        assert!(check_prefix("a").is_ok());
        for bad in [
            "",
            "-start",
            "end-",
            "Upper",
            "dots.here",
            "under_score",
            &"x".repeat(64),
        ] {
            let err = check_prefix(bad).unwrap_err();
            assert!(
                err.message
                    .starts_with("The domain name contains an invalid character."),
                "{bad}"
            );
        }
        assert_eq!(
            check_prefix("aws-content").unwrap_err().message,
            "Domain cannot contain reserved word: aws"
        );
        assert_eq!(
            check_prefix("newcognito").unwrap_err().message,
            "Domain cannot contain reserved word: cognito"
        );
        assert!(check_prefix("my-amazonia").is_err());
    }

    #[test]
    fn custom_domains_are_fqdns() {
        assert!(check_custom_domain("auth.example.com").is_ok());
        assert!(check_custom_domain("auth-aws.example.com").is_ok());
        assert!(check_custom_domain("localhost").is_err());
        assert!(check_custom_domain("auth..example.com").is_err());
        assert!(check_custom_domain("Auth.Example.com").is_err());
    }

    #[test]
    fn public_host_strips_scheme_port_and_path() {
        assert_eq!(public_host("https://auth.example.com"), "auth.example.com");
        assert_eq!(public_host("http://127.0.0.1:9229"), "127.0.0.1");
        assert_eq!(public_host("http://[::1]:9229/base"), "[::1]");
        assert_eq!(
            public_host("https://Cognate.Example:443/x?y"),
            "cognate.example"
        );
    }

    fn record(custom: bool) -> DomainRecord {
        let mut settings = json!({"ManagedLoginVersion": 1});
        if custom {
            settings["CustomDomainConfig"] =
                json!({"CertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/x"});
        }
        DomainRecord {
            domain: if custom {
                "auth.example.com".into()
            } else {
                "my-app".into()
            },
            pool_id: "eu-west-1_abc".into(),
            custom,
            settings,
            created_ms: 0,
            modified_ms: 1_548_698_042_000,
        }
    }

    fn config() -> ServiceConfig {
        ServiceConfig {
            region: "eu-west-1".into(),
            account_id: "123456789012".into(),
            public_url: "https://cognate.example:8443".into(),
            reject_common_passwords: true,
            key_cache_ms: 60_000,
            webauthn_origins: Vec::new(),
        }
    }

    #[test]
    fn descriptions_fit_the_wire_shapes() {
        let prefix = description(&config(), "us-east-1", &record(false));
        assert!(prefix.get("CustomDomainConfig").is_none());
        let custom = description(&config(), "us-east-1", &record(true));
        assert_eq!(
            custom["CustomDomainConfig"]["CertificateArn"],
            "arn:aws:acm:us-east-1:123456789012:certificate/x"
        );
        let _: DescribeUserPoolDomainResponse =
            from_document(json!({ "DomainDescription": custom })).unwrap();
        assert_eq!(prefix["S3Bucket"], "aws-cognito-prod-eu-west-1-assets");
        assert_eq!(prefix["Version"], "20190128175402");
        assert_eq!(prefix["CloudFrontDistribution"], "cognate.example");
        let wire: DescribeUserPoolDomainResponse =
            from_document(json!({ "DomainDescription": prefix.clone() })).unwrap();
        assert_eq!(
            crate::documents::to_document(&wire).unwrap()["DomainDescription"],
            prefix
        );
        let empty: DescribeUserPoolDomainResponse =
            from_document(json!({ "DomainDescription": {} })).unwrap();
        assert_eq!(
            crate::documents::to_document(&empty).unwrap(),
            json!({ "DomainDescription": {} })
        );

        let created: CreateUserPoolDomainResponse =
            from_document(change_response(&config(), &record(true))).unwrap();
        assert_eq!(
            crate::documents::to_document(&created).unwrap(),
            json!({"ManagedLoginVersion": 1, "CloudFrontDomain": "cognate.example"})
        );
        assert_eq!(
            change_response(&config(), &record(false)),
            json!({"ManagedLoginVersion": 1})
        );
    }

    #[test]
    fn compact_utc_dates() {
        assert_eq!(compact_utc(0), "19700101000000");
        // 2019-01-28T17:54:02Z
        assert_eq!(compact_utc(1_548_698_042_000), "20190128175402");
        // 2024-02-29T23:59:59.999Z (leap day)
        assert_eq!(compact_utc(1_709_251_199_999), "20240229235959");
    }
}
