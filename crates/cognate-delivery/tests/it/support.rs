//! Shared helpers: messages, keys, and the aiosmtpd sink process.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use cognate_crypto::Kek;
use cognate_delivery::{Channel, OutgoingMessage, purpose};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

pub const T0: i64 = 1_700_000_000_000;
pub const POOL: &str = "us-east-1_TestPool1";

pub fn kek() -> Arc<Kek> {
    Arc::new(Kek::generate().unwrap())
}

pub fn email(to: &str, code: &str) -> OutgoingMessage {
    OutgoingMessage {
        pool_id: POOL.into(),
        username: Some("alice".into()),
        channel: Channel::Email,
        destination: to.into(),
        subject: Some("Your verification code".into()),
        body: format!("Your verification code is {code}."),
        purpose: purpose::SIGN_UP.into(),
        code: Some(code.into()),
    }
}

pub fn sms(to: &str, code: &str) -> OutgoingMessage {
    OutgoingMessage {
        pool_id: POOL.into(),
        username: Some("bob".into()),
        channel: Channel::Sms,
        destination: to.into(),
        subject: None,
        body: format!("Your code is {code}"),
        purpose: purpose::FORGOT_PASSWORD.into(),
        code: Some(code.into()),
    }
}

/// A port nothing listens on (bound, then released).
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// True under CI, where a missing tool must fail the run instead of skipping.
fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// A running `tests/smtp_sink.py`; killed when dropped.
pub struct SmtpSink {
    _child: Child,
    pub port: u16,
    out: PathBuf,
    _dir: tempfile::TempDir,
}

impl SmtpSink {
    /// Starts the sink with `args`; `None` (the test skips) when python3 or aiosmtpd is
    /// missing locally. Under `CI=true` a missing aiosmtpd fails the test.
    pub async fn start(args: &[&str]) -> Option<Self> {
        let available = std::process::Command::new("python3")
            .args(["-c", "import aiosmtpd"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !available {
            assert!(
                !in_ci(),
                "python3 with aiosmtpd is required under CI (pip install aiosmtpd)"
            );
            eprintln!("skipping: python3 -m aiosmtpd is not available");
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("mail.jsonl");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/smtp_sink.py");
        let mut child = Command::new("python3")
            .arg(script)
            .arg("--out")
            .arg(&out)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let first = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
            .await
            .expect("smtp sink did not start in 30 s")
            .unwrap()
            .expect("smtp sink exited before printing its port");
        let port = first.trim().parse().unwrap();
        Some(Self {
            _child: child,
            port,
            out,
            _dir: dir,
        })
    }

    /// Every mail received so far, as the sink recorded it.
    pub fn mails(&self) -> Vec<serde_json::Value> {
        match std::fs::read_to_string(&self.out) {
            Ok(text) => text
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect(),
            Err(_) => Vec::new(),
        }
    }
}
