use cognate_wire::{identity, idp};

#[test]
fn tables_cover_every_operation_in_name_order() {
    assert_eq!(idp::OPERATIONS.len(), 122);
    assert_eq!(identity::OPERATIONS.len(), 23);
    for table in [idp::OPERATIONS, identity::OPERATIONS] {
        assert!(table.windows(2).all(|w| w[0].name < w[1].name));
    }
}

#[test]
fn signed_flags_follow_the_model() {
    for name in [
        "InitiateAuth",
        "SignUp",
        "GetUser",
        "RespondToAuthChallenge",
        "ConfirmSignUp",
    ] {
        assert!(!idp::operation(name).unwrap().signed, "{name}");
    }
    for name in [
        "AdminGetUser",
        "CreateUserPool",
        "ListUsers",
        "AdminInitiateAuth",
    ] {
        assert!(idp::operation(name).unwrap().signed, "{name}");
    }
    for name in [
        "GetId",
        "GetCredentialsForIdentity",
        "GetOpenIdToken",
        "UnlinkIdentity",
    ] {
        assert!(!identity::operation(name).unwrap().signed, "{name}");
    }
    for name in [
        "CreateIdentityPool",
        "GetOpenIdTokenForDeveloperIdentity",
        "ListIdentityPools",
    ] {
        assert!(identity::operation(name).unwrap().signed, "{name}");
    }
    assert_eq!(idp::OPERATIONS.iter().filter(|op| !op.signed).count(), 32);
    assert_eq!(
        identity::OPERATIONS.iter().filter(|op| !op.signed).count(),
        4
    );
}

#[test]
fn targets_errors_and_paginators() {
    let op = idp::operation("ListUsers").unwrap();
    assert_eq!(op.target, "AWSCognitoIdentityProviderService.ListUsers");
    assert!(op.errors.contains(&"InvalidParameterException"));
    let pager = op.paginator.unwrap();
    assert_eq!(pager.input_token, "PaginationToken");
    assert_eq!(pager.output_token, "PaginationToken");
    assert_eq!(pager.limit_key, Some("Limit"));
    assert!(idp::operation("AdminGetUser").unwrap().paginator.is_none());
    let op = identity::operation("ListIdentityPools").unwrap();
    assert_eq!(op.target, "AWSCognitoIdentityService.ListIdentityPools");
    assert_eq!(op.paginator.unwrap().limit_key, Some("MaxResults"));
    assert!(idp::operation("NoSuchOperation").is_none());
    assert_eq!(idp::TARGET_PREFIX, "AWSCognitoIdentityProviderService");
    assert_eq!(identity::TARGET_PREFIX, "AWSCognitoIdentityService");
}

#[test]
fn every_declared_error_is_an_error_code() {
    for op in idp::OPERATIONS.iter().chain(identity::OPERATIONS) {
        for error in op.errors {
            assert!(
                error.parse::<cognate_wire::ErrorCode>().is_ok(),
                "{} declares {error}",
                op.name
            );
        }
    }
}
