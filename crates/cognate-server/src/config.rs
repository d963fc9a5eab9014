//! Configuration: command-line flags, then environment variables, then a TOML file, then
//! defaults. Every setting has a default, so `cognate serve` needs no flags at all.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use cognate_domain::signing_keys::{
    DEFAULT_CACHE_SECONDS, DEFAULT_PUBLISH_AHEAD_SECONDS, DEFAULT_RETAIN_SECONDS, RotationSchedule,
};
use cognate_protocol::{Cidr, RateLimits, TrustedProxies};
use serde::Deserialize;

#[derive(Parser, Debug)]
#[command(
    name = "cognate",
    version,
    about = "An identity server that speaks Amazon Cognito's protocol"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the server.
    Serve(ServeArgs),
    /// Read the messages Cognate sent (codes, invitations) from the outbox.
    Messages(MessagesArgs),
    /// List or rotate a user pool's token-signing keys.
    Keys(KeysArgs),
    /// Decide offline whether a role session may do an action on a resource, under a
    /// policies file (prints the decision as JSON; exit status 0 allowed, 2 denied).
    Authorize(AuthorizeArgs),
}

#[derive(Args, Debug)]
pub struct AuthorizeArgs {
    /// The role policies file (the same format as `serve --policies`).
    #[arg(long)]
    pub policies: PathBuf,
    /// The role the session assumed, e.g. arn:aws:iam::000000000000:role/AppAuthRole.
    #[arg(long)]
    pub role_arn: String,
    /// service:Action, e.g. s3:PutObject.
    #[arg(long)]
    pub action: String,
    /// The resource ARN, e.g. arn:aws:s3:::bucket/users/us-east-1:.../photo.jpg.
    #[arg(long)]
    pub resource: String,
    /// The identity id (cognito-identity.amazonaws.com:sub).
    #[arg(long, default_value = "")]
    pub identity_id: String,
    /// The identity pool id (cognito-identity.amazonaws.com:aud).
    #[arg(long, default_value = "")]
    pub identity_pool_id: String,
    /// One value of cognito-identity.amazonaws.com:amr (repeat for several).
    #[arg(long)]
    pub amr: Vec<String>,
    /// A session tag as KEY=VALUE (aws:PrincipalTag/KEY); repeat for several.
    #[arg(long = "principal-tag")]
    pub principal_tags: Vec<String>,
    /// A request condition key as KEY=VALUE, e.g. dynamodb:LeadingKeys=us-east-1:...;
    /// repeating a key gives it several values.
    #[arg(long)]
    pub context: Vec<String>,
}

#[derive(Args, Debug)]
pub struct KeysArgs {
    #[command(subcommand)]
    pub action: KeysAction,
}

#[derive(Subcommand, Debug)]
pub enum KeysAction {
    /// One JSON line per key: kid, use, not_before_ms, retire_after_ms, state.
    List(KeyCommand),
    /// Publish new ID- and access-token keys now, sign with them after
    /// --signing-key-publish-ahead-seconds, and retire the old ones once their tokens expire.
    Rotate(KeyCommand),
}

#[derive(Args, Debug)]
pub struct KeyCommand {
    #[arg(long)]
    pub user_pool_id: String,
    /// Where the keys live, how they are sealed and the rotation schedule: the same
    /// settings as `serve`.
    #[command(flatten)]
    pub server: ServeArgs,
}

#[derive(Args, Debug)]
pub struct MessagesArgs {
    #[command(subcommand)]
    pub action: MessagesAction,
    /// Where the outbox lives: the same storage settings as `serve`.
    #[command(flatten)]
    pub server: ServeArgs,
}

#[derive(Subcommand, Debug)]
pub enum MessagesAction {
    /// Messages, newest first, as JSON.
    List {
        #[arg(long)]
        pool_id: Option<String>,
        #[arg(long)]
        destination: Option<String>,
        #[arg(long)]
        username: Option<String>,
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// The newest message to one destination (JSON), or with --code only its code.
    Latest {
        #[arg(long)]
        destination: String,
        #[arg(long)]
        code: bool,
    },
}

#[derive(Args, Debug, Default)]
pub struct ServeArgs {
    /// A TOML file with any of the settings below (snake_case keys).
    #[arg(long, env = "COGNATE_CONFIG")]
    pub config: Option<PathBuf>,
    /// Address to listen on; port 0 picks a free port (the bound address is printed).
    #[arg(long, env = "COGNATE_LISTEN")]
    pub listen: Option<SocketAddr>,
    /// Directory for the embedded SQLite database and the key file.
    #[arg(long, env = "COGNATE_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// PostgreSQL URL (postgres://...); when set, it replaces the embedded SQLite database.
    #[arg(long, env = "COGNATE_DATABASE_URL")]
    pub database_url: Option<String>,
    /// PostgreSQL schema for Cognate's tables (created if missing); default `public`.
    #[arg(long, env = "COGNATE_DATABASE_SCHEMA")]
    pub database_schema: Option<String>,
    /// AWS region Cognate presents itself as (ids, ARNs, issuer host).
    #[arg(long, env = "COGNATE_REGION")]
    pub region: Option<String>,
    /// Twelve-digit account id used in ARNs.
    #[arg(long, env = "COGNATE_ACCOUNT_ID")]
    pub account_id: Option<String>,
    /// Public base URL clients reach Cognate at; token issuers and links derive from it,
    /// never from request headers.
    #[arg(long, env = "COGNATE_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// `iss` of identity-pool OpenID tokens (GetOpenIdToken). Default
    /// `<public-url>/cognito-identity`; the keys are always published at
    /// `<public-url>/cognito-identity/.well-known/jwks_uri`.
    #[arg(long, env = "COGNATE_IDENTITY_TOKEN_ISSUER")]
    pub identity_token_issuer: Option<String>,
    /// External STS mode: GetCredentialsForIdentity calls this endpoint's
    /// AssumeRoleWithWebIdentity with the identity's OpenID token instead of issuing
    /// built-in credentials (e.g. `http://127.0.0.1:5000/`).
    #[arg(long, env = "COGNATE_EXTERNAL_STS_URL")]
    pub external_sts_url: Option<String>,
    /// Admin credentials for SigV4-signed operations, as ACCESS_KEY_ID:SECRET, comma separated.
    #[arg(long, env = "COGNATE_ADMIN_CREDENTIALS", hide_env_values = true)]
    pub admin_credentials: Option<String>,
    /// Base64 of a 32-byte key-encryption key for secrets at rest. Without it, Cognate uses
    /// (and on first start creates) `<data-dir>/key-encryption.key`. Several nodes on one
    /// PostgreSQL database must share the same key.
    #[arg(long, env = "COGNATE_KEY_ENCRYPTION_KEY", hide_env_values = true)]
    pub key_encryption_key: Option<String>,
    /// Accept unsigned admin requests although the listener is not on loopback. Anyone who
    /// can reach the port then administers every pool.
    #[arg(
        long,
        env = "COGNATE_INSECURE_UNAUTHENTICATED_ADMIN_ON_PUBLIC_LISTENER"
    )]
    pub insecure_unauthenticated_admin_on_public_listener: bool,
    /// Log format.
    #[arg(long, env = "COGNATE_LOG_FORMAT", value_enum)]
    pub log_format: Option<LogFormat>,
    /// Largest request body accepted, in bytes.
    #[arg(long, env = "COGNATE_MAX_BODY_BYTES")]
    pub max_body_bytes: Option<usize>,
    /// Seconds to keep accepting connections after a shutdown signal (for load balancers).
    #[arg(long, env = "COGNATE_DRAIN_DELAY_SECONDS")]
    pub drain_delay_seconds: Option<u64>,
    /// Seconds in-flight requests get to finish after a shutdown signal.
    #[arg(long, env = "COGNATE_SHUTDOWN_TIMEOUT_SECONDS")]
    pub shutdown_timeout_seconds: Option<u64>,
    /// Seconds between `cognate keys rotate` publishing new signing keys and their first
    /// use; at least the JWKS `max-age` (300 s) so cached key sets learn them first.
    #[arg(long, env = "COGNATE_SIGNING_KEY_PUBLISH_AHEAD_SECONDS")]
    pub signing_key_publish_ahead_seconds: Option<u64>,
    /// Seconds replaced signing keys stay published after they last signed: the longest
    /// ID or access token lifetime any app client uses (Cognito allows one day).
    #[arg(long, env = "COGNATE_SIGNING_KEY_RETAIN_SECONDS")]
    pub signing_key_retain_seconds: Option<u64>,
    /// Seconds a node keeps a pool's signing keys before rereading them (how fast every
    /// node learns of a rotation). Use the same value for `serve` and `keys rotate`.
    #[arg(long, env = "COGNATE_SIGNING_KEY_CACHE_SECONDS")]
    pub signing_key_cache_seconds: Option<u64>,
    /// Development only: every verification code is this value (refused off loopback).
    #[arg(long, env = "COGNATE_DEV_FIXED_CODE", hide_env_values = true)]
    pub dev_fixed_code: Option<String>,
    /// Accept passwords on the bundled common-password blocklist, as Cognito does (by
    /// default Cognate refuses them wherever a password is set).
    #[arg(long, env = "COGNATE_ALLOW_COMMON_PASSWORDS")]
    pub allow_common_passwords: bool,

    // --- Rate limits and client addresses (R29, R31) ---
    /// Address blocks of reverse proxies whose X-Forwarded-For is believed (comma separated,
    /// e.g. 10.0.0.0/8,fd00::/8); from any other peer the header is ignored.
    #[arg(long, env = "COGNATE_TRUSTED_PROXIES")]
    pub trusted_proxies: Option<String>,

    /// Role permission policies (JSON: role ARN -> named IAM policy documents), decided by
    /// `POST /_cognate/authorize`; checked at start-up.
    #[arg(long, env = "COGNATE_POLICIES")]
    pub policies: Option<PathBuf>,
    // --- Passkeys ---
    /// Origins (comma separated, e.g. https://app.example.com,http://localhost:3000) from
    /// which passkeys may be registered and used, besides https://<relying party id> with
    /// its subdomains and the public URL.
    #[arg(long, env = "COGNATE_WEBAUTHN_ORIGINS")]
    pub webauthn_origins: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// The file form of the settings: the same names as the flags.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    listen: Option<SocketAddr>,
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    database_schema: Option<String>,
    region: Option<String>,
    account_id: Option<String>,
    public_url: Option<String>,
    identity_token_issuer: Option<String>,
    external_sts_url: Option<String>,
    admin_credentials: Option<Vec<FileCredential>>,
    key_encryption_key: Option<String>,
    insecure_unauthenticated_admin_on_public_listener: Option<bool>,
    log_format: Option<LogFormat>,
    max_body_bytes: Option<usize>,
    drain_delay_seconds: Option<u64>,
    shutdown_timeout_seconds: Option<u64>,
    allow_common_passwords: Option<bool>,
    /// `[delivery]`: SMTP, the SMS webhook, retries (see `cognate_delivery::DeliveryConfig`).
    #[serde(default)]
    delivery: Option<cognate_delivery::DeliveryConfig>,
    // --- Rate limits and client addresses (R29, R31) ---
    /// `[rate_limits]`: requests per second per quota category and per client address;
    /// 0 = unlimited.
    rate_limits: Option<FileRateLimits>,
    trusted_proxies: Option<Vec<String>>,
    /// Passkey origins besides the relying party's own (the `--webauthn-origins` list).
    webauthn_origins: Option<Vec<String>>,
    /// `[signing_keys]`: the rotation schedule and the key cache.
    signing_keys: Option<FileSigningKeys>,
    policies: Option<PathBuf>,
}

/// The file form of the `--signing-key-*` flags.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSigningKeys {
    publish_ahead_seconds: Option<u64>,
    retain_seconds: Option<u64>,
    cache_seconds: Option<u64>,
}

/// Only in the file: three numbers are clearer in a table than in three more flags.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileRateLimits {
    user_authentication: Option<u32>,
    user_creation: Option<u32>,
    user_account_recovery: Option<u32>,
    per_source_ip: Option<u32>,
}

impl FileRateLimits {
    /// Unset categories keep Cognito's defaults.
    fn resolve(self) -> RateLimits {
        let defaults = RateLimits::COGNITO_DEFAULTS;
        RateLimits {
            user_authentication: self
                .user_authentication
                .unwrap_or(defaults.user_authentication),
            user_creation: self.user_creation.unwrap_or(defaults.user_creation),
            user_account_recovery: self
                .user_account_recovery
                .unwrap_or(defaults.user_account_recovery),
            per_source_ip: self.per_source_ip.unwrap_or(defaults.per_source_ip),
        }
    }
}

/// The flag's comma-separated list wins over the file's array.
fn resolve_trusted_proxies(
    flag: Option<String>,
    file: Option<Vec<String>>,
) -> anyhow::Result<TrustedProxies> {
    let items: Vec<String> = match flag {
        Some(list) => list
            .split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(str::to_owned)
            .collect(),
        None => file.unwrap_or_default(),
    };
    let blocks = items
        .iter()
        .map(|item| item.parse::<Cidr>())
        .collect::<Result<Vec<_>, _>>()
        .context("--trusted-proxies")?;
    Ok(TrustedProxies::new(blocks))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileCredential {
    access_key_id: String,
    secret_access_key: String,
}

#[derive(Clone)]
pub struct AdminCredential {
    pub access_key_id: String,
    pub secret_access_key: String,
}

impl std::fmt::Debug for AdminCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminCredential")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"***")
            .finish()
    }
}

pub enum Storage {
    Sqlite(PathBuf),
    Postgres { url: String, schema: Option<String> },
}

impl std::fmt::Debug for Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Storage::Sqlite(path) => write!(f, "sqlite:{}", path.display()),
            // The URL may carry a password.
            Storage::Postgres { schema, .. } => {
                write!(
                    f,
                    "postgres (schema {})",
                    schema.as_deref().unwrap_or("public")
                )
            }
        }
    }
}

/// Settings after every source has been merged and checked.
#[derive(Debug)]
pub struct Settings {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub storage: Storage,
    pub region: String,
    pub account_id: String,
    /// Without a trailing slash.
    pub public_url: Option<String>,
    pub identity_token_issuer: Option<String>,
    /// Set: external STS mode (see `cognate_identity::external_sts`).
    pub external_sts_url: Option<String>,
    pub admin_credentials: Vec<AdminCredential>,
    pub key_encryption_key: Option<String>,
    pub insecure_unauthenticated_admin_on_public_listener: bool,
    pub log_format: LogFormat,
    pub max_body_bytes: usize,
    pub drain_delay: Duration,
    pub shutdown_timeout: Duration,
    pub delivery: cognate_delivery::DeliveryConfig,
    /// Enforced by each node on its own.
    pub rate_limits: RateLimits,
    pub allow_common_passwords: bool,
    pub trusted_proxies: TrustedProxies,
    /// Key rotation and how long nodes cache keys.
    pub signing_keys: RotationSchedule,
    /// The role policies file, if any (without one every authorization is a default deny).
    pub policies: Option<PathBuf>,
    /// Extra origins allowed to use passkeys.
    pub webauthn_origins: Vec<String>,
}

pub const DEFAULT_LISTEN: &str = "127.0.0.1:9229";
const DEFAULT_REGION: &str = "us-east-1";
const DEFAULT_ACCOUNT_ID: &str = "000000000000";
const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;
/// Below Kubernetes' 30 s default grace period, so the process ends before it is killed.
const DEFAULT_SHUTDOWN_TIMEOUT_SECONDS: u64 = 25;

impl Settings {
    pub fn resolve(args: ServeArgs) -> anyhow::Result<Self> {
        let file = match &args.config {
            Some(path) => read_file(path)?,
            None => FileSettings::default(),
        };
        let listen = match args.listen.or(file.listen) {
            Some(addr) => addr,
            None => DEFAULT_LISTEN.parse().context("default listen address")?,
        };
        let data_dir = args
            .data_dir
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from("cognate-data"));
        let schema = args.database_schema.or(file.database_schema);
        if let Some(name) = &schema {
            let valid = name
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
                && name.len() <= 63
                && name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !valid {
                bail!("--database-schema must be a lower-case SQL identifier");
            }
        }
        let storage = match args.database_url.or(file.database_url) {
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Storage::Postgres { url, schema }
            }
            Some(_) => bail!(
                "--database-url must be a postgres:// URL (SQLite is the default and needs no URL)"
            ),
            None => Storage::Sqlite(data_dir.join("cognate.db")),
        };
        let region = args
            .region
            .or(file.region)
            .unwrap_or_else(|| DEFAULT_REGION.to_owned());
        if region.is_empty()
            || !region
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            bail!("--region must look like an AWS region, e.g. us-east-1");
        }
        let account_id = args
            .account_id
            .or(file.account_id)
            .unwrap_or_else(|| DEFAULT_ACCOUNT_ID.to_owned());
        if account_id.len() != 12 || !account_id.chars().all(|c| c.is_ascii_digit()) {
            bail!("--account-id must be twelve digits");
        }
        let public_url = args
            .public_url
            .or(file.public_url)
            .map(|url| url.trim_end_matches('/').to_owned());
        if let Some(url) = &public_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            bail!("--public-url must start with http:// or https://");
        }
        let admin_credentials = match args.admin_credentials {
            Some(list) => parse_credentials(&list)?,
            None => file
                .admin_credentials
                .unwrap_or_default()
                .into_iter()
                .map(|c| AdminCredential {
                    access_key_id: c.access_key_id,
                    secret_access_key: c.secret_access_key,
                })
                .collect(),
        };
        let rate_limits = file.rate_limits.unwrap_or_default().resolve();
        let trusted_proxies = resolve_trusted_proxies(args.trusted_proxies, file.trusted_proxies)?;
        let key_file = file.signing_keys.unwrap_or_default();
        let cache_seconds = args
            .signing_key_cache_seconds
            .or(key_file.cache_seconds)
            .unwrap_or(DEFAULT_CACHE_SECONDS);
        if cache_seconds == 0 {
            bail!("--signing-key-cache-seconds must be at least 1");
        }
        let signing_keys = RotationSchedule::from_seconds(
            args.signing_key_publish_ahead_seconds
                .or(key_file.publish_ahead_seconds)
                .unwrap_or(DEFAULT_PUBLISH_AHEAD_SECONDS),
            args.signing_key_retain_seconds
                .or(key_file.retain_seconds)
                .unwrap_or(DEFAULT_RETAIN_SECONDS),
            cache_seconds,
        );
        let explicit_delivery = file.delivery.is_some();
        let mut delivery = file.delivery.unwrap_or_default();
        if let Some(code) = args.dev_fixed_code {
            delivery.fixed_code = Some(code);
        }
        // On loopback with no transport configured, this is a developer's machine: print
        // messages (and their codes) to the log, as the outbox endpoint also shows them.
        if !explicit_delivery && listen.ip().is_loopback() {
            delivery.log_messages = true;
        }
        let webauthn_origins = match args.webauthn_origins {
            Some(list) => list
                .split(',')
                .map(str::trim)
                .filter(|origin| !origin.is_empty())
                .map(str::to_owned)
                .collect(),
            None => file.webauthn_origins.unwrap_or_default(),
        };
        for origin in &webauthn_origins {
            url::Url::parse(origin)
                .map_err(|e| anyhow::anyhow!("webauthn origin {origin:?}: {e}"))?;
        }
        let external_sts_url = args.external_sts_url.or(file.external_sts_url);
        if let Some(url) = &external_sts_url {
            let parsed =
                url::Url::parse(url).map_err(|e| anyhow::anyhow!("--external-sts-url: {e}"))?;
            if !matches!(parsed.scheme(), "http" | "https") {
                bail!("--external-sts-url must start with http:// or https://");
            }
        }
        Ok(Settings {
            external_sts_url,
            policies: args.policies.or(file.policies),
            webauthn_origins,
            delivery,
            rate_limits,
            allow_common_passwords: args.allow_common_passwords
                || file.allow_common_passwords.unwrap_or(false),
            trusted_proxies,
            signing_keys,
            listen,
            data_dir,
            storage,
            region,
            account_id,
            public_url,
            identity_token_issuer: args
                .identity_token_issuer
                .or(file.identity_token_issuer)
                .map(|url| url.trim_end_matches('/').to_owned()),
            admin_credentials,
            key_encryption_key: args.key_encryption_key.or(file.key_encryption_key),
            insecure_unauthenticated_admin_on_public_listener: args
                .insecure_unauthenticated_admin_on_public_listener
                || file
                    .insecure_unauthenticated_admin_on_public_listener
                    .unwrap_or(false),
            log_format: args.log_format.or(file.log_format).unwrap_or_default(),
            max_body_bytes: args
                .max_body_bytes
                .or(file.max_body_bytes)
                .unwrap_or(DEFAULT_MAX_BODY_BYTES),
            drain_delay: Duration::from_secs(
                args.drain_delay_seconds
                    .or(file.drain_delay_seconds)
                    .unwrap_or(0),
            ),
            shutdown_timeout: Duration::from_secs(
                args.shutdown_timeout_seconds
                    .or(file.shutdown_timeout_seconds)
                    .unwrap_or(DEFAULT_SHUTDOWN_TIMEOUT_SECONDS),
            ),
        })
    }

    /// Admin operations without a signature check are safe only where nobody else can
    /// connect.
    pub fn check_admin_exposure(&self, bound: SocketAddr) -> anyhow::Result<()> {
        if self.admin_credentials.is_empty()
            && !bound.ip().is_loopback()
            && !self.insecure_unauthenticated_admin_on_public_listener
        {
            bail!(
                "refusing to listen on {bound} without admin credentials: anyone could administer \
                 every user pool. Set COGNATE_ADMIN_CREDENTIALS (ACCESS_KEY_ID:SECRET), listen on \
                 loopback, or pass --insecure-unauthenticated-admin-on-public-listener"
            );
        }
        Ok(())
    }
}

fn read_file(path: &Path) -> anyhow::Result<FileSettings> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading config file {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("parsing config file {}", path.display()))
}

fn parse_credentials(list: &str) -> anyhow::Result<Vec<AdminCredential>> {
    list.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| match item.split_once(':') {
            Some((id, secret)) if !id.is_empty() && !secret.is_empty() => Ok(AdminCredential {
                access_key_id: id.to_owned(),
                secret_access_key: secret.to_owned(),
            }),
            _ => bail!("admin credentials must be ACCESS_KEY_ID:SECRET pairs separated by commas"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_need_no_flags() {
        let settings = Settings::resolve(ServeArgs::default()).unwrap();
        assert_eq!(settings.listen.to_string(), DEFAULT_LISTEN);
        assert_eq!(settings.region, "us-east-1");
        assert!(matches!(settings.storage, Storage::Sqlite(_)));
        assert_eq!(settings.shutdown_timeout, Duration::from_secs(25));
        assert!(settings.admin_credentials.is_empty());
        assert_eq!(settings.rate_limits, RateLimits::COGNITO_DEFAULTS);
        assert_eq!(settings.signing_keys, RotationSchedule::default());
    }

    #[test]
    fn external_sts_url_from_file_or_flag_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cognate.toml");
        std::fs::write(&path, "external_sts_url = \"http://127.0.0.1:5000/\"\n").unwrap();
        let from_file = Settings::resolve(ServeArgs {
            config: Some(path.clone()),
            ..ServeArgs::default()
        })
        .unwrap();
        assert_eq!(
            from_file.external_sts_url.as_deref(),
            Some("http://127.0.0.1:5000/")
        );
        let from_flag = Settings::resolve(ServeArgs {
            config: Some(path),
            external_sts_url: Some("https://sts.example.com".to_owned()),
            ..ServeArgs::default()
        })
        .unwrap();
        assert_eq!(
            from_flag.external_sts_url.as_deref(),
            Some("https://sts.example.com")
        );
        assert!(
            Settings::resolve(ServeArgs::default())
                .unwrap()
                .external_sts_url
                .is_none()
        );
        assert!(
            Settings::resolve(ServeArgs {
                external_sts_url: Some("ftp://127.0.0.1/".to_owned()),
                ..ServeArgs::default()
            })
            .is_err()
        );
    }

    #[test]
    fn signing_key_schedule_from_file_and_flags() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cognate.toml");
        std::fs::write(
            &path,
            "[signing_keys]\npublish_ahead_seconds = 0\nretain_seconds = 7200\ncache_seconds = 5\n",
        )
        .unwrap();
        let settings = Settings::resolve(ServeArgs {
            config: Some(path.clone()),
            signing_key_retain_seconds: Some(3600),
            ..ServeArgs::default()
        })
        .unwrap();
        assert_eq!(
            settings.signing_keys,
            RotationSchedule::from_seconds(0, 3600, 5)
        );
        assert!(
            Settings::resolve(ServeArgs {
                signing_key_cache_seconds: Some(0),
                ..ServeArgs::default()
            })
            .is_err()
        );
    }

    #[test]
    fn rate_limits_from_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cognate.toml");
        std::fs::write(
            &path,
            "[rate_limits]\nuser_creation = 0\nuser_account_recovery = 5\n",
        )
        .unwrap();
        let settings = Settings::resolve(ServeArgs {
            config: Some(path.clone()),
            ..ServeArgs::default()
        })
        .unwrap();
        assert_eq!(
            settings.rate_limits,
            RateLimits {
                user_authentication: 120,
                user_creation: 0,
                user_account_recovery: 5,
                per_source_ip: cognate_protocol::DEFAULT_PER_SOURCE_IP,
            }
        );
        std::fs::write(&path, "[rate_limits]\nsign_up = 1\n").unwrap();
        assert!(
            Settings::resolve(ServeArgs {
                config: Some(path),
                ..ServeArgs::default()
            })
            .is_err()
        );
    }

    #[test]
    fn trusted_proxies_from_flag_or_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cognate.toml");
        std::fs::write(
            &path,
            "trusted_proxies = [\"10.0.0.0/8\", \"fd00::/8\"]\n[rate_limits]\nper_source_ip = 0\n",
        )
        .unwrap();
        let from_file = Settings::resolve(ServeArgs {
            config: Some(path.clone()),
            ..ServeArgs::default()
        })
        .unwrap();
        let blocks: Vec<String> = from_file
            .trusted_proxies
            .blocks()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(blocks, ["10.0.0.0/8", "fd00::/8"]);
        assert_eq!(from_file.rate_limits.per_source_ip, 0);
        let from_flag = Settings::resolve(ServeArgs {
            config: Some(path),
            trusted_proxies: Some("127.0.0.1, 192.0.2.0/24".into()),
            ..ServeArgs::default()
        })
        .unwrap();
        assert_eq!(from_flag.trusted_proxies.blocks().len(), 2);
        assert!(
            Settings::resolve(ServeArgs::default())
                .unwrap()
                .trusted_proxies
                .blocks()
                .is_empty()
        );
        assert!(
            Settings::resolve(ServeArgs {
                trusted_proxies: Some("10.0.0.1/8".into()),
                ..ServeArgs::default()
            })
            .is_err()
        );
    }

    #[test]
    fn flags_win_over_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cognate.toml");
        std::fs::write(
            &path,
            "region = \"eu-west-1\"\nlisten = \"127.0.0.1:1\"\n[[admin_credentials]]\naccess_key_id = \"AKID\"\nsecret_access_key = \"s\"\n",
        )
        .unwrap();
        let settings = Settings::resolve(ServeArgs {
            config: Some(path),
            listen: Some("127.0.0.1:2".parse().unwrap()),
            ..ServeArgs::default()
        })
        .unwrap();
        assert_eq!(settings.region, "eu-west-1");
        assert_eq!(settings.listen.port(), 2);
        assert_eq!(settings.admin_credentials[0].access_key_id, "AKID");
    }

    #[test]
    fn policies_path_from_flag_or_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cognate.toml");
        std::fs::write(&path, "policies = \"/etc/cognate/policies.json\"\n").unwrap();
        let from_file = Settings::resolve(ServeArgs {
            config: Some(path.clone()),
            ..ServeArgs::default()
        })
        .unwrap();
        assert_eq!(
            from_file.policies,
            Some(PathBuf::from("/etc/cognate/policies.json"))
        );
        let from_flag = Settings::resolve(ServeArgs {
            config: Some(path),
            policies: Some(PathBuf::from("mine.json")),
            ..ServeArgs::default()
        })
        .unwrap();
        assert_eq!(from_flag.policies, Some(PathBuf::from("mine.json")));
        assert_eq!(
            Settings::resolve(ServeArgs::default()).unwrap().policies,
            None
        );
    }

    #[test]
    fn credentials_parse_and_never_print_secrets() {
        let creds = parse_credentials("A:x, B:y").unwrap();
        assert_eq!(creds.len(), 2);
        let printed = format!("{creds:?}");
        assert!(
            !printed.contains("\"x\"") && !printed.contains("\"y\""),
            "{printed}"
        );
        assert!(parse_credentials("nocolon").is_err());
        assert!(parse_credentials("A:").is_err());
    }

    #[test]
    fn public_listener_without_credentials_is_refused() {
        let settings = Settings::resolve(ServeArgs::default()).unwrap();
        assert!(
            settings
                .check_admin_exposure("127.0.0.1:1".parse().unwrap())
                .is_ok()
        );
        assert!(
            settings
                .check_admin_exposure("[::1]:1".parse().unwrap())
                .is_ok()
        );
        assert!(
            settings
                .check_admin_exposure("0.0.0.0:1".parse().unwrap())
                .is_err()
        );
    }

    #[test]
    fn bad_values_are_refused() {
        for args in [
            ServeArgs {
                region: Some("us east".into()),
                ..ServeArgs::default()
            },
            ServeArgs {
                account_id: Some("12".into()),
                ..ServeArgs::default()
            },
            ServeArgs {
                database_url: Some("mysql://x".into()),
                ..ServeArgs::default()
            },
            ServeArgs {
                public_url: Some("ftp://x".into()),
                ..ServeArgs::default()
            },
        ] {
            assert!(Settings::resolve(args).is_err());
        }
    }
}
