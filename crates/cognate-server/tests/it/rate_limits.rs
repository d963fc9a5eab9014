//! R31: request-rate quotas by category, with Cognito's defaults. A burst of SignUps is
//! cut at the UserCreation quota (50 per second) and the rest answered
//! TooManyRequestsException, never a server error.

use std::sync::Arc;
use std::time::Instant;

use cognate_testkit::RawClient;
use serde_json::json;
use tokio::sync::Barrier;

use crate::open_server;

const REQUESTS: usize = 500;
const USER_CREATION_PER_SECOND: f64 = 50.0;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signup_burst_is_cut_at_the_user_creation_quota() {
    let server = open_server().await;
    let client = Arc::new(RawClient::new(&server.url));
    let pool = client
        .idp("CreateUserPool", &json!({"PoolName": "quota"}))
        .await;
    assert_eq!(pool.status, 200, "{}", pool.body);
    let pool_id = pool.json()["UserPool"]["Id"].as_str().unwrap().to_owned();
    let app = client
        .idp(
            "CreateUserPoolClient",
            &json!({"UserPoolId": pool_id, "ClientName": "quota"}),
        )
        .await;
    assert_eq!(app.status, 200, "{}", app.body);
    let client_id = app.json()["UserPoolClient"]["ClientId"]
        .as_str()
        .unwrap()
        .to_owned();

    // Every task waits at the barrier so the requests leave together; the window is
    // measured from the release to the last answer.
    let barrier = Arc::new(Barrier::new(REQUESTS + 1));
    let tasks: Vec<_> = (0..REQUESTS)
        .map(|i| {
            let client = client.clone();
            let barrier = barrier.clone();
            let body = json!({
                "ClientId": client_id,
                "Username": format!("burst-user-{i}"),
                // Too short for the pool's policy: refused before any hashing, so the
                // password-hash gate (R12), which also answers TooManyRequestsException
                // when saturated, cannot blur the count of what the quota let through.
                "Password": "short",
                "UserAttributes": [{"Name": "email", "Value": format!("burst-{i}@example.com")}],
            });
            tokio::spawn(async move {
                barrier.wait().await;
                client.idp("SignUp", &body).await
            })
        })
        .collect();
    barrier.wait().await;
    let started = Instant::now();
    let mut throttled = 0usize;
    let mut not_throttled = 0usize;
    for task in tasks {
        let response = task.await.unwrap();
        assert!(response.status < 500, "5xx: {}", response.body);
        if response.error_type() == "TooManyRequestsException" {
            assert_eq!(response.status, 400, "{}", response.body);
            throttled += 1;
        } else {
            // Accepted, or refused for a reason of its own: past the limiter either way.
            assert!(
                response.status == 200 || response.status / 100 == 4,
                "{}",
                response.body
            );
            not_throttled += 1;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    assert_eq!(throttled + not_throttled, REQUESTS);
    // The bucket starts with one second's worth (50); a window that runs past a second
    // earns more tokens, so allow for what a slow machine adds beyond that.
    let ceiling = 60.0 + USER_CREATION_PER_SECOND * (elapsed - 1.0).max(0.0);
    assert!(
        not_throttled >= 40 && (not_throttled as f64) <= ceiling,
        "{not_throttled} not throttled, {throttled} throttled in {elapsed:.3} s (ceiling {ceiling:.0})"
    );
    eprintln!("{not_throttled} not throttled, {throttled} throttled in {elapsed:.3} s");

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
}
