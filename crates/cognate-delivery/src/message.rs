//! What handlers hand in, what they get back, and what readers of the outbox see.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Common values of [`OutgoingMessage::purpose`]. The outbox stores any string; these
/// keep the handlers and the readers (tests, scripts) spelling them alike.
pub mod purpose {
    use cognate_domain::messages::MessagePurpose;

    /// `SignUp` / `ResendConfirmationCode`: the account confirmation code.
    pub const SIGN_UP: &str = "SIGN_UP";
    /// `ForgotPassword` / `AdminResetUserPassword`: the password reset code.
    pub const FORGOT_PASSWORD: &str = "FORGOT_PASSWORD";
    /// `GetUserAttributeVerificationCode` / `UpdateUserAttributes`: attribute verification.
    pub const VERIFY_ATTRIBUTE: &str = "VERIFY_ATTRIBUTE";
    /// `AdminCreateUser`: the invitation with the temporary password.
    pub const INVITATION: &str = "INVITATION";
    /// SMS/email MFA and passwordless one-time passwords.
    pub const AUTHENTICATION: &str = "AUTHENTICATION";
    /// Notices without a code (password changed, and so on).
    pub const NOTICE: &str = "NOTICE";

    /// The stored name of a domain purpose.
    #[must_use]
    pub fn of(purpose: MessagePurpose) -> &'static str {
        match purpose {
            MessagePurpose::SignUpConfirmation => SIGN_UP,
            MessagePurpose::AttributeVerification => VERIFY_ATTRIBUTE,
            MessagePurpose::ForgotPassword => FORGOT_PASSWORD,
            MessagePurpose::Invitation => INVITATION,
            MessagePurpose::Authentication => AUTHENTICATION,
        }
    }
}

pub use cognate_domain::messages::Channel;

/// The channel stored in the outbox as `EMAIL` or `SMS`.
pub(crate) fn parse_channel(stored: &str) -> Option<Channel> {
    [Channel::Email, Channel::Sms]
        .into_iter()
        .find(|c| c.as_str() == stored)
}

/// Where a message is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum MessageStatus {
    /// Waiting for an attempt: just recorded (the first attempt is under way, or the node
    /// died during it and the worker takes over once the lease runs out), or an earlier
    /// attempt failed (`last_error`) and the next is due at `next_attempt_ms`.
    Pending,
    /// Accepted by the SMTP relay or the SMS webhook.
    Sent,
    /// Given up: a permanent failure, attempts used up, or unreadable content.
    /// `last_error` says why.
    Failed,
    /// No transport is configured for the channel: the message is kept in the outbox,
    /// where developers and tests read it, and nothing else happens to it.
    Logged,
}

impl MessageStatus {
    /// The form stored in the outbox.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "PENDING",
            Self::Sent => "SENT",
            Self::Failed => "FAILED",
            Self::Logged => "LOGGED",
        }
    }
}

impl fmt::Display for MessageStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for MessageStatus {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "PENDING" => Ok(Self::Pending),
            "SENT" => Ok(Self::Sent),
            "FAILED" => Ok(Self::Failed),
            "LOGGED" => Ok(Self::Logged),
            other => Err(UnknownValue(other.to_owned())),
        }
    }
}

/// A stored channel or status this build does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown value {0:?}")]
pub struct UnknownValue(pub String);

/// A message to send, already rendered from the pool's template.
#[derive(Clone, PartialEq, Eq)]
pub struct OutgoingMessage {
    /// The pool the message is sent for.
    pub pool_id: String,
    /// The user it concerns, when there is one.
    pub username: Option<String>,
    /// Email or SMS.
    pub channel: Channel,
    /// Email address or E.164 phone number.
    pub destination: String,
    /// Email subject; ignored for SMS.
    pub subject: Option<String>,
    /// The rendered text (`{####}` and `{username}` already replaced).
    pub body: String,
    /// Why it is sent; see [`purpose`].
    pub purpose: String,
    /// The code (or temporary password) the body carries, if any. Stored sealed with the
    /// body so readers get it exactly instead of guessing it from the text.
    pub code: Option<String>,
}

impl fmt::Debug for OutgoingMessage {
    // Body and code are one-time secrets; a stray `{:?}` must not log them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutgoingMessage")
            .field("pool_id", &self.pool_id)
            .field("username", &self.username)
            .field("channel", &self.channel)
            .field("destination", &self.destination)
            .field("purpose", &self.purpose)
            .finish_non_exhaustive()
    }
}

/// What happened to a message handed to [`crate::Delivery::send`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryReceipt {
    /// Outbox id of the message.
    pub message_id: String,
    /// The channel used.
    pub channel: Channel,
    /// The result of the immediate attempt.
    pub outcome: DeliveryOutcome,
}

impl DeliveryReceipt {
    /// True when the immediate attempt failed. The message is recorded either way, and
    /// retried when [`DeliveryOutcome::Failed::will_retry`] says so; a handler that must
    /// answer Cognito's `CodeDeliveryFailureException` checks this.
    #[must_use]
    pub fn failed(&self) -> bool {
        matches!(self.outcome, DeliveryOutcome::Failed { .. })
    }
}

/// Result of the immediate delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryOutcome {
    /// The relay or webhook accepted the message.
    Sent,
    /// No transport for the channel: kept in the outbox (and the log, in development).
    Logged,
    /// The transport refused or could not be reached. The error text holds no secrets.
    Failed {
        /// What went wrong (SMTP reply, HTTP status, connection error).
        error: String,
        /// False when retrying cannot help (a malformed address, a permanent SMTP
        /// rejection, a webhook's 400/413/422) or attempts are used up; the message is
        /// then `FAILED`. True: it stays `PENDING` and is retried with backoff.
        will_retry: bool,
    },
}

/// A message read back from the outbox with its content opened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecodedMessage {
    /// Outbox id.
    pub id: String,
    /// Pool the message was sent for.
    pub pool_id: String,
    /// User it concerns, if any.
    pub username: Option<String>,
    /// `EMAIL` or `SMS`.
    pub channel: String,
    /// Address or phone number.
    pub destination: String,
    /// Why it was sent.
    pub purpose: String,
    /// Email subject.
    pub subject: Option<String>,
    /// The text sent. `None` only when the content could not be opened (`content_error`).
    pub body: Option<String>,
    /// The code or temporary password in the body, if the message carries one.
    pub code: Option<String>,
    /// When it was recorded, epoch milliseconds.
    pub created_ms: i64,
    /// `PENDING` (waiting; retrying when `last_error` is set), `SENT`, `FAILED` (given
    /// up) or `LOGGED`.
    pub status: String,
    /// Delivery attempts made.
    pub attempts: i32,
    /// Error of the last failed attempt.
    pub last_error: Option<String>,
    /// When the next attempt is due; `None` when none will be made.
    pub next_attempt_ms: Option<i64>,
    /// Why the content could not be opened (sealed under another key, damaged).
    pub content_error: Option<String>,
}

impl DecodedMessage {
    /// The code carried by the message: the recorded one, else a six- or eight-digit
    /// number found in the body (messages recorded without `code`).
    #[must_use]
    pub fn code(&self) -> Option<String> {
        self.code
            .clone()
            .or_else(|| self.body.as_deref().and_then(extract_code))
    }
}

/// Filter and page of a listing, as the local endpoint's query string
/// (`?pool_id=&destination=&username=&limit=&next_token=`) and the CLI flags spell it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ListParams {
    /// Only messages of this pool.
    pub pool_id: Option<String>,
    /// Only messages to this address or number (exact match).
    pub destination: Option<String>,
    /// Only messages about this user.
    pub username: Option<String>,
    /// Messages per page; default 50, at most 1000.
    pub limit: Option<u32>,
    /// `next_token` of the previous page.
    pub next_token: Option<String>,
}

/// One page of messages, newest first: the local endpoint's JSON answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageList {
    /// The messages.
    pub messages: Vec<DecodedMessage>,
    /// Pass as `next_token` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// Finds a code in a message text: the first run of exactly six digits (verification
/// codes) or eight (one-time passwords), not part of a longer number. For messages
/// recorded without [`OutgoingMessage::code`] and for tests reading mail captured
/// elsewhere.
#[must_use]
pub fn extract_code(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            if matches!(i - start, 6 | 8) {
                return text.get(start..i).map(str::to_owned);
            }
        } else {
            i += 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for c in [Channel::Email, Channel::Sms] {
            assert_eq!(parse_channel(c.as_str()), Some(c));
        }
        assert_eq!(parse_channel("email"), None);
        for s in [
            MessageStatus::Pending,
            MessageStatus::Sent,
            MessageStatus::Failed,
            MessageStatus::Logged,
        ] {
            assert_eq!(s.as_str().parse::<MessageStatus>().unwrap(), s);
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{s}\""));
        }
    }

    #[test]
    fn extracts_six_digit_codes_only() {
        assert_eq!(
            extract_code("Your verification code is 012345.").as_deref(),
            Some("012345")
        );
        assert_eq!(
            extract_code("Order 1234567, year 2024, code 654321").as_deref(),
            Some("654321")
        );
        assert_eq!(extract_code("no code here 12345 1234567"), None);
        assert_eq!(extract_code("OTP 12345678.").as_deref(), Some("12345678"));
        assert_eq!(extract_code("é 123456 ü").as_deref(), Some("123456"));
    }

    #[test]
    fn debug_hides_body_and_code() {
        let msg = OutgoingMessage {
            pool_id: "p".into(),
            username: None,
            channel: Channel::Sms,
            destination: "+15550100".into(),
            subject: None,
            body: "code 987654".into(),
            purpose: purpose::SIGN_UP.into(),
            code: Some("987654".into()),
        };
        assert!(!format!("{msg:?}").contains("987654"));
    }

    #[test]
    fn list_params_parse_from_a_query_map() {
        let params: ListParams = serde_json::from_value(serde_json::json!({
            "destination": "a@b.c", "limit": 5
        }))
        .unwrap();
        assert_eq!(params.destination.as_deref(), Some("a@b.c"));
        assert_eq!(params.limit, Some(5));
        assert!(serde_json::from_value::<ListParams>(serde_json::json!({"x": 1})).is_err());
    }
}
