//! Email over SMTP with lettre's pooled async transport (tokio, rustls).

use std::time::Duration;

use async_trait::async_trait;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use super::{Envelope, Transport, TransportError};
use crate::config::{ConfigError, SmtpConfig, TlsMode};

/// SMTP replies that reject the configuration (authentication), not the message: a 5xx,
/// but the same message goes through once the operator fixes the settings.
const CONFIGURATION_REPLIES: [u16; 4] = [530, 534, 535, 538];

/// Sends email through one relay, one connection per message.
pub struct SmtpTransport {
    inner: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    timeout: Duration,
}

impl SmtpTransport {
    /// Builds the transport. No connection is made until the first message, so a relay
    /// that is down at start-up delays mail rather than the server.
    pub fn new(config: &SmtpConfig) -> Result<Self, ConfigError> {
        let from: Mailbox = config
            .from
            .parse()
            .map_err(|_| ConfigError(format!("smtp.from {:?} is not an address", config.from)))?;
        let host = config.host.trim();
        let timeout = Duration::from_secs(config.timeout_seconds);
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(config.effective_port())
            .timeout(Some(timeout));
        builder = match config.tls {
            TlsMode::None => builder.tls(Tls::None),
            TlsMode::Starttls => builder.tls(Tls::Required(tls_parameters(config, host)?)),
            TlsMode::Tls => builder.tls(Tls::Wrapper(tls_parameters(config, host)?)),
        };
        if let (Some(user), Some(password)) = (&config.username, &config.password) {
            builder =
                builder.credentials(Credentials::new(user.clone(), password.expose().to_owned()));
        }
        if let Some(name) = &config.hello_name {
            builder = builder.hello_name(ClientId::Domain(name.clone()));
        }
        Ok(Self {
            inner: builder.build(),
            from,
            timeout,
        })
    }
}

fn tls_parameters(config: &SmtpConfig, host: &str) -> Result<TlsParameters, ConfigError> {
    // Brackets are URL syntax; the certificate names the bare address.
    let name = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let mut params = TlsParameters::builder(name);
    if let Some(path) = &config.ca_file {
        let pem = std::fs::read(path)
            .map_err(|e| ConfigError(format!("smtp.ca_file {}: {e}", path.display())))?;
        let cert = Certificate::from_pem(&pem).map_err(|_| {
            ConfigError(format!(
                "smtp.ca_file {}: not PEM certificates",
                path.display()
            ))
        })?;
        params = params.add_root_certificate(cert);
    }
    params
        .build_rustls()
        .map_err(|e| ConfigError(format!("smtp TLS settings: {e}")))
}

#[async_trait]
impl Transport for SmtpTransport {
    fn name(&self) -> &'static str {
        "smtp"
    }

    async fn deliver(&self, envelope: &Envelope<'_>) -> Result<(), TransportError> {
        let to: Mailbox = envelope
            .destination
            .parse()
            .map_err(|_| TransportError::permanent("destination is not a valid email address"))?;
        // lettre encodes header values, but a subject is one line by definition.
        let subject: String = envelope
            .subject
            .unwrap_or_default()
            .chars()
            .map(|c| if c == '\r' || c == '\n' { ' ' } else { c })
            .collect();
        let content_type = if looks_like_html(envelope.body) {
            ContentType::TEXT_HTML
        } else {
            ContentType::TEXT_PLAIN
        };
        let email = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            // The outbox id, so a duplicate after a lease takeover is recognisable.
            .message_id(Some(format!(
                "<{}@{}>",
                envelope.message_id,
                self.from.email.domain()
            )))
            .header(content_type)
            .body(envelope.body.to_owned())
            .map_err(|e| TransportError::permanent(format!("building the email: {e}")))?;
        // lettre's own timeout covers only the TCP connect; a relay that stops answering
        // mid-conversation would hold the message (and its lease) for ever.
        match tokio::time::timeout(self.timeout, self.inner.send(email)).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(classify(&e)),
            Err(_) => Err(TransportError::transient(format!(
                "smtp: no answer within {} s",
                self.timeout.as_secs()
            ))),
        }
    }
}

fn classify(error: &lettre::transport::smtp::Error) -> TransportError {
    let code = error.status().map(u16::from);
    let permanent =
        error.is_permanent() && !code.is_some_and(|c| CONFIGURATION_REPLIES.contains(&c));
    let message = format!("smtp: {error}");
    if permanent {
        TransportError::permanent(message)
    } else {
        TransportError::transient(message)
    }
}

/// Cognito's templates may be HTML; a body that has tags is sent as `text/html`.
fn looks_like_html(body: &str) -> bool {
    let lower = body.to_ascii_lowercase();
    [
        "<html", "<body", "<p>", "<p ", "<br", "<a ", "<div", "<b>", "<strong>",
    ]
    .iter()
    .any(|tag| lower.contains(tag))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_recognised() {
        assert!(looks_like_html("<p>Your code is 123456</p>"));
        assert!(looks_like_html("Code:<br/>123456"));
        assert!(!looks_like_html("Your code is 123456 (valid < 24 h)"));
    }

    #[test]
    fn builds_for_every_tls_mode() {
        for tls in [TlsMode::None, TlsMode::Starttls, TlsMode::Tls] {
            let config = SmtpConfig {
                host: "mail.example.com".into(),
                port: None,
                tls,
                username: None,
                password: None,
                from: "no-reply@example.com".into(),
                timeout_seconds: 5,
                ca_file: None,
                hello_name: Some("cognate.test".into()),
            };
            SmtpTransport::new(&config).unwrap();
        }
    }

    #[test]
    fn missing_ca_file_is_a_config_error() {
        let config = SmtpConfig {
            host: "mail.example.com".into(),
            port: None,
            tls: TlsMode::Tls,
            username: None,
            password: None,
            from: "no-reply@example.com".into(),
            timeout_seconds: 5,
            ca_file: Some("/nonexistent/ca.pem".into()),
            hello_name: None,
        };
        assert!(SmtpTransport::new(&config).is_err());
    }
}
