//! The one error type of the API surface.

use std::fmt;

use crate::ErrorCode;

/// An AWS API error: rendered by the protocol layer as `{"__type": code, "message": message}`
/// with the code's HTTP status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
        }
    }

    /// For failures below the API (storage, crypto): the cause is logged, never sent.
    pub fn internal() -> Self {
        ApiError::new(
            ErrorCode::InternalErrorException,
            "An internal error occurred.",
        )
    }

    pub fn invalid_parameter(message: impl Into<String>) -> Self {
        ApiError::new(ErrorCode::InvalidParameterException, message)
    }

    pub fn resource_not_found(message: impl Into<String>) -> Self {
        ApiError::new(ErrorCode::ResourceNotFoundException, message)
    }

    pub fn serialization(message: impl Into<String>) -> Self {
        ApiError::new(ErrorCode::SerializationException, message)
    }

    /// What an operation of the model answers until Cognate has a handler for it.
    pub fn not_implemented(operation: &str) -> Self {
        ApiError::new(
            ErrorCode::NotImplemented,
            format!("Cognate does not implement {operation} yet."),
        )
    }

    pub fn status(&self) -> u16 {
        self.code.status()
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for ApiError {}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `ErrorCode::from_str` on a name that is not a known code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownErrorCode;

impl fmt::Display for UnknownErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("unknown error code")
    }
}

impl std::error::Error for UnknownErrorCode {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_render_and_parse() {
        for code in ErrorCode::ALL {
            assert_eq!(code.as_str().parse::<ErrorCode>(), Ok(*code));
        }
        assert_eq!(
            ErrorCode::NotImplemented.as_str(),
            "NotImplementedException"
        );
        assert_eq!("Nope".parse::<ErrorCode>(), Err(UnknownErrorCode));
    }

    #[test]
    fn statuses() {
        assert_eq!(ErrorCode::InternalErrorException.status(), 500);
        assert_eq!(ErrorCode::InternalServerException.status(), 500);
        assert_eq!(ErrorCode::InvalidParameterException.status(), 400);
        assert_eq!(ErrorCode::UnknownOperationException.status(), 400);
        assert_eq!(ApiError::internal().status(), 500);
    }

    #[test]
    fn not_implemented_names_the_operation() {
        let err = ApiError::not_implemented("CreateUserPool");
        assert_eq!(err.code.as_str(), "NotImplementedException");
        assert_eq!(
            err.message,
            "Cognate does not implement CreateUserPool yet."
        );
        assert_eq!(err.status(), 400);
        assert_eq!(
            err.to_string(),
            "NotImplementedException: Cognate does not implement CreateUserPool yet."
        );
    }
}
