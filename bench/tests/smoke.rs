//! The workload, briefly, against the debug binary: every operation must answer, without a
//! single error. No timing is asserted (the project's rule): this checks the harness and
//! the server's answers, not their speed.

use std::time::Duration;

use cognate_bench::client::Endpoint;
use cognate_bench::stats::Outcome;
use cognate_bench::targets::COGNATE_CONFIG;
use cognate_bench::workload::{self, Options};
use cognate_testkit::{ServerOptions, TestServer};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_answers_without_errors() {
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
    let options = Options {
        users: 20,
        duration: Duration::from_secs(1),
        concurrency: vec![1, 2],
        only: Vec::new(),
        server_pid: server.pid(),
    };
    let report = workload::run_all(&endpoint, &options).await.unwrap();
    assert_eq!(report.rows.len(), 10 * options.concurrency.len());
    for (op, c, outcome) in &report.rows {
        match outcome {
            Outcome::NotYet => assert!(op.not_yet(), "{} is written", op.name()),
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
}
