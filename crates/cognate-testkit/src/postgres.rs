use anyhow::Context;

/// The PostgreSQL URL for tests. Unset means "skip" locally; under CI it is a failure,
/// so a missing database can never turn the Postgres half of the suite green.
pub fn postgres_url() -> Option<String> {
    match std::env::var("COGNATE_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("COGNATE_TEST_POSTGRES_URL must be set when CI=true");
            }
            eprintln!("COGNATE_TEST_POSTGRES_URL is not set: skipping the PostgreSQL case");
            None
        }
    }
}

/// A schema of its own for one test, dropped when the test ends.
pub struct PostgresSchema {
    pub url: String,
    pub name: String,
}

impl PostgresSchema {
    pub async fn create(url: &str) -> anyhow::Result<Self> {
        let name = format!("t_{}", uuid::Uuid::new_v4().simple());
        let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .context("connecting to PostgreSQL")?;
        tokio::spawn(connection);
        client
            .batch_execute(&format!("CREATE SCHEMA {name}"))
            .await
            .context("creating schema")?;
        Ok(Self {
            url: url.to_owned(),
            name,
        })
    }
}

impl Drop for PostgresSchema {
    fn drop(&mut self) {
        // Best effort, on a thread of its own: Drop cannot await.
        let url = self.url.clone();
        let name = self.name.clone();
        let _ = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async move {
                if let Ok((client, connection)) =
                    tokio_postgres::connect(&url, tokio_postgres::NoTls).await
                {
                    tokio::spawn(connection);
                    let _ = client
                        .batch_execute(&format!("DROP SCHEMA IF EXISTS {name} CASCADE"))
                        .await;
                }
            });
        })
        .join();
    }
}
