//! `cognate messages`: read the outbox without a running server, e.g. to type the code a
//! script just triggered. It opens the same storage and key file as `serve`.

use std::io::Write;
use std::sync::Arc;

use anyhow::Context;
use cognate_delivery::{Delivery, DeliveryConfig, ListParams};

use crate::config::{MessagesAction, MessagesArgs, Settings};
use crate::startup::{load_kek, open_store};

pub async fn messages(args: MessagesArgs) -> anyhow::Result<()> {
    let settings = Settings::resolve(args.server)?;
    let store = open_store(&settings).await?;
    let kek = Arc::new(load_kek(&settings)?);
    // No transports: this process only reads.
    let delivery = Delivery::new(DeliveryConfig::default(), store, kek).context("outbox")?;
    let output = match args.action {
        MessagesAction::List {
            pool_id,
            destination,
            username,
            limit,
        } => {
            let list = delivery
                .list_params(&ListParams {
                    pool_id,
                    destination,
                    username,
                    limit: Some(limit),
                    next_token: None,
                })
                .await
                .context("reading the outbox")?;
            serde_json::to_string_pretty(&list).context("encoding")?
        }
        MessagesAction::Latest { destination, code } => {
            let list = delivery
                .list_params(&ListParams {
                    destination: Some(destination.clone()),
                    limit: Some(1),
                    ..ListParams::default()
                })
                .await
                .context("reading the outbox")?;
            let Some(message) = list.messages.into_iter().next() else {
                anyhow::bail!("no message to {destination}");
            };
            if code {
                message
                    .code
                    .clone()
                    .with_context(|| format!("the newest message to {destination} has no code"))?
            } else {
                serde_json::to_string_pretty(&message).context("encoding")?
            }
        }
    };
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{output}").context("writing to stdout")?;
    Ok(())
}
