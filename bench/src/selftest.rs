//! `--self-test`: the generator against a trivial in-process hyper server, to show its own
//! ceiling (the server shares the machine's cores, so this is a lower bound).

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use anyhow::Result;
use bytes::Bytes;
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use crate::client::Endpoint;
use crate::stats::{Figures, ms, rate};
use crate::workload::{Context, Op, Tokens, Window, measure};

/// The same answer to every request: enough for the JWKS and AdminGetUser checks.
const ANSWER: &[u8] = br#"{"Username":"user0000000","keys":[{"kid":"k"}]}"#;

/// Starts the trivial server; returns its endpoint.
pub async fn trivial_server() -> Result<Endpoint> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let _ = stream.set_nodelay(true);
            tokio::spawn(async move {
                let service = service_fn(|_req| async {
                    Ok::<_, Infallible>(hyper::Response::new(Full::new(Bytes::from_static(ANSWER))))
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Endpoint::parse(&format!("http://{addr}"))
}

/// Measures the generator's ceiling: an unsigned GET and a SigV4-signed POST.
pub async fn run(duration: Duration, concurrency: &[usize]) -> Result<Vec<(Op, usize, Figures)>> {
    let endpoint = trivial_server().await?;
    let ctx = Arc::new(Context {
        endpoint,
        pool_id: "us-east-1_selftest".into(),
        client_id: "selftest".into(),
        users: 1,
        password: "unused".into(),
        run_id: "selftest".into(),
        sign_ups: AtomicU64::new(0),
        tokens: vec![Tokens {
            access: String::new(),
            refresh: String::new(),
        }],
        totp: tokio::sync::OnceCell::new(),
        oauth: Err("not in the self-test".into()),
        temporary_passwords: false,
    });
    let mut rows = Vec::new();
    for op in [Op::Jwks, Op::AdminGetUser] {
        for &c in concurrency {
            let figures = measure(&ctx, op, c, Window::counted(duration), None).await?;
            let label = match op {
                Op::Jwks => "GET (unsigned)",
                _ => "POST AdminGetUser (SigV4-signed)",
            };
            println!(
                "self-test {label:<34} c={c:<3} {:>9} req/s  p50 {:>6} ms  p99 {:>6} ms  errors {}",
                rate(figures.rps()),
                ms(figures.p50_us),
                ms(figures.p99_us),
                figures.errors
            );
            rows.push((op, c, figures));
        }
    }
    Ok(rows)
}
