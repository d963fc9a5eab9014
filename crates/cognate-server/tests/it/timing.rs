//! R6: no timing oracle. With production hash parameters (the server's only ones) and
//! `PreventUserExistenceErrors` ENABLED, InitiateAuth must take the same time for an
//! unknown user, an existing user with a wrong password, an existing user with a
//! whitespace-only password, an unconfirmed or disabled user, and a user never signed in
//! before.
//!
//! Timed, so ignored by default; run it on a quiet machine with
//! `cargo nextest run -p cognate-server --run-ignored only timing --no-capture`.
//! `COGNATE_TIMING_ROUNDS` sets the calls per case (default 300). Two variants run one after
//! the other: users created case by case and called in a fixed order, then users created
//! round-robin across the cases (so their rows and pages are alike) and called in an order
//! shuffled every round.

use std::sync::Arc;
use std::time::{Duration, Instant};

use cognate_testkit::{RawClient, RawResponse, ServerOptions, TestServer};
use serde_json::{Value, json};
use tokio::sync::Semaphore;

const PASSWORD: &str = "Correct-Horse-9";
const WRONG: &str = "Wrong-Horse-9x";
const WHITESPACE: &str = "   ";
/// Cognito's lockout gives five free failures; four per user never reach it.
const FAILURES_PER_USER: usize = 4;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Case {
    Unknown,
    WrongPassword,
    WhitespacePassword,
    UnconfirmedOrDisabled,
    NeverSeen,
}

const CASES: [Case; 5] = [
    Case::Unknown,
    Case::WrongPassword,
    Case::WhitespacePassword,
    Case::UnconfirmedOrDisabled,
    Case::NeverSeen,
];

impl Case {
    fn label(self) -> &'static str {
        match self {
            Case::Unknown => "(a) unknown user",
            Case::WrongPassword => "(b) wrong password",
            Case::WhitespacePassword => "(c) whitespace password",
            Case::UnconfirmedOrDisabled => "(d) unconfirmed/disabled",
            Case::NeverSeen => "(e) never seen before",
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// Users created case by case, cases called in a fixed order.
    Blocks,
    /// Users created round-robin, case order shuffled each round.
    Interleaved,
}

struct Stats {
    median: f64,
    p10: f64,
    p90: f64,
}

fn stats(samples: &mut [Duration]) -> Stats {
    samples.sort();
    let at = |q: f64| {
        let index = ((samples.len() - 1) as f64 * q).round() as usize;
        samples[index].as_secs_f64() * 1000.0
    };
    Stats {
        median: at(0.5),
        p10: at(0.1),
        p90: at(0.9),
    }
}

/// A small deterministic generator for the shuffles: the runs are repeatable.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            items.swap(i, j);
        }
    }
}

async fn start() -> (TestServer, tempfile::TempDir) {
    // Quotas off: setup creates users as fast as the hasher allows, and no measured call
    // may meet a refusal.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cognate.toml");
    std::fs::write(
        &path,
        "[rate_limits]\nuser_authentication = 0\nuser_creation = 0\nuser_account_recovery = 0\nper_source_ip = 0\n",
    )
    .unwrap();
    let server = TestServer::start(ServerOptions {
        extra_args: vec!["--config".into(), path.display().to_string()],
        ..ServerOptions::default()
    })
    .await
    .expect("server starts");
    (server, dir)
}

/// Retries a call the password-hash gate turned away (setup runs several at once).
async fn call(client: &RawClient, operation: &str, body: &Value) -> RawResponse {
    loop {
        let response = client.idp(operation, body).await;
        if response.error_type() != "TooManyRequestsException" {
            return response;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[derive(Clone, Copy)]
enum Make {
    Confirmed,
    Unconfirmed,
    Disabled,
}

async fn make_user(client: &RawClient, pool_id: &str, client_id: &str, name: &str, make: Make) {
    let response = call(
        client,
        "SignUp",
        &json!({"ClientId": client_id, "Username": name, "Password": PASSWORD}),
    )
    .await;
    assert_eq!(response.status, 200, "{}", response.body);
    if matches!(make, Make::Unconfirmed) {
        return;
    }
    let response = call(
        client,
        "AdminConfirmSignUp",
        &json!({"UserPoolId": pool_id, "Username": name}),
    )
    .await;
    assert_eq!(response.status, 200, "{}", response.body);
    if matches!(make, Make::Disabled) {
        let response = call(
            client,
            "AdminDisableUser",
            &json!({"UserPoolId": pool_id, "Username": name}),
        )
        .await;
        assert_eq!(response.status, 200, "{}", response.body);
    }
}

/// Creates the named users, a few at a time.
async fn make_users(
    client: &Arc<RawClient>,
    pool_id: &str,
    client_id: &str,
    users: Vec<(String, Make)>,
) {
    let gate = Arc::new(Semaphore::new(4));
    let tasks: Vec<_> = users
        .into_iter()
        .map(|(name, make)| {
            let client = client.clone();
            let gate = gate.clone();
            let pool_id = pool_id.to_owned();
            let client_id = client_id.to_owned();
            tokio::spawn(async move {
                let _permit = gate.acquire().await.unwrap();
                make_user(&client, &pool_id, &client_id, &name, make).await;
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
}

/// The username and password of the `round`-th call of `case`.
fn attempt(case: Case, round: usize) -> (String, &'static str) {
    match case {
        Case::Unknown => (format!("ghost-{round}"), WRONG),
        Case::WrongPassword => (format!("b-{}", round / FAILURES_PER_USER), WRONG),
        Case::WhitespacePassword => (format!("c-{}", round / FAILURES_PER_USER), WHITESPACE),
        Case::UnconfirmedOrDisabled => {
            if round.is_multiple_of(2) {
                (format!("d-unconfirmed-{}", round / 2 % 8), WRONG)
            } else {
                (format!("d-disabled-{}", round / 2 % 8), WRONG)
            }
        }
        Case::NeverSeen => (format!("e-{round}"), WRONG),
    }
}

/// The users the calls need, with how each is made, in the order they are created.
fn users_for(rounds: usize, layout: Layout) -> Vec<(String, Make)> {
    let reused = rounds.div_ceil(FAILURES_PER_USER);
    let lists: Vec<Vec<(String, Make)>> = vec![
        (0..reused)
            .map(|i| (format!("b-{i}"), Make::Confirmed))
            .collect(),
        (0..reused)
            .map(|i| (format!("c-{i}"), Make::Confirmed))
            .collect(),
        (0..8)
            .flat_map(|i| {
                [
                    (format!("d-unconfirmed-{i}"), Make::Unconfirmed),
                    (format!("d-disabled-{i}"), Make::Disabled),
                ]
            })
            .collect(),
        (0..rounds)
            .map(|i| (format!("e-{i}"), Make::Confirmed))
            .collect(),
    ];
    match layout {
        Layout::Blocks => lists.into_iter().flatten().collect(),
        Layout::Interleaved => {
            let longest = lists.iter().map(Vec::len).max().unwrap_or(0);
            let mut out = Vec::new();
            for i in 0..longest {
                for list in &lists {
                    if let Some(user) = list.get(i) {
                        out.push(user.clone());
                    }
                }
            }
            out
        }
    }
}

fn expected(case: Case, round: usize, response: &RawResponse) {
    let (code, message) = match case {
        Case::UnconfirmedOrDisabled if round.is_multiple_of(2) => {
            ("UserNotConfirmedException", "User is not confirmed.")
        }
        Case::UnconfirmedOrDisabled => ("NotAuthorizedException", "User is disabled."),
        _ => ("NotAuthorizedException", "Incorrect username or password."),
    };
    assert_eq!(response.status, 400, "{:?}: {}", case, response.body);
    assert_eq!(response.error_type(), code, "{:?}: {}", case, response.body);
    assert_eq!(response.message(), message, "{:?}: {}", case, response.body);
}

/// Runs one variant; returns each case's statistics.
async fn run(layout: Layout, rounds: usize) -> Vec<(Case, Stats)> {
    let (server, _dir) = start().await;
    let client = Arc::new(RawClient::new(&server.url));
    let pool = client
        .idp("CreateUserPool", &json!({"PoolName": "timing"}))
        .await;
    assert_eq!(pool.status, 200, "{}", pool.body);
    let pool_id = pool.json()["UserPool"]["Id"].as_str().unwrap().to_owned();
    let app = client
        .idp(
            "CreateUserPoolClient",
            &json!({
                "UserPoolId": pool_id,
                "ClientName": "timing",
                "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
                "PreventUserExistenceErrors": "ENABLED",
            }),
        )
        .await;
    assert_eq!(app.status, 200, "{}", app.body);
    let client_id = app.json()["UserPoolClient"]["ClientId"]
        .as_str()
        .unwrap()
        .to_owned();

    let setup = Instant::now();
    make_users(&client, &pool_id, &client_id, users_for(rounds, layout)).await;
    eprintln!("setup: {:.1} s", setup.elapsed().as_secs_f64());

    let sign_in = |username: &str, password: &str| {
        json!({
            "AuthFlow": "USER_PASSWORD_AUTH",
            "ClientId": client_id,
            "AuthParameters": {"USERNAME": username, "PASSWORD": password},
        })
    };
    // Warm the process (connection, statements, first hash) outside the measurement.
    for i in 0..5 {
        client
            .idp("InitiateAuth", &sign_in(&format!("warm-{i}"), WRONG))
            .await;
    }

    let mut samples: Vec<Vec<Duration>> = vec![Vec::with_capacity(rounds); CASES.len()];
    let mut rng = Lcg(0x5eed);
    let mut order: Vec<usize> = (0..CASES.len()).collect();
    for round in 0..rounds {
        if layout == Layout::Interleaved {
            rng.shuffle(&mut order);
        }
        for &index in &order {
            let case = CASES[index];
            let (username, password) = attempt(case, round);
            let body = sign_in(&username, password);
            let sent = Instant::now();
            let response = client.idp("InitiateAuth", &body).await;
            let took = sent.elapsed();
            expected(case, round, &response);
            samples[index].push(took);
        }
    }
    CASES
        .iter()
        .zip(samples.iter_mut())
        .map(|(&case, list)| (case, stats(list)))
        .collect()
}

fn report_and_check(name: &str, results: &[(Case, Stats)]) -> Vec<String> {
    eprintln!("{name}: median / p10 / p90 in ms");
    for (case, s) in results {
        eprintln!(
            "  {:<26} {:>8.2} {:>8.2} {:>8.2}",
            case.label(),
            s.median,
            s.p10,
            s.p90
        );
    }
    let mut failures = Vec::new();
    for (i, (case_a, a)) in results.iter().enumerate() {
        for (case_b, b) in &results[i + 1..] {
            let pair = format!("{name}: {} vs {}", case_a.label(), case_b.label());
            let median_bound = (a.median.min(b.median) * 0.10).max(5.0);
            if (a.median - b.median).abs() > median_bound {
                failures.push(format!(
                    "{pair}: medians {:.2} and {:.2} ms differ by more than {median_bound:.2} ms",
                    a.median, b.median
                ));
            }
            for (what, x, y) in [("p10", a.p10, b.p10), ("p90", a.p90, b.p90)] {
                if (x - y).abs() > x.min(y) * 0.15 {
                    failures.push(format!(
                        "{pair}: {what} {x:.2} and {y:.2} ms differ by more than 15 %"
                    ));
                }
            }
        }
    }
    failures
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "timed: run explicitly on a quiet machine (R6)"]
async fn timing_sign_in_answers_take_the_same_time() {
    let rounds = std::env::var("COGNATE_TIMING_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let mut failures = Vec::new();
    for (name, layout) in [
        ("users in blocks, fixed order", Layout::Blocks),
        ("users interleaved, shuffled order", Layout::Interleaved),
    ] {
        let results = run(layout, rounds).await;
        failures.extend(report_and_check(name, &results));
    }
    assert!(
        failures.is_empty(),
        "R6 bounds exceeded:\n{}",
        failures.join("\n")
    );
}
