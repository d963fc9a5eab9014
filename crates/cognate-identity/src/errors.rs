//! Turning lower-layer failures into the errors Cognito identity pools answer with.

use cognate_store::{Constraint, StoreError};
use cognate_wire::{ApiError, ErrorCode};

/// Tags an identity pool may carry (TagResource's documentation: "as many as 50 tags").
pub const MAX_TAGS: usize = 50;

/// A store failure no handler mapped on purpose. Details go to the log, not to the caller.
pub fn store_failure(error: StoreError) -> ApiError {
    match error {
        StoreError::InvalidCursor => invalid_pagination_token(),
        StoreError::Conflict(Constraint::TagLimit) => too_many_tags(),
        StoreError::Unavailable(detail) => {
            tracing::error!(%detail, "storage unavailable");
            ApiError::new(
                ErrorCode::InternalErrorException,
                "The service is temporarily unavailable; retry the request.",
            )
        }
        other => {
            tracing::error!(error = %other, "storage error");
            ApiError::internal()
        }
    }
}

/// [`store_failure`] for calls about one pool, where `NotFound` means that pool is gone.
pub fn pool_store_failure(pool_id: &str) -> impl Fn(StoreError) -> ApiError + '_ {
    move |error| match error {
        StoreError::NotFound => pool_not_found(pool_id),
        other => store_failure(other),
    }
}

/// A stored document that no longer fits the model, or similar: a bug, so logged.
pub fn internal(context: &str, error: impl std::fmt::Display) -> ApiError {
    tracing::error!(%error, context, "internal error");
    ApiError::internal()
}

/// Cognito's text, as returned by DescribeIdentityPool and GetId for an unknown id.
pub fn pool_not_found(pool_id: &str) -> ApiError {
    ApiError::resource_not_found(format!("IdentityPool '{pool_id}' not found."))
}

/// An identity id no identity has (observed text).
pub fn identity_not_found(identity_id: &str) -> ApiError {
    ApiError::resource_not_found(format!("Identity '{identity_id}' not found."))
}

pub fn not_authorized(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::NotAuthorizedException, message)
}

/// Logins that prove nothing about the identity asked for.
pub fn logins_dont_match() -> ApiError {
    not_authorized(
        "Logins don't match. Please include at least one valid login for this identity or \
         identity pool.",
    )
}

pub fn unauthenticated_not_supported() -> ApiError {
    not_authorized("Unauthenticated access is not supported for this identity pool.")
}

/// No role applies, or the role mapping says Deny. Observed text for missing roles; Cognito's
/// answer for a Deny resolution is unconfirmed and uses the same.
pub fn invalid_pool_configuration() -> ApiError {
    ApiError::new(
        ErrorCode::InvalidIdentityPoolConfigurationException,
        "Invalid identity pool configuration. Check assigned IAM roles for this pool.",
    )
}

pub fn resource_conflict(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::ResourceConflictException, message)
}

pub fn invalid_pagination_token() -> ApiError {
    ApiError::invalid_parameter("Invalid pagination token.")
}

/// Every tagging operation declares only InvalidParameterException for bad input, so the
/// tag limit is reported with it (not LimitExceededException).
pub fn too_many_tags() -> ApiError {
    ApiError::invalid_parameter(format!(
        "An identity pool can have at most {MAX_TAGS} tags."
    ))
}

pub fn limit_exceeded(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::LimitExceededException, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_found_uses_cognitos_text() {
        let err = pool_not_found("us-east-1:0f0e");
        assert_eq!(err.code, ErrorCode::ResourceNotFoundException);
        assert_eq!(err.message, "IdentityPool 'us-east-1:0f0e' not found.");
    }

    #[test]
    fn store_errors_map_on_purpose_or_generically() {
        assert_eq!(
            pool_store_failure("r:1")(StoreError::NotFound),
            pool_not_found("r:1")
        );
        assert_eq!(
            store_failure(StoreError::InvalidCursor).code,
            ErrorCode::InvalidParameterException
        );
        assert_eq!(
            store_failure(StoreError::Conflict(Constraint::TagLimit)),
            too_many_tags()
        );
        let hidden = store_failure(StoreError::Internal("disk on fire".into()));
        assert_eq!(hidden.code, ErrorCode::InternalErrorException);
        assert!(!hidden.message.contains("disk"));
        let conflict = store_failure(StoreError::Conflict(Constraint::IdentityPoolId));
        assert_eq!(conflict.code, ErrorCode::InternalErrorException);
    }
}
