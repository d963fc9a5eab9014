//! A pool's settings document: what CreateUserPool and UpdateUserPool accept, with
//! Cognito's defaults filled in where the caller left a setting out.
//!
//! The document uses AWS's JSON member names so it can be stored as is and turned back into
//! a `UserPoolType` for DescribeUserPool.

use serde_json::{Map, Value, json};

/// Members of the request that are not settings (identity, or kept elsewhere).
const NOT_SETTINGS: &[&str] = &["UserPoolId", "PoolName", "UserPoolTags", "Schema"];

/// Settings UpdateUserPool does not replace: those fixed when the pool is created, and the
/// MFA factors, which only SetUserPoolMfaConfig changes.
const KEPT_ON_UPDATE: &[&str] = &[
    "AliasAttributes",
    "UsernameAttributes",
    "UsernameConfiguration",
    "SchemaAttributes",
    "SmsMfaConfiguration",
    "SoftwareTokenMfaConfiguration",
    "EmailMfaConfiguration",
    "WebAuthnConfiguration",
];

/// The settings of a request (Create or Update), with defaults applied.
pub fn from_request(request: &Value) -> Map<String, Value> {
    let mut settings: Map<String, Value> = request
        .as_object()
        .map(|object| {
            object
                .iter()
                .filter(|(key, value)| !NOT_SETTINGS.contains(&key.as_str()) && !value.is_null())
                .map(|(key, value)| (key.clone(), value.clone()))
                .collect()
        })
        .unwrap_or_default();
    apply_defaults(&mut settings);
    settings
}

fn apply_defaults(settings: &mut Map<String, Value>) {
    with_object(settings, "Policies", |policies| {
        with_object(policies, "PasswordPolicy", |password| {
            if password.is_empty() {
                // Cognito's policy for a pool created without one.
                password.insert("MinimumLength".into(), json!(8));
                for flag in PASSWORD_FLAGS {
                    password.insert((*flag).into(), json!(true));
                }
            } else {
                password.entry("MinimumLength").or_insert(json!(8));
                for flag in PASSWORD_FLAGS {
                    password.entry(*flag).or_insert(json!(false));
                }
            }
            // 0 means "the default" in Cognito's model.
            let days = password
                .get("TemporaryPasswordValidityDays")
                .and_then(Value::as_i64);
            if days.unwrap_or(0) == 0 {
                password.insert("TemporaryPasswordValidityDays".into(), json!(7));
            }
        });
        with_object(policies, "SignInPolicy", |sign_in| {
            sign_in
                .entry("AllowedFirstAuthFactors")
                .or_insert(json!(["PASSWORD"]));
        });
    });
    settings
        .entry("DeletionProtection")
        .or_insert(json!("INACTIVE"));
    settings.entry("LambdaConfig").or_insert(json!({}));
    settings.entry("MfaConfiguration").or_insert(json!("OFF"));
    settings
        .entry("UserPoolTier")
        .or_insert(json!("ESSENTIALS"));
    with_object(settings, "EmailConfiguration", |email| {
        email
            .entry("EmailSendingAccount")
            .or_insert(json!("COGNITO_DEFAULT"));
    });
    with_object(settings, "AdminCreateUserConfig", |admin_create| {
        admin_create
            .entry("AllowAdminCreateUserOnly")
            .or_insert(json!(false));
        admin_create
            .entry("UnusedAccountValidityDays")
            .or_insert(json!(7));
    });
    sync_verification_messages(settings);
}

const PASSWORD_FLAGS: &[&str] = &[
    "RequireUppercase",
    "RequireLowercase",
    "RequireNumbers",
    "RequireSymbols",
];

/// Cognito keeps the legacy top-level message settings and VerificationMessageTemplate in
/// step: a value given in one place shows up in the other.
fn sync_verification_messages(settings: &mut Map<String, Value>) {
    const PAIRS: &[(&str, &str)] = &[
        ("SmsVerificationMessage", "SmsMessage"),
        ("EmailVerificationMessage", "EmailMessage"),
        ("EmailVerificationSubject", "EmailSubject"),
    ];
    let legacy: Vec<(&str, &str, Option<Value>)> = PAIRS
        .iter()
        .map(|(top, inner)| (*top, *inner, settings.get(*top).cloned()))
        .collect();
    let mut back = Vec::new();
    with_object(settings, "VerificationMessageTemplate", |template| {
        template
            .entry("DefaultEmailOption")
            .or_insert(json!("CONFIRM_WITH_CODE"));
        for (top, inner, value) in legacy {
            match (value, template.get(inner).cloned()) {
                (Some(value), None) => {
                    template.insert(inner.into(), value);
                }
                (None, Some(value)) => back.push((top, value)),
                _ => {}
            }
        }
    });
    for (top, value) in back {
        settings.insert(top.into(), value);
    }
}

/// Runs `edit` on the object at `key`, which is created empty when absent (or not an object).
fn with_object(
    map: &mut Map<String, Value>,
    key: &str,
    edit: impl FnOnce(&mut Map<String, Value>),
) {
    let mut object = match map.remove(key) {
        Some(Value::Object(object)) => object,
        _ => Map::new(),
    };
    edit(&mut object);
    map.insert(key.to_owned(), Value::Object(object));
}

/// UpdateUserPool replaces every updatable setting (what the request leaves out returns to
/// its default) and keeps the rest.
pub fn replace_for_update(current: &Map<String, Value>, request: &Value) -> Map<String, Value> {
    let mut settings = from_request(request);
    for key in KEPT_ON_UPDATE {
        match current.get(*key) {
            Some(value) => {
                settings.insert((*key).into(), value.clone());
            }
            None => {
                settings.remove(*key);
            }
        }
    }
    settings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_for_a_bare_pool() {
        let settings = from_request(&json!({"PoolName": "p"}));
        let password = &settings["Policies"]["PasswordPolicy"];
        assert_eq!(password["MinimumLength"], 8);
        assert_eq!(password["RequireSymbols"], true);
        assert_eq!(password["TemporaryPasswordValidityDays"], 7);
        assert_eq!(settings["MfaConfiguration"], "OFF");
        assert_eq!(settings["DeletionProtection"], "INACTIVE");
        assert_eq!(
            settings["AdminCreateUserConfig"]["UnusedAccountValidityDays"],
            7
        );
        assert_eq!(
            settings["VerificationMessageTemplate"]["DefaultEmailOption"],
            "CONFIRM_WITH_CODE"
        );
        assert!(!settings.contains_key("PoolName"));
    }

    #[test]
    fn a_given_policy_is_honoured_flag_by_flag() {
        let settings = from_request(&json!({
            "PoolName": "p",
            "Policies": {"PasswordPolicy": {"MinimumLength": 12, "RequireNumbers": true}}
        }));
        let password = &settings["Policies"]["PasswordPolicy"];
        assert_eq!(password["MinimumLength"], 12);
        assert_eq!(password["RequireNumbers"], true);
        assert_eq!(password["RequireUppercase"], false);
        assert_eq!(password["TemporaryPasswordValidityDays"], 7);
    }

    #[test]
    fn verification_messages_are_mirrored() {
        let settings = from_request(&json!({
            "EmailVerificationMessage": "Code {####}",
            "VerificationMessageTemplate": {"SmsMessage": "SMS {####}"}
        }));
        assert_eq!(
            settings["VerificationMessageTemplate"]["EmailMessage"],
            "Code {####}"
        );
        assert_eq!(settings["SmsVerificationMessage"], "SMS {####}");
    }

    #[test]
    fn update_replaces_but_keeps_fixed_settings() {
        let current = from_request(&json!({
            "MfaConfiguration": "OPTIONAL",
            "AliasAttributes": ["email"],
        }));
        let mut current = current;
        current.insert("SchemaAttributes".into(), json!([{"Name": "sub"}]));
        current.insert(
            "SoftwareTokenMfaConfiguration".into(),
            json!({"Enabled": true}),
        );
        let updated = replace_for_update(
            &current,
            &json!({"UserPoolId": "x", "AutoVerifiedAttributes": ["email"]}),
        );
        assert_eq!(updated["MfaConfiguration"], "OFF");
        assert_eq!(updated["AliasAttributes"], json!(["email"]));
        assert_eq!(updated["SchemaAttributes"], json!([{"Name": "sub"}]));
        assert_eq!(updated["AutoVerifiedAttributes"], json!(["email"]));
        assert_eq!(
            updated["SoftwareTokenMfaConfiguration"],
            json!({"Enabled": true})
        );
        assert!(!updated.contains_key("UserPoolId"));
    }
}
