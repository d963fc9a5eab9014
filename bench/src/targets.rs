//! The servers compared: each started on loopback on a port of its own, timed to its first
//! answered request, measured (peak RSS) and stopped.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use tokio::process::{Child, Command};

use crate::client::{Conn, Endpoint};

/// The cognito-local release compared against (installed on demand, outside the repo).
pub const COGNITO_LOCAL_VERSION: &str = "5.3.0";

const START_TIMEOUT: Duration = Duration::from_secs(120);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    CognateSqlite,
    CognatePostgres,
    Moto,
    CognitoLocal,
}

impl Target {
    pub const ALL: [Target; 4] = [
        Target::CognateSqlite,
        Target::CognatePostgres,
        Target::Moto,
        Target::CognitoLocal,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Target::CognateSqlite => "Cognate SQLite",
            Target::CognatePostgres => "Cognate PostgreSQL",
            Target::Moto => "moto",
            Target::CognitoLocal => "cognito-local",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Target::CognateSqlite => "sqlite",
            Target::CognatePostgres => "postgres",
            Target::Moto => "moto",
            Target::CognitoLocal => "cognito-local",
        }
    }

    pub fn is_cognate(self) -> bool {
        matches!(self, Target::CognateSqlite | Target::CognatePostgres)
    }
}

/// What starting the targets needs.
#[derive(Clone, Debug)]
pub struct Settings {
    pub cognate_bin: PathBuf,
    pub postgres_url: String,
    pub cache_dir: PathBuf,
}

/// A started server; stopped (and its schema dropped) by `stop`.
pub struct Running {
    pub target: Target,
    pub endpoint: Endpoint,
    /// From spawning the process to its first answered HTTP request.
    pub startup: Duration,
    child: Child,
    dir: tempfile::TempDir,
    schema: Option<(String, String)>,
}

/// Cognate's request-rate quotas would throttle the benchmark: all off (0 = unlimited).
pub const COGNATE_CONFIG: &str = "\
[rate_limits]
user_authentication = 0
user_creation = 0
user_account_recovery = 0
per_source_ip = 0
";

pub async fn start(target: Target, settings: &Settings) -> Result<Running> {
    let dir = tempfile::tempdir()?;
    let port = free_port()?;
    let log = std::fs::File::create(dir.path().join("server.log"))?;
    let mut schema = None;
    let mut command = match target {
        Target::CognateSqlite | Target::CognatePostgres => {
            let config = dir.path().join("cognate.toml");
            std::fs::write(&config, COGNATE_CONFIG)?;
            let mut command = Command::new(&settings.cognate_bin);
            command
                .arg("serve")
                .arg("--listen")
                .arg(format!("127.0.0.1:{port}"))
                .arg("--data-dir")
                .arg(dir.path().join("data"))
                .arg("--config")
                .arg(&config)
                .env_remove("COGNATE_ADMIN_CREDENTIALS")
                .env_remove("COGNATE_DATABASE_URL")
                .env_remove("COGNATE_DATABASE_SCHEMA")
                .env_remove("COGNATE_CONFIG")
                .env_remove("COGNATE_ALLOW_COMMON_PASSWORDS")
                .env("RUST_LOG", "warn");
            if target == Target::CognatePostgres {
                let name = format!("bench_{}", uuid::Uuid::new_v4().simple());
                psql(&settings.postgres_url, &format!("CREATE SCHEMA {name}"))?;
                command
                    .arg("--database-url")
                    .arg(&settings.postgres_url)
                    .arg("--database-schema")
                    .arg(&name);
                schema = Some((settings.postgres_url.clone(), name));
            }
            command
        }
        Target::Moto => {
            let mut command = Command::new("python3");
            command.args([
                "-m",
                "moto.server",
                "-H",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ]);
            command
        }
        Target::CognitoLocal => {
            let script = install_cognito_local(&settings.cache_dir)?;
            // cognito-local defaults pools to email user names; Cognito does not.
            let config = dir.path().join(".cognito");
            std::fs::create_dir_all(&config)?;
            std::fs::write(
                config.join("config.json"),
                r#"{"UserPoolDefaults":{"UsernameAttributes":[]}}"#,
            )?;
            let mut command = Command::new("node");
            // cognito-local keeps its config and database in ./.cognito: a fresh one.
            command
                .arg(script)
                .env("PORT", port.to_string())
                .env("HOST", "127.0.0.1");
            command
        }
    };
    command
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .kill_on_drop(true);
    let endpoint = Endpoint::parse(&format!("http://127.0.0.1:{port}"))?;
    let spawned = Instant::now();
    let mut child = command
        .spawn()
        .with_context(|| format!("starting {}", target.name()))?;
    let startup = match wait_ready(&endpoint, &mut child, spawned).await {
        Ok(startup) => startup,
        Err(e) => {
            let log = std::fs::read_to_string(dir.path().join("server.log")).unwrap_or_default();
            if let Some((url, name)) = &schema {
                let _ = psql(url, &format!("DROP SCHEMA IF EXISTS {name} CASCADE"));
            }
            bail!("{} did not start: {e:#}\n{log}", target.name());
        }
    };
    Ok(Running {
        target,
        endpoint,
        startup,
        child,
        dir,
        schema,
    })
}

impl Running {
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// The server's peak resident set so far (VmHWM), in KiB.
    pub fn peak_rss_kib(&self) -> Option<u64> {
        self.pid().and_then(peak_rss_kib)
    }

    /// SIGTERM, then SIGKILL after 10 s; drops the PostgreSQL schema.
    pub async fn stop(mut self) -> Result<()> {
        if let Some(pid) = self.child.id() {
            let _ = std::process::Command::new("kill")
                .arg("-TERM")
                .arg(pid.to_string())
                .status();
        }
        if tokio::time::timeout(Duration::from_secs(10), self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.start_kill();
            let _ = self.child.wait().await;
        }
        if let Some((url, name)) = &self.schema {
            psql(url, &format!("DROP SCHEMA IF EXISTS {name} CASCADE"))?;
        }
        drop(self.dir);
        Ok(())
    }
}

/// Peak RSS of a process from `/proc/<pid>/status`, in KiB.
pub fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

/// CPU time a process has used so far (user + system, all its threads), in microseconds,
/// from `/proc/<pid>/stat`. Its resolution is the kernel's clock tick: 10 ms.
pub fn cpu_time_us(pid: u32) -> Option<u64> {
    // Linux reports these fields in USER_HZ ticks, fixed at 100 per second by its ABI.
    const MICROS_PER_TICK: u64 = 10_000;
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may hold spaces: count from after it.
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace().skip(11);
    let user: u64 = fields.next()?.parse().ok()?;
    let system: u64 = fields.next()?.parse().ok()?;
    Some((user + system) * MICROS_PER_TICK)
}

fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// Polls until any HTTP answer arrives (whatever its status).
async fn wait_ready(endpoint: &Endpoint, child: &mut Child, spawned: Instant) -> Result<Duration> {
    let probe = endpoint.get("/");
    loop {
        let mut conn = Conn::new(endpoint);
        if conn.send(&probe).await.is_ok() {
            return Ok(spawned.elapsed());
        }
        if let Some(status) = child.try_wait()? {
            bail!("exited with {status}");
        }
        if spawned.elapsed() > START_TIMEOUT {
            bail!("no answer after {} s", START_TIMEOUT.as_secs());
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

fn psql(url: &str, sql: &str) -> Result<()> {
    let status = std::process::Command::new("psql")
        .arg(url)
        .args(["-q", "-v", "ON_ERROR_STOP=1", "-c", sql])
        .env("PGOPTIONS", "--client-min-messages=warning")
        .stdout(Stdio::null())
        .status()
        .context("running psql")?;
    if !status.success() {
        bail!("psql {sql:?} failed ({status})");
    }
    Ok(())
}

/// `npm install cognito-local@<pinned>` into the cache directory, once.
fn install_cognito_local(cache: &Path) -> Result<PathBuf> {
    let prefix = cache.join(format!("cognito-local-{COGNITO_LOCAL_VERSION}"));
    let script = prefix.join("node_modules/cognito-local/lib/bin/start.js");
    if script.exists() {
        return Ok(script);
    }
    std::fs::create_dir_all(&prefix)?;
    eprintln!(
        "installing cognito-local@{COGNITO_LOCAL_VERSION} into {}",
        prefix.display()
    );
    let status = std::process::Command::new("npm")
        .arg("install")
        .arg("--prefix")
        .arg(&prefix)
        .arg(format!("cognito-local@{COGNITO_LOCAL_VERSION}"))
        .args(["--no-audit", "--no-fund", "--loglevel=error"])
        .status()
        .context("running npm install")?;
    if !status.success() || !script.exists() {
        bail!("npm install cognito-local@{COGNITO_LOCAL_VERSION} failed ({status})");
    }
    Ok(script)
}
