//! A PostgreSQL cluster of a test's own, for tests that stop, freeze or kill the database
//! (R35). The machine's shared server must never be disturbed: other tests use it.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, bail};

pub struct PrivatePostgres {
    pub port: u16,
    dir: tempfile::TempDir,
    bin: PathBuf,
}

impl PrivatePostgres {
    /// `None` when this machine cannot run one (no PostgreSQL binaries, or not root so we
    /// cannot switch to the `postgres` user); under `CI=true` that is a failure.
    pub fn start() -> Option<Self> {
        match Self::try_start() {
            Ok(cluster) => Some(cluster),
            Err(error) => {
                if std::env::var("CI").is_ok_and(|v| v == "true") {
                    panic!("cannot start a private PostgreSQL cluster under CI: {error:#}");
                }
                eprintln!("skipping: no private PostgreSQL cluster ({error:#})");
                None
            }
        }
    }

    fn try_start() -> anyhow::Result<Self> {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .context("PostgreSQL is not installed")?
            .filter_map(Result::ok)
            .map(|entry| entry.path().join("bin"))
            .find(|path| path.join("initdb").exists())
            .context("no initdb")?;
        let dir = tempfile::Builder::new().prefix("cognate-pg").tempdir()?;
        let status = Command::new("chown")
            .arg("postgres")
            .arg(dir.path())
            .status()?;
        if !status.success() {
            bail!("chown to postgres failed (not root?)");
        }
        let data = dir.path().join("data");
        let output = Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(bin.join("initdb"))
            .args(["-A", "trust", "-U", "postgres", "-D"])
            .arg(&data)
            .output()?;
        if !output.status.success() {
            bail!("initdb failed: {}", String::from_utf8_lossy(&output.stderr));
        }
        let port = free_port()?;
        let cluster = Self { port, dir, bin };
        cluster.pg_ctl(&["start", "-w"])?;
        Ok(cluster)
    }

    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Starts the cluster again after `stop_immediately`.
    pub fn restart(&self) -> anyhow::Result<()> {
        self.pg_ctl(&["start", "-w"])
    }

    /// `pg_ctl stop -m immediate`: connections are cut and new ones refused.
    pub fn stop_immediately(&self) -> anyhow::Result<()> {
        self.pg_ctl(&["stop", "-m", "immediate"])
    }

    /// Sends a signal to every process of the cluster (`STOP` freezes it, `CONT` thaws it).
    pub fn signal_all(&self, signal: &str) -> anyhow::Result<()> {
        let pid = std::fs::read_to_string(self.dir.path().join("data/postmaster.pid"))?
            .lines()
            .next()
            .context("empty pid file")?
            .trim()
            .to_owned();
        // The postmaster and its children (the backends that hold our connections).
        Command::new("pkill")
            .args([&format!("-{signal}"), "-P", &pid])
            .status()?;
        Command::new("kill")
            .args([&format!("-{signal}"), &pid])
            .status()?;
        Ok(())
    }

    fn pg_ctl(&self, args: &[&str]) -> anyhow::Result<()> {
        let socket_dir = self.dir.path().to_string_lossy().to_string();
        let options = format!(
            "-p {} -k {socket_dir} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port
        );
        let output = Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(self.dir.path().join("data"))
            .args(["-o", &options, "-l"])
            .arg(self.dir.path().join("log"))
            .args(args)
            .output()?;
        if !output.status.success() {
            bail!(
                "pg_ctl {args:?} failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        Ok(())
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let _ = self.signal_all("CONT");
        let _ = self.pg_ctl(&["stop", "-m", "immediate"]);
    }
}

fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}
