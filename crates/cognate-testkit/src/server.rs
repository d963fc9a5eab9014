use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, bail};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// Where the binary under test is: `COGNATE_BIN`, else the workspace's debug build.
pub fn cognate_bin() -> PathBuf {
    if let Ok(path) = std::env::var("COGNATE_BIN") {
        return PathBuf::from(path);
    }
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| workspace.join("target"));
    target.join("debug").join("cognate")
}

#[derive(Clone, Debug)]
pub enum Backend {
    Sqlite,
    /// A PostgreSQL URL and the schema the server should use.
    Postgres {
        url: String,
        schema: String,
    },
}

#[derive(Clone, Debug)]
pub struct ServerOptions {
    pub backend: Backend,
    /// Reuse a data directory (restart tests); a fresh temporary one otherwise.
    pub data_dir: Option<PathBuf>,
    /// `ACCESS_KEY_ID:SECRET,...`; `None` runs with signature checks off (loopback only).
    pub admin_credentials: Option<String>,
    pub extra_args: Vec<String>,
    pub env: Vec<(String, String)>,
}

impl Default for ServerOptions {
    fn default() -> Self {
        Self {
            backend: Backend::Sqlite,
            data_dir: None,
            admin_credentials: None,
            extra_args: Vec::new(),
            env: Vec::new(),
        }
    }
}

pub struct TestServer {
    child: Option<Child>,
    pub url: String,
    pub data_dir: PathBuf,
    _temp: Option<tempfile::TempDir>,
    /// Collected stderr, for diagnosis when a test fails.
    stderr_task: Option<tokio::task::JoinHandle<String>>,
}

const START_TIMEOUT: Duration = Duration::from_secs(60);

impl TestServer {
    pub async fn start(options: ServerOptions) -> anyhow::Result<Self> {
        let (temp, data_dir) = match &options.data_dir {
            Some(dir) => (None, dir.clone()),
            None => {
                let temp = tempfile::tempdir()?;
                let dir = temp.path().to_path_buf();
                (Some(temp), dir)
            }
        };
        let bin = cognate_bin();
        if !bin.exists() {
            bail!(
                "{} does not exist: run `cargo build -p cognate-server` first or set COGNATE_BIN",
                bin.display()
            );
        }
        let mut command = Command::new(&bin);
        command
            .arg("serve")
            .arg("--listen")
            .arg("127.0.0.1:0")
            .arg("--data-dir")
            .arg(&data_dir)
            .args(&options.extra_args)
            .env_remove("COGNATE_ADMIN_CREDENTIALS")
            .env_remove("COGNATE_DATABASE_URL")
            .env_remove("COGNATE_CONFIG")
            .env(
                "RUST_LOG",
                std::env::var("COGNATE_TEST_LOG").unwrap_or_else(|_| "warn".into()),
            )
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        if let Backend::Postgres { url, schema } = &options.backend {
            command.arg("--database-url").arg(url);
            command.arg("--database-schema").arg(schema);
        }
        if let Some(creds) = &options.admin_credentials {
            command.env("COGNATE_ADMIN_CREDENTIALS", creds);
        }
        for (key, value) in &options.env {
            command.env(key, value);
        }
        let mut child = command
            .spawn()
            .with_context(|| format!("spawning {}", bin.display()))?;
        let stdout = child.stdout.take().context("stdout")?;
        let stderr = child.stderr.take().context("stderr")?;
        let stderr_task = tokio::spawn(async move {
            let mut lines = BufReader::new(stderr).lines();
            let mut collected = String::new();
            while let Ok(Some(line)) = lines.next_line().await {
                if collected.len() < 64 * 1024 {
                    collected.push_str(&line);
                    collected.push('\n');
                }
            }
            collected
        });
        let mut lines = BufReader::new(stdout).lines();
        let url = tokio::time::timeout(START_TIMEOUT, async {
            while let Some(line) = lines.next_line().await? {
                if let Some(url) = line.strip_prefix("cognate listening on ") {
                    return Ok(url.trim().to_owned());
                }
            }
            anyhow::Ok(String::new())
        })
        .await
        .context("timed out waiting for the server to start")??;
        if url.is_empty() {
            let status = child.wait().await?;
            let stderr = stderr_task.await.unwrap_or_default();
            bail!("server exited before it was ready ({status}):\n{stderr}");
        }
        // Keep draining stdout so the child never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Ok(Self {
            child: Some(child),
            url,
            data_dir,
            _temp: temp,
            stderr_task: Some(stderr_task),
        })
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().and_then(Child::id)
    }

    /// `kill -9`: the process gets no chance to flush anything.
    pub async fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.start_kill();
            let _ = child.wait().await;
        }
    }

    /// Sends SIGTERM without waiting.
    pub fn terminate(&self) {
        if let Some(pid) = self.pid() {
            let _ = std::process::Command::new("kill")
                .arg("-TERM")
                .arg(pid.to_string())
                .status();
        }
    }

    /// Waits for the process to exit (bounded), returning its exit code.
    pub async fn wait(&mut self, timeout: Duration) -> anyhow::Result<Option<i32>> {
        let Some(child) = self.child.as_mut() else {
            return Ok(None);
        };
        let status = tokio::time::timeout(timeout, child.wait())
            .await
            .context("server did not exit in time")??;
        self.child = None;
        Ok(status.code())
    }

    /// What the server wrote to stderr so far (only after it has exited).
    pub async fn stderr(&mut self) -> String {
        match self.stderr_task.take() {
            Some(task) => task.await.unwrap_or_default(),
            None => String::new(),
        }
    }

    /// Keeps the data directory alive past this server, for a restart on the same data.
    pub fn take_temp_dir(&mut self) -> Option<tempfile::TempDir> {
        self._temp.take()
    }
}
