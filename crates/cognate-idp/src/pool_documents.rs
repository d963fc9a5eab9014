//! Pool-scoped configuration kept as documents: classic hosted-UI customization, threat
//! protection (risk) configuration and log delivery. Each is stored as given, per app
//! client or for the whole pool (key `ALL`).

use serde_json::{Map, Value, json};

use cognate_store::{ALL_CLIENTS_KEY, StoreError, UserPoolRecord, document_kind};
use cognate_wire::idp::{
    DescribeRiskConfigurationRequest, DescribeRiskConfigurationResponse,
    GetLogDeliveryConfigurationRequest, GetLogDeliveryConfigurationResponse,
    GetUICustomizationRequest, GetUICustomizationResponse, SetLogDeliveryConfigurationRequest,
    SetLogDeliveryConfigurationResponse, SetRiskConfigurationRequest, SetRiskConfigurationResponse,
    SetUICustomizationRequest, SetUICustomizationResponse,
};
use cognate_wire::{ApiError, ErrorCode, RequestContext};

use crate::documents::{from_document, timestamp_value, to_object};
use crate::domains::compact_utc;
use crate::errors::{pool_not_found, store_failure};
use crate::service::IdpService;

/// Largest logo the classic hosted UI takes (developer guide: 100 KB).
const MAX_LOGO_BYTES: usize = 100 * 1024;

/// The document key for a request's optional client id: the client (which must exist in
/// the pool) or `ALL` for the pool. `allow_all` lets `ALL` name the pool explicitly.
async fn document_key(
    svc: &IdpService,
    pool: &UserPoolRecord,
    client_id: Option<&str>,
    allow_all: bool,
) -> Result<String, ApiError> {
    match client_id {
        None => Ok(ALL_CLIENTS_KEY.to_owned()),
        Some(ALL_CLIENTS_KEY) if allow_all => Ok(ALL_CLIENTS_KEY.to_owned()),
        Some(client_id) => {
            crate::clients::in_pool(svc, &pool.id, client_id).await?;
            Ok(client_id.to_owned())
        }
    }
}

async fn read(
    svc: &IdpService,
    pool_id: &str,
    kind: &str,
    key: &str,
) -> Result<Option<(Value, i64)>, ApiError> {
    svc.store
        .get_pool_document(pool_id, kind, key)
        .await
        .map_err(store_failure)
}

async fn write(
    svc: &IdpService,
    pool_id: &str,
    kind: &str,
    key: &str,
    doc: &Value,
    now_ms: i64,
) -> Result<(), ApiError> {
    svc.store
        .put_pool_document(pool_id, kind, key, doc, now_ms)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => pool_not_found(pool_id),
            other => store_failure(other),
        })
}

// --- classic hosted UI customization ---

/// Stores CSS and logo for a client or the pool. The pool needs a domain first. The logo
/// is served by the web layer at `<public_url>/<poolId>/ui/<client or ALL>/logo` (not yet
/// implemented there).
pub async fn set_ui_customization(
    svc: &IdpService,
    ctx: &RequestContext,
    input: SetUICustomizationRequest,
) -> Result<SetUICustomizationResponse, ApiError> {
    let pool = svc.pool(&input.user_pool_id).await?;
    let client_id = input.client_id.as_ref().map(|id| id.expose().as_str());
    let key = document_key(svc, &pool, client_id, true).await?;
    let domains = svc
        .store
        .domains_for_pool(&pool.id)
        .await
        .map_err(store_failure)?;
    if domains.is_empty() {
        // The service's message.
        return Err(ApiError::invalid_parameter(
            "A domain must be associated with this user pool.",
        ));
    }
    if input
        .image_file
        .as_ref()
        .is_some_and(|image| image.as_bytes().len() > MAX_LOGO_BYTES)
    {
        // Limit from the developer guide; the message is Cognate's own.
        return Err(ApiError::invalid_parameter(
            "The logo image file must be at most 100 KB.",
        ));
    }
    let request = to_object(&input)?;
    let previous = read(svc, &pool.id, document_kind::UI_CUSTOMIZATION, &key).await?;
    let previous_version = previous
        .as_ref()
        .and_then(|(doc, _)| doc["CSSVersion"].as_str().map(str::to_owned));
    let mut doc = Map::new();
    for member in ["CSS", "ImageFile"] {
        if let Some(value) = request.get(member).filter(|v| !v.is_null()) {
            doc.insert(member.into(), value.clone());
        }
    }
    doc.insert(
        "CSSVersion".into(),
        json!(next_css_version(ctx.now_ms, previous_version.as_deref())),
    );
    let doc = Value::Object(doc);
    write(
        svc,
        &pool.id,
        document_kind::UI_CUSTOMIZATION,
        &key,
        &doc,
        ctx.now_ms,
    )
    .await?;
    from_document(
        json!({ "UICustomization": ui_customization(&svc.config.public_url, &pool.id, &key, &doc) }),
    )
}

/// The CSS version is the time of the change (`yyyyMMddHHmmss`, as Cognito shows it); two
/// changes within one second still get different versions.
fn next_css_version(now_ms: i64, previous: Option<&str>) -> String {
    let now = compact_utc(now_ms);
    match previous.and_then(|p| p.parse::<u64>().ok()) {
        Some(previous) if now.parse::<u64>().is_ok_and(|n| n <= previous) => {
            (previous + 1).to_string()
        }
        _ => now,
    }
}

/// `UICustomizationType` from a stored document. Responses captured from the service show
/// no creation or modification dates here, so none are sent.
fn ui_customization(public_url: &str, pool_id: &str, key: &str, doc: &Value) -> Value {
    let mut value = json!({ "UserPoolId": pool_id, "ClientId": key });
    if let Some(css) = doc.get("CSS") {
        value["CSS"] = css.clone();
    }
    if let Some(version) = doc.get("CSSVersion") {
        value["CSSVersion"] = version.clone();
    }
    if doc.get("ImageFile").is_some() {
        value["ImageUrl"] = json!(format!("{public_url}/{pool_id}/ui/{key}/logo"));
    }
    value
}

/// The client's customization, else the pool's, else an empty object.
pub async fn get_ui_customization(
    svc: &IdpService,
    _ctx: &RequestContext,
    input: GetUICustomizationRequest,
) -> Result<GetUICustomizationResponse, ApiError> {
    let pool = svc.pool(&input.user_pool_id).await?;
    let client_id = input.client_id.as_ref().map(|id| id.expose().as_str());
    let key = document_key(svc, &pool, client_id, true).await?;
    let mut found = read(svc, &pool.id, document_kind::UI_CUSTOMIZATION, &key)
        .await?
        .map(|(doc, _)| (key.clone(), doc));
    if found.is_none() && key != ALL_CLIENTS_KEY {
        found = read(
            svc,
            &pool.id,
            document_kind::UI_CUSTOMIZATION,
            ALL_CLIENTS_KEY,
        )
        .await?
        .map(|(doc, _)| (ALL_CLIENTS_KEY.to_owned(), doc));
    }
    let customization = match found {
        Some((key, doc)) => ui_customization(&svc.config.public_url, &pool.id, &key, &doc),
        None => json!({}),
    };
    from_document(json!({ "UICustomization": customization }))
}

// --- threat protection ---

const RISK_MEMBERS: &[&str] = &[
    "CompromisedCredentialsRiskConfiguration",
    "AccountTakeoverRiskConfiguration",
    "RiskExceptionConfiguration",
];

/// Risk configuration is a threat-protection (Plus plan) feature: the API refuses it while
/// `UserPoolAddOns.AdvancedSecurityMode` is OFF. The message is Cognate's own.
fn require_threat_protection(pool: &UserPoolRecord) -> Result<(), ApiError> {
    let mode = pool.settings["UserPoolAddOns"]["AdvancedSecurityMode"].as_str();
    let plus = pool.settings["UserPoolTier"].as_str() == Some("PLUS");
    if plus && matches!(mode, Some("AUDIT" | "ENFORCED")) {
        return Ok(());
    }
    Err(ApiError::new(
        ErrorCode::UserPoolAddOnNotEnabledException,
        format!(
            "Threat protection (UserPoolAddOns) is not enabled for user pool {}.",
            pool.id
        ),
    ))
}

fn risk_configuration(
    pool_id: &str,
    client_id: Option<&str>,
    stored: Option<(&Value, i64)>,
) -> Value {
    let mut value = json!({ "UserPoolId": pool_id });
    if let Some(client_id) = client_id {
        value["ClientId"] = json!(client_id);
    }
    if let Some((doc, modified_ms)) = stored {
        for member in RISK_MEMBERS {
            if let Some(config) = doc.get(*member) {
                value[*member] = config.clone();
            }
        }
        value["LastModifiedDate"] = timestamp_value(modified_ms);
    }
    value
}

/// Stores the three sub-configurations as given. A request with none of them resets: the
/// pool to defaults, a client to inheriting the pool's configuration.
pub async fn set_risk_configuration(
    svc: &IdpService,
    ctx: &RequestContext,
    input: SetRiskConfigurationRequest,
) -> Result<SetRiskConfigurationResponse, ApiError> {
    let pool = svc.pool(&input.user_pool_id).await?;
    require_threat_protection(&pool)?;
    let client_id = input.client_id.as_ref().map(|id| id.expose().clone());
    let key = document_key(svc, &pool, client_id.as_deref(), false).await?;
    let request = to_object(&input)?;
    let doc: Map<String, Value> = RISK_MEMBERS
        .iter()
        .filter_map(|m| {
            request
                .get(*m)
                .filter(|v| !v.is_null())
                .map(|v| ((*m).to_owned(), v.clone()))
        })
        .collect();
    if doc.is_empty() {
        match svc
            .store
            .delete_pool_document(&pool.id, document_kind::RISK_CONFIGURATION, &key)
            .await
        {
            Ok(()) | Err(StoreError::NotFound) => {}
            Err(other) => return Err(store_failure(other)),
        }
        let value = risk_configuration(&pool.id, client_id.as_deref(), None);
        return from_document(json!({ "RiskConfiguration": value }));
    }
    let doc = Value::Object(doc);
    write(
        svc,
        &pool.id,
        document_kind::RISK_CONFIGURATION,
        &key,
        &doc,
        ctx.now_ms,
    )
    .await?;
    let value = risk_configuration(&pool.id, client_id.as_deref(), Some((&doc, ctx.now_ms)));
    from_document(json!({ "RiskConfiguration": value }))
}

/// The client's (or pool's) own configuration; without one, just the ids.
pub async fn describe_risk_configuration(
    svc: &IdpService,
    _ctx: &RequestContext,
    input: DescribeRiskConfigurationRequest,
) -> Result<DescribeRiskConfigurationResponse, ApiError> {
    let pool = svc.pool(&input.user_pool_id).await?;
    require_threat_protection(&pool)?;
    let client_id = input.client_id.as_ref().map(|id| id.expose().clone());
    let key = document_key(svc, &pool, client_id.as_deref(), false).await?;
    let stored = read(svc, &pool.id, document_kind::RISK_CONFIGURATION, &key).await?;
    let value = risk_configuration(
        &pool.id,
        client_id.as_deref(),
        stored.as_ref().map(|(doc, modified)| (doc, *modified)),
    );
    from_document(json!({ "RiskConfiguration": value }))
}

// --- log delivery ---

/// User-activity logs (`userAuthEvents`) and the S3 and Firehose destinations need the Plus
/// plan (member documentation); the message is Cognate's own.
fn check_log_tiers(pool: &UserPoolRecord, configurations: &[Value]) -> Result<(), ApiError> {
    if pool.settings["UserPoolTier"].as_str() == Some("PLUS") {
        return Ok(());
    }
    let needs_plus = configurations.iter().any(|c| {
        c["EventSource"] == "userAuthEvents"
            || c.get("S3Configuration").is_some_and(|v| !v.is_null())
            || c.get("FirehoseConfiguration").is_some_and(|v| !v.is_null())
    });
    if needs_plus {
        return Err(ApiError::new(
            ErrorCode::FeatureUnavailableInTierException,
            "Exporting user activity logs, and log delivery to Amazon S3 or Amazon Data Firehose, requires the Plus feature plan.",
        ));
    }
    Ok(())
}

fn log_delivery(pool_id: &str, configurations: Value) -> Value {
    json!({ "LogDeliveryConfiguration": { "UserPoolId": pool_id, "LogConfigurations": configurations } })
}

pub async fn set_log_delivery_configuration(
    svc: &IdpService,
    ctx: &RequestContext,
    input: SetLogDeliveryConfigurationRequest,
) -> Result<SetLogDeliveryConfigurationResponse, ApiError> {
    let pool = svc.pool(&input.user_pool_id).await?;
    let request = to_object(&input)?;
    let configurations = request
        .get("LogConfigurations")
        .cloned()
        .unwrap_or_else(|| json!([]));
    check_log_tiers(&pool, configurations.as_array().map_or(&[], Vec::as_slice))?;
    let doc = json!({ "LogConfigurations": configurations });
    write(
        svc,
        &pool.id,
        document_kind::LOG_DELIVERY,
        ALL_CLIENTS_KEY,
        &doc,
        ctx.now_ms,
    )
    .await?;
    from_document(log_delivery(&pool.id, configurations))
}

/// An unset configuration reads as an empty list.
pub async fn get_log_delivery_configuration(
    svc: &IdpService,
    _ctx: &RequestContext,
    input: GetLogDeliveryConfigurationRequest,
) -> Result<GetLogDeliveryConfigurationResponse, ApiError> {
    let pool = svc.pool(&input.user_pool_id).await?;
    let configurations = read(svc, &pool.id, document_kind::LOG_DELIVERY, ALL_CLIENTS_KEY)
        .await?
        .and_then(|(doc, _)| doc.get("LogConfigurations").cloned())
        .unwrap_or_else(|| json!([]));
    from_document(log_delivery(&pool.id, configurations))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool(settings: Value) -> UserPoolRecord {
        UserPoolRecord {
            id: "us-east-1_abc".into(),
            name: "p".into(),
            arn: "arn".into(),
            created_ms: 0,
            modified_ms: 0,
            settings,
            tags: Default::default(),
        }
    }

    #[test]
    fn css_version_is_the_change_time_and_always_moves() {
        assert_eq!(next_css_version(1_548_698_042_000, None), "20190128175402");
        assert_eq!(
            next_css_version(1_548_698_042_000, Some("20190128175402")),
            "20190128175403"
        );
        assert_eq!(
            next_css_version(1_548_698_050_000, Some("20190128175402")),
            "20190128175410"
        );
    }

    #[test]
    fn risk_configuration_needs_plus_and_threat_protection() {
        let off = pool(
            json!({"UserPoolTier": "PLUS", "UserPoolAddOns": {"AdvancedSecurityMode": "OFF"}}),
        );
        let err = require_threat_protection(&off).unwrap_err();
        assert_eq!(err.code, ErrorCode::UserPoolAddOnNotEnabledException);
        assert!(require_threat_protection(&pool(json!({}))).is_err());
        let on = pool(
            json!({"UserPoolTier": "PLUS", "UserPoolAddOns": {"AdvancedSecurityMode": "AUDIT"}}),
        );
        assert!(require_threat_protection(&on).is_ok());
    }

    #[test]
    fn unset_risk_configuration_is_just_the_ids() {
        assert_eq!(
            risk_configuration("p", Some("c"), None),
            json!({"UserPoolId": "p", "ClientId": "c"})
        );
        let doc = json!({"RiskExceptionConfiguration": {"BlockedIPRangeList": ["192.0.2.1/32"]}});
        let value = risk_configuration("p", None, Some((&doc, 2_000)));
        assert_eq!(
            value["RiskExceptionConfiguration"],
            doc["RiskExceptionConfiguration"]
        );
        assert_eq!(value["LastModifiedDate"], 2);
        assert!(value.get("ClientId").is_none());
    }

    #[test]
    fn documents_fit_the_wire_shapes() {
        let doc = json!({"CSS": ".logo-customizable {}", "CSSVersion": "20250117005911", "ImageFile": "iVBORw0KGgo="});
        let value = ui_customization("https://cognate.example", "p", "ALL", &doc);
        assert_eq!(value["ImageUrl"], "https://cognate.example/p/ui/ALL/logo");
        let wire: GetUICustomizationResponse =
            from_document(json!({ "UICustomization": value.clone() })).unwrap();
        assert_eq!(
            crate::documents::to_document(&wire).unwrap()["UICustomization"],
            value
        );
        let empty: GetUICustomizationResponse =
            from_document(json!({ "UICustomization": {} })).unwrap();
        assert_eq!(
            crate::documents::to_document(&empty).unwrap(),
            json!({ "UICustomization": {} })
        );

        let risk = risk_configuration("p", Some("c"), None);
        let _: DescribeRiskConfigurationResponse =
            from_document(json!({ "RiskConfiguration": risk })).unwrap();
        let log: GetLogDeliveryConfigurationResponse =
            from_document(log_delivery("p", json!([]))).unwrap();
        assert_eq!(
            crate::documents::to_document(&log).unwrap(),
            json!({"LogDeliveryConfiguration": {"UserPoolId": "p", "LogConfigurations": []}})
        );
    }

    #[test]
    fn log_delivery_tiers() {
        let essentials = pool(json!({"UserPoolTier": "ESSENTIALS"}));
        let notification = json!({
            "LogLevel": "ERROR", "EventSource": "userNotification",
            "CloudWatchLogsConfiguration": {"LogGroupArn": "arn:aws:logs:us-east-1:1:log-group:x"}
        });
        assert!(check_log_tiers(&essentials, &[notification]).is_ok());
        let auth_events = json!({"LogLevel": "INFO", "EventSource": "userAuthEvents", "S3Configuration": {"BucketArn": "arn:aws:s3:::b"}});
        let err = check_log_tiers(&essentials, std::slice::from_ref(&auth_events)).unwrap_err();
        assert_eq!(err.code, ErrorCode::FeatureUnavailableInTierException);
        assert!(check_log_tiers(&pool(json!({"UserPoolTier": "PLUS"})), &[auth_events]).is_ok());
    }
}
