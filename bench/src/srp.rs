//! The SRP sign-in as a client library does it: InitiateAuth USER_SRP_AUTH, then
//! RespondToAuthChallenge PASSWORD_VERIFIER with the claim computed from the challenge.
//!
//! The client arithmetic is cognate-crypto's test client (the one its unit tests pin against
//! values of the reference clients). Its cost lands on the generator, not on the server, and
//! each worker keeps one secret `a` for the whole run to keep that cost down; the server
//! draws a fresh `b` for every sign-in either way, so its work is what a real sign-in costs.

use cognate_crypto::srp::test_client::Client;
use cognate_crypto::srp::{format_timestamp, pool_name};
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::client::{Resp, Timed};
use crate::workload::Context;

/// One worker's SRP client.
pub struct SrpClient {
    client: Client,
    srp_a: String,
}

impl SrpClient {
    pub fn new() -> Result<Self, String> {
        let client = Client::random().map_err(|e| format!("SRP client: {e}"))?;
        let srp_a = client.srp_a();
        Ok(Self { client, srp_a })
    }

    /// A whole sign-in of `username`: two requests, tokens expected at the end.
    pub async fn sign_in(
        &self,
        ctx: &Context,
        conn: &mut Timed<'_>,
        username: &str,
    ) -> Result<(), String> {
        let initiate = ctx.endpoint.idp(
            "InitiateAuth",
            &json!({
                "ClientId": ctx.client_id,
                "AuthFlow": "USER_SRP_AUTH",
                "AuthParameters": {"USERNAME": username, "SRP_A": self.srp_a},
            }),
            false,
        );
        let challenge = answer(conn.send(&initiate).await, "InitiateAuth USER_SRP_AUTH")?;
        if challenge["ChallengeName"] != "PASSWORD_VERIFIER" {
            return Err(format!("expected PASSWORD_VERIFIER, got {challenge}"));
        }
        let params = &challenge["ChallengeParameters"];
        let field = |name: &str| {
            params[name]
                .as_str()
                .ok_or_else(|| format!("challenge without {name}"))
        };
        let user_id = field("USER_ID_FOR_SRP")?;
        let secret_block = field("SECRET_BLOCK")?;
        let timestamp = format_timestamp(OffsetDateTime::now_utc());
        let pool = pool_name(&ctx.pool_id).ok_or("pool id without a pool name")?;
        let claim = self
            .client
            .password_claim(
                pool,
                user_id,
                &ctx.password,
                field("SALT")?,
                field("SRP_B")?,
                secret_block,
                &timestamp,
            )
            .map_err(|e| format!("computing the claim: {e}"))?;
        let respond = ctx.endpoint.idp(
            "RespondToAuthChallenge",
            &json!({
                "ClientId": ctx.client_id,
                "ChallengeName": "PASSWORD_VERIFIER",
                "Session": challenge["Session"],
                "ChallengeResponses": {
                    "USERNAME": user_id,
                    "PASSWORD_CLAIM_SECRET_BLOCK": secret_block,
                    "PASSWORD_CLAIM_SIGNATURE": claim.signature,
                    "TIMESTAMP": timestamp,
                },
            }),
            false,
        );
        let tokens = answer(conn.send(&respond).await, "RespondToAuthChallenge")?;
        if tokens["AuthenticationResult"]["AccessToken"].is_string() {
            Ok(())
        } else {
            Err(format!("no tokens after the claim: {tokens}"))
        }
    }
}

fn answer(result: anyhow::Result<Resp>, step: &str) -> Result<Value, String> {
    let resp = result.map_err(|e| format!("{step}: {e:#}"))?;
    if resp.status.is_success() {
        Ok(resp.json())
    } else {
        Err(format!("{step}: {}", resp.describe()))
    }
}
