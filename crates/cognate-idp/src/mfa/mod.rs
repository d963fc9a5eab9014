//! Per-user MFA: settings and preferences, software tokens (TOTP). The challenges
//! themselves are part of the sign-in engine (`auth/mfa.rs`).

pub mod preferences;
pub mod settings;
pub mod software_token;

/// Operations of this area that are implemented.
pub const IMPLEMENTED: &[&str] = &[
    "AdminSetUserMFAPreference",
    "AdminSetUserSettings",
    "AssociateSoftwareToken",
    "SetUserMFAPreference",
    "SetUserSettings",
    "VerifySoftwareToken",
];

#[cfg(test)]
pub(crate) mod tests {
    use cognate_store::UserRecord;

    /// A confirmed user with a phone number and an email address.
    pub fn user() -> UserRecord {
        UserRecord {
            pool_id: "us-east-1_Pool".into(),
            sub: "sub-1".into(),
            username: "alice".into(),
            username_key: "alice".into(),
            status: "CONFIRMED".into(),
            enabled: true,
            password_hash: None,
            password_expires_ms: None,
            srp_verifier_sealed: None,
            attributes: vec![
                ("email".into(), "alice@example.com".into()),
                ("phone_number".into(), "+15555550008".into()),
            ],
            created_ms: 0,
            modified_ms: 0,
            tokens_revoked_before_ms: 0,
            extra: serde_json::Value::Null,
        }
    }
}
