//! R12's overload test: many concurrent password sign-ins with long, correct passwords, far
//! more than the server's hash gate can run or queue. The server must refuse the excess fast
//! with `TooManyRequestsException`, never answer 5xx, and keep its memory bounded.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Result;
use hdrhistogram::Histogram;
use serde_json::json;

use crate::client::{Conn, Endpoint, Req, Resp};
use crate::stats::{histogram, ms, rate};
use crate::verdict::{at_most, none, table};
use crate::workload::{call, create_client, create_pool};

/// Users signing in (correct passwords only, so none is ever locked out).
const USERS: usize = 8;
/// R13's longest password: the hash input is as long as a client may make it.
const PASSWORD_LEN: usize = 256;
/// How often the server's resident set is read during the burst.
const RSS_SAMPLE: Duration = Duration::from_millis(50);
/// R12's memory allowance over the baseline: two concurrent Argon2 buffers of 19 MiB (the
/// test's two cores) and 64 MiB for everything else.
pub const RSS_ALLOWANCE_KIB: u64 = 2 * 19 * 1024 + 64 * 1024;
/// Pause between two JWKS requests of the watcher, so it samples rather than loads.
const JWKS_PAUSE: Duration = Duration::from_millis(10);

#[derive(Clone, Copy, Debug)]
pub struct Options {
    pub connections: usize,
    pub duration: Duration,
    /// The server's process, for its resident set.
    pub pid: Option<u32>,
}

/// What the burst got back.
#[derive(Debug)]
pub struct Report {
    pub connections: usize,
    pub elapsed: Duration,
    /// Sign-ins answered with tokens, and their latency.
    pub accepted: Histogram<u64>,
    /// `TooManyRequestsException` answers, and their latency.
    pub throttled: Histogram<u64>,
    pub server_errors: u64,
    pub other_errors: u64,
    pub first_other_error: Option<String>,
    /// A non-hash endpoint (the pool's JWKS) sampled during the burst.
    pub jwks: Histogram<u64>,
    pub jwks_errors: u64,
    /// VmRSS just before the burst, and the highest sampled during it (KiB).
    pub baseline_rss_kib: Option<u64>,
    pub max_rss_kib: Option<u64>,
}

impl Report {
    pub fn accepted_per_second(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.accepted.len() as f64 / secs
        } else {
            0.0
        }
    }

    /// One line for the progress log.
    pub fn summary(&self) -> String {
        format!(
            "{} sign-ins/s, {} TooManyRequests (p99 {} ms), {} 5xx, {} other errors{}",
            rate(self.accepted_per_second()),
            self.throttled.len(),
            ms(self.throttled.value_at_quantile(0.99)),
            self.server_errors,
            self.other_errors,
            self.first_other_error
                .as_deref()
                .map(|e| format!(" (first: {e})"))
                .unwrap_or_default()
        )
    }

    /// R12's checks, one (label, cell) each.
    pub fn checks(&self) -> Vec<(String, String)> {
        let mut rows = vec![(
            "successful sign-ins".to_owned(),
            format!(
                "{}/s ({} in {:.1} s), p50 / p99 {} / {} ms",
                rate(self.accepted_per_second()),
                self.accepted.len(),
                self.elapsed.as_secs_f64(),
                ms(self.accepted.value_at_quantile(0.5)),
                ms(self.accepted.value_at_quantile(0.99)),
            ),
        )];
        let accepted_p99 = self.accepted.value_at_quantile(0.99);
        rows.push((
            "accepted sign-ins p99 ≤ 2 s".into(),
            if self.accepted.is_empty() {
                "none accepted: missed".into()
            } else {
                at_most(
                    &format!("{} ms", ms(accepted_p99)),
                    accepted_p99 as f64,
                    2_000_000.0,
                )
            },
        ));
        let throttled_p99 = self.throttled.value_at_quantile(0.99);
        rows.push((
            "TooManyRequestsException p99 < 50 ms".into(),
            if self.throttled.is_empty() {
                "none answered: met".into()
            } else {
                at_most(
                    &format!(
                        "{} answers, p50 / p99 {} / {} ms",
                        self.throttled.len(),
                        ms(self.throttled.value_at_quantile(0.5)),
                        ms(throttled_p99)
                    ),
                    throttled_p99 as f64,
                    50_000.0,
                )
            },
        ));
        rows.push(("no 5xx".into(), none("5xx", self.server_errors)));
        rows.push((
            "every other answer a TooManyRequestsException".into(),
            match &self.first_other_error {
                Some(first) => format!("{}: missed (first: {first})", self.other_errors),
                None => none("other errors", self.other_errors),
            },
        ));
        let jwks_p99 = self.jwks.value_at_quantile(0.99);
        rows.push((
            "JWKS meanwhile p99 ≤ 100 ms, no errors".into(),
            if self.jwks.is_empty() {
                "no answer: missed".into()
            } else if self.jwks_errors > 0 {
                format!("{} errors: missed", self.jwks_errors)
            } else {
                at_most(
                    &format!("{} requests, p99 {} ms", self.jwks.len(), ms(jwks_p99)),
                    jwks_p99 as f64,
                    100_000.0,
                )
            },
        ));
        rows.push((
            "max RSS ≤ baseline + 2 × 19 MiB + 64 MiB".into(),
            match (self.baseline_rss_kib, self.max_rss_kib) {
                (Some(base), Some(max)) => at_most(
                    &format!(
                        "{} → max {} MiB (bound {} MiB)",
                        mib(base),
                        mib(max),
                        mib(base + RSS_ALLOWANCE_KIB)
                    ),
                    max as f64,
                    (base + RSS_ALLOWANCE_KIB) as f64,
                ),
                _ => "unknown (no server pid)".into(),
            },
        ));
        rows
    }
}

fn mib(kib: u64) -> String {
    format!("{:.0}", kib as f64 / 1024.0)
}

/// R12's checks for several targets, one column each (`Err`: why the burst did not run).
pub fn render(columns: &[String], reports: &[&Result<Report, String>]) -> String {
    let checks: Vec<Option<Vec<(String, String)>>> = reports
        .iter()
        .map(|r| r.as_ref().ok().map(Report::checks))
        .collect();
    let Some(labels) = checks.iter().flatten().next().map(|rows| {
        rows.iter()
            .map(|(label, _)| label.clone())
            .collect::<Vec<_>>()
    }) else {
        return reports
            .iter()
            .zip(columns)
            .filter_map(|(r, name)| r.as_ref().err().map(|e| format!("{name}: {e}\n")))
            .collect();
    };
    let rows: Vec<(String, Vec<String>)> = labels
        .iter()
        .enumerate()
        .map(|(i, label)| {
            let cells = checks
                .iter()
                .zip(reports)
                .map(|(rows, report)| match (rows, report) {
                    (Some(rows), _) => rows[i].1.clone(),
                    (None, Err(e)) => format!("did not run: {e}"),
                    (None, Ok(_)) => "—".into(),
                })
                .collect();
            (label.clone(), cells)
        })
        .collect();
    table("R12 overload", columns, &rows)
}

/// Sets up a pool of its own, then runs the burst.
pub async fn run(endpoint: &Endpoint, options: Options) -> Result<Report> {
    let setup = Setup::create(endpoint).await?;
    burst(endpoint, &setup, options).await
}

/// The burst's pool, client and users.
struct Setup {
    pool_id: String,
    client_id: String,
    password: String,
}

impl Setup {
    async fn create(endpoint: &Endpoint) -> Result<Self> {
        let mut conn = Conn::new(endpoint);
        let run_id = uuid::Uuid::new_v4().simple().to_string()[..8].to_owned();
        // Upper, lower, digit and symbol (any default policy), then filler to 256.
        let mut password = format!("Overload-{run_id}-9x-");
        while password.len() < PASSWORD_LEN {
            password.push(char::from(b'a' + (password.len() % 26) as u8));
        }
        let admin = |op: &str, body: serde_json::Value| endpoint.idp(op, &body, true);
        let pool_id = create_pool(&mut conn, endpoint, &format!("overload-{run_id}")).await?;
        let client_id = create_client(
            &mut conn,
            endpoint,
            &pool_id,
            "overload",
            &["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        )
        .await?;
        for i in 0..USERS {
            call(
                &mut conn,
                &admin(
                    "AdminCreateUser",
                    json!({
                        "UserPoolId": pool_id,
                        "Username": user_name(i),
                        "MessageAction": "SUPPRESS",
                    }),
                ),
                "AdminCreateUser",
            )
            .await?;
            call(
                &mut conn,
                &admin(
                    "AdminSetUserPassword",
                    json!({
                        "UserPoolId": pool_id,
                        "Username": user_name(i),
                        "Password": password,
                        "Permanent": true,
                    }),
                ),
                "AdminSetUserPassword (256 characters)",
            )
            .await?;
        }
        Ok(Self {
            pool_id,
            client_id,
            password,
        })
    }

    fn sign_in(&self, endpoint: &Endpoint, user: usize) -> Req {
        endpoint.idp(
            "InitiateAuth",
            &json!({
                "ClientId": self.client_id,
                "AuthFlow": "USER_PASSWORD_AUTH",
                "AuthParameters": {"USERNAME": user_name(user), "PASSWORD": self.password},
            }),
            false,
        )
    }
}

fn user_name(i: usize) -> String {
    format!("overload{i:02}")
}

/// How one answer counts.
enum Answer {
    Accepted,
    Throttled,
    ServerError,
    Other(String),
}

fn classify(result: Result<Resp>) -> Answer {
    match result {
        Err(e) => Answer::Other(format!("{e:#}")),
        Ok(resp) if resp.status.is_server_error() => Answer::ServerError,
        Ok(resp) => {
            let body = resp.json();
            if resp.status.is_success() && body["AuthenticationResult"]["AccessToken"].is_string() {
                Answer::Accepted
            } else if body["__type"].as_str() == Some("TooManyRequestsException") {
                Answer::Throttled
            } else {
                Answer::Other(resp.describe())
            }
        }
    }
}

/// One connection's tally.
struct Tally {
    accepted: Histogram<u64>,
    throttled: Histogram<u64>,
    server_errors: u64,
    other_errors: u64,
    first_other_error: Option<String>,
}

async fn burst(endpoint: &Endpoint, setup: &Setup, options: Options) -> Result<Report> {
    let baseline_rss_kib = options.pid.and_then(crate::targets::rss_kib);
    let done = Arc::new(AtomicBool::new(false));
    let sampler = options.pid.map(|pid| {
        let done = done.clone();
        tokio::spawn(async move {
            let mut max = None;
            let mut ticks = tokio::time::interval(RSS_SAMPLE);
            while !done.load(Ordering::Relaxed) {
                ticks.tick().await;
                if let Some(rss) = crate::targets::rss_kib(pid) {
                    max = max.max(Some(rss));
                }
            }
            max
        })
    });
    let jwks_watcher = {
        let (done, endpoint) = (done.clone(), endpoint.clone());
        let req = endpoint.get(&format!("/{}/.well-known/jwks.json", setup.pool_id));
        tokio::spawn(async move {
            let mut hist = histogram()?;
            let mut errors = 0u64;
            let mut conn = Conn::new(&endpoint);
            while !done.load(Ordering::Relaxed) {
                let sent = Instant::now();
                let ok = conn.send(&req).await.is_ok_and(|r| r.status.is_success());
                hist.saturating_record(sent.elapsed().as_micros().max(1) as u64);
                errors += u64::from(!ok);
                tokio::time::sleep(JWKS_PAUSE).await;
            }
            anyhow::Ok((hist, errors))
        })
    };
    let start = Instant::now();
    let deadline = start + options.duration;
    let mut workers = Vec::with_capacity(options.connections);
    for w in 0..options.connections {
        let (endpoint, req) = (endpoint.clone(), setup.sign_in(endpoint, w % USERS));
        workers.push(tokio::spawn(async move {
            let mut tally = Tally {
                accepted: histogram()?,
                throttled: histogram()?,
                server_errors: 0,
                other_errors: 0,
                first_other_error: None,
            };
            let mut conn = Conn::new(&endpoint);
            while Instant::now() < deadline {
                let sent = Instant::now();
                let answer = classify(conn.send(&req).await);
                let us = sent.elapsed().as_micros().max(1) as u64;
                match answer {
                    Answer::Accepted => tally.accepted.saturating_record(us),
                    Answer::Throttled => tally.throttled.saturating_record(us),
                    Answer::ServerError => tally.server_errors += 1,
                    Answer::Other(e) => {
                        tally.other_errors += 1;
                        tally.first_other_error.get_or_insert(e);
                    }
                }
            }
            anyhow::Ok(tally)
        }));
    }
    let mut total = Tally {
        accepted: histogram()?,
        throttled: histogram()?,
        server_errors: 0,
        other_errors: 0,
        first_other_error: None,
    };
    for worker in workers {
        let tally = worker.await??;
        total.accepted.add(&tally.accepted)?;
        total.throttled.add(&tally.throttled)?;
        total.server_errors += tally.server_errors;
        total.other_errors += tally.other_errors;
        if total.first_other_error.is_none() {
            total.first_other_error = tally.first_other_error;
        }
    }
    let elapsed = start.elapsed();
    done.store(true, Ordering::Relaxed);
    let (jwks, jwks_errors) = jwks_watcher.await??;
    let max_rss_kib = match sampler {
        Some(sampler) => sampler.await?,
        None => None,
    };
    Ok(Report {
        connections: options.connections,
        elapsed,
        accepted: total.accepted,
        throttled: total.throttled,
        server_errors: total.server_errors,
        other_errors: total.other_errors,
        first_other_error: total.first_other_error,
        jwks,
        jwks_errors,
        baseline_rss_kib,
        max_rss_kib,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(accepted: &[u64], throttled: &[u64], max_rss_kib: u64) -> Report {
        let mut a = histogram().unwrap();
        accepted.iter().for_each(|&us| a.saturating_record(us));
        let mut t = histogram().unwrap();
        throttled.iter().for_each(|&us| t.saturating_record(us));
        let mut jwks = histogram().unwrap();
        jwks.saturating_record(3_000);
        Report {
            connections: 400,
            elapsed: Duration::from_secs(10),
            accepted: a,
            throttled: t,
            server_errors: 0,
            other_errors: 0,
            first_other_error: None,
            jwks,
            jwks_errors: 0,
            baseline_rss_kib: Some(20 * 1024),
            max_rss_kib: Some(max_rss_kib),
        }
    }

    #[test]
    fn checks_hold_the_figures_against_r12() {
        let fine = report(&[500_000; 400], &[2_000; 1000], 100 * 1024);
        let checks = fine.checks();
        assert!(
            checks[0].1.starts_with("40.0/s (400 in 10.0 s)"),
            "{checks:?}"
        );
        assert!(
            checks[1..].iter().all(|(_, c)| c.ends_with("met")),
            "{checks:?}"
        );
        // 20 MiB + 38 + 64 = 122 MiB allowed; 183 MiB is 50 % over.
        let bloated = report(&[500_000], &[80_000], 183 * 1024);
        let checks = bloated.checks();
        assert!(checks[2].1.ends_with("missed by 60 %"), "{checks:?}");
        assert!(
            checks[6].1.contains("(bound 122 MiB): missed by 50 %"),
            "{checks:?}"
        );
    }
}
