//! R35: when PostgreSQL refuses or hangs, every database-dependent call fails closed within
//! five seconds (5xx, never a success), readiness fails while liveness holds, and service
//! comes back without a restart once the database does.

use std::time::{Duration, Instant};

use cognate_testkit::{Backend, PrivatePostgres, RawClient, ServerOptions, TestServer};
use serde_json::json;

async fn ready_status(server: &TestServer) -> u16 {
    reqwest::Client::new()
        .get(format!("{}/health/ready", server.url))
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0)
}

async fn live_status(server: &TestServer) -> u16 {
    reqwest::Client::new()
        .get(format!("{}/health/live", server.url))
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0)
}

/// While the database is down: a read answers 5xx within five seconds.
async fn fails_closed(client: &RawClient, pool_id: &str) {
    let started = Instant::now();
    let response = tokio::time::timeout(
        Duration::from_secs(10),
        client.idp("DescribeUserPool", &json!({"UserPoolId": pool_id})),
    )
    .await
    .expect("the server answered");
    assert!(
        started.elapsed() <= Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    assert!(
        response.status >= 500,
        "{} {}",
        response.status,
        response.body
    );
    assert!(response.json().get("UserPool").is_none());
}

/// After the database returns: requests succeed again within ten seconds, no restart.
async fn recovers(client: &RawClient, pool_id: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let response = client
            .idp("DescribeUserPool", &json!({"UserPoolId": pool_id}))
            .await;
        if response.status == 200 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not recovered: {}",
            response.body
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Steady state: every request succeeds.
    for _ in 0..50 {
        let response = client
            .idp("DescribeUserPool", &json!({"UserPoolId": pool_id}))
            .await;
        assert_eq!(response.status, 200, "{}", response.body);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_outage_fails_closed_and_recovers() {
    let Some(cluster) = PrivatePostgres::start() else {
        return;
    };
    let server = TestServer::start(ServerOptions {
        backend: Backend::Postgres {
            url: cluster.url(),
            schema: "public".into(),
        },
        ..ServerOptions::default()
    })
    .await
    .unwrap();
    let client = RawClient::new(&server.url);
    let created = client
        .idp("CreateUserPool", &json!({"PoolName": "outage"}))
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    let pool_id = created.json()["UserPool"]["Id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Refusal: the database is stopped.
    cluster.stop_immediately().unwrap();
    fails_closed(&client, &pool_id).await;
    assert_eq!(ready_status(&server).await, 503);
    assert_eq!(live_status(&server).await, 200);
    cluster.restart().unwrap();
    recovers(&client, &pool_id).await;
    assert_eq!(ready_status(&server).await, 200);

    // Hang: every database process is frozen.
    cluster.signal_all("STOP").unwrap();
    fails_closed(&client, &pool_id).await;
    assert_eq!(ready_status(&server).await, 503);
    cluster.signal_all("CONT").unwrap();
    recovers(&client, &pool_id).await;
}

/// A 4 MiB tmpfs, unmounted when dropped.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount() -> Option<Self> {
        let dir = tempfile::tempdir().ok()?;
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=4m", "tmpfs"])
            .arg(dir.path())
            .status()
            .is_ok_and(|status| status.success());
        if !mounted {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("cannot mount a tmpfs under CI");
            }
            eprintln!("skipping: cannot mount a tmpfs (not root?)");
            return None;
        }
        Some(Self { dir })
    }

    fn path(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// Writes a file until the disk is full.
    fn fill(&self) -> std::path::PathBuf {
        use std::io::Write;
        let path = self.path().join("filler");
        let mut file = std::fs::File::create(&path).unwrap();
        let block = vec![0u8; 64 * 1024];
        while file.write_all(&block).is_ok() {}
        let _ = file.sync_all();
        path
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_disk_fails_writes_cleanly_and_recovers() {
    let Some(disk) = SmallDisk::mount() else {
        return;
    };
    let data_dir = disk.path().join("data");
    let server = TestServer::start(ServerOptions {
        data_dir: Some(data_dir),
        ..ServerOptions::default()
    })
    .await
    .unwrap();
    let client = RawClient::new(&server.url);
    let created = client
        .idp("CreateUserPool", &json!({"PoolName": "full"}))
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    let pool_id = created.json()["UserPool"]["Id"]
        .as_str()
        .unwrap()
        .to_owned();

    let filler = disk.fill();
    let mut refused = Vec::new();
    for i in 0..20 {
        let name = format!("while-full-{i}-{}", "x".repeat(100));
        let response = client
            .idp(
                "CreateGroup",
                &json!({"UserPoolId": pool_id, "GroupName": name, "Description": "d".repeat(2000)}),
            )
            .await;
        if response.status != 200 {
            assert_eq!(response.status, 500, "{}", response.body);
            assert_eq!(response.error_type(), "InternalErrorException");
            refused.push(name);
        }
    }
    assert!(!refused.is_empty(), "a full disk should refuse some writes");

    std::fs::remove_file(filler).unwrap();
    let response = client
        .idp(
            "CreateGroup",
            &json!({"UserPoolId": pool_id, "GroupName": "after"}),
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.body);
    // No refused write left anything behind.
    for name in refused {
        let group = client
            .idp(
                "GetGroup",
                &json!({"UserPoolId": pool_id, "GroupName": name}),
            )
            .await;
        assert_eq!(
            group.error_type(),
            "ResourceNotFoundException",
            "{}",
            group.body
        );
    }
}
