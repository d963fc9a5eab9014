//! ID and access tokens: lifetimes from the app client's settings, and the claim sets
//! Cognito puts in tokens issued by API sign-in (cognito-auth-protocol.md §4.2–4.6).
//! Signing is `cognate_crypto::encode_jwt` with the header from [`jws_header`].
//!
//! - Header: exactly `{"kid": …, "alg": "RS256"}`.
//! - ID token: `sub`, `cognito:groups` (only when the user is in a group),
//!   `cognito:preferred_role` and `cognito:roles` (only when groups carry roles), `iss`,
//!   `cognito:username`, `origin_jti`, `aud` (client id), `event_id`, `token_use: "id"`,
//!   `auth_time`, `exp`, `iat`, `jti`, and every readable attribute with a value:
//!   `email_verified`/`phone_number_verified` as JSON booleans, everything else
//!   (custom attributes included) as strings.
//! - Access token: `sub`, `cognito:groups`, `iss`, `client_id`, `origin_jti`, `event_id`,
//!   `token_use: "access"`, `scope` (`aws.cognito.signin.user.admin` for API sign-in),
//!   `auth_time`, `exp`, `iat`, `jti`, `username`, and `device_key` when a device is
//!   remembered. No `aud` and no `version` (real API-sign-in tokens carry neither).
//! - Times are epoch seconds; `auth_time` is the original sign-in and does not move on
//!   refresh; `origin_jti` is shared by every token of one sign-in and its refreshes.

use serde_json::{Map, Value, json};

/// Access and ID tokens live one hour unless the client says otherwise.
pub const DEFAULT_ACCESS_TOKEN_SECONDS: i64 = 3_600;
pub const DEFAULT_ID_TOKEN_SECONDS: i64 = 3_600;
/// Refresh tokens live 30 days unless the client says otherwise (`0` also means this).
pub const DEFAULT_REFRESH_TOKEN_SECONDS: i64 = 30 * 86_400;
/// The scope of access tokens from API sign-in.
pub const SIGNIN_SCOPE: &str = "aws.cognito.signin.user.admin";

/// Token lifetimes of an app client, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenValidity {
    pub access_s: i64,
    pub id_s: i64,
    pub refresh_s: i64,
}

impl Default for TokenValidity {
    fn default() -> Self {
        Self {
            access_s: DEFAULT_ACCESS_TOKEN_SECONDS,
            id_s: DEFAULT_ID_TOKEN_SECONDS,
            refresh_s: DEFAULT_REFRESH_TOKEN_SECONDS,
        }
    }
}

fn unit_seconds(unit: &str) -> Option<i64> {
    match unit {
        "seconds" => Some(1),
        "minutes" => Some(60),
        "hours" => Some(3_600),
        "days" => Some(86_400),
        _ => None,
    }
}

impl TokenValidity {
    /// Lifetimes from an app client's settings document: `AccessTokenValidity`,
    /// `IdTokenValidity` and `RefreshTokenValidity` in the units of `TokenValidityUnits`
    /// (hours, hours and days when a unit is not given).
    #[must_use]
    pub fn from_client_settings(settings: &Value) -> Self {
        let lifetime = |key: &str, token: &str, default_unit: i64, default_s: i64| {
            let unit = settings
                .get("TokenValidityUnits")
                .and_then(|u| u.get(token))
                .and_then(Value::as_str)
                .and_then(unit_seconds)
                .unwrap_or(default_unit);
            settings
                .get(key)
                .and_then(Value::as_i64)
                .filter(|v| *v > 0)
                .map_or(default_s, |v| v.saturating_mul(unit))
        };
        Self {
            access_s: lifetime(
                "AccessTokenValidity",
                "AccessToken",
                3_600,
                DEFAULT_ACCESS_TOKEN_SECONDS,
            ),
            id_s: lifetime(
                "IdTokenValidity",
                "IdToken",
                3_600,
                DEFAULT_ID_TOKEN_SECONDS,
            ),
            refresh_s: lifetime(
                "RefreshTokenValidity",
                "RefreshToken",
                86_400,
                DEFAULT_REFRESH_TOKEN_SECONDS,
            ),
        }
    }
}

/// `<public_url>/<poolId>`, the `iss` of every token of the pool.
#[must_use]
pub fn issuer(public_url: &str, pool_id: &str) -> String {
    format!("{}/{pool_id}", public_url.trim_end_matches('/'))
}

/// The JWS header Cognito uses: `kid` and `alg`, nothing else.
#[must_use]
pub fn jws_header(kid: &str) -> Value {
    json!({"kid": kid, "alg": "RS256"})
}

/// A group the user belongs to, as the token claims need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupClaim {
    pub name: String,
    pub precedence: Option<i64>,
    pub role_arn: Option<String>,
}

/// What both tokens of one issue share.
#[derive(Debug, Clone, Copy)]
pub struct TokenContext<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub sub: &'a str,
    /// The internal username (the sub, in pools with UsernameAttributes).
    pub username: &'a str,
    /// The user's groups, in the order the claim should list them.
    pub groups: &'a [GroupClaim],
    /// Epoch seconds of the original authentication.
    pub auth_time_s: i64,
    /// Epoch seconds of this issue.
    pub issued_at_s: i64,
    /// The refresh-token family's id.
    pub origin_jti: &'a str,
    /// The authentication event's id (same in ID and access token).
    pub event_id: &'a str,
    pub device_key: Option<&'a str>,
}

/// The role of the group with the lowest precedence among groups that have a role. When
/// several groups share that precedence with different roles, none is preferred (the
/// developer guide's rule); groups without a precedence come last.
#[must_use]
pub fn preferred_role(groups: &[GroupClaim]) -> Option<String> {
    let with_role: Vec<(&GroupClaim, &String)> = groups
        .iter()
        .filter_map(|g| g.role_arn.as_ref().map(|r| (g, r)))
        .collect();
    let best = with_role
        .iter()
        .map(|(g, _)| g.precedence.unwrap_or(i64::MAX))
        .min()?;
    let mut roles = with_role
        .iter()
        .filter(|(g, _)| g.precedence.unwrap_or(i64::MAX) == best)
        .map(|(_, r)| *r);
    let first = roles.next()?;
    roles.all(|r| r == first).then(|| first.clone())
}

fn group_claims(claims: &mut Map<String, Value>, groups: &[GroupClaim], with_roles: bool) {
    if groups.is_empty() {
        return;
    }
    claims.insert(
        "cognito:groups".into(),
        Value::Array(
            groups
                .iter()
                .map(|g| Value::String(g.name.clone()))
                .collect(),
        ),
    );
    if !with_roles {
        return;
    }
    let mut roles: Vec<String> = Vec::new();
    for role in groups.iter().filter_map(|g| g.role_arn.as_ref()) {
        if !roles.contains(role) {
            roles.push(role.clone());
        }
    }
    if roles.is_empty() {
        return;
    }
    if let Some(role) = preferred_role(groups) {
        claims.insert("cognito:preferred_role".into(), Value::String(role));
    }
    claims.insert(
        "cognito:roles".into(),
        Value::Array(roles.into_iter().map(Value::String).collect()),
    );
}

/// An attribute's value as an ID-token claim: verification flags as booleans, `identities`
/// as the JSON it holds, everything else as the stored string.
fn attribute_claim(name: &str, value: &str) -> Value {
    match name {
        "email_verified" | "phone_number_verified" => Value::Bool(value == "true"),
        "identities" => serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.into())),
        _ => Value::String(value.to_owned()),
    }
}

/// ID-token claims. `attributes` must already be limited to what the client may read;
/// `sub` among them is ignored (the claim comes from the context).
#[must_use]
pub fn id_token_claims(
    ctx: &TokenContext<'_>,
    jti: &str,
    lifetime_s: i64,
    attributes: &[(String, String)],
) -> Value {
    let mut c = Map::new();
    for (name, value) in attributes {
        if name != "sub" && !value.is_empty() {
            c.insert(name.clone(), attribute_claim(name, value));
        }
    }
    c.insert("sub".into(), json!(ctx.sub));
    group_claims(&mut c, ctx.groups, true);
    c.insert("iss".into(), json!(ctx.issuer));
    c.insert("cognito:username".into(), json!(ctx.username));
    c.insert("origin_jti".into(), json!(ctx.origin_jti));
    c.insert("aud".into(), json!(ctx.client_id));
    c.insert("event_id".into(), json!(ctx.event_id));
    c.insert("token_use".into(), json!("id"));
    c.insert("auth_time".into(), json!(ctx.auth_time_s));
    c.insert(
        "exp".into(),
        json!(ctx.issued_at_s.saturating_add(lifetime_s)),
    );
    c.insert("iat".into(), json!(ctx.issued_at_s));
    c.insert("jti".into(), json!(jti));
    Value::Object(c)
}

/// Access-token claims. `scope` is [`SIGNIN_SCOPE`] for API sign-in.
#[must_use]
pub fn access_token_claims(
    ctx: &TokenContext<'_>,
    jti: &str,
    lifetime_s: i64,
    scope: &str,
) -> Value {
    let mut c = Map::new();
    c.insert("sub".into(), json!(ctx.sub));
    if let Some(device_key) = ctx.device_key {
        c.insert("device_key".into(), json!(device_key));
    }
    group_claims(&mut c, ctx.groups, false);
    c.insert("iss".into(), json!(ctx.issuer));
    c.insert("client_id".into(), json!(ctx.client_id));
    c.insert("origin_jti".into(), json!(ctx.origin_jti));
    c.insert("event_id".into(), json!(ctx.event_id));
    c.insert("token_use".into(), json!("access"));
    c.insert("scope".into(), json!(scope));
    c.insert("auth_time".into(), json!(ctx.auth_time_s));
    c.insert(
        "exp".into(),
        json!(ctx.issued_at_s.saturating_add(lifetime_s)),
    );
    c.insert("iat".into(), json!(ctx.issued_at_s));
    c.insert("jti".into(), json!(jti));
    c.insert("username".into(), json!(ctx.username));
    Value::Object(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(name: &str, precedence: Option<i64>, role: Option<&str>) -> GroupClaim {
        GroupClaim {
            name: name.into(),
            precedence,
            role_arn: role.map(str::to_owned),
        }
    }

    fn ctx(groups: &[GroupClaim]) -> TokenContext<'_> {
        TokenContext {
            issuer: "http://localhost:9229/us-east-1_AbCdEfGhI",
            client_id: "client123",
            sub: "11111111-2222-3333-4444-555555555555",
            username: "alice",
            groups,
            auth_time_s: 1_700_000_000,
            issued_at_s: 1_700_000_100,
            origin_jti: "origin-1",
            event_id: "event-1",
            device_key: None,
        }
    }

    #[test]
    fn validity_defaults_and_units() {
        assert_eq!(
            TokenValidity::from_client_settings(&json!({})),
            TokenValidity::default()
        );
        assert_eq!(TokenValidity::default().refresh_s, 2_592_000);
        let v = TokenValidity::from_client_settings(&json!({
            "AccessTokenValidity": 5, "IdTokenValidity": 2, "RefreshTokenValidity": 60,
            "TokenValidityUnits": {"AccessToken": "minutes", "IdToken": "hours", "RefreshToken": "minutes"}
        }));
        assert_eq!((v.access_s, v.id_s, v.refresh_s), (300, 7_200, 3_600));
        // Without units: hours, hours, days.
        let v = TokenValidity::from_client_settings(&json!({
            "AccessTokenValidity": 1, "IdTokenValidity": 24, "RefreshTokenValidity": 10,
            "TokenValidityUnits": {}
        }));
        assert_eq!((v.access_s, v.id_s, v.refresh_s), (3_600, 86_400, 864_000));
        // 0 means the default.
        let v = TokenValidity::from_client_settings(&json!({"RefreshTokenValidity": 0}));
        assert_eq!(v.refresh_s, DEFAULT_REFRESH_TOKEN_SECONDS);
        let v = TokenValidity::from_client_settings(&json!({
            "AccessTokenValidity": 900, "TokenValidityUnits": {"AccessToken": "seconds"}
        }));
        assert_eq!(v.access_s, 900);
    }

    #[test]
    fn issuer_and_header() {
        assert_eq!(
            issuer("https://auth.example.com/", "eu-west-1_X"),
            "https://auth.example.com/eu-west-1_X"
        );
        assert_eq!(
            issuer("http://127.0.0.1:9229", "p"),
            "http://127.0.0.1:9229/p"
        );
        let h = jws_header("kid-1");
        assert_eq!(h, json!({"kid": "kid-1", "alg": "RS256"}));
        assert_eq!(h.as_object().unwrap().len(), 2);
    }

    #[test]
    fn id_token_claims_and_types() {
        let attrs = vec![
            ("sub".to_owned(), "ignored".to_owned()),
            ("email".to_owned(), "a@b.c".to_owned()),
            ("email_verified".to_owned(), "true".to_owned()),
            ("phone_number_verified".to_owned(), "false".to_owned()),
            ("custom:user_id".to_owned(), "331535".to_owned()),
            ("name".to_owned(), String::new()),
        ];
        let c = id_token_claims(&ctx(&[]), "jti-id", 3_600, &attrs);
        assert_eq!(c["sub"], "11111111-2222-3333-4444-555555555555");
        assert_eq!(c["email_verified"], json!(true));
        assert_eq!(c["phone_number_verified"], json!(false));
        assert_eq!(
            c["custom:user_id"],
            json!("331535"),
            "custom attributes stay strings"
        );
        assert!(
            c.get("name").is_none(),
            "attributes without a value are left out"
        );
        assert_eq!(c["token_use"], "id");
        assert_eq!(c["aud"], "client123");
        assert_eq!(c["cognito:username"], "alice");
        assert_eq!(c["iss"], "http://localhost:9229/us-east-1_AbCdEfGhI");
        assert_eq!(c["auth_time"], 1_700_000_000);
        assert_eq!(c["iat"], 1_700_000_100);
        assert_eq!(c["exp"], 1_700_003_700);
        assert_eq!(c["jti"], "jti-id");
        assert_eq!(c["origin_jti"], "origin-1");
        assert_eq!(c["event_id"], "event-1");
        for absent in [
            "cognito:groups",
            "cognito:roles",
            "cognito:preferred_role",
            "client_id",
            "scope",
        ] {
            assert!(c.get(absent).is_none(), "{absent}");
        }
    }

    #[test]
    fn access_token_claims_are_exact() {
        let groups = [group("admins", Some(1), Some("arn:aws:iam::1:role/A"))];
        let mut context = ctx(&groups);
        context.device_key = Some("us-east-1_dev");
        let c = access_token_claims(&context, "jti-a", 900, SIGNIN_SCOPE);
        let keys: Vec<&str> = c.as_object().unwrap().keys().map(String::as_str).collect();
        let mut expected = vec![
            "sub",
            "device_key",
            "cognito:groups",
            "iss",
            "client_id",
            "origin_jti",
            "event_id",
            "token_use",
            "scope",
            "auth_time",
            "exp",
            "iat",
            "jti",
            "username",
        ];
        expected.sort_unstable();
        let mut sorted = keys.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, expected);
        assert_eq!(c["scope"], "aws.cognito.signin.user.admin");
        assert_eq!(c["token_use"], "access");
        assert_eq!(c["exp"], 1_700_001_000);
        assert_eq!(c["cognito:groups"], json!(["admins"]));
        assert_eq!(c["username"], "alice");
    }

    #[test]
    fn groups_and_roles() {
        let groups = [
            group("readers", Some(5), Some("arn:r")),
            group("admins", Some(1), Some("arn:a")),
            group("plain", None, None),
            group("again", Some(9), Some("arn:a")),
        ];
        let c = id_token_claims(&ctx(&groups), "j", 60, &[]);
        assert_eq!(
            c["cognito:groups"],
            json!(["readers", "admins", "plain", "again"])
        );
        assert_eq!(c["cognito:roles"], json!(["arn:r", "arn:a"]));
        assert_eq!(c["cognito:preferred_role"], "arn:a");
        // Groups without roles: no role claims at all.
        let no_roles = [group("plain", Some(1), None)];
        let c = id_token_claims(&ctx(&no_roles), "j", 60, &[]);
        assert_eq!(c["cognito:groups"], json!(["plain"]));
        assert!(c.get("cognito:roles").is_none() && c.get("cognito:preferred_role").is_none());
    }

    #[test]
    fn preferred_role_rules() {
        assert_eq!(preferred_role(&[]), None);
        // Equal precedence, different roles: none preferred.
        let tie = [
            group("a", Some(1), Some("arn:1")),
            group("b", Some(1), Some("arn:2")),
        ];
        assert_eq!(preferred_role(&tie), None);
        // Equal precedence, same role: that role.
        let same = [
            group("a", Some(1), Some("arn:1")),
            group("b", Some(1), Some("arn:1")),
        ];
        assert_eq!(preferred_role(&same).as_deref(), Some("arn:1"));
        // A group without a role does not win even with a lower precedence.
        let roleless = [
            group("a", Some(0), None),
            group("b", Some(3), Some("arn:b")),
        ];
        assert_eq!(preferred_role(&roleless).as_deref(), Some("arn:b"));
        // No precedence ranks last.
        let unset = [
            group("a", None, Some("arn:a")),
            group("b", Some(100), Some("arn:b")),
        ];
        assert_eq!(preferred_role(&unset).as_deref(), Some("arn:b"));
    }

    #[test]
    fn identities_attribute_is_json() {
        let attrs = vec![(
            "identities".to_owned(),
            r#"[{"userId":"1","providerName":"Google","primary":"true"}]"#.to_owned(),
        )];
        let c = id_token_claims(&ctx(&[]), "j", 60, &attrs);
        assert_eq!(c["identities"][0]["providerName"], "Google");
    }
}
