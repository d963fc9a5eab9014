//! Message texts sent by email and SMS, and the masked destination shown in
//! `CodeDeliveryDetails`.
//!
//! Templates use `{####}` for the code (or the temporary password, in invitations) and
//! `{username}` for the username. A pool's templates come from its settings:
//! `VerificationMessageTemplate` (with the legacy `EmailVerificationMessage`,
//! `EmailVerificationSubject` and `SmsVerificationMessage`), `AdminCreateUserConfig.
//! InviteMessageTemplate` and `SmsAuthenticationMessage`; Cognito's default texts fill the
//! gaps. Sign-up confirmation, resent codes, attribute verification and password reset all
//! use the verification template (the developer guide: "Emails from attribute-update and
//! password-reset operations use the code template").
//!
//! Masking, as the service answers: email `u***@y***` (first character of the local part
//! and of the domain), phone `+********1234` (one star per hidden digit, last four shown).

use serde_json::Value;

/// Placeholder for the code or temporary password.
pub const CODE_PLACEHOLDER: &str = "{####}";
/// Placeholder for the username.
pub const USERNAME_PLACEHOLDER: &str = "{username}";

/// Cognito's default texts (as DescribeUserPool shows them for a pool created in the
/// console, and as sent when a pool has none). Note the trailing space after the period.
pub mod defaults {
    pub const VERIFICATION_SUBJECT: &str = "Your verification code";
    pub const VERIFICATION_MESSAGE: &str = "Your verification code is {####}. ";
    pub const INVITATION_SUBJECT: &str = "Your temporary password";
    pub const INVITATION_MESSAGE: &str =
        "Your username is {username} and temporary password is {####}. ";
    pub const AUTHENTICATION_MESSAGE: &str = "Your authentication code is {####}. ";
    /// Subject of email MFA/OTP messages (Cognate's choice; not confirmed).
    pub const AUTHENTICATION_SUBJECT: &str = "Your authentication code";
}

/// Replaces `{####}` with `code` and `{username}` with `username` (each everywhere it
/// occurs; a missing value leaves its placeholder untouched).
#[must_use]
pub fn render(template: &str, code: Option<&str>, username: Option<&str>) -> String {
    let mut out = template.to_owned();
    if let Some(code) = code {
        out = out.replace(CODE_PLACEHOLDER, code);
    }
    if let Some(username) = username {
        out = out.replace(USERNAME_PLACEHOLDER, username);
    }
    out
}

/// Why a message is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessagePurpose {
    /// SignUp and ResendConfirmationCode.
    SignUpConfirmation,
    /// GetUserAttributeVerificationCode, and attribute updates that need verification.
    AttributeVerification,
    /// ForgotPassword and AdminResetUserPassword.
    ForgotPassword,
    /// AdminCreateUser: the invitation with the temporary password.
    Invitation,
    /// SMS/email MFA and passwordless one-time passwords.
    Authentication,
}

/// How a message travels; the wire names of `DeliveryMediumType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Email,
    Sms,
}

impl Channel {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "EMAIL",
            Self::Sms => "SMS",
        }
    }

    /// The attribute a channel delivers to.
    #[must_use]
    pub fn attribute(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Sms => "phone_number",
        }
    }
}

/// A rendered message: a subject for email, and the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedMessage {
    pub subject: Option<String>,
    pub body: String,
}

/// A pool's message templates, defaults applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageTemplates {
    pub verification_subject: String,
    pub verification_email: String,
    pub verification_sms: String,
    pub invitation_subject: String,
    pub invitation_email: String,
    pub invitation_sms: String,
    pub authentication_sms: String,
    pub authentication_subject: String,
    pub authentication_email: String,
}

impl Default for MessageTemplates {
    fn default() -> Self {
        Self {
            verification_subject: defaults::VERIFICATION_SUBJECT.into(),
            verification_email: defaults::VERIFICATION_MESSAGE.into(),
            verification_sms: defaults::VERIFICATION_MESSAGE.into(),
            invitation_subject: defaults::INVITATION_SUBJECT.into(),
            invitation_email: defaults::INVITATION_MESSAGE.into(),
            invitation_sms: defaults::INVITATION_MESSAGE.into(),
            authentication_sms: defaults::AUTHENTICATION_MESSAGE.into(),
            authentication_subject: defaults::AUTHENTICATION_SUBJECT.into(),
            authentication_email: defaults::AUTHENTICATION_MESSAGE.into(),
        }
    }
}

fn text<'a>(value: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter()
        .try_fold(value, |v, key| v.get(*key))
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

impl MessageTemplates {
    /// The templates in a pool settings document, with Cognito's defaults for the rest.
    #[must_use]
    pub fn from_settings(settings: &Value) -> Self {
        let d = Self::default();
        let pick = |paths: &[&[&str]], default: String| {
            paths
                .iter()
                .find_map(|p| text(settings, p))
                .map_or(default, str::to_owned)
        };
        Self {
            verification_subject: pick(
                &[
                    &["VerificationMessageTemplate", "EmailSubject"],
                    &["EmailVerificationSubject"],
                ],
                d.verification_subject,
            ),
            verification_email: pick(
                &[
                    &["VerificationMessageTemplate", "EmailMessage"],
                    &["EmailVerificationMessage"],
                ],
                d.verification_email,
            ),
            verification_sms: pick(
                &[
                    &["VerificationMessageTemplate", "SmsMessage"],
                    &["SmsVerificationMessage"],
                ],
                d.verification_sms,
            ),
            invitation_subject: pick(
                &[&[
                    "AdminCreateUserConfig",
                    "InviteMessageTemplate",
                    "EmailSubject",
                ]],
                d.invitation_subject,
            ),
            invitation_email: pick(
                &[&[
                    "AdminCreateUserConfig",
                    "InviteMessageTemplate",
                    "EmailMessage",
                ]],
                d.invitation_email,
            ),
            invitation_sms: pick(
                &[&[
                    "AdminCreateUserConfig",
                    "InviteMessageTemplate",
                    "SMSMessage",
                ]],
                d.invitation_sms,
            ),
            authentication_sms: pick(&[&["SmsAuthenticationMessage"]], d.authentication_sms),
            authentication_subject: pick(
                &[&["EmailMfaConfiguration", "Subject"]],
                d.authentication_subject,
            ),
            authentication_email: pick(
                &[&["EmailMfaConfiguration", "Message"]],
                d.authentication_email,
            ),
        }
    }

    /// The message for `purpose` over `channel`, with `code` (or the temporary password)
    /// and `username` filled in.
    #[must_use]
    pub fn render(
        &self,
        purpose: MessagePurpose,
        channel: Channel,
        code: &str,
        username: &str,
    ) -> RenderedMessage {
        let (subject, email, sms) = match purpose {
            MessagePurpose::SignUpConfirmation
            | MessagePurpose::AttributeVerification
            | MessagePurpose::ForgotPassword => (
                &self.verification_subject,
                &self.verification_email,
                &self.verification_sms,
            ),
            MessagePurpose::Invitation => (
                &self.invitation_subject,
                &self.invitation_email,
                &self.invitation_sms,
            ),
            MessagePurpose::Authentication => (
                &self.authentication_subject,
                &self.authentication_email,
                &self.authentication_sms,
            ),
        };
        match channel {
            Channel::Email => RenderedMessage {
                subject: Some(render(subject, Some(code), Some(username))),
                body: render(email, Some(code), Some(username)),
            },
            Channel::Sms => RenderedMessage {
                subject: None,
                body: render(sms, Some(code), Some(username)),
            },
        }
    }
}

/// `j***@e***` for `jane@example.com`.
#[must_use]
pub fn mask_email(email: &str) -> String {
    let first = |s: &str| s.chars().next().map(String::from).unwrap_or_default();
    match email.rsplit_once('@') {
        Some((local, domain)) => format!("{}***@{}***", first(local), first(domain)),
        None => format!("{}***", first(email)),
    }
}

/// `+*******0008` for `+15555550008`: the leading `+` and the last four characters kept,
/// every other character a star.
#[must_use]
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    let (plus, digits) = match chars.split_first() {
        Some(('+', rest)) => ("+", rest),
        _ => ("", chars.as_slice()),
    };
    let shown = digits.len().min(4);
    let hidden = digits.len() - shown;
    let mut out = String::with_capacity(phone.len());
    out.push_str(plus);
    out.extend(std::iter::repeat_n('*', hidden));
    out.extend(&digits[hidden..]);
    out
}

/// `CodeDeliveryDetails` of a message (`CodeDeliveryDetailsType`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeDeliveryDetails {
    /// The masked destination.
    pub destination: String,
    /// `EMAIL` or `SMS`.
    pub delivery_medium: &'static str,
    /// `email` or `phone_number`.
    pub attribute_name: &'static str,
}

impl CodeDeliveryDetails {
    /// The details for a message to `address` over `channel`.
    #[must_use]
    pub fn new(channel: Channel, address: &str) -> Self {
        Self {
            destination: match channel {
                Channel::Email => mask_email(address),
                Channel::Sms => mask_phone(address),
            },
            delivery_medium: channel.as_str(),
            attribute_name: channel.attribute(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn placeholders_are_replaced_everywhere() {
        assert_eq!(
            render(
                "Code {####}, again {####}, for {username}",
                Some("123456"),
                Some("bob")
            ),
            "Code 123456, again 123456, for bob"
        );
        assert_eq!(render("{####}", None, Some("bob")), "{####}");
        assert_eq!(render("{username}", Some("1"), None), "{username}");
        // A username containing a placeholder is not expanded again.
        assert_eq!(
            render("{username} {####}", Some("1"), Some("{####}")),
            "{####} 1"
        );
    }

    #[test]
    fn default_texts() {
        let t = MessageTemplates::default();
        let m = t.render(
            MessagePurpose::SignUpConfirmation,
            Channel::Email,
            "123456",
            "bob",
        );
        assert_eq!(m.subject.as_deref(), Some("Your verification code"));
        assert_eq!(m.body, "Your verification code is 123456. ");
        let m = t.render(
            MessagePurpose::ForgotPassword,
            Channel::Sms,
            "654321",
            "bob",
        );
        assert_eq!(m.subject, None);
        assert_eq!(m.body, "Your verification code is 654321. ");
        let m = t.render(
            MessagePurpose::Invitation,
            Channel::Email,
            "Tmp#Pass1",
            "bob",
        );
        assert_eq!(m.subject.as_deref(), Some("Your temporary password"));
        assert_eq!(
            m.body,
            "Your username is bob and temporary password is Tmp#Pass1. "
        );
        let m = t.render(
            MessagePurpose::Authentication,
            Channel::Sms,
            "111222",
            "bob",
        );
        assert_eq!(m.body, "Your authentication code is 111222. ");
        let m = t.render(
            MessagePurpose::AttributeVerification,
            Channel::Email,
            "1",
            "b",
        );
        assert_eq!(m.body, "Your verification code is 1. ");
    }

    #[test]
    fn pool_templates_override_defaults() {
        let t = MessageTemplates::from_settings(&json!({
            "VerificationMessageTemplate": {
                "EmailMessage": "Hi, code {####}",
                "EmailSubject": "Welcome",
                "SmsMessage": "",
                "DefaultEmailOption": "CONFIRM_WITH_CODE"
            },
            "SmsVerificationMessage": "Legacy SMS {####}",
            "AdminCreateUserConfig": {"InviteMessageTemplate": {
                "EmailMessage": "User {username} pw {####}", "SMSMessage": "SMS {username} {####}"
            }},
            "SmsAuthenticationMessage": "Auth {####}"
        }));
        assert_eq!(t.verification_email, "Hi, code {####}");
        assert_eq!(t.verification_subject, "Welcome");
        assert_eq!(
            t.verification_sms, "Legacy SMS {####}",
            "empty value falls back"
        );
        assert_eq!(t.invitation_subject, defaults::INVITATION_SUBJECT);
        assert_eq!(
            t.render(MessagePurpose::Invitation, Channel::Sms, "X", "u")
                .body,
            "SMS u X"
        );
        assert_eq!(t.authentication_sms, "Auth {####}");
        assert_eq!(
            MessageTemplates::from_settings(&json!({})),
            MessageTemplates::default()
        );
    }

    #[test]
    fn email_masking() {
        assert_eq!(mask_email("jane@example.com"), "j***@e***");
        assert_eq!(mask_email("u@y.co"), "u***@y***");
        assert_eq!(mask_email("élodie@ünï.fr"), "é***@ü***");
        assert_eq!(mask_email("\"a@b\"@c.d"), "\"***@c***");
        assert_eq!(mask_email("nodomain"), "n***");
        assert_eq!(mask_email(""), "***");
    }

    #[test]
    fn phone_masking() {
        assert_eq!(mask_phone("+15555550008"), "+*******0008");
        assert_eq!(mask_phone("+491701234567"), "+********4567");
        assert_eq!(mask_phone("+123"), "+123");
        assert_eq!(mask_phone("12345"), "*2345");
        assert_eq!(mask_phone(""), "");
    }

    #[test]
    fn code_delivery_details() {
        let d = CodeDeliveryDetails::new(Channel::Email, "jane@example.com");
        assert_eq!(d.destination, "j***@e***");
        assert_eq!(d.delivery_medium, "EMAIL");
        assert_eq!(d.attribute_name, "email");
        let d = CodeDeliveryDetails::new(Channel::Sms, "+15555550008");
        assert_eq!(
            (d.delivery_medium, d.attribute_name),
            ("SMS", "phone_number")
        );
        assert_eq!(d.destination, "+*******0008");
    }
}
