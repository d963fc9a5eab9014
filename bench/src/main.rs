//! `cognate-bench`: see `docs/benchmarks.md`.

// A benchmark must read the clock (see lib.rs); the binary may fail loudly.
#![allow(clippy::disallowed_methods)]

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};

use cognate_bench::client::Endpoint;
use cognate_bench::hash_ceiling::{self, HashCeiling};
use cognate_bench::report::{
    Restart, TargetResult, notes, render, render_ceiling, render_cpu, render_r38,
};
use cognate_bench::targets::{self, Settings, Target};
use cognate_bench::workload::{self, Op, Options};
use cognate_bench::{overload, selftest, stats};

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
    /// Argon2id hashes per second with Cognate's production parameters, one thread per
    /// core: the ceiling of password sign-in on this machine.
    HashCeiling {
        #[arg(long, default_value_t = 10.0)]
        duration_secs: f64,
    },
    /// R12's overload burst against a running endpoint: concurrent password sign-ins with
    /// 256-character passwords.
    Overload {
        /// e.g. http://127.0.0.1:9229
        #[arg(long)]
        endpoint: String,
        /// The server's process id, for its resident set (VmRSS) before and during the burst.
        #[arg(long)]
        pid: Option<u32>,
        /// Concurrent connections, each looping password sign-ins.
        #[arg(long, default_value_t = 400)]
        connections: usize,
        #[arg(long, default_value_t = 10.0)]
        duration_secs: f64,
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
        /// After the workload, R12's overload burst against each Cognate target.
        #[arg(long)]
        overload: bool,
        /// Concurrent connections of the overload burst.
        #[arg(long, default_value_t = 400)]
        overload_connections: usize,
        /// Seconds of the overload burst.
        #[arg(long, default_value_t = 10.0)]
        overload_secs: f64,
    },
}

/// The overload burst's shape.
#[derive(Clone, Copy)]
struct Burst {
    connections: usize,
    secs: f64,
}

impl Burst {
    fn options(self, pid: Option<u32>) -> overload::Options {
        overload::Options {
            connections: self.connections,
            duration: Duration::from_secs_f64(self.secs),
            pid,
        }
    }
}

#[derive(Args, Clone)]
struct WorkloadArgs {
    /// Users preloaded before the timed operations (100000 and 1000000 on request).
    #[arg(long, default_value_t = 10_000)]
    users: usize,
    /// Seconds per operation and concurrency, counted after the warm-up.
    #[arg(long, default_value_t = 10.0)]
    duration_secs: f64,
    /// Seconds of load before each measurement whose requests are not counted (R38: 10,
    /// with --duration-secs 60).
    #[arg(long, default_value_t = 0.0)]
    warmup_secs: f64,
    #[arg(long, value_delimiter = ',', default_value = "1,16")]
    concurrency: Vec<usize>,
    /// Give each preloaded user a temporary password (one Argon2 hash per user), as the
    /// preload did before; by default it sends none.
    #[arg(long)]
    preload_temporary_passwords: bool,
    /// Seconds of the password-hash ceiling measured first (0: none).
    #[arg(long, default_value_t = 5.0)]
    hash_ceiling_secs: f64,
}

impl WorkloadArgs {
    fn options(&self, server_pid: Option<u32>) -> Options {
        Options {
            users: self.users,
            duration: Duration::from_secs_f64(self.duration_secs),
            warmup: Duration::from_secs_f64(self.warmup_secs),
            temporary_passwords: self.preload_temporary_passwords,
            concurrency: self.concurrency.clone(),
            only: Vec::new(),
            server_pid,
        }
    }

    /// The hash ceiling, measured on an otherwise idle generator before any target runs.
    async fn hash_ceiling(&self) -> Result<Option<HashCeiling>> {
        if self.hash_ceiling_secs <= 0.0 {
            return Ok(None);
        }
        eprintln!(
            "measuring the password-hash ceiling ({} s)...",
            self.hash_ceiling_secs
        );
        let ceiling =
            hash_ceiling::measure_async(Duration::from_secs_f64(self.hash_ceiling_secs)).await?;
        eprintln!("  {}", ceiling.describe());
        Ok(Some(ceiling))
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
            let ceiling = args.hash_ceiling().await?;
            let idle_rss_kib = pid.and_then(targets::rss_kib);
            let report = workload::run_all(&endpoint, &args.options(pid)).await?;
            let result = TargetResult {
                name: endpoint.url(),
                idle_rss_kib,
                peak_rss_kib: pid.and_then(targets::peak_rss_kib),
                report: Some(report),
                ..TargetResult::default()
            };
            let results = [result];
            println!("{}", render(&results, &args.concurrency));
            println!("{}", render_cpu(&results, &args.concurrency));
            if let Some(ceiling) = &ceiling {
                println!("{}", render_ceiling(&results, ceiling));
            }
            println!("{}", render_r38(&results, ceiling.as_ref()));
            println!("{}", notes(&results));
        }
        Command::HashCeiling { duration_secs } => {
            let ceiling =
                hash_ceiling::measure_async(Duration::from_secs_f64(duration_secs)).await?;
            println!("password-hash ceiling: {}", ceiling.describe());
        }
        Command::Overload {
            endpoint,
            pid,
            connections,
            duration_secs,
        } => {
            let burst = Burst {
                connections,
                secs: duration_secs,
            };
            let endpoint = Endpoint::parse(&endpoint)?;
            let report = overload::run(&endpoint, burst.options(pid)).await;
            let report = report.map_err(|e| format!("{e:#}"));
            let column = format!("{} ({} connections)", endpoint.url(), burst.connections);
            println!("{}", overload::render(&[column], &[&report]));
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
            overload,
            overload_connections,
            overload_secs,
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
            let overload = overload.then_some(Burst {
                connections: overload_connections,
                secs: overload_secs,
            });
            compare(&targets, &settings, &args, overload, output).await?;
        }
    }
    Ok(())
}

async fn compare(
    targets: &[Target],
    settings: &Settings,
    args: &WorkloadArgs,
    overload: Option<Burst>,
    output: Option<PathBuf>,
) -> Result<()> {
    let hash_ceiling = if targets.iter().any(|t| t.is_cognate()) {
        args.hash_ceiling().await?
    } else {
        None
    };
    let ceiling = selftest::run(Duration::from_secs(2), &[16]).await?;
    let options = args.options(None);
    let mut results = Vec::new();
    for &target in targets {
        eprintln!("== {}", target.name());
        let mut result = TargetResult {
            name: target.name().into(),
            target: Some(target),
            ..TargetResult::default()
        };
        match targets::start(target, settings).await {
            Err(e) => result.failure = Some(format!("{e:#}")),
            Ok(running) => {
                eprintln!(
                    "  started in {:.0} ms on {}, idle RSS {}",
                    running.startup.as_secs_f64() * 1000.0,
                    running.endpoint.url(),
                    mib(running.idle_rss_kib),
                );
                result.startup = Some(running.startup);
                result.idle_rss_kib = running.idle_rss_kib;
                let options = Options {
                    server_pid: running.pid(),
                    ..options.clone()
                };
                match workload::run_all(&running.endpoint, &options).await {
                    Ok(report) => result.report = Some(report),
                    Err(e) => result.failure = Some(format!("{e:#}")),
                }
                // Before the burst, so that the row compares the workload alone.
                result.peak_rss_kib = running.peak_rss_kib();
                if target.is_cognate() {
                    if let Some(burst) = overload {
                        eprintln!("  overload: {} connections...", burst.connections);
                        let report = overload::run(&running.endpoint, burst.options(running.pid()))
                            .await
                            .map_err(|e| format!("{e:#}"));
                        match &report {
                            Ok(report) => eprintln!("  overload: {}", report.summary()),
                            Err(e) => eprintln!("  overload failed: {e}"),
                        }
                        result.overload = Some(report);
                    }
                    result.restart = Some(restart(running, settings).await);
                } else {
                    running.stop().await?;
                }
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
        "N = {} users, {} s per operation and concurrency after {} s of warm-up, concurrency \
         {:?}, preload {}.\n\
         Generator ceiling (self-test, trivial in-process server, c=16): {} req/s unsigned GET, \
         {} req/s SigV4-signed POST.\n\
         Password-hash ceiling: {}.\n\n",
        options.users,
        args.duration_secs,
        args.warmup_secs,
        options.concurrency,
        if options.temporary_passwords {
            "with temporary passwords"
        } else {
            "without temporary passwords"
        },
        ceiling
            .iter()
            .find(|(op, _, _)| *op == Op::Jwks)
            .map_or_else(|| "?".into(), |(_, _, f)| stats::rate(f.rps())),
        ceiling
            .iter()
            .find(|(op, _, _)| *op == Op::AdminGetUser)
            .map_or_else(|| "?".into(), |(_, _, f)| stats::rate(f.rps())),
        hash_ceiling
            .as_ref()
            .map_or_else(|| "not measured".into(), HashCeiling::describe),
    );
    text.push_str(&render(&results, &options.concurrency));
    text.push('\n');
    let cpu = render_cpu(&results, &options.concurrency);
    if !cpu.is_empty() {
        text.push_str(&cpu);
        text.push('\n');
    }
    if let Some(hash_ceiling) = &hash_ceiling {
        text.push_str(&render_ceiling(&results, hash_ceiling));
        text.push('\n');
    }
    let r38 = render_r38(&results, hash_ceiling.as_ref());
    if !r38.is_empty() {
        text.push_str(&r38);
        text.push('\n');
    }
    let bursts: Vec<(String, &Result<overload::Report, String>)> = results
        .iter()
        .filter_map(|r| r.overload.as_ref().map(|o| (r.name.clone(), o)))
        .collect();
    if let Some(burst) = overload
        && !bursts.is_empty()
    {
        let (columns, reports): (Vec<String>, Vec<_>) = bursts.into_iter().unzip();
        let _ = writeln!(
            text,
            "R12 overload: {} connections, each looping InitiateAuth USER_PASSWORD_AUTH with a \
             correct 256-character password for {} s after the workload:\n",
            burst.connections, burst.secs
        );
        text.push_str(&overload::render(&columns, &reports));
        text.push('\n');
    }
    text.push_str(&notes(&results));
    println!("{text}");
    if let Some(path) = output {
        std::fs::write(&path, &text).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// Stops a Cognate target, starts it again on the same data, reads its startup time and idle
/// RSS, and stops it for good (which removes the data).
async fn restart(running: targets::Running, settings: &Settings) -> Result<Restart, String> {
    let again = running
        .restart(settings)
        .await
        .map_err(|e| format!("{e:#}"))?;
    let restart = Restart {
        startup: again.startup,
        idle_rss_kib: again.idle_rss_kib,
    };
    eprintln!(
        "  restarted on the same data in {:.0} ms, idle RSS {}",
        restart.startup.as_secs_f64() * 1000.0,
        mib(restart.idle_rss_kib)
    );
    if let Err(e) = again.stop().await {
        eprintln!("  cleaning up after the restart failed: {e:#}");
    }
    Ok(restart)
}

fn mib(kib: Option<u64>) -> String {
    kib.map_or_else(
        || "unknown".into(),
        |k| format!("{:.1} MiB", k as f64 / 1024.0),
    )
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
