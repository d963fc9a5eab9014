//! Graceful shutdown: on SIGTERM or SIGINT readiness fails at once, new connections are
//! still accepted for the drain delay, then the listener closes and in-flight requests get
//! up to the shutdown timeout to finish.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::sync::watch;

use crate::router::AppState;

/// Resolves when a shutdown signal has arrived.
pub async fn signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for SIGINT");
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut stream) => {
                stream.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

/// Watches for a signal and drives the two phases. `stop_accepting` fires after the drain
/// delay; `deadline` fires when in-flight requests have had their time.
pub struct Shutdown {
    pub stop_accepting: watch::Receiver<bool>,
    pub deadline: watch::Receiver<bool>,
}

pub fn spawn(state: Arc<AppState>, drain_delay: Duration, shutdown_timeout: Duration) -> Shutdown {
    let (stop_tx, stop_accepting) = watch::channel(false);
    let (deadline_tx, deadline) = watch::channel(false);
    tokio::spawn(async move {
        signal().await;
        state.draining.store(true, Ordering::SeqCst);
        tracing::info!(
            drain_delay_s = drain_delay.as_secs(),
            shutdown_timeout_s = shutdown_timeout.as_secs(),
            "shutdown signal received; draining"
        );
        tokio::time::sleep(drain_delay).await;
        let _ = stop_tx.send(true);
        tokio::time::sleep(shutdown_timeout).await;
        let _ = deadline_tx.send(true);
    });
    Shutdown {
        stop_accepting,
        deadline,
    }
}

/// Waits until the flag in `rx` becomes true.
pub async fn fired(mut rx: watch::Receiver<bool>) {
    while !*rx.borrow() {
        if rx.changed().await.is_err() {
            // The sender is gone without firing: never resolve.
            std::future::pending::<()>().await;
        }
    }
}
