//! Delivery settings: the `[delivery]` table of the server's configuration file.
//!
//! Every field has a default, so an empty table (or none at all) is a valid development
//! setup: messages are kept in the outbox with status `LOGGED` and nothing leaves the
//! machine.

use std::collections::BTreeMap;
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;
use zeroize::Zeroizing;

/// Longest fixed code accepted; Cognito's own codes are six digits.
const MAX_FIXED_CODE_LEN: usize = 32;

/// How messages leave Cognate.
///
/// ```toml
/// [delivery]
/// log_messages = true            # development: print messages (with codes) to the log
/// fixed_code = "123456"          # development: every code is this value (loopback only)
///
/// [delivery.smtp]
/// host = "smtp.example.com"
/// port = 587
/// tls = "starttls"               # none | starttls | tls
/// username = "cognate"
/// password = "..."
/// from = "Cognate <no-reply@example.com>"
///
/// [delivery.sms_webhook]
/// url = "https://sms-gateway.internal/send"
/// bearer_token = "..."
/// headers = { "X-Tenant" = "auth" }
///
/// [delivery.retry]
/// max_attempts = 5
/// ```
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DeliveryConfig {
    /// SMTP relay for `EMAIL` messages. Without it, email is kept in the outbox only
    /// (status `LOGGED`), readable through the local endpoint and the CLI.
    pub smtp: Option<SmtpConfig>,
    /// HTTP webhook for `SMS` messages. Without it, SMS is kept in the outbox only.
    pub sms_webhook: Option<SmsWebhookConfig>,
    /// Development: write every message, codes included, to the log at INFO. Off by
    /// default because message bodies carry one-time codes and temporary passwords.
    pub log_messages: bool,
    /// Development: every code Cognate generates is this value, for scripts that type a
    /// constant code. The server must refuse it on a listener that is not loopback
    /// ([`DeliveryConfig::check_listener`]).
    pub fixed_code: Option<String>,
    /// Retry schedule and lease of the background worker.
    pub retry: RetryConfig,
}

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TlsMode {
    /// Plain TCP. Only for a relay on the same machine or a test server.
    None,
    /// Plain TCP upgraded with STARTTLS, which is required (a server that does not offer
    /// it fails the delivery rather than receiving the message in clear). Default port 587.
    #[default]
    Starttls,
    /// TLS from the first byte ("SMTPS"). Default port 465.
    Tls,
}

impl TlsMode {
    /// The conventional port of the mode.
    #[must_use]
    pub fn default_port(self) -> u16 {
        match self {
            Self::None => 25,
            Self::Starttls => 587,
            Self::Tls => 465,
        }
    }
}

/// SMTP relay settings.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    /// Relay host name (verified against its certificate unless `tls = "none"`).
    pub host: String,
    /// Relay port; default from the TLS mode (25, 587 or 465).
    #[serde(default)]
    pub port: Option<u16>,
    /// Connection protection; default `starttls`.
    #[serde(default)]
    pub tls: TlsMode,
    /// User for SMTP AUTH; with `password`, or neither.
    #[serde(default)]
    pub username: Option<String>,
    /// Password for SMTP AUTH. Never logged.
    #[serde(default)]
    pub password: Option<Secret>,
    /// `From` of every email, `address@domain` or `Name <address@domain>`.
    pub from: String,
    /// Seconds one delivery may take (connect, TLS, AUTH, DATA); default 15.
    #[serde(default = "default_smtp_timeout")]
    pub timeout_seconds: u64,
    /// PEM file of extra trusted CA certificates, for a relay with a private CA. The
    /// public web PKI roots stay trusted.
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// Name sent in EHLO; default the machine's host name.
    #[serde(default)]
    pub hello_name: Option<String>,
}

impl fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("username", &self.username)
            .field("password", &self.password)
            .field("from", &self.from)
            .field("timeout_seconds", &self.timeout_seconds)
            .field("ca_file", &self.ca_file)
            .field("hello_name", &self.hello_name)
            .finish()
    }
}

impl SmtpConfig {
    /// The port actually used.
    #[must_use]
    pub fn effective_port(&self) -> u16 {
        self.port.unwrap_or_else(|| self.tls.default_port())
    }
}

/// SMS webhook settings. Each SMS is one `POST` of
/// `{"to", "message", "pool_id", "purpose", "message_id"}` (JSON); any 2xx answer means
/// delivered. `message_id` is stable across retries so the receiver can drop duplicates.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmsWebhookConfig {
    /// `http://` or `https://` URL. Redirects are not followed (they would carry the
    /// bearer token elsewhere).
    pub url: String,
    /// Sent as `Authorization: Bearer <token>`. Never logged.
    #[serde(default)]
    pub bearer_token: Option<Secret>,
    /// Extra request headers (an API key header, a tenant). Values are never logged.
    #[serde(default)]
    pub headers: BTreeMap<String, Secret>,
    /// Seconds one request may take; default 10.
    #[serde(default = "default_webhook_timeout")]
    pub timeout_seconds: u64,
}

impl fmt::Debug for SmsWebhookConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmsWebhookConfig")
            .field("url", &redact_url(&self.url))
            .field("bearer_token", &self.bearer_token)
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field("timeout_seconds", &self.timeout_seconds)
            .finish()
    }
}

/// Retry schedule: after the n-th failed attempt the next one is due
/// `initial_backoff_seconds × 2^(n−1)` later, at most `max_backoff_seconds`; after
/// `max_attempts` attempts the message stays `FAILED` for good.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RetryConfig {
    /// Attempts in all, the first (immediate) one included; default 5.
    pub max_attempts: u32,
    /// Delay after the first failure; default 30 s.
    pub initial_backoff_seconds: u64,
    /// Longest delay between two attempts; default one hour.
    pub max_backoff_seconds: u64,
    /// How long a node owns a message it is sending. Another node takes over a message
    /// only after this, so it must exceed the transport timeouts; default 120 s.
    pub lease_seconds: u64,
    /// How often the worker looks for due messages; default 5 s.
    pub poll_interval_seconds: u64,
    /// Messages one worker sends at once; default 8.
    pub batch_size: u32,
}

impl Default for RetryConfig {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            initial_backoff_seconds: 30,
            max_backoff_seconds: 3600,
            lease_seconds: 120,
            poll_interval_seconds: 5,
            batch_size: 8,
        }
    }
}

impl RetryConfig {
    /// The lease in milliseconds.
    #[must_use]
    pub fn lease_ms(&self) -> i64 {
        secs_to_ms(self.lease_seconds)
    }

    /// The worker's polling interval.
    #[must_use]
    pub fn poll_interval(&self) -> Duration {
        Duration::from_secs(self.poll_interval_seconds.max(1))
    }

    /// Delay before the attempt that follows the `failed_attempts`-th failure.
    #[must_use]
    pub fn backoff_ms(&self, failed_attempts: u32) -> i64 {
        let exponent = failed_attempts.saturating_sub(1).min(32);
        let delay = self
            .initial_backoff_seconds
            .saturating_mul(1u64 << exponent)
            .min(self.max_backoff_seconds);
        secs_to_ms(delay)
    }
}

fn secs_to_ms(seconds: u64) -> i64 {
    i64::try_from(seconds.saturating_mul(1000)).unwrap_or(i64::MAX)
}

fn default_smtp_timeout() -> u64 {
    15
}

fn default_webhook_timeout() -> u64 {
    10
}

/// A configured secret (password, token, header value): `Debug` prints `***` and the
/// memory is cleared when dropped.
#[derive(Clone, Deserialize)]
#[serde(from = "String")]
pub struct Secret(Zeroizing<String>);

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(Zeroizing::new(value))
    }
}

impl Secret {
    /// Wraps a value.
    #[must_use]
    pub fn new(value: impl Into<String>) -> Self {
        Self(Zeroizing::new(value.into()))
    }

    /// The secret itself; for the transport only.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// A setting that cannot work, named so the operator can fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("delivery configuration: {0}")]
pub struct ConfigError(pub String);

impl DeliveryConfig {
    /// Checks what can be checked without a network: addresses parse, the URL is HTTP(S),
    /// timeouts fit inside the lease, credentials do not travel in clear to another
    /// machine, the fixed code is sane. [`crate::Delivery::new`] calls it.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let err = |m: String| Err(ConfigError(m));
        let retry = &self.retry;
        if retry.max_attempts == 0 {
            return err("retry.max_attempts must be at least 1".into());
        }
        if retry.batch_size == 0 {
            return err("retry.batch_size must be at least 1".into());
        }
        if retry.initial_backoff_seconds == 0 {
            return err("retry.initial_backoff_seconds must be at least 1".into());
        }
        if retry.max_backoff_seconds < retry.initial_backoff_seconds {
            return err(
                "retry.max_backoff_seconds must not be below initial_backoff_seconds".into(),
            );
        }
        if let Some(smtp) = &self.smtp {
            if smtp.host.trim().is_empty() {
                return err("smtp.host is empty".into());
            }
            if smtp.from.parse::<lettre::message::Mailbox>().is_err() {
                return err(format!(
                    "smtp.from {:?} is not an email address (`a@b.c` or `Name <a@b.c>`)",
                    smtp.from
                ));
            }
            if smtp.username.is_some() != smtp.password.is_some() {
                return err("smtp.username and smtp.password go together".into());
            }
            if smtp.username.is_some() && smtp.tls == TlsMode::None && !is_loopback_host(&smtp.host)
            {
                // AUTH PLAIN/LOGIN over plain TCP hands the password to anyone on the path.
                return err(
                    "smtp credentials need tls = \"starttls\" or \"tls\" unless the relay is on loopback"
                        .into(),
                );
            }
            if smtp.timeout_seconds == 0 {
                return err("smtp.timeout_seconds must be at least 1".into());
            }
            if smtp.timeout_seconds.saturating_mul(2) > retry.lease_seconds {
                return err(format!(
                    "retry.lease_seconds ({}) must be at least twice smtp.timeout_seconds ({}), \
                     or another node could resend a message still being sent",
                    retry.lease_seconds, smtp.timeout_seconds
                ));
            }
        }
        if let Some(hook) = &self.sms_webhook {
            let url = reqwest::Url::parse(&hook.url)
                .map_err(|_| ConfigError("sms_webhook.url is not a URL".into()))?;
            if !matches!(url.scheme(), "http" | "https") {
                return err("sms_webhook.url must be http:// or https://".into());
            }
            for (name, value) in &hook.headers {
                if reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_err()
                    || reqwest::header::HeaderValue::from_str(value.expose()).is_err()
                {
                    return err(format!(
                        "sms_webhook.headers: {name:?} is not a valid header"
                    ));
                }
            }
            if hook.timeout_seconds == 0 {
                return err("sms_webhook.timeout_seconds must be at least 1".into());
            }
            if hook.timeout_seconds.saturating_mul(2) > retry.lease_seconds {
                return err(format!(
                    "retry.lease_seconds ({}) must be at least twice sms_webhook.timeout_seconds ({})",
                    retry.lease_seconds, hook.timeout_seconds
                ));
            }
        }
        if let Some(code) = &self.fixed_code
            && (code.is_empty()
                || code.len() > MAX_FIXED_CODE_LEN
                || !code.chars().all(|c| c.is_ascii_alphanumeric()))
        {
            return err(format!(
                "fixed_code must be 1 to {MAX_FIXED_CODE_LEN} ASCII letters or digits"
            ));
        }
        Ok(())
    }

    /// Refuses `fixed_code` unless every listener is on loopback: a constant code on a
    /// reachable server lets anyone confirm any account or reset any password.
    pub fn check_listener(&self, listeners: &[SocketAddr]) -> Result<(), ConfigError> {
        if self.fixed_code.is_some()
            && let Some(addr) = listeners.iter().find(|a| !a.ip().is_loopback())
        {
            return Err(ConfigError(format!(
                "fixed_code is a development option and is refused on the non-loopback \
                 listener {addr}"
            )));
        }
        Ok(())
    }
}

fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The URL without user info, query or fragment, which may carry credentials.
pub(crate) fn redact_url(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut u) => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.set_query(None);
            u.set_fragment(None);
            u.to_string()
        }
        Err(_) => "<invalid url>".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn smtp(tls: TlsMode, host: &str) -> SmtpConfig {
        SmtpConfig {
            host: host.into(),
            port: None,
            tls,
            username: Some("u".into()),
            password: Some(Secret::new("hunter2")),
            from: "Cognate <no-reply@example.com>".into(),
            timeout_seconds: 15,
            ca_file: None,
            hello_name: None,
        }
    }

    #[test]
    fn empty_table_is_valid_development_setup() {
        let config: DeliveryConfig = toml_like("{}");
        config.validate().unwrap();
        assert!(config.smtp.is_none() && config.sms_webhook.is_none());
        assert!(!config.log_messages);
        assert_eq!(config.retry.max_attempts, 5);
    }

    /// serde_json stands in for TOML: the server parses the same derive.
    fn toml_like(json: &str) -> DeliveryConfig {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn full_config_deserialises() {
        let config = toml_like(
            r#"{"log_messages": true, "fixed_code": "123456",
                "smtp": {"host": "mail", "port": 2525, "tls": "tls", "username": "u",
                         "password": "p", "from": "a@b.c"},
                "sms_webhook": {"url": "https://x.test/send", "bearer_token": "t",
                                "headers": {"X-Api-Key": "k"}, "timeout_seconds": 5},
                "retry": {"max_attempts": 3}}"#,
        );
        config.validate().unwrap();
        let smtp = config.smtp.as_ref().unwrap();
        assert_eq!(smtp.effective_port(), 2525);
        assert_eq!(smtp.tls, TlsMode::Tls);
        assert_eq!(config.retry.max_attempts, 3);
        assert_eq!(config.retry.lease_seconds, 120);
    }

    #[test]
    fn unknown_keys_are_refused() {
        assert!(serde_json::from_str::<DeliveryConfig>(r#"{"smpt": {}}"#).is_err());
    }

    #[test]
    fn default_ports_follow_tls_mode() {
        assert_eq!(smtp(TlsMode::None, "h").effective_port(), 25);
        assert_eq!(smtp(TlsMode::Starttls, "h").effective_port(), 587);
        assert_eq!(smtp(TlsMode::Tls, "h").effective_port(), 465);
    }

    #[test]
    fn debug_hides_secrets() {
        let mut config = DeliveryConfig {
            smtp: Some(smtp(TlsMode::Tls, "mail")),
            ..DeliveryConfig::default()
        };
        config.sms_webhook = Some(SmsWebhookConfig {
            url: "https://user:pw@x.test/send?token=abc".into(),
            bearer_token: Some(Secret::new("bearer-secret")),
            headers: BTreeMap::from([("X-Api-Key".into(), Secret::new("header-secret"))]),
            timeout_seconds: 10,
        });
        let text = format!("{config:?}");
        for secret in ["hunter2", "bearer-secret", "header-secret", "abc", ":pw"] {
            assert!(!text.contains(secret), "{secret} leaked in {text}");
        }
        assert!(text.contains("X-Api-Key"));
    }

    #[test]
    fn plaintext_credentials_only_on_loopback() {
        for host in ["localhost", "127.0.0.1", "[::1]"] {
            let config = DeliveryConfig {
                smtp: Some(smtp(TlsMode::None, host)),
                ..DeliveryConfig::default()
            };
            config.validate().unwrap();
        }
        let config = DeliveryConfig {
            smtp: Some(smtp(TlsMode::None, "mail.example.com")),
            ..DeliveryConfig::default()
        };
        assert!(config.validate().is_err());
    }

    #[test]
    fn bad_settings_are_named() {
        let mut bad = smtp(TlsMode::Tls, "mail");
        bad.from = "not an address".into();
        let config = DeliveryConfig {
            smtp: Some(bad),
            ..DeliveryConfig::default()
        };
        assert!(config.validate().unwrap_err().0.contains("smtp.from"));

        let mut slow = smtp(TlsMode::Tls, "mail");
        slow.timeout_seconds = 100;
        let config = DeliveryConfig {
            smtp: Some(slow),
            ..DeliveryConfig::default()
        };
        assert!(config.validate().unwrap_err().0.contains("lease_seconds"));

        let config = toml_like(r#"{"sms_webhook": {"url": "ftp://x/y"}}"#);
        assert!(config.validate().is_err());
        let config = toml_like(r#"{"fixed_code": "12 34"}"#);
        assert!(config.validate().is_err());
        let config = toml_like(r#"{"retry": {"max_attempts": 0}}"#);
        assert!(config.validate().is_err());
    }

    #[test]
    fn fixed_code_is_loopback_only() {
        let config = toml_like(r#"{"fixed_code": "123456"}"#);
        let lo: SocketAddr = "127.0.0.1:9229".parse().unwrap();
        let lo6: SocketAddr = "[::1]:9229".parse().unwrap();
        let any: SocketAddr = "0.0.0.0:9229".parse().unwrap();
        config.check_listener(&[lo, lo6]).unwrap();
        assert!(config.check_listener(&[lo, any]).is_err());
        toml_like("{}").check_listener(&[any]).unwrap();
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let retry = RetryConfig::default();
        assert_eq!(retry.backoff_ms(1), 30_000);
        assert_eq!(retry.backoff_ms(2), 60_000);
        assert_eq!(retry.backoff_ms(3), 120_000);
        assert_eq!(retry.backoff_ms(20), 3_600_000);
        assert_eq!(retry.backoff_ms(u32::MAX), 3_600_000);
    }
}
