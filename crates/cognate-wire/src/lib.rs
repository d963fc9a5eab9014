//! The wire layer of Cognate: everything that can be read off the AWS service models.
//!
//! Hand-written core: [`ApiError`] and [`ErrorCode`], [`Sensitive`], [`Timestamp`],
//! [`Blob`], the validation framework ([`validate`]), [`RequestContext`] and
//! [`OperationInfo`]. Generated per service (`cargo xtask codegen`): [`idp`] for
//! cognito-idp and [`identity`] for cognito-identity, each with one type per shape,
//! validation tables, `OPERATIONS`, the service trait and `dispatch`.

pub mod blob;
pub mod codec;
pub mod context;
pub mod error;
pub mod error_code;
pub mod identity;
pub mod idp;
pub mod operation;
pub mod sensitive;
pub mod timestamp;
pub mod validate;

pub use blob::Blob;
pub use context::RequestContext;
pub use error::ApiError;
pub use error_code::ErrorCode;
pub use operation::{OperationInfo, Paginator};
pub use sensitive::Sensitive;
pub use timestamp::Timestamp;
