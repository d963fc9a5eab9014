//! `cognate-bench`: see `docs/benchmarks.md`.

// A benchmark must read the clock (see lib.rs); the binary may fail loudly.
#![allow(clippy::disallowed_methods)]

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};

use cognate_bench::client::Endpoint;
use cognate_bench::report::{TargetResult, notes, render, render_cpu};
use cognate_bench::targets::{self, Settings, Target};
use cognate_bench::workload::{self, Op, Options};
use cognate_bench::{selftest, stats};

#[derive(Parser)]
#[command(
    name = "cognate-bench",
    about = "Load generator for Cognito-compatible endpoints"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// The workload against a running endpoint.
    Run {
        /// e.g. http://127.0.0.1:9229
        #[arg(long)]
        endpoint: String,
        /// The server's process id, to report its peak RSS.
        #[arg(long)]
        pid: Option<u32>,
        #[command(flatten)]
        workload: WorkloadArgs,
    },
    /// The generator against a trivial in-process hyper server: its own ceiling.
    #[command(long_flag = "self-test")]
    SelfTest {
        #[arg(long, default_value_t = 5.0)]
        duration_secs: f64,
        #[arg(long, value_delimiter = ',', default_value = "1,16")]
        concurrency: Vec<usize>,
    },
    /// Cognate (SQLite, PostgreSQL), moto and cognito-local in turn, one table.
    Compare {
        #[command(flatten)]
        workload: WorkloadArgs,
        /// Which targets, in order.
        #[arg(
            long,
            value_delimiter = ',',
            default_value = "sqlite,postgres,moto,cognito-local"
        )]
        targets: Vec<String>,
        /// The Cognate binary; by default `cargo build --release -p cognate-server` is run
        /// and target/release/cognate used.
        #[arg(long)]
        cognate_bin: Option<PathBuf>,
        #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/test")]
        postgres_url: String,
        /// Where cognito-local is installed (npm) on first use.
        #[arg(long)]
        cache_dir: Option<PathBuf>,
        /// Also write the table and notes to this file.
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

#[derive(Args, Clone)]
struct WorkloadArgs {
    /// Users preloaded before the timed operations (100000 and 1000000 on request).
    #[arg(long, default_value_t = 10_000)]
    users: usize,
    /// Seconds per operation and concurrency.
    #[arg(long, default_value_t = 10.0)]
    duration_secs: f64,
    #[arg(long, value_delimiter = ',', default_value = "1,16")]
    concurrency: Vec<usize>,
}

impl WorkloadArgs {
    fn options(&self, server_pid: Option<u32>) -> Options {
        Options {
            users: self.users,
            duration: Duration::from_secs_f64(self.duration_secs),
            concurrency: self.concurrency.clone(),
            only: Vec::new(),
            server_pid,
        }
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    match Cli::parse().command {
        Command::Run {
            endpoint,
            pid,
            workload: args,
        } => {
            let endpoint = Endpoint::parse(&endpoint)?;
            let report = workload::run_all(&endpoint, &args.options(pid)).await?;
            let result = TargetResult {
                name: endpoint.url(),
                target: None,
                startup: None,
                peak_rss_kib: pid.and_then(targets::peak_rss_kib),
                report: Some(report),
                failure: None,
            };
            let results = [result];
            println!("{}", render(&results, &args.concurrency));
            println!("{}", render_cpu(&results, &args.concurrency));
            println!("{}", notes(&results));
        }
        Command::SelfTest {
            duration_secs,
            concurrency,
        } => {
            selftest::run(Duration::from_secs_f64(duration_secs), &concurrency).await?;
        }
        Command::Compare {
            workload: args,
            targets: names,
            cognate_bin,
            postgres_url,
            cache_dir,
            output,
        } => {
            let targets = names
                .iter()
                .map(|name| {
                    Target::ALL
                        .into_iter()
                        .find(|t| t.key() == name)
                        .with_context(|| format!("unknown target {name}"))
                })
                .collect::<Result<Vec<_>>>()?;
            let cognate_bin = match cognate_bin {
                Some(bin) => bin,
                None => build_cognate()?,
            };
            let cache_dir = match cache_dir {
                Some(dir) => dir,
                None => PathBuf::from(std::env::var("HOME").unwrap_or_else(|_| ".".into()))
                    .join(".cache/cognate-bench"),
            };
            let settings = Settings {
                cognate_bin,
                postgres_url,
                cache_dir,
            };
            compare(&targets, &settings, &args, output).await?;
        }
    }
    Ok(())
}

async fn compare(
    targets: &[Target],
    settings: &Settings,
    args: &WorkloadArgs,
    output: Option<PathBuf>,
) -> Result<()> {
    let ceiling = selftest::run(Duration::from_secs(2), &[16]).await?;
    let options = args.options(None);
    let mut results = Vec::new();
    for &target in targets {
        eprintln!("== {}", target.name());
        let mut result = TargetResult {
            name: target.name().into(),
            target: Some(target),
            startup: None,
            peak_rss_kib: None,
            report: None,
            failure: None,
        };
        match targets::start(target, settings).await {
            Err(e) => result.failure = Some(format!("{e:#}")),
            Ok(running) => {
                eprintln!(
                    "  started in {:.0} ms on {}",
                    running.startup.as_secs_f64() * 1000.0,
                    running.endpoint.url()
                );
                result.startup = Some(running.startup);
                let options = Options {
                    server_pid: running.pid(),
                    ..options.clone()
                };
                match workload::run_all(&running.endpoint, &options).await {
                    Ok(report) => result.report = Some(report),
                    Err(e) => result.failure = Some(format!("{e:#}")),
                }
                result.peak_rss_kib = running.peak_rss_kib();
                running.stop().await?;
            }
        }
        if let Some(failure) = &result.failure {
            eprintln!("  failed: {failure}");
        }
        results.push(result);
        // The table so far, so that a long run that is stopped still leaves its figures.
        if let Some(path) = &output {
            let text = render(&results, &options.concurrency);
            std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
        }
    }
    let mut text = format!(
        "N = {} users, {} s per operation and concurrency, concurrency {:?}.\n\
         Generator ceiling (self-test, trivial in-process server, c=16): {} req/s unsigned GET, \
         {} req/s SigV4-signed POST.\n\n",
        options.users,
        args.duration_secs,
        options.concurrency,
        ceiling
            .iter()
            .find(|(op, _, _)| *op == Op::Jwks)
            .map_or_else(|| "?".into(), |(_, _, f)| stats::rate(f.rps())),
        ceiling
            .iter()
            .find(|(op, _, _)| *op == Op::AdminGetUser)
            .map_or_else(|| "?".into(), |(_, _, f)| stats::rate(f.rps())),
    );
    text.push_str(&render(&results, &options.concurrency));
    text.push('\n');
    let cpu = render_cpu(&results, &options.concurrency);
    if !cpu.is_empty() {
        text.push_str(&cpu);
        text.push('\n');
    }
    text.push_str(&notes(&results));
    println!("{text}");
    if let Some(path) = output {
        std::fs::write(&path, &text).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// `cargo build --release -p cognate-server`; returns the binary's path.
fn build_cognate() -> Result<PathBuf> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let workspace = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    eprintln!("building the Cognate release binary (cargo build --release -p cognate-server)");
    let mut command = std::process::Command::new(cargo);
    // `cargo run` gives this process its package's CARGO_PKG_* and CARGO_MANIFEST_* variables;
    // some build scripts (ring's) rerun when those change, which would rebuild half the tree.
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if name.starts_with("CARGO_PKG_")
            || name.starts_with("CARGO_MANIFEST_")
            || [
                "CARGO_CRATE_NAME",
                "CARGO_BIN_NAME",
                "CARGO_PRIMARY_PACKAGE",
            ]
            .contains(&name.as_ref())
        {
            command.env_remove(name.as_ref());
        }
    }
    let status = command
        .args(["build", "--release", "-p", "cognate-server"])
        .current_dir(&workspace)
        .status()
        .context("running cargo build")?;
    if !status.success() {
        bail!("cargo build --release -p cognate-server failed ({status})");
    }
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| workspace.join("target"));
    Ok(target.join("release/cognate"))
}
