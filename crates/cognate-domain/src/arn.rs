//! Amazon Resource Names in the layout AWS uses for Cognito resources.

/// `arn:aws:cognito-idp:<region>:<account>:userpool/<poolId>`
pub fn user_pool_arn(region: &str, account_id: &str, pool_id: &str) -> String {
    format!("arn:aws:cognito-idp:{region}:{account_id}:userpool/{pool_id}")
}

/// `arn:aws:cognito-identity:<region>:<account>:identitypool/<identityPoolId>`
pub fn identity_pool_arn(region: &str, account_id: &str, identity_pool_id: &str) -> String {
    format!("arn:aws:cognito-identity:{region}:{account_id}:identitypool/{identity_pool_id}")
}

/// The resource a Cognito ARN names, if it is one Cognate serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CognitoResource {
    UserPool(String),
    IdentityPool(String),
}

/// Parses a user-pool or identity-pool ARN. Region and account are not checked here: the
/// caller decides whether a foreign region or account is an error.
pub fn parse_resource_arn(arn: &str) -> Option<CognitoResource> {
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(_partition), Some(service), Some(_region), Some(_account), Some(rest)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    let (kind, id) = rest.split_once('/')?;
    if id.is_empty() || id.contains('/') {
        return None;
    }
    match (service, kind) {
        ("cognito-idp", "userpool") => Some(CognitoResource::UserPool(id.to_owned())),
        ("cognito-identity", "identitypool") => Some(CognitoResource::IdentityPool(id.to_owned())),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let arn = user_pool_arn("us-east-1", "123456789012", "us-east-1_abcDEF123");
        assert_eq!(
            arn,
            "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_abcDEF123"
        );
        assert_eq!(
            parse_resource_arn(&arn),
            Some(CognitoResource::UserPool("us-east-1_abcDEF123".into()))
        );
        let arn = identity_pool_arn("eu-west-1", "1", "eu-west-1:0f0e");
        assert_eq!(
            parse_resource_arn(&arn),
            Some(CognitoResource::IdentityPool("eu-west-1:0f0e".into()))
        );
    }

    #[test]
    fn rejects_other_arns() {
        for bad in [
            "",
            "arn:aws:s3:::bucket",
            "arn:aws:cognito-idp:us-east-1:1:userpool/",
            "arn:aws:cognito-idp:us-east-1:1:group/x",
            "arn:aws:cognito-idp:us-east-1:1:userpool/a/b",
            "not-an-arn",
        ] {
            assert_eq!(parse_resource_arn(bad), None, "{bad}");
        }
    }
}
