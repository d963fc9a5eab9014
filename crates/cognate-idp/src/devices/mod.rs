//! Remembered devices: the pool's DeviceConfiguration, device keys, the sealed device
//! verifier, the wire view, and the device operations (`ops.rs`). Device sign-in
//! (DEVICE_SRP_AUTH → DEVICE_PASSWORD_VERIFIER) is part of the sign-in engine
//! (`auth/device.rs`).

pub mod ops;

use serde_json::Value;

use cognate_crypto::envelope::Kek;
use cognate_crypto::ids;
use cognate_crypto::srp::{self, PasswordVerifier};
use cognate_store::DeviceRecord;
use cognate_wire::idp::{AttributeType, DeviceType};
use cognate_wire::{ApiError, ErrorCode, Sensitive, Timestamp};

use crate::errors::internal;

/// Operations of this area that are implemented.
pub const IMPLEMENTED: &[&str] = &[
    "AdminForgetDevice",
    "AdminGetDevice",
    "AdminListDevices",
    "AdminUpdateDeviceStatus",
    "ConfirmDevice",
    "ForgetDevice",
    "GetDevice",
    "ListDevices",
    "UpdateDeviceStatus",
];

/// The pool's `DeviceConfiguration`; `None` when the pool does not track devices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceConfig {
    /// `ChallengeRequiredOnNewDevice`: when true a remembered device's proof
    /// (DEVICE_SRP_AUTH) replaces the MFA step; when false every device passes the pool's
    /// MFA (`auth::mfa::after_first_factor`). New devices pass MFA either way.
    pub challenge_required_on_new_device: bool,
    /// `DeviceOnlyRememberedOnUserPrompt`: ConfirmDevice leaves the device not remembered
    /// until the user says so (UpdateDeviceStatus), and answers UserConfirmationNecessary.
    pub only_remembered_on_user_prompt: bool,
}

impl DeviceConfig {
    pub fn of(settings: &Value) -> Option<Self> {
        let config = settings
            .get("DeviceConfiguration")
            .filter(|v| v.is_object())?;
        let flag = |name: &str| config.get(name).and_then(Value::as_bool).unwrap_or(false);
        Some(Self {
            challenge_required_on_new_device: flag("ChallengeRequiredOnNewDevice"),
            only_remembered_on_user_prompt: flag("DeviceOnlyRememberedOnUserPrompt"),
        })
    }
}

/// `<region>_<uuid>` (DeviceKeyType: `[\w-]+_[0-9a-f-]+`, at most 55 characters).
pub fn new_device_key(region: &str) -> String {
    format!("{region}_{}", ids::uuid())
}

/// `-` and nine random letters and digits: the shape of the examples in the CLI reference
/// (`-wt2ha1Zd`); Cognito's exact format is not documented.
pub fn new_group_key() -> String {
    let token = ids::random_token(12);
    let alnum: String = token
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(9)
        .collect();
    format!("-{alnum}")
}

/// The refusal for a device key that names no device of this user. JS and Amplify retry
/// without the key on ResourceNotFoundException whose message mentions "device"; the exact
/// text is Cognate's (not confirmed).
pub fn device_not_found() -> ApiError {
    ApiError::new(
        ErrorCode::ResourceNotFoundException,
        "Device does not exist.",
    )
}

fn sealing_context(pool_id: &str, sub: &str, device_key: &str) -> Vec<u8> {
    format!("cognate/device-verifier/{pool_id}/{sub}/{device_key}").into_bytes()
}

/// Seals ConfirmDevice's salt and verifier: `salt_len (1 byte) ‖ salt ‖ v (384 bytes)`.
pub fn seal_verifier(
    kek: &Kek,
    device: &DeviceRecord,
    verifier: &PasswordVerifier,
) -> Result<Vec<u8>, ApiError> {
    let salt = verifier.salt();
    let salt_len = u8::try_from(salt.len()).map_err(|e| internal("device salt", e))?;
    let mut plain = zeroize::Zeroizing::new(Vec::with_capacity(1 + salt.len() + srp::ELEMENT_LEN));
    plain.push(salt_len);
    plain.extend_from_slice(salt);
    plain.extend_from_slice(&verifier.verifier_bytes());
    kek.seal(
        &plain,
        &sealing_context(&device.pool_id, &device.sub, &device.device_key),
    )
    .map_err(|e| internal("sealing a device verifier", e))
}

/// The device's verifier, or `None` when it has none or it does not open.
pub fn open_verifier(kek: &Kek, device: &DeviceRecord) -> Option<PasswordVerifier> {
    let sealed = device.verifier_sealed.as_deref()?;
    let plain = kek
        .open(
            sealed,
            &sealing_context(&device.pool_id, &device.sub, &device.device_key),
        )
        .ok()?;
    let (&salt_len, rest) = plain.split_first()?;
    let salt_len = usize::from(salt_len);
    if rest.len() != salt_len + srp::ELEMENT_LEN {
        return None;
    }
    let (salt, v) = rest.split_at(salt_len);
    PasswordVerifier::from_parts(salt, v).ok()
}

/// `DeviceType` as Cognito shows it: the device attributes `device_status` (`valid`),
/// `device_name`, `dev:device_remembered_status` and `last_ip_used`.
pub fn device_type(device: &DeviceRecord) -> DeviceType {
    let attribute = |name: &str, value: &str| AttributeType {
        name: name.to_owned(),
        value: Some(Sensitive::from(value.to_owned())),
    };
    let mut attributes = vec![attribute("device_status", "valid")];
    if let Some(name) = &device.name {
        attributes.push(attribute("device_name", name));
    }
    attributes.push(attribute(
        "dev:device_remembered_status",
        if device.remembered {
            "remembered"
        } else {
            "not_remembered"
        },
    ));
    if let Some(ip) = &device.last_ip {
        attributes.push(attribute("last_ip_used", ip));
    }
    DeviceType {
        device_key: Some(device.device_key.clone()),
        device_attributes: Some(attributes),
        device_create_date: Some(Timestamp::from_millis(device.created_ms)),
        device_last_modified_date: Some(Timestamp::from_millis(device.modified_ms)),
        device_last_authenticated_date: Some(Timestamp::from_millis(device.last_authenticated_ms)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn device() -> DeviceRecord {
        DeviceRecord {
            pool_id: "us-east-1_P".into(),
            sub: "sub".into(),
            device_key: "us-east-1_0f1e".into(),
            group_key: "-abc".into(),
            verifier_sealed: None,
            name: Some("nodejs".into()),
            remembered: true,
            last_ip: None,
            created_ms: 1_000,
            modified_ms: 2_000,
            last_authenticated_ms: 3_000,
        }
    }

    #[test]
    fn configuration_is_read_from_the_pool() {
        assert_eq!(DeviceConfig::of(&json!({})), None);
        assert_eq!(
            DeviceConfig::of(&json!({"DeviceConfiguration": null})),
            None
        );
        let config = DeviceConfig::of(&json!({"DeviceConfiguration": {
            "ChallengeRequiredOnNewDevice": true,
            "DeviceOnlyRememberedOnUserPrompt": false
        }}))
        .unwrap();
        assert!(config.challenge_required_on_new_device);
        assert!(!config.only_remembered_on_user_prompt);
    }

    #[test]
    fn keys_have_cognitos_shapes() {
        let key = new_device_key("us-east-1");
        let (region, id) = key.rsplit_once('_').unwrap();
        assert_eq!(region, "us-east-1");
        assert!(
            id.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase() || b == b'-')
        );
        assert!(key.len() <= 55, "{key}");
        let group = new_group_key();
        assert!(group.starts_with('-') && group.len() == 10, "{group}");
    }

    #[test]
    fn verifiers_are_sealed_and_bound_to_their_device() {
        let kek = Kek::generate().unwrap();
        let verifier = PasswordVerifier::new("-abc", "us-east-1_0f1e", "device-password").unwrap();
        let mut d = device();
        d.verifier_sealed = Some(seal_verifier(&kek, &d, &verifier).unwrap());
        let opened = open_verifier(&kek, &d).unwrap();
        assert!(opened.matches_password("-abc", "us-east-1_0f1e", "device-password"));
        let mut other = d.clone();
        other.sub = "someone-else".into();
        assert!(open_verifier(&kek, &other).is_none());
    }

    #[test]
    fn the_wire_view_names_status_and_dates() {
        let view = serde_json::to_value(device_type(&device())).unwrap();
        assert_eq!(view["DeviceKey"], "us-east-1_0f1e");
        assert_eq!(
            view["DeviceAttributes"],
            json!([
                {"Name": "device_status", "Value": "valid"},
                {"Name": "device_name", "Value": "nodejs"},
                {"Name": "dev:device_remembered_status", "Value": "remembered"}
            ])
        );
        assert_eq!(view["DeviceLastAuthenticatedDate"], 3.0);
    }
}
