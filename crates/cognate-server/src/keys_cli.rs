//! `cognate keys list|rotate`: a pool's token-signing keys, worked on directly in the
//! configured database (Cognito has no rotation API). Running servers need no restart:
//! each rereads a pool's keys within `--signing-key-cache-seconds`.

use std::io::Write;

use anyhow::{Context, bail};
use cognate_domain::signing_keys::{KeyUse, ScheduledKey, signing_key};
use cognate_domain::{Clock, SystemClock};
use cognate_store::SigningKeyRecord;
use serde_json::{Value, json};

use crate::config::{KeyCommand, KeysAction, KeysArgs, Settings};
use crate::startup::{load_kek, open_store};

pub async fn keys(args: KeysArgs) -> anyhow::Result<()> {
    let lines = match args.action {
        KeysAction::List(command) => list(command).await?,
        KeysAction::Rotate(command) => vec![rotate(command).await?],
    };
    let mut stdout = std::io::stdout().lock();
    for line in lines {
        writeln!(stdout, "{line}").context("writing to stdout")?;
    }
    Ok(())
}

async fn list(command: KeyCommand) -> anyhow::Result<Vec<Value>> {
    let settings = Settings::resolve(command.server)?;
    let store = open_store(&settings).await?;
    let pool_id = command.user_pool_id;
    if store.get_user_pool(&pool_id).await?.is_none() {
        bail!("user pool {pool_id} does not exist");
    }
    let keys = store
        .signing_keys(&pool_id)
        .await
        .context("reading signing keys")?;
    let now_ms = SystemClock.now_ms();
    Ok(keys
        .iter()
        .map(|key| describe(key, &keys, now_ms))
        .collect())
}

async fn rotate(command: KeyCommand) -> anyhow::Result<Value> {
    let settings = Settings::resolve(command.server)?;
    let store = open_store(&settings).await?;
    // The servers' key: new private keys sealed with any other would be unreadable.
    let kek = load_kek(&settings)?;
    let pool_id = command.user_pool_id;
    let rotation = cognate_idp::rotate_signing_keys(
        store.as_ref(),
        &kek,
        &SystemClock,
        &pool_id,
        &settings.signing_keys,
    )
    .await
    .map_err(|error| anyhow::anyhow!("{}: {}", error.code.as_str(), error.message))?;
    let new_keys: Vec<Value> = rotation
        .new_keys
        .iter()
        .map(|(kid, key_use)| json!({ "kid": kid, "use": key_use.as_str() }))
        .collect();
    Ok(json!({
        "user_pool_id": pool_id,
        "new_keys": new_keys,
        "not_before_ms": rotation.times.new_not_before_ms,
        "old_retire_after_ms": rotation.times.old_retire_after_ms,
    }))
}

/// One key and where it stands now: `next` (published, not yet signing), `current`
/// (signing), `retiring` (published for tokens it signed), `retired` (gone from JWKS).
fn describe(key: &SigningKeyRecord, all: &[SigningKeyRecord], now_ms: i64) -> Value {
    let window = key.window();
    let signing = |key_use: KeyUse| signing_key(all, key_use, now_ms).map(|k| k.kid.as_str());
    let state = if !window.is_published(now_ms) {
        "retired"
    } else if signing(key.key_use) == Some(key.kid.as_str()) {
        "current"
    } else if window.not_before_ms > now_ms {
        "next"
    } else {
        "retiring"
    };
    json!({
        "kid": key.kid,
        "use": key.key_use.as_str(),
        "created_ms": key.created_ms,
        "not_before_ms": window.not_before_ms,
        "retire_after_ms": window.retire_after_ms,
        "state": state,
    })
}
