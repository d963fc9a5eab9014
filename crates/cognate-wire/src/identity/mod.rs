//! Amazon Cognito identity pools (`cognito-identity`, `AWSCognitoIdentityService`).

mod generated;

pub use generated::*;
