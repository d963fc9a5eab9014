//! From settings to a serving process.

use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use anyhow::Context;
use cognate_crypto::envelope::Kek;
use cognate_crypto::password::Hasher;
use cognate_delivery::Delivery;
use cognate_domain::{Clock, SystemClock};
use cognate_protocol::sigv4::Credentials;
use cognate_protocol::{AdminAuth, AwsJsonEndpoint, EndpointConfig};
use cognate_store::Store;
use cognate_store_postgres::PostgresStore;
use cognate_store_sqlite::SqliteStore;

use crate::config::{ServeArgs, Settings, Storage};
use crate::router::{self, AppState};
use crate::{shutdown, telemetry};

pub async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let settings = Settings::resolve(args)?;
    telemetry::init(settings.log_format);

    let listener = tokio::net::TcpListener::bind(settings.listen)
        .await
        .with_context(|| format!("binding {}", settings.listen))?;
    let bound = listener.local_addr().context("reading the bound address")?;
    settings.check_admin_exposure(bound)?;

    let policies = Arc::new(load_policies(&settings)?);
    let store = open_store(&settings).await?;
    let kek = Arc::new(load_kek(&settings)?);
    let public_url = settings
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{bound}"));
    let service_config = cognate_idp::ServiceConfig {
        region: settings.region.clone(),
        account_id: settings.account_id.clone(),
        public_url: public_url.clone(),
        reject_common_passwords: !settings.allow_common_passwords,
        key_cache_ms: settings.signing_keys.cache_ms,
        webauthn_origins: settings.webauthn_origins.clone(),
    };
    settings
        .delivery
        .check_listener(&[bound])
        .context("delivery settings")?;
    let delivery = Arc::new(
        Delivery::new(settings.delivery.clone(), store.clone(), kek.clone())
            .context("delivery settings")?,
    );
    let hasher = Arc::new(Hasher::production().context("password hasher")?);
    let idp = Arc::new(cognate_idp::IdpService::new(
        store.clone(),
        kek.clone(),
        delivery.clone(),
        hasher,
        service_config.clone(),
    ));
    let mut identity = cognate_identity::IdentityService::new(
        store.clone(),
        kek.clone(),
        cognate_identity::ServiceConfig {
            region: settings.region.clone(),
            account_id: settings.account_id.clone(),
            public_url: public_url.clone(),
            openid_issuer: settings.identity_token_issuer.clone().unwrap_or_else(|| {
                cognate_identity::ServiceConfig::default_openid_issuer(&public_url)
            }),
        },
    );
    if let Some(url) = &settings.external_sts_url {
        let client =
            cognate_identity::external_sts::ExternalSts::new(url).context("external STS client")?;
        tracing::info!(url = %url, "credentials come from the external STS");
        identity = identity.with_external_sts(client);
    }
    let identity = Arc::new(identity);
    let sts = Arc::new(cognate_sts::Sts::new(identity.clone()));
    let admin_auth = if settings.admin_credentials.is_empty() {
        AdminAuth::AcceptAny
    } else {
        AdminAuth::Verify(
            settings
                .admin_credentials
                .iter()
                .map(|c| Credentials {
                    access_key_id: c.access_key_id.clone(),
                    secret_access_key: c.secret_access_key.clone(),
                })
                .collect(),
        )
    };
    let endpoint = AwsJsonEndpoint::new(
        idp,
        identity.clone(),
        EndpointConfig {
            region: settings.region.clone(),
            max_body_bytes: settings.max_body_bytes,
            admin_auth,
            rate_limits: settings.rate_limits,
            trusted_proxies: settings.trusted_proxies.clone(),
        },
    );
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let web = Arc::new(cognate_web::WebState {
        store: store.clone(),
        clock: clock.clone(),
        public_url,
    });
    let state = Arc::new(AppState {
        endpoint,
        sts,
        identity,
        store,
        clock: clock.clone(),
        delivery: delivery.clone(),
        draining: AtomicBool::new(false),
    });
    // Questions come with the identity pools' temporary credentials (or a request signed
    // with them); their sessions are the principals.
    let authorize = Arc::new(crate::authorize_http::AuthorizeState {
        policies,
        resolver: Arc::new(crate::session_principals::SessionPrincipals {
            identity: state.identity.clone(),
        }),
        clock: clock.clone(),
    });
    let app = router::router(state.clone())
        .merge(cognate_web::routes(web))
        .merge(crate::authorize_http::routes(authorize));

    let purge_store = state.store.clone();
    let stop = shutdown::spawn(state, settings.drain_delay, settings.shutdown_timeout);
    let purges = tokio::spawn(crate::maintenance::run(
        purge_store,
        clock.clone(),
        shutdown::fired(stop.stop_accepting.clone()),
    ));
    // Failed deliveries are retried in the background; every node may run this, the
    // outbox lease keeps them from sending one message twice.
    let retries = tokio::spawn({
        let stopping = shutdown::fired(stop.stop_accepting.clone());
        async move { delivery.run_retries(clock.as_ref(), stopping).await }
    });
    announce(bound, &settings)?;

    let server = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown::fired(stop.stop_accepting));
    tokio::select! {
        result = server => result.context("serving")?,
        () = shutdown::fired(stop.deadline) => {
            tracing::warn!("shutdown timeout reached with requests still in flight");
        }
    }
    let _ = retries.await;
    let _ = purges.await;
    tracing::info!("stopped");
    Ok(())
}

pub(crate) async fn open_store(settings: &Settings) -> anyhow::Result<Arc<dyn Store>> {
    match &settings.storage {
        Storage::Sqlite(path) => {
            // Opening creates the file and runs migrations: blocking work.
            let owned = path.clone();
            let store = tokio::task::spawn_blocking(move || SqliteStore::open(&owned))
                .await
                .context("SQLite start-up task")?
                .with_context(|| format!("opening SQLite database {}", path.display()))?;
            tracing::info!(path = %path.display(), "storage: SQLite");
            Ok(Arc::new(store))
        }
        Storage::Postgres { url, schema } => {
            let store = match schema {
                Some(schema) => PostgresStore::connect_with_schema(url, schema).await,
                None => PostgresStore::connect(url).await,
            }
            .context("connecting to PostgreSQL")?;
            tracing::info!("storage: PostgreSQL");
            Ok(Arc::new(store))
        }
    }
}

/// The role policies, checked now so a bad file stops the start rather than a request.
fn load_policies(settings: &Settings) -> anyhow::Result<cognate_policy::PolicySet> {
    let Some(path) = &settings.policies else {
        return Ok(cognate_policy::PolicySet::new());
    };
    let policies = cognate_policy::PolicySet::load(path).context("--policies")?;
    for warning in policies.warnings() {
        tracing::warn!(%warning, "role policies");
    }
    tracing::info!(path = %path.display(), roles = policies.roles().count(), "role policies loaded");
    Ok(policies)
}

pub(crate) fn load_kek(settings: &Settings) -> anyhow::Result<Kek> {
    if let Some(encoded) = &settings.key_encryption_key {
        return Kek::from_base64(encoded).context("COGNATE_KEY_ENCRYPTION_KEY");
    }
    std::fs::create_dir_all(&settings.data_dir)
        .with_context(|| format!("creating {}", settings.data_dir.display()))?;
    let path = settings.data_dir.join("key-encryption.key");
    Kek::load_or_create(&path).with_context(|| format!("key file {}", path.display()))
}

/// The one line tests and scripts wait for: printed once the server answers requests.
fn announce(bound: SocketAddr, settings: &Settings) -> anyhow::Result<()> {
    tracing::info!(address = %bound, storage = ?settings.storage, region = %settings.region, "ready");
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "cognate listening on http://{bound}").context("writing to stdout")?;
    stdout.flush().context("flushing stdout")?;
    Ok(())
}
