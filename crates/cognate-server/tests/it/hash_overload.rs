//! R12: password hashing is bounded and overload degrades gracefully. 400 clients sign in
//! at once, over and over for a few seconds, with 256-character passwords, against a
//! server on the shipped Argon2id parameters (19 MiB per hash). Every answer must be a
//! normal sign-in answer (tokens, or NotAuthorizedException for the unknown users) or
//! TooManyRequestsException, never a server error, and the server's peak memory must stay
//! within one hash per core plus a margin: the gate, not the load, decides how many hashes
//! run at once.
//!
//! Latencies are measured and printed here but asserted only by the ignored
//! `perf_hash_overload_latencies` (the project measures performance, it does not assert it
//! in default tests): accepted sign-ins p99 ≤ 2 s, refusals p99 < 50 ms, and the JWKS
//! document, which needs no hashing, p99 ≤ 100 ms throughout.
//!
//! The request-rate quota (R31) is switched off in this server: it would refuse most of the
//! load before it reaches the hasher, and the gate is what is under test.

use std::sync::Arc;
use std::time::{Duration, Instant};

use cognate_testkit::{RawClient, RawResponse, ServerOptions, TestServer};

use crate::fixtures::ok;
use serde_json::json;

const CLIENTS: usize = 400;
const LOAD: Duration = Duration::from_secs(8);
const REAL_USERS: usize = 4;
/// Base pause after a TooManyRequestsException; the jitter adds up to as much again.
const BACKOFF_MS: usize = 250;
const MIB: u64 = 1024 * 1024;
/// Argon2id m = 19456 KiB.
const HASH_MEMORY: u64 = 19 * MIB;

/// What one sign-in came back as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    Tokens,
    NotAuthorized,
    TooManyRequests,
    /// Anything else: a failure of the test.
    Other,
}

struct Sample {
    answer: Answer,
    latency: Duration,
}

#[derive(Debug)]
struct Report {
    baseline_rss: u64,
    peak_rss: u64,
    samples: usize,
    tokens: usize,
    not_authorized: usize,
    too_many: usize,
    others: Vec<String>,
    accepted_p99: Duration,
    refused_p99: Duration,
    jwks_p99: Duration,
    jwks_failures: usize,
}

/// A 256-character password meeting the default policy.
fn long_password(seed: usize) -> String {
    let mut password = format!("Aa1!-{seed}-");
    while password.len() < 256 {
        password.push(char::from(b'a' + (password.len() % 26) as u8));
    }
    password.truncate(256);
    password
}

/// `VmRSS` or `VmHWM` of a process, in bytes.
fn proc_status(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| rest.trim().strip_suffix("kB"))
        .and_then(|kb| kb.trim().parse::<u64>().ok())
        .map(|kb| kb * 1024)
        .unwrap_or_else(|| panic!("{field} in /proc/{pid}/status"))
}

fn p99(mut latencies: Vec<Duration>) -> Duration {
    if latencies.is_empty() {
        return Duration::ZERO;
    }
    latencies.sort();
    latencies[(latencies.len() * 99).div_ceil(100) - 1]
}

fn classify(response: &RawResponse) -> Answer {
    match (response.status, response.error_type().as_str()) {
        (200, _) if response.json()["AuthenticationResult"]["AccessToken"].is_string() => {
            Answer::Tokens
        }
        (400, "NotAuthorizedException") => Answer::NotAuthorized,
        (400, "TooManyRequestsException") => Answer::TooManyRequests,
        _ => Answer::Other,
    }
}

async fn run_overload() -> Report {
    let config_dir = tempfile::tempdir().unwrap();
    let config = config_dir.path().join("cognate.toml");
    std::fs::write(&config, "[rate_limits]\nuser_authentication = 0\n").unwrap();
    let server = TestServer::start(ServerOptions {
        extra_args: vec!["--config".into(), config.display().to_string()],
        ..ServerOptions::default()
    })
    .await
    .unwrap();
    let pid = server.pid().unwrap();
    let raw = Arc::new(RawClient::new(&server.url));

    let pool = ok(
        &raw.idp("CreateUserPool", &json!({"PoolName": "overload"}))
            .await,
        "CreateUserPool",
    );
    let pool_id = pool["UserPool"]["Id"].as_str().unwrap().to_owned();
    let client = ok(
        &raw.idp(
            "CreateUserPoolClient",
            &json!({
                "UserPoolId": pool_id,
                "ClientName": "app",
                "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
                // Unknown users cost a full (dummy) hash and answer NotAuthorized, so most
                // of the load can use fresh usernames without tripping any user's lockout.
                "PreventUserExistenceErrors": "ENABLED",
            }),
        )
        .await,
        "CreateUserPoolClient",
    );
    let client_id = client["UserPoolClient"]["ClientId"]
        .as_str()
        .unwrap()
        .to_owned();
    let client_id = client_id.as_str().to_owned();
    for i in 0..REAL_USERS {
        let username = format!("real-{i}");
        ok(
            &raw.idp(
                "AdminCreateUser",
                &json!({"UserPoolId": pool_id, "Username": username, "MessageAction": "SUPPRESS"}),
            )
            .await,
            "AdminCreateUser",
        );
        ok(
            &raw.idp(
                "AdminSetUserPassword",
                &json!({"UserPoolId": pool_id, "Username": username,
                        "Password": long_password(i), "Permanent": true}),
            )
            .await,
            "AdminSetUserPassword",
        );
    }
    let sign_in = move |username: String, password: String| {
        json!({"ClientId": client_id, "AuthFlow": "USER_PASSWORD_AUTH",
               "AuthParameters": {"USERNAME": username, "PASSWORD": password}})
    };
    // Warm up: every path once, so the baseline includes what any first request allocates.
    for i in 0..REAL_USERS {
        let answer = raw
            .idp(
                "InitiateAuth",
                &sign_in(format!("real-{i}"), long_password(i)),
            )
            .await;
        assert_eq!(classify(&answer), Answer::Tokens, "{}", answer.body);
    }
    let jwks_url = format!("{}/{pool_id}/.well-known/jwks.json", server.url);
    let http = reqwest::Client::new();
    assert_eq!(http.get(&jwks_url).send().await.unwrap().status(), 200);
    let baseline_rss = proc_status(pid, "VmRSS");

    let started = Instant::now();
    let deadline = started + LOAD;
    let workers: Vec<_> = (0..CLIENTS)
        .map(|worker| {
            let raw = raw.clone();
            let sign_in = sign_in.clone();
            tokio::spawn(async move {
                let mut samples = Vec::new();
                let mut others = Vec::new();
                let mut attempt = 0usize;
                while Instant::now() < deadline {
                    attempt += 1;
                    // One request in ten is a real user with the right password; the rest
                    // are unknown users, each name used once.
                    let body = if (worker + attempt).is_multiple_of(10) {
                        let i = worker % REAL_USERS;
                        sign_in(format!("real-{i}"), long_password(i))
                    } else {
                        sign_in(format!("ghost-{worker}-{attempt}"), long_password(worker))
                    };
                    let sent = Instant::now();
                    let response = raw.idp("InitiateAuth", &body).await;
                    let answer = classify(&response);
                    if answer == Answer::Other {
                        others.push(format!("{} {}", response.status, response.body));
                    }
                    samples.push(Sample {
                        answer,
                        latency: sent.elapsed(),
                    });
                    if answer == Answer::TooManyRequests {
                        // A throttled client backs off with jitter, as the AWS SDKs do. One
                        // that retried at once would measure the load generator, which
                        // shares the two cores with the server, more than the server.
                        let jitter = (attempt * 37 + worker * 11) % BACKOFF_MS;
                        tokio::time::sleep(Duration::from_millis((BACKOFF_MS + jitter) as u64))
                            .await;
                    }
                }
                (samples, others)
            })
        })
        .collect();

    // Meanwhile: the JWKS document every 50 ms, and the server's memory.
    let probe = tokio::spawn(async move {
        let mut latencies = Vec::new();
        let mut failures = 0;
        let mut peak_sampled = 0u64;
        while Instant::now() < deadline {
            let sent = Instant::now();
            match http.get(&jwks_url).send().await {
                Ok(response) if response.status() == 200 => {
                    let _ = response.bytes().await;
                    latencies.push(sent.elapsed());
                }
                _ => failures += 1,
            }
            peak_sampled = peak_sampled.max(proc_status(pid, "VmRSS"));
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        (latencies, failures, peak_sampled)
    });

    let mut samples = Vec::new();
    let mut others = Vec::new();
    for worker in workers {
        let (s, o) = worker.await.unwrap();
        samples.extend(s);
        others.extend(o);
    }
    let (jwks, jwks_failures, peak_sampled) = probe.await.unwrap();
    // VmHWM is the kernel's own high-water mark, so a peak between samples counts too.
    let peak_rss = proc_status(pid, "VmHWM").max(peak_sampled);
    let count = |a: Answer| samples.iter().filter(|s| s.answer == a).count();
    let latencies = |accepted: bool| {
        samples
            .iter()
            .filter(|s| (s.answer == Answer::TooManyRequests) != accepted)
            .map(|s| s.latency)
            .collect::<Vec<_>>()
    };
    let report = Report {
        baseline_rss,
        peak_rss,
        samples: samples.len(),
        tokens: count(Answer::Tokens),
        not_authorized: count(Answer::NotAuthorized),
        too_many: count(Answer::TooManyRequests),
        others,
        accepted_p99: p99(latencies(true)),
        refused_p99: p99(latencies(false)),
        jwks_p99: p99(jwks),
        jwks_failures,
    };
    println!(
        "R12 overload over {:?}: {} sign-ins ({} tokens, {} NotAuthorized, {} TooManyRequests, \
         {} other); accepted p99 {:?}, refused p99 {:?}, JWKS p99 {:?} ({} failed); \
         RSS baseline {} MiB, peak {} MiB",
        started.elapsed(),
        report.samples,
        report.tokens,
        report.not_authorized,
        report.too_many,
        report.others.len(),
        report.accepted_p99,
        report.refused_p99,
        report.jwks_p99,
        report.jwks_failures,
        report.baseline_rss / MIB,
        report.peak_rss / MIB,
    );
    drop(server);
    report
}

fn assert_bounded(report: &Report) {
    assert!(
        report.others.is_empty(),
        "{:?}",
        &report.others[..report.others.len().min(5)]
    );
    assert!(report.tokens > 0, "{report:?}");
    assert!(report.not_authorized > 0, "{report:?}");
    assert!(
        report.too_many > 0,
        "the load should saturate the gate: {report:?}"
    );
    assert_eq!(report.jwks_failures, 0, "{report:?}");
    // Every core may hold one hash at a time, plus a margin for buffers, connections and
    // the allocator's slack.
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get() as u64);
    let limit = report.baseline_rss + cores * HASH_MEMORY + 64 * MIB;
    assert!(
        report.peak_rss <= limit,
        "peak RSS {} MiB over {} MiB (baseline {} MiB, {cores} cores)",
        report.peak_rss / MIB,
        limit / MIB,
        report.baseline_rss / MIB
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hash_overload_answers_or_throttles_within_bounded_memory() {
    let report = run_overload().await;
    assert_bounded(&report);
}

/// R12's latency targets, as a measurement (ignored by default: they depend on the machine
/// and what else runs on it). `cargo nextest run -p cognate-server --run-ignored only perf_`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "measurement: latencies depend on the machine and its load"]
async fn perf_hash_overload_latencies() {
    let report = run_overload().await;
    assert_bounded(&report);
    assert!(report.accepted_p99 <= Duration::from_secs(2), "{report:?}");
    assert!(report.refused_p99 < Duration::from_millis(50), "{report:?}");
    assert!(report.jwks_p99 <= Duration::from_millis(100), "{report:?}");
}
