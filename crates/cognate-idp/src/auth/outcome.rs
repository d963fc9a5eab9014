//! What a sign-in step answers: tokens, or the next challenge with its Session.

use std::collections::BTreeMap;

use serde_json::Value;

use cognate_crypto::ids;
use cognate_store::UserRecord;
use cognate_wire::idp::{AuthenticationResultType, ChallengeNameType};
use cognate_wire::{ApiError, ErrorCode, Sensitive};

use crate::auth::session::{ChallengeState, invalid_session, seal};
use crate::errors::store_failure;
use crate::service::IdpService;
use crate::users::PoolRules;
use crate::users::lookup::ClientRules;

/// Default `AuthSessionValidity`, in minutes.
const DEFAULT_SESSION_MINUTES: i64 = 3;

pub enum Outcome {
    Tokens(AuthenticationResultType),
    Challenge {
        name: ChallengeNameType,
        session: String,
        parameters: BTreeMap<String, String>,
    },
    /// SELECT_CHALLENGE (USER_AUTH): the challenges the user may pick from.
    Select {
        session: String,
        available: Vec<ChallengeNameType>,
    },
}

/// The response members every sign-in response shares.
pub struct Parts {
    pub challenge_name: Option<ChallengeNameType>,
    pub session: Option<Sensitive<String>>,
    pub challenge_parameters: Option<BTreeMap<String, String>>,
    pub authentication_result: Option<AuthenticationResultType>,
    /// Only InitiateAuth and AdminInitiateAuth carry it.
    pub available_challenges: Option<Vec<ChallengeNameType>>,
}

impl Outcome {
    pub fn into_parts(self) -> Parts {
        match self {
            Outcome::Tokens(result) => Parts {
                challenge_name: None,
                session: None,
                challenge_parameters: Some(BTreeMap::new()),
                authentication_result: Some(result),
                available_challenges: None,
            },
            Outcome::Challenge {
                name,
                session,
                parameters,
            } => Parts {
                challenge_name: Some(name),
                session: Some(Sensitive::from(session)),
                challenge_parameters: Some(parameters),
                authentication_result: None,
                available_challenges: None,
            },
            Outcome::Select { session, available } => Parts {
                challenge_name: Some(ChallengeNameType::SelectChallenge),
                session: Some(Sensitive::from(session)),
                challenge_parameters: Some(BTreeMap::new()),
                authentication_result: None,
                available_challenges: Some(available),
            },
        }
    }
}

pub fn not_authorized(message: &str) -> ApiError {
    ApiError::new(ErrorCode::NotAuthorizedException, message)
}

pub fn missing_parameter(name: &str) -> ApiError {
    ApiError::invalid_parameter(format!("Missing required parameter {name}"))
}

/// The common start of a challenge answer: the Session is present, opens for this client,
/// and names this pool and `challenge`; USERNAME is present and SECRET_HASH matches it.
/// Answers the session's state and the username.
pub async fn open_answer<'a>(
    svc: &IdpService,
    pool: &PoolRules,
    client: &ClientRules,
    session_text: Option<&str>,
    challenge: &str,
    responses: &'a BTreeMap<String, String>,
    now_ms: i64,
) -> Result<(ChallengeState, &'a str), ApiError> {
    let session_text = session_text
        .filter(|s| !s.is_empty())
        .ok_or_else(|| missing_parameter("Session"))?;
    let state = crate::auth::session::open(&svc.kek, session_text, client.id(), now_ms)?;
    if state.pool_id != pool.id() || state.challenge != challenge {
        return Err(crate::auth::session::invalid_session());
    }
    let username = responses
        .get("USERNAME")
        .filter(|u| !u.is_empty())
        .ok_or_else(|| missing_parameter("USERNAME"))?;
    svc.check_secret_hash(
        client,
        username,
        responses.get("SECRET_HASH").map(String::as_str),
    )
    .await?;
    Ok((state, username.as_str()))
}

/// Spends the session after a correct answer; a second success with it fails.
pub(crate) async fn spend(
    svc: &IdpService,
    state: &ChallengeState,
    now_ms: i64,
) -> Result<(), ApiError> {
    if svc
        .store
        .consume_session(&state.id, state.expires_ms, now_ms)
        .await
        .map_err(store_failure)?
    {
        Ok(())
    } else {
        Err(invalid_session())
    }
}

/// The client's `AuthSessionValidity`, in milliseconds.
pub fn session_validity_ms(client: &ClientRules) -> i64 {
    let minutes = client
        .record
        .settings
        .get("AuthSessionValidity")
        .and_then(Value::as_i64)
        .filter(|m| (3..=15).contains(m))
        .unwrap_or(DEFAULT_SESSION_MINUTES);
    minutes * 60_000
}

/// The NEW_PASSWORD_REQUIRED challenge for a user who signed in with a temporary password.
pub fn new_password_required(
    svc: &IdpService,
    pool: &PoolRules,
    client: &ClientRules,
    user: &UserRecord,
    now_ms: i64,
) -> Result<Outcome, ApiError> {
    let state = ChallengeState {
        id: ids::uuid(),
        pool_id: pool.id().to_owned(),
        client_id: client.id().to_owned(),
        sub: user.sub.clone(),
        username: user.username.clone(),
        challenge: ChallengeNameType::NewPasswordRequired.as_str().to_owned(),
        expires_ms: now_ms.saturating_add(session_validity_ms(client)),
        data: Value::Null,
    };
    let session = seal(&svc.kek, &state)?;
    let attributes: serde_json::Map<String, Value> = client
        .access
        .readable(&user.attributes)
        .into_iter()
        .filter(|(name, _)| name != "sub")
        .map(|(name, value)| (name, Value::String(value)))
        .collect();
    let required: Vec<String> = pool
        .schema
        .missing_required(&user.attributes)
        .into_iter()
        .map(|name| format!("userAttributes.{name}"))
        .collect();
    let mut parameters = BTreeMap::new();
    parameters.insert("USER_ID_FOR_SRP".to_owned(), user.username.clone());
    parameters.insert(
        "requiredAttributes".to_owned(),
        Value::from(required).to_string(),
    );
    parameters.insert(
        "userAttributes".to_owned(),
        Value::Object(attributes).to_string(),
    );
    Ok(Outcome::Challenge {
        name: ChallengeNameType::NewPasswordRequired,
        session,
        parameters,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::auth::test_client;

    #[test]
    fn session_lifetime_is_the_clients_auth_session_validity() {
        assert_eq!(session_validity_ms(&test_client(json!({}))), 180_000);
        let five = test_client(json!({"AuthSessionValidity": 5}));
        assert_eq!(session_validity_ms(&five), 300_000);
        let out_of_range = test_client(json!({"AuthSessionValidity": 60}));
        assert_eq!(session_validity_ms(&out_of_range), 180_000);
    }

    #[test]
    fn tokens_answer_with_empty_challenge_parameters() {
        let parts = Outcome::Tokens(AuthenticationResultType::default()).into_parts();
        assert!(parts.challenge_name.is_none() && parts.session.is_none());
        assert_eq!(parts.challenge_parameters, Some(BTreeMap::new()));
        let parts = Outcome::Challenge {
            name: ChallengeNameType::NewPasswordRequired,
            session: "s".repeat(40),
            parameters: BTreeMap::new(),
        }
        .into_parts();
        assert!(parts.authentication_result.is_none());
        assert_eq!(
            parts.challenge_name,
            Some(ChallengeNameType::NewPasswordRequired)
        );
    }
}
