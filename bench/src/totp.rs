//! The TOTP sign-in: InitiateAuth USER_PASSWORD_AUTH answered with SOFTWARE_TOKEN_MFA, as a
//! user with an authenticator app signs in.
//!
//! A code is accepted once (R8), and the server takes the codes of its current 30-second
//! step and of one step either side. So each TOTP user allows about three sign-ins per step,
//! and the workload spreads sign-ins over a set of users set up for it, taking for each one
//! a step it has not used yet.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use cognate_crypto::totp::{STEP_SECONDS, base32_decode, code_at_step, step_of};
use serde_json::{Value, json};

use crate::client::{Conn, Resp, Timed, now_unix};
use crate::workload::Context;

/// Users with a software token (at most; fewer when the workload has fewer users): three
/// codes each per 30 s, one of them spent on VerifySoftwareToken during the set-up, so 1024
/// of them serve about 70 sign-ins a second over a minute, a little more than the password
/// hash before the code allows on two cores (256 were too few once the sign-in got faster).
/// Beyond that, sign-ins fail with "codes spent" errors, which the report shows.
pub const TOTP_USERS: usize = 1024;

/// At least this many TOTP users, whatever the workload's size: 64 users hold some 130 codes
/// beyond the one each spends on VerifySoftwareToken, enough for short runs.
pub const TOTP_MIN_USERS: usize = 64;

/// Workers that set the users up.
const SETUP_WORKERS: usize = 4;

/// An earlier step's code is not taken in the last seconds of a step: it would be two steps
/// old if the server read its clock after the step ends.
const PREVIOUS_STEP_MARGIN_S: i64 = 2;

struct TotpUser {
    name: String,
    secret: Vec<u8>,
    /// Steps whose codes were spent (the recent ones only).
    used: Mutex<Vec<i64>>,
}

impl TotpUser {
    /// A code of a step this user has not spent, if one is left now.
    fn take_code(&self, now_s: i64) -> Option<String> {
        let step = step_of(now_s);
        let late_in_step = now_s.rem_euclid(STEP_SECONDS) >= STEP_SECONDS - PREVIOUS_STEP_MARGIN_S;
        let mut used = self.used.lock().ok()?;
        used.retain(|&s| s >= step - 1);
        let candidates = [step, step + 1, step - 1];
        let free = candidates
            .into_iter()
            .filter(|&s| !(s == step - 1 && late_in_step))
            .find(|s| !used.contains(s))?;
        used.push(free);
        Some(code_at_step(&self.secret, free, 6))
    }
}

/// The users TOTP sign-ins take turns with.
pub struct TotpUsers {
    users: Vec<TotpUser>,
    next: AtomicUsize,
}

impl std::fmt::Debug for TotpUsers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The secrets are left out.
        f.debug_struct("TotpUsers")
            .field("users", &self.users.len())
            .finish_non_exhaustive()
    }
}

impl TotpUsers {
    /// Sets up `count` users: created, given a permanent password, signed in once, and
    /// given a verified, enabled and preferred software token.
    pub async fn setup(ctx: &Arc<Context>, count: usize) -> Result<Self, String> {
        let next = Arc::new(AtomicUsize::new(0));
        let mut workers = tokio::task::JoinSet::new();
        for _ in 0..SETUP_WORKERS.min(count) {
            let (ctx, next) = (ctx.clone(), next.clone());
            workers.spawn(async move {
                let mut conn = Conn::new(&ctx.endpoint);
                let mut made = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= count {
                        return Ok::<_, String>(made);
                    }
                    made.push(set_up_user(&ctx, &mut conn, &format!("totp{i:05}")).await?);
                }
            });
        }
        let mut users = Vec::with_capacity(count);
        while let Some(done) = workers.join_next().await {
            users.extend(done.map_err(|e| format!("setup task: {e}"))??);
        }
        if users.is_empty() {
            return Err("no TOTP user".into());
        }
        Ok(Self {
            users,
            next: AtomicUsize::new(0),
        })
    }

    /// One sign-in with a code nobody used: two requests.
    pub async fn sign_in(&self, ctx: &Context, conn: &mut Timed<'_>) -> Result<(), String> {
        // A user with a code left, and the code, taken before the password step so that
        // no other worker spends it meanwhile.
        let n = self.users.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        let (user, code) = (0..n)
            .find_map(|k| {
                let user = &self.users[(start + k) % n];
                user.take_code(now_unix()).map(|code| (user, code))
            })
            .ok_or("every TOTP user's codes of the current steps are spent")?;
        let initiate = ctx.endpoint.idp(
            "InitiateAuth",
            &json!({
                "ClientId": ctx.client_id,
                "AuthFlow": "USER_PASSWORD_AUTH",
                "AuthParameters": {"USERNAME": user.name, "PASSWORD": ctx.password},
            }),
            false,
        );
        let challenge = answer(conn.send(&initiate).await, "InitiateAuth")?;
        if challenge["ChallengeName"] != "SOFTWARE_TOKEN_MFA" {
            return Err(format!("expected SOFTWARE_TOKEN_MFA, got {challenge}"));
        }
        let respond = ctx.endpoint.idp(
            "RespondToAuthChallenge",
            &json!({
                "ClientId": ctx.client_id,
                "ChallengeName": "SOFTWARE_TOKEN_MFA",
                "Session": challenge["Session"],
                "ChallengeResponses": {"USERNAME": user.name, "SOFTWARE_TOKEN_MFA_CODE": code},
            }),
            false,
        );
        let tokens = answer(conn.send(&respond).await, "RespondToAuthChallenge")?;
        if tokens["AuthenticationResult"]["AccessToken"].is_string() {
            Ok(())
        } else {
            Err(format!("no tokens after the code: {tokens}"))
        }
    }
}

/// One TOTP user, from nothing to a preferred, verified software token.
async fn set_up_user(ctx: &Context, conn: &mut Conn, name: &str) -> Result<TotpUser, String> {
    let ep = &ctx.endpoint;
    let admin = |op: &str, body: Value| ep.idp(op, &body, true);
    // Like the preload: a temporary password only when asked for (see `workload::preload`).
    let mut create = json!({
        "UserPoolId": ctx.pool_id,
        "Username": name,
        "MessageAction": "SUPPRESS",
    });
    if ctx.temporary_passwords {
        create["TemporaryPassword"] = json!(ctx.password);
    }
    call(conn, &admin("AdminCreateUser", create)).await?;
    call(
        conn,
        &admin(
            "AdminSetUserPassword",
            json!({
                "UserPoolId": ctx.pool_id,
                "Username": name,
                "Password": ctx.password,
                "Permanent": true,
            }),
        ),
    )
    .await?;
    let signed_in = call(
        conn,
        &ep.idp(
            "InitiateAuth",
            &json!({
                "ClientId": ctx.client_id,
                "AuthFlow": "USER_PASSWORD_AUTH",
                "AuthParameters": {"USERNAME": name, "PASSWORD": ctx.password},
            }),
            false,
        ),
    )
    .await?;
    let access = signed_in["AuthenticationResult"]["AccessToken"].clone();
    let token = |op: &str, mut body: Value| {
        body["AccessToken"] = access.clone();
        ep.idp(op, &body, false)
    };
    let associated = call(conn, &token("AssociateSoftwareToken", json!({}))).await?;
    let secret = associated["SecretCode"]
        .as_str()
        .and_then(base32_decode)
        .ok_or_else(|| format!("AssociateSoftwareToken: no usable SecretCode in {associated}"))?;
    let user = TotpUser {
        name: name.to_owned(),
        secret,
        used: Mutex::new(Vec::new()),
    };
    let code = user
        .take_code(now_unix())
        .ok_or("a fresh TOTP user without a free code")?;
    call(
        conn,
        &token(
            "VerifySoftwareToken",
            json!({"UserCode": code, "FriendlyDeviceName": "bench"}),
        ),
    )
    .await?;
    call(
        conn,
        &token(
            "SetUserMFAPreference",
            json!({"SoftwareTokenMfaSettings": {"Enabled": true, "PreferredMfa": true}}),
        ),
    )
    .await?;
    Ok(user)
}

async fn call(conn: &mut Conn, req: &crate::client::Req) -> Result<Value, String> {
    crate::workload::call(conn, req, "TOTP user setup")
        .await
        .map_err(|e| format!("{e:#}"))
}

fn answer(result: anyhow::Result<Resp>, step: &str) -> Result<Value, String> {
    let resp = result.map_err(|e| format!("{step}: {e:#}"))?;
    if resp.status.is_success() {
        Ok(resp.json())
    } else {
        Err(format!("{step}: {}", resp.describe()))
    }
}
