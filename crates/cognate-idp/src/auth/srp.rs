//! USER_SRP_AUTH → PASSWORD_VERIFIER, and the sealed SRP verifiers it checks against.
//!
//! The arithmetic lives in `cognate_crypto::srp`; this module is the flow around it.
//!
//! # Where the state travels
//!
//! The challenge state (the server's secret `b`, `B`, the client's `A`, the user and the
//! expiry) is sealed like every challenge session (`session.rs`) and sent as the
//! `SECRET_BLOCK` challenge parameter. The reference sheet (§1.3, §1.4) says
//! amazon-cognito-identity-js, Amplify and pycognito echo `Session` when there is one, but
//! older clients (warrant, early pycognito) sent only PASSWORD_CLAIM_SECRET_BLOCK; every
//! client echoes SECRET_BLOCK verbatim and signs its bytes. So the state is read from
//! PASSWORD_CLAIM_SECRET_BLOCK (which also puts it under the claim's signature). `Session`
//! is a second, small sealed value with the same id and no SRP state, returned because
//! the sheet says Cognito returns one; when a client sends it back it must belong to the
//! same challenge. It cannot be the state itself: SessionType allows 2048 characters, and
//! the state with a long username does not fit (ChallengeResponses values allow 131072).
//! Single use (R9) is the id recorded in the store, as for other challenges.
//!
//! # Verifiers at rest (R10d)
//!
//! `salt_len (1 byte) ‖ salt ‖ v (384 bytes)`, sealed under the key-encryption key with
//! associated data naming the pool and sub, so a sealed verifier copied to another user's
//! row does not open. Every path that sets a password stores a new one; a user whose
//! password predates verifiers gets one at their next successful password sign-in and
//! until then fails PASSWORD_VERIFIER like a wrong password.
//!
//! # Users that cannot sign in (R5, R6)
//!
//! Unknown users (PreventUserExistenceErrors ENABLED) and users without a verifier are
//! challenged with a simulated verifier derived from the pool and username under a key of
//! the KEK, so SALT is the same on every call; the claim then fails as a wrong password does,
//! after the same lockout accounting and the same arithmetic.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use cognate_crypto::envelope::Kek;
use cognate_crypto::ids;
use cognate_crypto::keyed_hash::{DerivedKey, keyed_hash_fields};
use cognate_crypto::srp::{self, ClientPublic, PasswordVerifier, ServerChallenge, SrpError};
use cognate_domain::lockout::unknown_user_counter_key;
use cognate_domain::user_status::{BeforePassword, UserStatus, before_password};
use cognate_store::UserRecord;
use cognate_wire::idp::ChallengeNameType;
use cognate_wire::{ApiError, ErrorCode};

use crate::auth::lockout::{self, Outcome as Attempt};
use crate::auth::outcome::{
    Outcome, missing_parameter, not_authorized, session_validity_ms, spend,
};
use crate::auth::password::{
    INCORRECT, after_correct_password, disabled, prevents_existence_errors,
};
use crate::auth::session::{self, ChallengeState, invalid_session};
use crate::errors::{internal, store_failure};
use crate::service::IdpService;
use crate::users::PoolRules;
use crate::users::lookup::{ClientRules, user_not_found};

/// How far a claim's TIMESTAMP may be from the server's clock. Cognito enforces some window
/// but does not document it (cognito-auth-protocol.md §1.3); five minutes is what SigV4
/// allows, generous for honest clocks and short for a replayed claim (which the single-use
/// session already stops).
pub const TIMESTAMP_WINDOW_MS: i64 = 5 * 60 * 1000;

/// The state a PASSWORD_VERIFIER session carries besides [`ChallengeState`]'s fields.
#[derive(Serialize, Deserialize)]
struct SrpState {
    challenge: ServerChallenge,
    /// The username matched no user; the state's `username` is then its lookup key (to
    /// count failures under the key the password flow uses for it), not USER_ID_FOR_SRP.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    unknown: bool,
    /// DEVICE_KEY sent with USER_SRP_AUTH (clients may also repeat it in the answer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    device_key: Option<String>,
}

// ---------------------------------------------------------------------------------------
// Verifiers at rest
// ---------------------------------------------------------------------------------------

fn verifier_sealing_context(pool_id: &str, sub: &str) -> Vec<u8> {
    format!("cognate/srp-verifier/{pool_id}/{sub}").into_bytes()
}

fn encode_verifier(verifier: &PasswordVerifier) -> Result<Vec<u8>, SrpError> {
    let salt = verifier.salt();
    let salt_len = u8::try_from(salt.len()).map_err(|_| SrpError::MalformedState)?;
    let mut out = Vec::with_capacity(1 + salt.len() + srp::ELEMENT_LEN);
    out.push(salt_len);
    out.extend_from_slice(salt);
    out.extend_from_slice(&verifier.verifier_bytes());
    Ok(out)
}

fn decode_verifier(bytes: &[u8]) -> Result<PasswordVerifier, SrpError> {
    let (&salt_len, rest) = bytes.split_first().ok_or(SrpError::MalformedState)?;
    let salt_len = usize::from(salt_len);
    if rest.len() != salt_len + srp::ELEMENT_LEN {
        return Err(SrpError::MalformedState);
    }
    let (salt, verifier) = rest.split_at(salt_len);
    PasswordVerifier::from_parts(salt, verifier)
}

/// Computes and seals the verifier of `password` for `user_id` (the internal username) in
/// `pool_id`, for the user `sub`.
pub fn seal_new_verifier(
    kek: &Kek,
    pool_id: &str,
    sub: &str,
    user_id: &str,
    password: &str,
) -> Result<Vec<u8>, ApiError> {
    let pool_name = srp::pool_name(pool_id)
        .ok_or_else(|| internal("SRP verifier", "pool id without a pool name"))?;
    let verifier = PasswordVerifier::new(pool_name, user_id, password)
        .map_err(|e| internal("computing an SRP verifier", e))?;
    let plain = zeroize::Zeroizing::new(
        encode_verifier(&verifier).map_err(|e| internal("encoding an SRP verifier", e))?,
    );
    kek.seal(&plain, &verifier_sealing_context(pool_id, sub))
        .map_err(|e| internal("sealing an SRP verifier", e))
}

/// The user's stored verifier; `None` when there is none or it does not open (logged: a
/// damaged row is then a wrong password, not an error).
fn open_verifier(kek: &Kek, user: &UserRecord) -> Option<PasswordVerifier> {
    let sealed = user.srp_verifier_sealed.as_deref()?;
    let opened = kek
        .open(sealed, &verifier_sealing_context(&user.pool_id, &user.sub))
        .ok()
        .and_then(|plain| decode_verifier(&plain).ok());
    if opened.is_none() {
        tracing::warn!(pool_id = %user.pool_id, "stored SRP verifier does not open; treated as a wrong password");
    }
    opened
}

impl IdpService {
    /// The sealed verifier of a password being set for `user` (whose `pool_id`, `sub` and
    /// `username` are final). One modular exponentiation, so on the blocking pool.
    pub(crate) async fn sealed_srp_verifier(
        &self,
        user: &UserRecord,
        password: &str,
    ) -> Result<Vec<u8>, ApiError> {
        let kek = self.kek.clone();
        let (pool_id, sub, username) = (
            user.pool_id.clone(),
            user.sub.clone(),
            user.username.clone(),
        );
        let password = zeroize::Zeroizing::new(password.to_owned());
        tokio::task::spawn_blocking(move || {
            seal_new_verifier(&kek, &pool_id, &sub, &username, &password)
        })
        .await
        .map_err(|e| internal("SRP verifier task", e))?
    }

    /// After `password` verified against `user`'s hash: stores the verifier the user lacks
    /// (a password set before verifiers were kept), unless the password changed meanwhile.
    /// Best effort: a failure is logged and the user simply cannot use SRP yet.
    pub(crate) async fn backfill_srp_verifier(&self, user: &UserRecord, password: &str) {
        let Some(hash) = user.password_hash.as_deref() else {
            return;
        };
        if user.srp_verifier_sealed.is_some() {
            return;
        }
        let sealed = match self.sealed_srp_verifier(user, password).await {
            Ok(sealed) => sealed,
            Err(error) => {
                tracing::warn!(pool_id = %user.pool_id, error = %error.message, "computing a missing SRP verifier failed");
                return;
            }
        };
        match self
            .store
            .set_srp_verifier_if(&user.pool_id, &user.sub, hash, &sealed)
            .await
        {
            Ok(stored) => {
                tracing::debug!(pool_id = %user.pool_id, stored, "missing SRP verifier filled in");
            }
            Err(error) => {
                tracing::warn!(pool_id = %user.pool_id, %error, "storing a missing SRP verifier failed");
            }
        }
    }

    fn simulation_key(&self) -> DerivedKey {
        self.kek
            .derive_key(cognate_crypto::keyed_hash::purpose::SRP_SIMULATION)
    }
}

// ---------------------------------------------------------------------------------------
// Simulated users
// ---------------------------------------------------------------------------------------

/// A verifier no password opens, the same for every call with this pool and name: a salt
/// and `v` drawn from keyed hashes (no exponentiation, so it costs what opening a stored
/// verifier costs).
fn simulated_verifier(
    key: &DerivedKey,
    pool_id: &str,
    name_key: &str,
) -> Result<PasswordVerifier, ApiError> {
    let field = |label: &[u8], block: u8| {
        keyed_hash_fields(
            key,
            &[label, pool_id.as_bytes(), name_key.as_bytes(), &[block]],
        )
    };
    let salt = &field(b"salt", 0)[..srp::SALT_LEN];
    let mut v = [0u8; srp::ELEMENT_LEN];
    for (block, chunk) in (0u8..).zip(v.chunks_mut(32)) {
        chunk.copy_from_slice(&field(b"verifier", block)[..chunk.len()]);
    }
    // Nonzero and below N (whose top byte is 0xff), so always a valid element.
    v[0] = (v[0] & 0x7f) | 0x01;
    PasswordVerifier::from_parts(salt, &v).map_err(|e| internal("simulated SRP verifier", e))
}

/// USER_ID_FOR_SRP for an unknown name: in pools whose usernames are generated UUIDs, a
/// UUID derived from the name (stable, like a real user's); elsewhere the name as typed,
/// since a real user's USER_ID_FOR_SRP there is their username.
fn simulated_user_id(key: &DerivedKey, pool: &PoolRules, username: &str) -> String {
    if pool.sign_in.username_attributes.is_empty() {
        return username.to_owned();
    }
    simulated_user_id_for(key, pool.id(), &pool.sign_in.username_key(username))
}

fn simulated_user_id_for(key: &DerivedKey, pool_id: &str, name_key: &str) -> String {
    let h = keyed_hash_fields(key, &[b"user-id", pool_id.as_bytes(), name_key.as_bytes()]);
    let hex = hex_lower(&h[..16]);
    // Shaped as a version-4 UUID, as generated usernames are.
    format!(
        "{}-{}-4{}-{}{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[13..16],
        ["8", "9", "a", "b"][usize::from(h[8] & 3)],
        &hex[17..20],
        &hex[20..32]
    )
}

fn hex_lower(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

// ---------------------------------------------------------------------------------------
// USER_SRP_AUTH
// ---------------------------------------------------------------------------------------

pub(crate) fn required<'a>(
    params: &'a BTreeMap<String, String>,
    name: &str,
) -> Result<&'a str, ApiError> {
    params
        .get(name)
        .map(String::as_str)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| missing_parameter(name))
}

/// Answers USER_SRP_AUTH with a PASSWORD_VERIFIER challenge; the client's flow gate is
/// already passed.
pub async fn initiate(
    svc: &IdpService,
    pool: &PoolRules,
    client: &ClientRules,
    params: &BTreeMap<String, String>,
    now_ms: i64,
) -> Result<Outcome, ApiError> {
    let username = required(params, "USERNAME")?;
    let srp_a = required(params, "SRP_A")?;
    // Before anything else, so a value ≡ 0 (mod N) never reaches the arithmetic (R10a).
    // Cognito's wording for a bad SRP_A is not documented.
    let client_public = ClientPublic::parse(srp_a).map_err(|_| not_authorized(INCORRECT))?;
    svc.check_secret_hash(
        client,
        username,
        params.get("SECRET_HASH").map(String::as_str),
    )
    .await?;

    let key = svc.simulation_key();
    let (verifier, user_id, sub, unknown_key) = match svc.find_user(pool, username).await? {
        Some(user) => {
            let verifier = match open_verifier(&svc.kek, &user) {
                Some(verifier) => verifier,
                None => simulated_verifier(&key, pool.id(), &user.username_key)?,
            };
            (verifier, user.username, user.sub, None)
        }
        None if prevents_existence_errors(client) => {
            let name_key = pool.sign_in.username_key(username);
            let verifier = simulated_verifier(&key, pool.id(), &name_key)?;
            let user_id = simulated_user_id(&key, pool, username);
            (verifier, user_id, String::new(), Some(name_key))
        }
        None => return Err(user_not_found()),
    };

    let salt = verifier.salt_hex();
    let challenge =
        tokio::task::spawn_blocking(move || ServerChallenge::new(&verifier, &client_public))
            .await
            .map_err(|e| internal("SRP challenge task", e))?
            .map_err(|e| internal("SRP challenge", e))?;
    let srp_b = challenge.srp_b_hex();
    let data = serde_json::to_value(SrpState {
        challenge,
        unknown: unknown_key.is_some(),
        device_key: params.get("DEVICE_KEY").filter(|k| !k.is_empty()).cloned(),
    })
    .map_err(|e| internal("encoding an SRP challenge", e))?;
    let state = ChallengeState {
        id: ids::uuid(),
        pool_id: pool.id().to_owned(),
        client_id: client.id().to_owned(),
        sub,
        username: unknown_key.clone().unwrap_or_else(|| user_id.clone()),
        challenge: ChallengeNameType::PasswordVerifier.as_str().to_owned(),
        expires_ms: now_ms.saturating_add(session_validity_ms(client)),
        data,
    };
    let secret_block = session::seal(&svc.kek, &state)?;
    let session = session::seal(
        &svc.kek,
        &ChallengeState {
            data: serde_json::Value::Null,
            ..state
        },
    )?;
    let parameters = BTreeMap::from([
        ("SALT".to_owned(), salt),
        ("SRP_B".to_owned(), srp_b),
        ("SECRET_BLOCK".to_owned(), secret_block),
        ("USER_ID_FOR_SRP".to_owned(), user_id.clone()),
        ("USERNAME".to_owned(), user_id),
    ]);
    Ok(Outcome::Challenge {
        name: ChallengeNameType::PasswordVerifier,
        session,
        parameters,
    })
}

// ---------------------------------------------------------------------------------------
// PASSWORD_VERIFIER
// ---------------------------------------------------------------------------------------

/// Whether a claim's TIMESTAMP (epoch seconds) is close enough to the server's clock.
pub fn timestamp_is_fresh(timestamp_s: i64, now_ms: i64) -> bool {
    timestamp_s
        .saturating_mul(1000)
        .saturating_sub(now_ms)
        .saturating_abs()
        <= TIMESTAMP_WINDOW_MS
}

/// The claim as received, checked for presence and form before the session is spent.
pub(crate) struct Claim {
    pub(crate) username: String,
    pub(crate) secret_block: String,
    pub(crate) signature: String,
    pub(crate) timestamp: time::OffsetDateTime,
}

impl Claim {
    pub(crate) fn parse(responses: &BTreeMap<String, String>) -> Result<Self, ApiError> {
        let username = required(responses, "USERNAME")?.to_owned();
        let secret_block = required(responses, "PASSWORD_CLAIM_SECRET_BLOCK")?.to_owned();
        let signature = required(responses, "PASSWORD_CLAIM_SIGNATURE")?.to_owned();
        let timestamp = srp::parse_timestamp(required(responses, "TIMESTAMP")?)
            .map_err(|e| ApiError::invalid_parameter(e.to_string()))?;
        Ok(Self {
            username,
            secret_block,
            signature,
            timestamp,
        })
    }
}

/// Checks the claim on the blocking pool (two exponentiations). Any refusal is `false`.
async fn claim_holds(
    challenge: ServerChallenge,
    verifier: PasswordVerifier,
    pool_id: &str,
    user_id: &str,
    claim: &Claim,
) -> Result<bool, ApiError> {
    let pool_name = srp::pool_name(pool_id)
        .ok_or_else(|| internal("SRP claim", "pool id without a pool name"))?
        .to_owned();
    let user_id = user_id.to_owned();
    let (block, signature, timestamp) = (
        claim.secret_block.clone(),
        claim.signature.clone(),
        claim.timestamp,
    );
    tokio::task::spawn_blocking(move || {
        challenge
            .verify_password_claim(
                &verifier, &pool_name, &user_id, &block, timestamp, &signature,
            )
            .is_ok()
    })
    .await
    .map_err(|e| internal("SRP claim task", e))
}

/// Answers PASSWORD_VERIFIER: checks the claim against the user's verifier, counting the
/// attempt on the same lockout counter as password sign-in (R1), then continues exactly as
/// a correct password does.
pub async fn answer_password_verifier(
    svc: &IdpService,
    pool: &PoolRules,
    client: &ClientRules,
    session_text: Option<&str>,
    responses: &BTreeMap<String, String>,
    now_ms: i64,
) -> Result<Outcome, ApiError> {
    let claim = Claim::parse(responses)?;
    // The state travels in the secret block (see the module docs); a Session, when sent,
    // must be this challenge's.
    let state = session::open(&svc.kek, &claim.secret_block, client.id(), now_ms)?;
    if state.pool_id != pool.id() || state.challenge != ChallengeNameType::PasswordVerifier.as_str()
    {
        return Err(invalid_session());
    }
    if let Some(text) = session_text.filter(|s| !s.is_empty()) {
        let session = session::open(&svc.kek, text, client.id(), now_ms)?;
        if session.id != state.id || !session.data.is_null() {
            return Err(invalid_session());
        }
    }
    let srp_state: SrpState =
        serde_json::from_value(state.data.clone()).map_err(|_| invalid_session())?;
    let provided_hash = responses.get("SECRET_HASH").map(String::as_str);
    if svc
        .check_secret_hash(client, &claim.username, provided_hash)
        .await
        .is_err()
    {
        // Clients hash the name they typed or USER_ID_FOR_SRP; both name this user.
        svc.check_secret_hash(client, &state.username, provided_hash)
            .await?;
    }
    spend(svc, &state, now_ms).await?;

    let key = svc.simulation_key();
    let user = if state.sub.is_empty() {
        None
    } else {
        svc.store
            .get_user_by_sub(pool.id(), &state.sub)
            .await
            .map_err(store_failure)?
    };
    let fresh = timestamp_is_fresh(claim.timestamp.unix_timestamp(), now_ms);
    let Some(user) = user else {
        // An unknown name (or a user deleted since the challenge): the wrong-password
        // answer after the same work and counting, under the name's counter (R5, R6).
        if !fresh {
            return Err(not_authorized(INCORRECT));
        }
        let name_key = if srp_state.unknown {
            state.username.clone()
        } else {
            pool.sign_in.username_key(&state.username)
        };
        let counter = unknown_user_counter_key(pool.id(), &name_key);
        lockout::admit(svc.store.as_ref(), &svc.lockout, &counter, now_ms).await?;
        let verifier = simulated_verifier(&key, pool.id(), &name_key)?;
        let checked = claim_holds(
            srp_state.challenge,
            verifier,
            pool.id(),
            &state.username,
            &claim,
        )
        .await;
        let outcome = if checked.is_ok() {
            Attempt::Failure
        } else {
            Attempt::Released
        };
        lockout::record(svc.store.as_ref(), &svc.lockout, &counter, outcome, now_ms).await?;
        checked?;
        return Err(not_authorized(INCORRECT));
    };
    // USERNAME may be USER_ID_FOR_SRP or any other name of the same user.
    if claim.username != user.username {
        match svc.find_user(pool, &claim.username).await? {
            Some(named) if named.sub == user.sub => {}
            _ => return Err(not_authorized(INCORRECT)),
        }
    }

    let status = UserStatus::parse(&user.status).unwrap_or(UserStatus::Confirmed);
    let refusal = if !user.enabled {
        Some(disabled())
    } else {
        match before_password(status) {
            BeforePassword::NotConfirmed => Some(ApiError::new(
                ErrorCode::UserNotConfirmedException,
                "User is not confirmed.",
            )),
            BeforePassword::NoPassword => Some(not_authorized(INCORRECT)),
            BeforePassword::CheckPassword => None,
        }
    };
    if let Some(refusal) = refusal {
        // As the password flow answers these users, at the step where it checks the
        // password, after the work of a checked claim that moves no lockout (R6).
        unchecked_claim(svc, pool, &user, srp_state.challenge, &claim, now_ms).await?;
        return Err(refusal);
    }
    // A claim signed far from now is refused as Cognito refuses it, without counting: an
    // honest client with a wrong clock should not lock its user out.
    if !fresh {
        return Err(not_authorized(INCORRECT));
    }

    let counter = lockout::user_key(pool.id(), &user.sub);
    lockout::admit(svc.store.as_ref(), &svc.lockout, &counter, now_ms).await?;
    let verifier = match open_verifier(&svc.kek, &user) {
        Some(verifier) => verifier,
        // No verifier yet: fails like a wrong password (see the module docs).
        None => simulated_verifier(&key, pool.id(), &user.username_key)?,
    };
    let checked = claim_holds(
        srp_state.challenge,
        verifier,
        pool.id(),
        &user.username,
        &claim,
    )
    .await;
    let outcome = match &checked {
        Ok(true) => Attempt::Success,
        Ok(false) => Attempt::Failure,
        Err(_) => Attempt::Released,
    };
    lockout::record(svc.store.as_ref(), &svc.lockout, &counter, outcome, now_ms).await?;
    if !checked? {
        return Err(not_authorized(INCORRECT));
    }
    let device_key = responses
        .get("DEVICE_KEY")
        .filter(|k| !k.is_empty())
        .or(srp_state.device_key.as_ref())
        .map(String::as_str);
    after_correct_password(svc, pool, client, &user, device_key, now_ms).await
}

/// The work of a checked claim for an answer that does not depend on it: the claim is
/// checked against a simulated verifier between an admission and a release of the counter
/// an unknown user of this name would have, so nobody's lockout moves.
async fn unchecked_claim(
    svc: &IdpService,
    pool: &PoolRules,
    user: &UserRecord,
    challenge: ServerChallenge,
    claim: &Claim,
    now_ms: i64,
) -> Result<(), ApiError> {
    let counter = unknown_user_counter_key(pool.id(), &user.username_key);
    let admitted = match lockout::admit(svc.store.as_ref(), &svc.lockout, &counter, now_ms).await {
        Ok(()) => true,
        Err(error) if error.code == ErrorCode::NotAuthorizedException => false,
        Err(error) => return Err(error),
    };
    let verifier = simulated_verifier(&svc.simulation_key(), pool.id(), &user.username_key)?;
    let checked = claim_holds(challenge, verifier, pool.id(), &user.username, claim).await;
    if admitted {
        lockout::record(
            svc.store.as_ref(),
            &svc.lockout,
            &counter,
            Attempt::Released,
            now_ms,
        )
        .await?;
    }
    checked.map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifiers_round_trip_sealed_and_bound_to_their_user() {
        let kek = Kek::generate().unwrap();
        let sealed = seal_new_verifier(&kek, "us-east-1_Pool", "sub-1", "alice", "pw").unwrap();
        let user = UserRecord {
            pool_id: "us-east-1_Pool".into(),
            sub: "sub-1".into(),
            username: "alice".into(),
            username_key: "alice".into(),
            status: "CONFIRMED".into(),
            enabled: true,
            password_hash: None,
            password_expires_ms: None,
            srp_verifier_sealed: Some(sealed.clone()),
            attributes: Vec::new(),
            created_ms: 0,
            modified_ms: 0,
            tokens_revoked_before_ms: 0,
            extra: serde_json::Value::Null,
        };
        let verifier = open_verifier(&kek, &user).unwrap();
        assert!(verifier.matches_password("Pool", "alice", "pw"));
        assert!(!verifier.matches_password("Pool", "alice", "other"));
        assert_eq!(verifier.salt().len(), srp::SALT_LEN);
        // Ciphertext, not the verifier: no 384-byte run of it appears in the sealed value.
        let plain = encode_verifier(&verifier).unwrap();
        assert!(
            !sealed
                .windows(64)
                .any(|w| plain.windows(64).any(|p| p == w))
        );
        // Copied to another user's row, it does not open.
        let other = UserRecord {
            sub: "sub-2".into(),
            ..user.clone()
        };
        assert!(open_verifier(&kek, &other).is_none());
        assert!(open_verifier(&Kek::generate().unwrap(), &user).is_none());
    }

    #[test]
    fn malformed_verifier_bytes_are_refused() {
        assert!(decode_verifier(&[]).is_err());
        assert!(decode_verifier(&[16; 10]).is_err());
        let mut zero = vec![0u8];
        zero.extend([0u8; srp::ELEMENT_LEN]);
        assert!(decode_verifier(&zero).is_err(), "v = 0 is no verifier");
    }

    #[test]
    fn simulated_verifiers_are_stable_per_pool_and_name() {
        let key = DerivedKey::from_bytes([7; 32]);
        let a = simulated_verifier(&key, "us-east-1_P", "ghost").unwrap();
        let again = simulated_verifier(&key, "us-east-1_P", "ghost").unwrap();
        assert_eq!(a, again);
        assert_eq!(a.salt().len(), srp::SALT_LEN);
        let other_name = simulated_verifier(&key, "us-east-1_P", "ghost2").unwrap();
        let other_pool = simulated_verifier(&key, "us-east-1_Q", "ghost").unwrap();
        assert_ne!(a.salt(), other_name.salt());
        assert_ne!(a.salt(), other_pool.salt());
        let other_key =
            simulated_verifier(&DerivedKey::from_bytes([8; 32]), "us-east-1_P", "ghost");
        assert_ne!(a.salt(), other_key.unwrap().salt());
    }

    #[test]
    fn timestamps_within_five_minutes_are_fresh() {
        let now_ms = 1_800_000_000_000;
        assert!(timestamp_is_fresh(1_800_000_000, now_ms));
        assert!(timestamp_is_fresh(1_800_000_300, now_ms));
        assert!(timestamp_is_fresh(1_799_999_700, now_ms));
        assert!(!timestamp_is_fresh(1_800_000_301, now_ms));
        assert!(!timestamp_is_fresh(1_799_999_699, now_ms));
        assert!(!timestamp_is_fresh(i64::MIN, now_ms));
        assert!(!timestamp_is_fresh(i64::MAX, now_ms));
    }

    #[test]
    fn session_fits_and_the_state_is_moderate() {
        // SessionType allows 2048 characters; SECRET_BLOCK is a map value (131072).
        let kek = Kek::generate().unwrap();
        let verifier = PasswordVerifier::new("P", "u", "pw").unwrap();
        let client = srp::test_client::Client::random().unwrap();
        let a = ClientPublic::parse(&client.srp_a()).unwrap();
        let challenge = ServerChallenge::new(&verifier, &a).unwrap();
        // The longest parts: a 128-character username of 4-byte characters, the longest
        // region, a client id as Cognate generates them.
        let state = ChallengeState {
            id: ids::uuid(),
            pool_id: "ap-southeast-2_AbCdEfGhI".into(),
            client_id: "c".repeat(26),
            sub: String::new(),
            username: "\u{10FFFF}".repeat(128),
            challenge: "PASSWORD_VERIFIER".into(),
            expires_ms: i64::MAX,
            data: serde_json::to_value(SrpState {
                challenge,
                unknown: true,
                device_key: None,
            })
            .unwrap(),
        };
        let block = session::seal(&kek, &state).unwrap();
        assert!(block.len() <= 4096, "{} characters", block.len());
        let session = session::seal(
            &kek,
            &ChallengeState {
                data: serde_json::Value::Null,
                ..state
            },
        )
        .unwrap();
        assert!(session.len() <= 2048, "{} characters", session.len());
    }

    #[test]
    fn simulated_user_ids_look_like_generated_usernames() {
        let key = DerivedKey::from_bytes([7; 32]);
        let id = simulated_user_id_for(&key, "us-east-1_P", "ghost@example.com");
        assert_eq!(id.len(), 36);
        assert_eq!(id.as_bytes()[14], b'4');
        assert!(uuid::Uuid::parse_str(&id).is_ok());
        assert_eq!(
            id,
            simulated_user_id_for(&key, "us-east-1_P", "ghost@example.com")
        );
    }
}
