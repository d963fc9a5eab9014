//! One-time codes (sign-up confirmation, attribute verification, forgotten passwords):
//! generated, stored only as keyed hashes, delivered through the outbox, and checked at
//! most once with an attempt limit.

use serde_json::json;

use cognate_delivery::{DeliveryOutcome, OutgoingMessage, purpose as message_purpose};
use cognate_domain::codes::{CODE_DIGITS, CodePurpose, MAX_CODE_ATTEMPTS, code_hash};
use cognate_domain::messages::{Channel, CodeDeliveryDetails, MessagePurpose, MessageTemplates};
use cognate_store::{CodeCheck, CodeRecord, UserRecord};
use cognate_wire::idp::CodeDeliveryDetailsType;
use cognate_wire::{ApiError, ErrorCode};

use crate::errors::{internal, store_failure};
use crate::service::IdpService;
use crate::users::PoolRules;

pub fn delivery_details(channel: Channel, address: &str) -> CodeDeliveryDetailsType {
    let details = CodeDeliveryDetails::new(channel, address);
    serde_json::from_value(json!({
        "Destination": details.destination,
        "DeliveryMedium": details.delivery_medium,
        "AttributeName": details.attribute_name,
    }))
    .unwrap_or_default()
}

impl IdpService {
    /// Issues a code for `purpose`, replacing any earlier one, and sends it to `address`.
    // Each argument is a distinct fact of the message; a struct would only rename them.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn send_code(
        &self,
        pool: &PoolRules,
        user: &UserRecord,
        purpose: CodePurpose,
        message: MessagePurpose,
        channel: Channel,
        address: &str,
        now_ms: i64,
    ) -> Result<CodeDeliveryDetailsType, ApiError> {
        let code = self.delivery.new_code(CODE_DIGITS);
        let record = CodeRecord {
            pool_id: pool.id().to_owned(),
            sub: user.sub.clone(),
            purpose: purpose.as_str().to_owned(),
            code_hash: code_hash(&self.code_key, pool.id(), &user.sub, purpose, &code).to_vec(),
            created_ms: now_ms,
            expires_ms: now_ms.saturating_add(purpose.lifetime_ms()),
            attempts_left: MAX_CODE_ATTEMPTS,
        };
        self.store.put_code(&record).await.map_err(store_failure)?;
        let templates = MessageTemplates::from_settings(&pool.record.settings);
        let rendered = templates.render(message, channel, &code, &user.username);
        self.deliver(
            pool,
            user,
            message,
            channel,
            address,
            rendered.subject,
            rendered.body,
            Some(code),
            now_ms,
        )
        .await?;
        Ok(delivery_details(channel, address))
    }

    /// Sends a rendered message through the outbox. A failure the outbox will retry is not
    /// the caller's problem; a final one is reported as Cognito's CodeDeliveryFailure.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn deliver(
        &self,
        pool: &PoolRules,
        user: &UserRecord,
        message: MessagePurpose,
        channel: Channel,
        address: &str,
        subject: Option<String>,
        body: String,
        code: Option<String>,
        now_ms: i64,
    ) -> Result<(), ApiError> {
        let receipt = self
            .delivery
            .send(
                OutgoingMessage {
                    pool_id: pool.id().to_owned(),
                    username: Some(user.username.clone()),
                    channel,
                    destination: address.to_owned(),
                    subject,
                    body,
                    purpose: message_purpose::of(message).to_owned(),
                    code,
                },
                now_ms,
            )
            .await
            .map_err(|e| internal("recording a message", e))?;
        if let DeliveryOutcome::Failed {
            will_retry: false, ..
        } = receipt.outcome
        {
            return Err(ApiError::new(
                ErrorCode::CodeDeliveryFailureException,
                "Unable to deliver the message to the destination.",
            ));
        }
        Ok(())
    }

    /// Checks a code; a match consumes it.
    pub(crate) async fn check_code(
        &self,
        pool: &PoolRules,
        user: &UserRecord,
        purpose: CodePurpose,
        code: &str,
        now_ms: i64,
    ) -> Result<(), ApiError> {
        let candidate = code_hash(&self.code_key, pool.id(), &user.sub, purpose, code);
        match self
            .store
            .check_code(pool.id(), &user.sub, purpose.as_str(), &candidate, now_ms)
            .await
            .map_err(store_failure)?
        {
            CodeCheck::Accepted => Ok(()),
            CodeCheck::Mismatch { .. } => Err(ApiError::new(
                ErrorCode::CodeMismatchException,
                "Invalid verification code provided, please try again.",
            )),
            CodeCheck::Expired | CodeCheck::NoCode => Err(ApiError::new(
                ErrorCode::ExpiredCodeException,
                "Invalid code provided, please request a code again.",
            )),
            CodeCheck::TooManyAttempts => Err(ApiError::new(
                ErrorCode::LimitExceededException,
                "Attempt limit exceeded, please try after some time.",
            )),
        }
    }
}
