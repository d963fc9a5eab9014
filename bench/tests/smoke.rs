//! The harness, briefly, against the debug binary: every operation and every mode must
//! answer without a single error. No timing is asserted (the project's rule): this checks
//! the harness and the server's answers, not their speed.
//!
//! The modes that load the machine (the workload, the hash ceiling, the overload burst) run
//! one after the other in one test: run side by side on two cores, they would slow each
//! other's hashes past the server's queue bound and turn answers into refusals.

use std::time::Duration;

use cognate_bench::client::{Conn, Endpoint};
use cognate_bench::hash_ceiling;
use cognate_bench::overload;
use cognate_bench::report::{TargetResult, render, render_ceiling, render_r38};
use cognate_bench::stats::Outcome;
use cognate_bench::targets::{self, COGNATE_CONFIG, Settings, Target};
use cognate_bench::workload::{self, Op, Options};
use cognate_testkit::{ServerOptions, TestServer};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_and_mode_answers_without_errors() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("cognate.toml");
    std::fs::write(&config, COGNATE_CONFIG).unwrap();
    let server = TestServer::start(ServerOptions {
        extra_args: vec!["--config".into(), config.display().to_string()],
        ..ServerOptions::default()
    })
    .await
    .unwrap();
    let endpoint = Endpoint::parse(&server.url).unwrap();
    // Concurrency 2 at most: the debug build hashes slowly, and more concurrent hashes than
    // cores would queue at the hash gate, which may shed load (TooManyRequestsException).
    // A short warm-up exercises the uncounted part of each measurement.
    let options = Options {
        users: 20,
        duration: Duration::from_millis(600),
        warmup: Duration::from_millis(200),
        temporary_passwords: false,
        concurrency: vec![1, 2],
        only: Vec::new(),
        server_pid: server.pid(),
    };
    let report = workload::run_all(&endpoint, &options).await.unwrap();
    assert_eq!(report.rows.len(), Op::ALL.len() * options.concurrency.len());
    assert_eq!(report.top_concurrency, 2);
    for (op, c, outcome) in &report.rows {
        match outcome {
            Outcome::NotYet => assert!(op.not_yet(), "{} is written", op.name()),
            // Cognate does not serve /oauth2/token yet: the probe must say so rather than
            // the run fail. Once it does, the grant is measured like every other operation.
            Outcome::Unsupported(_) if *op == Op::ClientCredentials => {}
            Outcome::Unsupported(reason) => panic!("{} unsupported: {reason}", op.name()),
            Outcome::Measured(figures) => {
                assert!(figures.requests > 0, "{} c={c}: no request", op.name());
                assert!(
                    figures.server_cpu_us.is_some(),
                    "{} c={c}: the server's CPU time was not read",
                    op.name()
                );
                assert_eq!(
                    figures.errors,
                    0,
                    "{} c={c}: first error: {:?}",
                    op.name(),
                    figures.first_error
                );
            }
        }
    }

    // The hash ceiling, with the production parameters.
    let ceiling = hash_ceiling::measure_async(Duration::from_secs(1))
        .await
        .unwrap();
    assert!(ceiling.hashes > 0, "{ceiling:?}");
    assert_eq!(
        (ceiling.params.m_kib, ceiling.params.t, ceiling.params.p),
        (19456, 2, 1)
    );

    // The sections that read the report: one verdict per R38 floor.
    let results = [TargetResult {
        name: "Cognate".into(),
        report: Some(report),
        ..TargetResult::default()
    }];
    let table = render(&results, &options.concurrency);
    assert!(
        table.contains("| OAuth client_credentials | 2 |"),
        "{table}"
    );
    let against = render_ceiling(&results, &ceiling);
    assert!(against.contains("% of the ceiling"), "{against}");
    let r38 = render_r38(&results, Some(&ceiling));
    for floor in ["(a)", "(b)", "(c)", "(d)", "(e)"] {
        assert!(r38.contains(floor), "{r38}");
    }
    assert!(r38.contains("| (c) client_credentials ≥ 240/s, 0 errors | unsupported: missed |"));

    // R12's burst, smaller: enough connections to pass the gate's admission bound on two
    // cores (twice its permits and queue), so some answers are refusals.
    let burst = overload::run(
        &endpoint,
        overload::Options {
            connections: 100,
            duration: Duration::from_secs(1),
            pid: server.pid(),
        },
    )
    .await
    .unwrap();
    assert_eq!(burst.server_errors, 0, "{}", burst.summary());
    assert_eq!(burst.other_errors, 0, "{}", burst.summary());
    assert!(
        !burst.accepted.is_empty() || !burst.throttled.is_empty(),
        "{}",
        burst.summary()
    );
    assert!(!burst.jwks.is_empty() && burst.jwks_errors == 0);
    assert!(burst.baseline_rss_kib.is_some() && burst.max_rss_kib.is_some());
    let checks = overload::render(&["Cognate".into()], &[&Ok(burst)]);
    assert!(checks.contains("max RSS ≤ baseline"), "{checks}");
}

/// `compare`'s restart: a Cognate target stopped and started again on its data finds it.
#[tokio::test]
async fn a_restarted_target_keeps_its_data() {
    let settings = Settings {
        cognate_bin: cognate_testkit::cognate_bin(),
        postgres_url: String::new(),
        cache_dir: std::env::temp_dir(),
    };
    let running = targets::start(Target::CognateSqlite, &settings)
        .await
        .unwrap();
    assert!(running.idle_rss_kib.is_some());
    let endpoint = running.endpoint.clone();
    let created = Conn::new(&endpoint)
        .send(&endpoint.idp("CreateUserPool", &json!({"PoolName": "kept"}), true))
        .await
        .unwrap();
    let pool_id = created.json()["UserPool"]["Id"]
        .as_str()
        .unwrap()
        .to_owned();

    let again = running.restart(&settings).await.unwrap();
    assert!(again.idle_rss_kib.is_some());
    let described = Conn::new(&again.endpoint)
        .send(
            &again
                .endpoint
                .idp("DescribeUserPool", &json!({"UserPoolId": pool_id}), true),
        )
        .await
        .unwrap();
    assert!(described.status.is_success(), "{}", described.describe());
    again.stop().await.unwrap();
}
