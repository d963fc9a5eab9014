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

/// A started server; stopped (and its data directory and schema removed) by `stop`.
pub struct Running {
    pub target: Target,
    pub endpoint: Endpoint,
    /// From spawning the process to its first answered HTTP request.
    pub startup: Duration,
    /// The server's resident set (VmRSS) right after that first answer, in KiB.
    pub idle_rss_kib: Option<u64>,
    child: Child,
    data: Data,
}

/// What a target keeps between two starts: its directory (Cognate's SQLite data, the
/// peers' working directory, the log) and, on PostgreSQL, its schema.
struct Data {
    dir: tempfile::TempDir,
    /// (database URL, schema name).
    schema: Option<(String, String)>,
}

impl Data {
    /// Drops the schema and removes the directory.
    fn remove(self) -> Result<()> {
        if let Some((url, name)) = &self.schema {
            psql(url, &format!("DROP SCHEMA IF EXISTS {name} CASCADE"))?;
        }
        drop(self.dir);
        Ok(())
    }
}

/// Cognate's request-rate quotas would throttle the benchmark: all off (0 = unlimited).
pub const COGNATE_CONFIG: &str = "\
[rate_limits]
user_authentication = 0
user_creation = 0
user_account_recovery = 0
per_source_ip = 0
";

/// Starts `target` on fresh data.
pub async fn start(target: Target, settings: &Settings) -> Result<Running> {
    let dir = tempfile::tempdir()?;
    let schema = if target == Target::CognatePostgres {
        let name = format!("bench_{}", uuid::Uuid::new_v4().simple());
        psql(&settings.postgres_url, &format!("CREATE SCHEMA {name}"))?;
        Some((settings.postgres_url.clone(), name))
    } else {
        None
    };
    launch(target, settings, Data { dir, schema }).await
}

/// Starts the target's process on `data`; on failure, removes the data.
async fn launch(target: Target, settings: &Settings, data: Data) -> Result<Running> {
    let command = match command(target, settings, &data) {
        Ok(command) => command,
        Err(e) => {
            let _ = data.remove();
            return Err(e);
        }
    };
    spawn(target, command, data).await
}

/// The command that runs the target on `data`, on a free port, logging into the data
/// directory's `server.log` (appended to, so a restart's log follows the first start's).
fn command(target: Target, settings: &Settings, data: &Data) -> Result<(Command, Endpoint)> {
    let dir = &data.dir;
    let port = free_port()?;
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.path().join("server.log"))?;
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
            if let Some((url, name)) = &data.schema {
                command
                    .arg("--database-url")
                    .arg(url)
                    .arg("--database-schema")
                    .arg(name);
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
    Ok((command, endpoint))
}

/// Spawns the command and waits for its first answer; on failure, removes the data.
async fn spawn(
    target: Target,
    (mut command, endpoint): (Command, Endpoint),
    data: Data,
) -> Result<Running> {
    let spawned = Instant::now();
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(e) => {
            let _ = data.remove();
            return Err(e).with_context(|| format!("starting {}", target.name()));
        }
    };
    let startup = match wait_ready(&endpoint, &mut child, spawned).await {
        Ok(startup) => startup,
        Err(e) => {
            let _ = child.start_kill();
            let _ = child.wait().await;
            let log =
                std::fs::read_to_string(data.dir.path().join("server.log")).unwrap_or_default();
            let _ = data.remove();
            bail!("{} did not start: {e:#}\n{log}", target.name());
        }
    };
    let idle_rss_kib = child.id().and_then(rss_kib);
    Ok(Running {
        target,
        endpoint,
        startup,
        idle_rss_kib,
        child,
        data,
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

    /// Stops the server, then removes its data directory and PostgreSQL schema.
    pub async fn stop(mut self) -> Result<()> {
        terminate(&mut self.child).await;
        self.data.remove()
    }

    /// Stops the server and starts it again on the same data (SQLite: the same data
    /// directory; PostgreSQL: the same schema), on a new port. The new `startup` and
    /// `idle_rss_kib` are the restart's. When the restart fails, the data is removed.
    pub async fn restart(mut self, settings: &Settings) -> Result<Running> {
        terminate(&mut self.child).await;
        launch(self.target, settings, self.data).await
    }
}

/// SIGTERM, then SIGKILL after 10 s.
async fn terminate(child: &mut Child) {
    if let Some(pid) = child.id() {
        let _ = std::process::Command::new("kill")
            .arg("-TERM")
            .arg(pid.to_string())
            .status();
    }
    if tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .is_err()
    {
        let _ = child.start_kill();
        let _ = child.wait().await;
    }
}

/// Peak RSS of a process from `/proc/<pid>/status`, in KiB.
pub fn peak_rss_kib(pid: u32) -> Option<u64> {
    status_kib(pid, "VmHWM:")
}

/// Current RSS of a process from `/proc/<pid>/status`, in KiB.
pub fn rss_kib(pid: u32) -> Option<u64> {
    status_kib(pid, "VmRSS:")
}

fn status_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))
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
