//! Turning lower-layer failures into the errors Cognito answers with.

use cognate_store::StoreError;
use cognate_wire::{ApiError, ErrorCode};

/// A store failure no handler mapped on purpose. Details go to the log, not to the caller.
pub fn store_failure(error: StoreError) -> ApiError {
    match error {
        StoreError::InvalidCursor => ApiError::invalid_parameter("Invalid pagination token."),
        StoreError::Unavailable(detail) => {
            tracing::error!(%detail, "storage unavailable");
            ApiError::new(
                ErrorCode::InternalErrorException,
                "The service is temporarily unavailable; retry the request.",
            )
        }
        other => {
            tracing::error!(error = %other, "storage error");
            ApiError::new(
                ErrorCode::InternalErrorException,
                "An internal error occurred.",
            )
        }
    }
}

pub fn internal(context: &str, error: impl std::fmt::Display) -> ApiError {
    tracing::error!(%error, context, "internal error");
    ApiError::new(
        ErrorCode::InternalErrorException,
        "An internal error occurred.",
    )
}

pub fn pool_not_found(pool_id: &str) -> ApiError {
    ApiError::new(
        ErrorCode::ResourceNotFoundException,
        format!("User pool {pool_id} does not exist."),
    )
}

pub fn client_not_found(client_id: &str) -> ApiError {
    ApiError::new(
        ErrorCode::ResourceNotFoundException,
        format!("User pool client {client_id} does not exist."),
    )
}

pub fn limit_exceeded(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::LimitExceededException, message)
}
