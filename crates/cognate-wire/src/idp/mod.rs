//! Amazon Cognito user pools (`cognito-idp`, `AWSCognitoIdentityProviderService`).

mod generated;

pub use generated::*;
