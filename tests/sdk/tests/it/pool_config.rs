//! Pool-wide configuration: the MFA configuration, classic hosted-UI customization, threat
//! protection (risk) configuration and log delivery.

use aws_sdk_cognitoidentityprovider::types::{
    AccountTakeoverActionType, AccountTakeoverActionsType, AccountTakeoverEventActionType,
    AccountTakeoverRiskConfigurationType, AdvancedSecurityModeType,
    CloudWatchLogsConfigurationType, CompromisedCredentialsActionsType,
    CompromisedCredentialsEventActionType, CompromisedCredentialsRiskConfigurationType,
    DeletionProtectionType, EventFilterType, EventSourceName, LogConfigurationType, LogLevel,
    RiskExceptionConfigurationType, SoftwareTokenMfaConfigType, UserPoolAddOnsType,
    UserPoolMfaType, UserPoolTierType,
};
use aws_smithy_types::Blob;

use crate::harness::{Env, code, message};
use crate::on_both_backends;

const MISSING_POOL: &str = "us-east-1_NoSuchPoo";
const LOG_GROUP: &str = "arn:aws:logs:us-east-1:123456789012:log-group:/cognito/notifications";

async fn new_pool(env: &Env, name: &str) -> String {
    env.idp
        .create_user_pool()
        .pool_name(name)
        .send()
        .await
        .unwrap()
        .user_pool()
        .unwrap()
        .id()
        .unwrap()
        .to_owned()
}

async fn new_client(env: &Env, pool: &str, name: &str) -> String {
    env.idp
        .create_user_pool_client()
        .user_pool_id(pool)
        .client_name(name)
        .send()
        .await
        .unwrap()
        .user_pool_client()
        .unwrap()
        .client_id()
        .unwrap()
        .to_owned()
}

fn totp(enabled: bool) -> SoftwareTokenMfaConfigType {
    SoftwareTokenMfaConfigType::builder()
        .enabled(enabled)
        .build()
}

async fn described_mfa(env: &Env, pool: &str) -> Option<UserPoolMfaType> {
    env.idp
        .describe_user_pool()
        .user_pool_id(pool)
        .send()
        .await
        .unwrap()
        .user_pool()
        .unwrap()
        .mfa_configuration()
        .cloned()
}

// --- MFA configuration ---

async fn mfa_modes_need_a_factor(env: Env) {
    let pool = new_pool(&env, "mfa-rules").await;
    let fresh = env
        .idp
        .get_user_pool_mfa_config()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap();
    assert_eq!(fresh.mfa_configuration(), Some(&UserPoolMfaType::Off));
    assert_eq!(fresh.software_token_mfa_configuration(), None);
    assert_eq!(fresh.sms_mfa_configuration(), None);
    assert_eq!(fresh.email_mfa_configuration(), None);

    for mode in [UserPoolMfaType::Optional, UserPoolMfaType::On] {
        let refused = env
            .idp
            .set_user_pool_mfa_config()
            .user_pool_id(&pool)
            .mfa_configuration(mode.clone())
            .send()
            .await;
        assert_eq!(code(&refused), "InvalidParameterException", "{mode:?}");
        assert_eq!(
            message(&refused),
            "Invalid MFA Configuration given. SMS MFA, Email MFA, or Software Token MFA must be enabled."
        );
    }
    // A disabled TOTP factor is no factor.
    let refused = env
        .idp
        .set_user_pool_mfa_config()
        .user_pool_id(&pool)
        .mfa_configuration(UserPoolMfaType::Optional)
        .software_token_mfa_configuration(totp(false))
        .send()
        .await;
    assert_eq!(code(&refused), "InvalidParameterException");
    assert_eq!(
        message(&refused),
        "Invalid MFA Configuration given. SMS MFA, Email MFA, or Software Token MFA must be enabled."
    );
    let refused = env
        .idp
        .set_user_pool_mfa_config()
        .user_pool_id(&pool)
        .mfa_configuration(UserPoolMfaType::Off)
        .software_token_mfa_configuration(totp(true))
        .send()
        .await;
    assert_eq!(code(&refused), "InvalidParameterException");
    assert_eq!(
        message(&refused),
        "Invalid MFA configuration given, can't turn off MFA and configure an MFA together."
    );

    // Nothing changed.
    let after = env
        .idp
        .get_user_pool_mfa_config()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap();
    assert_eq!(after.mfa_configuration(), Some(&UserPoolMfaType::Off));
    assert_eq!(after.software_token_mfa_configuration(), None);
    assert_eq!(described_mfa(&env, &pool).await, Some(UserPoolMfaType::Off));

    let missing = env
        .idp
        .get_user_pool_mfa_config()
        .user_pool_id(MISSING_POOL)
        .send()
        .await;
    assert_eq!(code(&missing), "ResourceNotFoundException");
    let missing = env
        .idp
        .set_user_pool_mfa_config()
        .user_pool_id(MISSING_POOL)
        .mfa_configuration(UserPoolMfaType::Optional)
        .software_token_mfa_configuration(totp(true))
        .send()
        .await;
    assert_eq!(code(&missing), "ResourceNotFoundException");
}

async fn optional_totp_mfa_survives_update_user_pool(env: Env) {
    let pool = new_pool(&env, "mfa-totp").await;
    let set = env
        .idp
        .set_user_pool_mfa_config()
        .user_pool_id(&pool)
        .mfa_configuration(UserPoolMfaType::Optional)
        .software_token_mfa_configuration(totp(true))
        .send()
        .await
        .unwrap();
    assert_eq!(set.mfa_configuration(), Some(&UserPoolMfaType::Optional));
    assert_eq!(set.software_token_mfa_configuration(), Some(&totp(true)));
    let got = env
        .idp
        .get_user_pool_mfa_config()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap();
    assert_eq!(got.mfa_configuration(), Some(&UserPoolMfaType::Optional));
    assert_eq!(got.software_token_mfa_configuration(), Some(&totp(true)));
    assert_eq!(got.sms_mfa_configuration(), None);
    assert_eq!(
        described_mfa(&env, &pool).await,
        Some(UserPoolMfaType::Optional)
    );

    // UpdateUserPool does not touch the factors.
    env.idp
        .update_user_pool()
        .user_pool_id(&pool)
        .mfa_configuration(UserPoolMfaType::Optional)
        .deletion_protection(DeletionProtectionType::Active)
        .send()
        .await
        .unwrap();
    let got = env
        .idp
        .get_user_pool_mfa_config()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap();
    assert_eq!(got.mfa_configuration(), Some(&UserPoolMfaType::Optional));
    assert_eq!(got.software_token_mfa_configuration(), Some(&totp(true)));

    // MFA required, then off again.
    env.idp
        .set_user_pool_mfa_config()
        .user_pool_id(&pool)
        .mfa_configuration(UserPoolMfaType::On)
        .software_token_mfa_configuration(totp(true))
        .send()
        .await
        .unwrap();
    assert_eq!(described_mfa(&env, &pool).await, Some(UserPoolMfaType::On));
    env.idp
        .set_user_pool_mfa_config()
        .user_pool_id(&pool)
        .mfa_configuration(UserPoolMfaType::Off)
        .send()
        .await
        .unwrap();
    let got = env
        .idp
        .get_user_pool_mfa_config()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap();
    assert_eq!(got.mfa_configuration(), Some(&UserPoolMfaType::Off));
    assert!(
        !got.software_token_mfa_configuration()
            .is_some_and(SoftwareTokenMfaConfigType::enabled)
    );
    assert_eq!(described_mfa(&env, &pool).await, Some(UserPoolMfaType::Off));
}

// --- classic hosted UI customization ---

const POOL_CSS: &str = ".logo-customizable {max-width: 60%;}";
const CLIENT_CSS: &str = ".banner-customizable {background-color: black;}";
/// The 8-byte PNG signature and an IHDR start: enough to stand for a logo.
const LOGO: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR";

async fn ui_customization_needs_a_domain(env: Env) {
    let pool = new_pool(&env, "no-domain").await;
    let refused = env
        .idp
        .set_ui_customization()
        .user_pool_id(&pool)
        .css(POOL_CSS)
        .send()
        .await;
    assert_eq!(code(&refused), "InvalidParameterException");
    assert_eq!(
        message(&refused),
        "A domain must be associated with this user pool."
    );
    env.idp
        .create_user_pool_domain()
        .user_pool_id(&pool)
        .domain("ui-pool-login")
        .send()
        .await
        .unwrap();
    // The refused call stored nothing.
    let got = env
        .idp
        .get_ui_customization()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap();
    let customization = got.ui_customization().unwrap();
    assert_eq!(customization.css(), None);
    assert_eq!(customization.css_version(), None);

    let missing = env
        .idp
        .set_ui_customization()
        .user_pool_id(MISSING_POOL)
        .css(POOL_CSS)
        .send()
        .await;
    assert_eq!(code(&missing), "ResourceNotFoundException");
}

async fn ui_customization_for_pool_and_client(env: Env) {
    let pool = new_pool(&env, "branded").await;
    env.idp
        .create_user_pool_domain()
        .user_pool_id(&pool)
        .domain("branded-ui")
        .send()
        .await
        .unwrap();
    let client = new_client(&env, &pool, "web").await;

    let set = env
        .idp
        .set_ui_customization()
        .user_pool_id(&pool)
        .css(POOL_CSS)
        .send()
        .await
        .unwrap();
    let pool_wide = set.ui_customization().unwrap().clone();
    assert_eq!(pool_wide.user_pool_id(), Some(pool.as_str()));
    assert_eq!(pool_wide.client_id(), Some("ALL"));
    assert_eq!(pool_wide.css(), Some(POOL_CSS));
    assert_eq!(pool_wide.image_url(), None);
    let first_version: u64 = pool_wide.css_version().unwrap().parse().unwrap();
    let got = env
        .idp
        .get_ui_customization()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap();
    assert_eq!(got.ui_customization(), Some(&pool_wide));

    // A client without its own customization gets the pool's.
    let got = env
        .idp
        .get_ui_customization()
        .user_pool_id(&pool)
        .client_id(&client)
        .send()
        .await
        .unwrap();
    let fallback = got.ui_customization().unwrap();
    assert_eq!(fallback.client_id(), Some("ALL"));
    assert_eq!(fallback.css(), Some(POOL_CSS));

    let set = env
        .idp
        .set_ui_customization()
        .user_pool_id(&pool)
        .client_id(&client)
        .css(CLIENT_CSS)
        .image_file(Blob::new(LOGO))
        .send()
        .await
        .unwrap();
    let own = set.ui_customization().unwrap().clone();
    assert_eq!(own.client_id(), Some(client.as_str()));
    assert_eq!(own.css(), Some(CLIENT_CSS));
    assert_eq!(
        own.image_url(),
        Some(format!("{}/{pool}/ui/{client}/logo", env.server.url).as_str())
    );
    let got = env
        .idp
        .get_ui_customization()
        .user_pool_id(&pool)
        .client_id(&client)
        .send()
        .await
        .unwrap();
    assert_eq!(got.ui_customization(), Some(&own));
    // The pool's own customization is untouched.
    let got = env
        .idp
        .get_ui_customization()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap();
    assert_eq!(got.ui_customization(), Some(&pool_wide));

    // Changing the pool's CSS gives it a new version.
    let changed = env
        .idp
        .set_ui_customization()
        .user_pool_id(&pool)
        .css(".submitButton-customizable {color: red;}")
        .send()
        .await
        .unwrap();
    let changed = changed.ui_customization().unwrap();
    assert_eq!(
        changed.css(),
        Some(".submitButton-customizable {color: red;}")
    );
    let second_version: u64 = changed.css_version().unwrap().parse().unwrap();
    assert!(second_version > first_version);

    // Unknown clients are not found, and leave nothing behind.
    let unknown = "abcdefghijklmnopqrstuvwxyz";
    let refused = env
        .idp
        .set_ui_customization()
        .user_pool_id(&pool)
        .client_id(unknown)
        .css(CLIENT_CSS)
        .send()
        .await;
    assert_eq!(code(&refused), "ResourceNotFoundException");
    let refused = env
        .idp
        .get_ui_customization()
        .user_pool_id(&pool)
        .client_id(unknown)
        .send()
        .await;
    assert_eq!(code(&refused), "ResourceNotFoundException");
}

// --- threat protection ---

fn compromised_credentials() -> CompromisedCredentialsRiskConfigurationType {
    CompromisedCredentialsRiskConfigurationType::builder()
        .event_filter(EventFilterType::SignIn)
        .event_filter(EventFilterType::PasswordChange)
        .actions(
            CompromisedCredentialsActionsType::builder()
                .event_action(CompromisedCredentialsEventActionType::Block)
                .build()
                .unwrap(),
        )
        .build()
}

fn account_takeover() -> AccountTakeoverRiskConfigurationType {
    let action = |event_action| {
        AccountTakeoverActionType::builder()
            .notify(false)
            .event_action(event_action)
            .build()
            .unwrap()
    };
    AccountTakeoverRiskConfigurationType::builder()
        .actions(
            AccountTakeoverActionsType::builder()
                .low_action(action(AccountTakeoverEventActionType::NoAction))
                .medium_action(action(AccountTakeoverEventActionType::MfaIfConfigured))
                .high_action(action(AccountTakeoverEventActionType::Block))
                .build(),
        )
        .build()
}

fn risk_exceptions() -> RiskExceptionConfigurationType {
    RiskExceptionConfigurationType::builder()
        .blocked_ip_range_list("192.0.2.0/24")
        .skipped_ip_range_list("198.51.100.7/32")
        .build()
}

async fn pool_with_threat_protection(env: &Env, mode: AdvancedSecurityModeType) -> String {
    env.idp
        .create_user_pool()
        .pool_name("protected")
        .user_pool_tier(UserPoolTierType::Plus)
        .user_pool_add_ons(
            UserPoolAddOnsType::builder()
                .advanced_security_mode(mode)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap()
        .user_pool()
        .unwrap()
        .id()
        .unwrap()
        .to_owned()
}

async fn risk_configuration_needs_threat_protection(env: Env) {
    let essentials = new_pool(&env, "essentials").await;
    let plus_off = pool_with_threat_protection(&env, AdvancedSecurityModeType::Off).await;
    for pool in [&essentials, &plus_off] {
        let refused = env
            .idp
            .set_risk_configuration()
            .user_pool_id(pool)
            .risk_exception_configuration(risk_exceptions())
            .send()
            .await;
        assert_eq!(code(&refused), "UserPoolAddOnNotEnabledException");
        let refused = env
            .idp
            .describe_risk_configuration()
            .user_pool_id(pool)
            .send()
            .await;
        assert_eq!(code(&refused), "UserPoolAddOnNotEnabledException");
    }
    // Switching threat protection on shows that the refused call stored nothing.
    env.idp
        .update_user_pool()
        .user_pool_id(&plus_off)
        .user_pool_tier(UserPoolTierType::Plus)
        .user_pool_add_ons(
            UserPoolAddOnsType::builder()
                .advanced_security_mode(AdvancedSecurityModeType::Audit)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let described = env
        .idp
        .describe_risk_configuration()
        .user_pool_id(&plus_off)
        .send()
        .await
        .unwrap();
    let risk = described.risk_configuration().unwrap();
    assert_eq!(risk.user_pool_id(), Some(plus_off.as_str()));
    assert_eq!(risk.risk_exception_configuration(), None);
    assert_eq!(risk.compromised_credentials_risk_configuration(), None);

    let missing = env
        .idp
        .describe_risk_configuration()
        .user_pool_id(MISSING_POOL)
        .send()
        .await;
    assert_eq!(code(&missing), "ResourceNotFoundException");
}

async fn risk_configuration_is_stored_verbatim(env: Env) {
    let pool = pool_with_threat_protection(&env, AdvancedSecurityModeType::Enforced).await;
    let client = new_client(&env, &pool, "web").await;
    let set = env
        .idp
        .set_risk_configuration()
        .user_pool_id(&pool)
        .compromised_credentials_risk_configuration(compromised_credentials())
        .account_takeover_risk_configuration(account_takeover())
        .risk_exception_configuration(risk_exceptions())
        .send()
        .await
        .unwrap();
    let stored = set.risk_configuration().unwrap().clone();
    assert_eq!(stored.user_pool_id(), Some(pool.as_str()));
    assert_eq!(stored.client_id(), None);
    assert_eq!(
        stored.compromised_credentials_risk_configuration(),
        Some(&compromised_credentials())
    );
    assert_eq!(
        stored.account_takeover_risk_configuration(),
        Some(&account_takeover())
    );
    assert_eq!(
        stored.risk_exception_configuration(),
        Some(&risk_exceptions())
    );
    assert!(stored.last_modified_date().is_some());
    let described = env
        .idp
        .describe_risk_configuration()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap();
    assert_eq!(described.risk_configuration(), Some(&stored));

    // A client has no configuration of its own until one is set.
    let described = env
        .idp
        .describe_risk_configuration()
        .user_pool_id(&pool)
        .client_id(&client)
        .send()
        .await
        .unwrap();
    let own = described.risk_configuration().unwrap();
    assert_eq!(own.user_pool_id(), Some(pool.as_str()));
    assert_eq!(own.client_id(), Some(client.as_str()));
    assert_eq!(own.risk_exception_configuration(), None);
    assert_eq!(own.last_modified_date(), None);

    let client_exceptions = RiskExceptionConfigurationType::builder()
        .skipped_ip_range_list("203.0.113.0/24")
        .build();
    env.idp
        .set_risk_configuration()
        .user_pool_id(&pool)
        .client_id(&client)
        .risk_exception_configuration(client_exceptions.clone())
        .send()
        .await
        .unwrap();
    let described = env
        .idp
        .describe_risk_configuration()
        .user_pool_id(&pool)
        .client_id(&client)
        .send()
        .await
        .unwrap();
    let own = described.risk_configuration().unwrap();
    assert_eq!(own.client_id(), Some(client.as_str()));
    assert_eq!(own.risk_exception_configuration(), Some(&client_exceptions));
    assert_eq!(own.compromised_credentials_risk_configuration(), None);
    // The pool's stays as it was.
    let described = env
        .idp
        .describe_risk_configuration()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap();
    assert_eq!(described.risk_configuration(), Some(&stored));

    let unknown = env
        .idp
        .set_risk_configuration()
        .user_pool_id(&pool)
        .client_id("abcdefghijklmnopqrstuvwxyz")
        .risk_exception_configuration(risk_exceptions())
        .send()
        .await;
    assert_eq!(code(&unknown), "ResourceNotFoundException");
}

// --- log delivery ---

fn notification_errors() -> LogConfigurationType {
    LogConfigurationType::builder()
        .log_level(LogLevel::Error)
        .event_source(EventSourceName::UserNotification)
        .cloud_watch_logs_configuration(
            CloudWatchLogsConfigurationType::builder()
                .log_group_arn(LOG_GROUP)
                .build(),
        )
        .build()
        .unwrap()
}

async fn log_delivery_round_trip(env: Env) {
    let pool = new_pool(&env, "logging").await;
    let unset = env
        .idp
        .get_log_delivery_configuration()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap();
    let config = unset.log_delivery_configuration().unwrap();
    assert_eq!(config.user_pool_id(), pool);
    assert!(config.log_configurations().is_empty());

    let set = env
        .idp
        .set_log_delivery_configuration()
        .user_pool_id(&pool)
        .log_configurations(notification_errors())
        .send()
        .await
        .unwrap();
    let config = set.log_delivery_configuration().unwrap();
    assert_eq!(config.user_pool_id(), pool);
    assert_eq!(config.log_configurations(), [notification_errors()]);
    let got = env
        .idp
        .get_log_delivery_configuration()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap();
    assert_eq!(got.log_delivery_configuration(), Some(config));

    // User-activity logs need the Plus plan; the refused call changes nothing.
    let auth_events = LogConfigurationType::builder()
        .log_level(LogLevel::Info)
        .event_source(EventSourceName::UserAuthEvents)
        .cloud_watch_logs_configuration(
            CloudWatchLogsConfigurationType::builder()
                .log_group_arn(LOG_GROUP)
                .build(),
        )
        .build()
        .unwrap();
    let refused = env
        .idp
        .set_log_delivery_configuration()
        .user_pool_id(&pool)
        .log_configurations(auth_events)
        .send()
        .await;
    assert_eq!(code(&refused), "FeatureUnavailableInTierException");
    let got = env
        .idp
        .get_log_delivery_configuration()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.log_delivery_configuration()
            .unwrap()
            .log_configurations(),
        [notification_errors()]
    );

    let missing = env
        .idp
        .get_log_delivery_configuration()
        .user_pool_id(MISSING_POOL)
        .send()
        .await;
    assert_eq!(code(&missing), "ResourceNotFoundException");
    let missing = env
        .idp
        .set_log_delivery_configuration()
        .user_pool_id(MISSING_POOL)
        .log_configurations(notification_errors())
        .send()
        .await;
    assert_eq!(code(&missing), "ResourceNotFoundException");
}

on_both_backends!(
    mfa_modes_need_a_factor,
    optional_totp_mfa_survives_update_user_pool,
    ui_customization_needs_a_domain,
    ui_customization_for_pool_and_client,
    risk_configuration_needs_threat_protection,
    risk_configuration_is_stored_verbatim,
    log_delivery_round_trip,
);
