//! R31: request-rate quotas by category, per pool, with Cognito's defaults, and the limit
//! per client address behind trusted proxies (R29). A burst of SignUps is cut at the
//! UserCreation quota (50 per second) and the rest answered TooManyRequestsException, never
//! a server error.

use std::sync::Arc;
use std::time::Instant;

use cognate_testkit::{RawClient, RawResponse, ServerOptions, TestServer};
use serde_json::{Value, json};
use tokio::sync::Barrier;

use crate::open_server;

const REQUESTS: usize = 500;
const USER_CREATION_PER_SECOND: usize = 50;
/// The limiter's own answer; the password-hash gate (R12) also answers
/// TooManyRequestsException when saturated, with another message.
const USER_CREATION_REFUSED: &str = "Rate exceeded for UserCreation requests.";
const ADDRESS_REFUSED: &str = "Rate exceeded for requests from this source address.";

async fn server_with_config(toml: &str) -> (TestServer, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cognate.toml");
    std::fs::write(&path, toml).unwrap();
    let server = TestServer::start(ServerOptions {
        extra_args: vec!["--config".into(), path.display().to_string()],
        ..ServerOptions::default()
    })
    .await
    .expect("server starts");
    (server, dir)
}

/// A pool and an app client; returns (pool id, client id).
async fn pool_with_client(client: &RawClient, name: &str) -> (String, String) {
    let pool = client
        .idp("CreateUserPool", &json!({"PoolName": name}))
        .await;
    assert_eq!(pool.status, 200, "{}", pool.body);
    let pool_id = pool.json()["UserPool"]["Id"].as_str().unwrap().to_owned();
    let app = client
        .idp(
            "CreateUserPoolClient",
            &json!({"UserPoolId": pool_id, "ClientName": name}),
        )
        .await;
    assert_eq!(app.status, 200, "{}", app.body);
    let client_id = app.json()["UserPoolClient"]["ClientId"]
        .as_str()
        .unwrap()
        .to_owned();
    (pool_id, client_id)
}

/// A SignUp refused by the pool's password policy before any hashing, so that the hash gate
/// cannot blur the count of what the quota let through.
fn cheap_sign_up(client_id: &str, i: usize) -> Value {
    json!({
        "ClientId": client_id,
        "Username": format!("burst-user-{i}"),
        "Password": "short",
        "UserAttributes": [{"Name": "email", "Value": format!("burst-{i}@example.com")}],
    })
}

/// Sends every request at once (all tasks wait at a barrier); returns the answers and the
/// seconds from release to the last answer.
async fn burst(
    client: &Arc<RawClient>,
    requests: Vec<(&'static str, Value)>,
) -> (Vec<RawResponse>, f64) {
    let barrier = Arc::new(Barrier::new(requests.len() + 1));
    let tasks: Vec<_> = requests
        .into_iter()
        .map(|(operation, body)| {
            let client = client.clone();
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                client.idp(operation, &body).await
            })
        })
        .collect();
    barrier.wait().await;
    let started = Instant::now();
    let mut responses = Vec::new();
    for task in tasks {
        responses.push(task.await.unwrap());
    }
    (responses, started.elapsed().as_secs_f64())
}

/// How many the quota let through: everything but the limiter's refusals. Checks that no
/// answer is a server error and that refusals are Cognito's 400.
fn admitted(responses: &[RawResponse], refusal: &str) -> usize {
    responses
        .iter()
        .filter(|response| {
            assert!(response.status < 500, "5xx: {}", response.body);
            let refused = response.error_type() == "TooManyRequestsException"
                && response.message() == refusal;
            if refused {
                assert_eq!(response.status, 400, "{}", response.body);
            }
            !refused
        })
        .count()
}

/// The window admits at most the quota in any second, and after a full second's worth the
/// next admission comes 1.05 s after the first; traffic that lasted longer than that on a
/// slow machine may have been given one more second's worth per second.
fn assert_about_quota(admitted: usize, quota: usize, elapsed: f64, what: &str) {
    let extra_seconds = (elapsed - 1.05).max(0.0).ceil() as usize;
    let low = quota - quota / 10;
    let high = quota + quota / 10 + quota * extra_seconds;
    assert!(
        (low..=high).contains(&admitted),
        "{what}: {admitted} admitted in {elapsed:.3} s, expected {low}..={high}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signup_burst_is_cut_at_the_user_creation_quota() {
    let server = open_server().await;
    let client = Arc::new(RawClient::new(&server.url));
    let (_, client_id) = pool_with_client(&client, "quota").await;

    let requests = (0..REQUESTS)
        .map(|i| ("SignUp", cheap_sign_up(&client_id, i)))
        .collect();
    let (responses, elapsed) = burst(&client, requests).await;
    let accepted = admitted(&responses, USER_CREATION_REFUSED);
    // Whatever got past the limiter was refused for the short password, not throttled by
    // anything else.
    for response in &responses {
        let throttled = response.error_type() == "TooManyRequestsException";
        assert!(
            !throttled || response.message() == USER_CREATION_REFUSED,
            "{}",
            response.body
        );
    }
    eprintln!(
        "{accepted} admitted, {} throttled in {elapsed:.3} s",
        REQUESTS - accepted
    );
    assert_about_quota(accepted, USER_CREATION_PER_SECOND, elapsed, "SignUp burst");

    // A refusal costs no work, so it comes back fast. The quickest of several is taken, as
    // a round trip on a shared CI machine can stall now and then for reasons of its own.
    let mut refusals = Vec::new();
    for i in 0..40 {
        let body =
            json!({"ClientId": client_id, "Username": format!("late-{i}"), "Password": "short"});
        let sent = Instant::now();
        let response = client.idp("SignUp", &body).await;
        if response.error_type() == "TooManyRequestsException" {
            refusals.push(sent.elapsed());
        }
    }
    refusals.sort();
    assert!(
        !refusals.is_empty(),
        "back-to-back SignUps were never refused"
    );
    let fastest = refusals[0];
    assert!(
        fastest.as_secs_f64() < 0.005,
        "fastest refusal took {fastest:?}"
    );
    eprintln!(
        "refusals: fastest {fastest:?}, median {:?}",
        refusals[refusals.len() / 2]
    );

    // The same 500 spread evenly over one second (another app client, so a fresh budget):
    // a bucket refilling while it drains would let about twice the quota through.
    let (_, paced_client) = pool_with_client(&client, "quota-paced").await;
    let started = Instant::now();
    let tasks: Vec<_> = (0..REQUESTS)
        .map(|i| {
            let client = client.clone();
            let body = cheap_sign_up(&paced_client, i);
            let at = tokio::time::Instant::now()
                + std::time::Duration::from_micros(1_000_000 * i as u64 / REQUESTS as u64);
            tokio::spawn(async move {
                tokio::time::sleep_until(at).await;
                let sent = Instant::now();
                (sent, client.idp("SignUp", &body).await)
            })
        })
        .collect();
    let mut responses = Vec::new();
    let mut last_sent = started;
    for task in tasks {
        let (sent, response) = task.await.unwrap();
        last_sent = last_sent.max(sent);
        responses.push(response);
    }
    // What matters is over how long the requests were sent, not when the last answer came.
    let elapsed = (last_sent - started).as_secs_f64();
    let accepted = admitted(&responses, USER_CREATION_REFUSED);
    eprintln!(
        "paced: {accepted} admitted, {} throttled, sent over {elapsed:.3} s",
        REQUESTS - accepted
    );
    assert_about_quota(accepted, USER_CREATION_PER_SECOND, elapsed, "paced SignUps");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pools_have_independent_budgets() {
    let server = open_server().await;
    let client = Arc::new(RawClient::new(&server.url));
    let (pool_a, client_a) = pool_with_client(&client, "quota-a").await;
    let (pool_b, client_b) = pool_with_client(&client, "quota-b").await;

    // Both pools' public budgets at once, interleaved.
    let requests = (0..160)
        .map(|i| {
            let client_id = if i % 2 == 0 { &client_a } else { &client_b };
            ("SignUp", cheap_sign_up(client_id, i))
        })
        .collect();
    let (responses, elapsed) = burst(&client, requests).await;
    let (even, odd): (Vec<_>, Vec<_>) = responses
        .into_iter()
        .enumerate()
        .partition(|(i, _)| i % 2 == 0);
    let strip =
        |list: Vec<(usize, RawResponse)>| list.into_iter().map(|(_, r)| r).collect::<Vec<_>>();
    let admitted_a = admitted(&strip(even), USER_CREATION_REFUSED);
    let admitted_b = admitted(&strip(odd), USER_CREATION_REFUSED);
    eprintln!("SignUp: pool a {admitted_a}, pool b {admitted_b} in {elapsed:.3} s");
    assert_about_quota(admitted_a, USER_CREATION_PER_SECOND, elapsed, "pool a");
    assert_about_quota(admitted_b, USER_CREATION_PER_SECOND, elapsed, "pool b");

    // Admin operations draw on their pool's budget (the same category, keyed by pool id).
    let admin_create = |pool_id: &str, i: usize| {
        (
            "AdminCreateUser",
            json!({
                "UserPoolId": pool_id,
                "Username": format!("admin-made-{i}"),
                // Refused by the password policy: no hashing, no write.
                "TemporaryPassword": "short",
            }),
        )
    };
    let requests = (0..160)
        .map(|i| admin_create(if i % 2 == 0 { &pool_a } else { &pool_b }, i))
        .collect();
    let (responses, elapsed) = burst(&client, requests).await;
    let (even, odd): (Vec<_>, Vec<_>) = responses
        .into_iter()
        .enumerate()
        .partition(|(i, _)| i % 2 == 0);
    let admitted_a = admitted(&strip(even), USER_CREATION_REFUSED);
    let admitted_b = admitted(&strip(odd), USER_CREATION_REFUSED);
    eprintln!("AdminCreateUser: pool a {admitted_a}, pool b {admitted_b} in {elapsed:.3} s");
    assert_about_quota(
        admitted_a,
        USER_CREATION_PER_SECOND,
        elapsed,
        "admin pool a",
    );
    assert_about_quota(
        admitted_b,
        USER_CREATION_PER_SECOND,
        elapsed,
        "admin pool b",
    );
}

const PER_ADDRESS: usize = 5;

/// Sequential unsigned calls claiming to come from `forwarded_for`; how many were not
/// refused by the per-address limit.
async fn admitted_from(server: &TestServer, forwarded_for: &str, count: usize) -> usize {
    let http = reqwest::Client::new();
    let mut admitted = 0;
    for i in 0..count {
        let response = http
            .post(format!("{}/", server.url))
            .header("content-type", "application/x-amz-json-1.1")
            .header("x-amz-target", "AWSCognitoIdentityProviderService.SignUp")
            .header("x-forwarded-for", forwarded_for)
            .body(
                json!({"ClientId": "nosuchclient", "Username": format!("u{i}"), "Password": "short"})
                    .to_string(),
            )
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        assert!(status < 500, "5xx: {body}");
        let refused = body["__type"] == "TooManyRequestsException";
        if refused {
            assert_eq!(body["message"], ADDRESS_REFUSED, "{body}");
        } else {
            admitted += 1;
        }
    }
    admitted
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_address_limit_reads_forwarded_for_only_from_trusted_proxies() {
    // Categories off, so that only the per-address limit can refuse.
    let limits = format!(
        "[rate_limits]\nuser_authentication = 0\nuser_creation = 0\nuser_account_recovery = 0\nper_source_ip = {PER_ADDRESS}\n"
    );
    let (behind_proxy, _dir) =
        server_with_config(&format!("trusted_proxies = [\"127.0.0.1/32\"]\n{limits}")).await;
    // Each forwarded address has a budget of its own (the calls take well under a second).
    assert_eq!(
        admitted_from(&behind_proxy, "198.51.100.7", 2 * PER_ADDRESS).await,
        PER_ADDRESS
    );
    // The right-most address not of a trusted proxy is the client, whatever it wrote first.
    assert_eq!(
        admitted_from(&behind_proxy, "203.0.113.1, 198.51.100.7", 3).await,
        0
    );
    assert_eq!(
        admitted_from(&behind_proxy, "198.51.100.8", 2 * PER_ADDRESS).await,
        PER_ADDRESS
    );
    // The proxy's own calls (no header) come from loopback, which is exempt.
    let raw = RawClient::new(&behind_proxy.url);
    for _ in 0..20 {
        let response = raw
            .idp(
                "SignUp",
                &json!({"ClientId": "nosuchclient", "Username": "u", "Password": "short"}),
            )
            .await;
        assert_ne!(
            response.error_type(),
            "TooManyRequestsException",
            "{}",
            response.body
        );
    }

    // Without a trusted proxy the header means nothing: the peer is loopback, exempt, and a
    // forwarded address that would be limited is not.
    let (direct, _dir) = server_with_config(&limits).await;
    assert_eq!(admitted_from(&direct, "198.51.100.7", 20).await, 20);
}

/// Unsigned STS calls (AssumeRoleWithWebIdentity with a token that is not even a JWT)
/// claiming to come from `forwarded_for`; how many were not throttled.
async fn sts_admitted_from(server: &TestServer, forwarded_for: &str, count: usize) -> usize {
    let http = reqwest::Client::new();
    let mut admitted = 0;
    for _ in 0..count {
        let response = http
            .post(format!("{}/", server.url))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("x-forwarded-for", forwarded_for)
            .body(
                "Action=AssumeRoleWithWebIdentity&Version=2011-06-15\
                 &RoleArn=arn%3Aaws%3Aiam%3A%3A000000000000%3Arole%2FR\
                 &RoleSessionName=session&WebIdentityToken=not-a-token",
            )
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let body = response.text().await.unwrap_or_default();
        assert!(status < 500, "5xx: {body}");
        if body.contains("<Code>Throttling</Code>") {
            assert_eq!(status, 400);
        } else {
            // Admitted, then refused for its token: the limit came first.
            assert!(body.contains("<Code>InvalidIdentityToken</Code>"), "{body}");
            admitted += 1;
        }
    }
    admitted
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sts_web_identity_calls_share_the_per_address_limit() {
    let limits = format!(
        "[rate_limits]\nuser_authentication = 0\nuser_creation = 0\nuser_account_recovery = 0\nper_source_ip = {PER_ADDRESS}\n"
    );
    let (server, _dir) =
        server_with_config(&format!("trusted_proxies = [\"127.0.0.1/32\"]\n{limits}")).await;
    assert_eq!(
        sts_admitted_from(&server, "198.51.100.20", 2 * PER_ADDRESS).await,
        PER_ADDRESS
    );
    // One budget per address for the JSON operations and STS together (the calls take
    // well under a second): two SignUps leave three STS calls.
    assert_eq!(admitted_from(&server, "198.51.100.21", 2).await, 2);
    assert_eq!(
        sts_admitted_from(&server, "198.51.100.21", PER_ADDRESS).await,
        PER_ADDRESS - 2
    );
    // Loopback callers stay exempt.
    let (direct, _dir) = server_with_config(&limits).await;
    assert_eq!(sts_admitted_from(&direct, "198.51.100.20", 20).await, 20);
}
