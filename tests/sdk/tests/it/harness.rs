//! Starting a server per test, with SDK clients pointed at it and admin signatures checked.

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_credential_types::Credentials;
use aws_sdk_cognitoidentity as identity;
use aws_sdk_cognitoidentityprovider as idp;
use aws_sdk_cognitoidentityprovider::config::Region;
use aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata;
use cognate_testkit::{
    ADMIN_ACCESS_KEY, ADMIN_SECRET_KEY, Backend, PostgresSchema, ServerOptions, TestServer,
    postgres_url,
};

#[derive(Clone, Copy, Debug)]
pub enum Kind {
    Sqlite,
    Postgres,
}

pub struct Env {
    pub server: TestServer,
    /// The store the server runs on (for a second node or a restart on the same data).
    pub backend: Backend,
    pub idp: idp::Client,
    pub identity: identity::Client,
    // Dropped after the server: the schema outlives every connection to it.
    _schema: Option<PostgresSchema>,
}

impl Env {
    /// A fresh server on the given backend; `None` when PostgreSQL is not configured
    /// locally (under CI that is a failure, raised by `postgres_url`).
    pub async fn start(kind: Kind) -> Option<Env> {
        let (backend, schema) = match kind {
            Kind::Sqlite => (Backend::Sqlite, None),
            Kind::Postgres => {
                let url = postgres_url()?;
                let schema = PostgresSchema::create(&url).await.expect("test schema");
                (
                    Backend::Postgres {
                        url: url.clone(),
                        schema: schema.name.clone(),
                    },
                    Some(schema),
                )
            }
        };
        let server = TestServer::start(ServerOptions {
            backend: backend.clone(),
            admin_credentials: Some(format!("{ADMIN_ACCESS_KEY}:{ADMIN_SECRET_KEY}")),
            ..ServerOptions::default()
        })
        .await
        .expect("server starts");
        let (idp, identity) = clients(&server.url, ADMIN_ACCESS_KEY, ADMIN_SECRET_KEY);
        Some(Env {
            server,
            backend,
            idp,
            identity,
            _schema: schema,
        })
    }
}

/// The newest outbox messages to `destination`, newest first, read from the developer
/// endpoint as a person debugging a sign-up would.
pub async fn outbox(env: &Env, destination: &str, limit: u32) -> Vec<serde_json::Value> {
    let body: serde_json::Value = reqwest::Client::new()
        .get(format!("{}/_cognate/messages", env.server.url))
        .query(&[("destination", destination), ("limit", &limit.to_string())])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["messages"].as_array().cloned().unwrap_or_default()
}

/// The code of the newest message to `destination`, if there is one with a code.
pub async fn outbox_code(env: &Env, destination: &str) -> Option<String> {
    let newest = outbox(env, destination, 1).await.into_iter().next()?;
    newest["code"].as_str().map(str::to_owned)
}

/// SDK clients for `url`, with retries off so every error reaches the test.
pub fn clients(url: &str, access_key: &str, secret: &str) -> (idp::Client, identity::Client) {
    let credentials = Credentials::new(access_key, secret, None, None, "cognate-test");
    let shared = aws_config::SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(url)
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(credentials),
        )
        .retry_config(RetryConfig::disabled())
        .build();
    (idp::Client::new(&shared), identity::Client::new(&shared))
}

/// The error code of a failed SDK call, e.g. `ResourceNotFoundException`.
pub fn code<T: std::fmt::Debug, E: ProvideErrorMetadata + std::fmt::Debug>(
    result: &Result<T, E>,
) -> String {
    match result {
        Ok(value) => panic!("expected an error, got {value:?}"),
        Err(error) => error
            .code()
            .unwrap_or_else(|| panic!("error without a code: {error:?}"))
            .to_owned(),
    }
}

/// The message of a failed SDK call.
pub fn message<T: std::fmt::Debug, E: ProvideErrorMetadata + std::fmt::Debug>(
    result: &Result<T, E>,
) -> String {
    match result {
        Ok(value) => panic!("expected an error, got {value:?}"),
        Err(error) => error.message().unwrap_or_default().to_owned(),
    }
}

/// Declares each listed `async fn name(env: Env)` as a test on SQLite and on PostgreSQL.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(env) = $crate::harness::Env::start($crate::harness::Kind::Sqlite).await {
                        super::$name(env).await;
                    }
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(env) = $crate::harness::Env::start($crate::harness::Kind::Postgres).await {
                        super::$name(env).await;
                    }
                }
            )*
        }
    };
}
