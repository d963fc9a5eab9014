//! The seed's two role policies and the DynamoDB per-user condition, decided through
//! `authorize` for resolved principals, as the authorization endpoint will.

use std::collections::BTreeMap;

use cognate_policy::{
    AuthorizationRequest, Decision, MAX_ACTION_CHARS, MAX_CONTEXT_KEYS, MAX_CONTEXT_VALUE_CHARS,
    MAX_CONTEXT_VALUES, MAX_RESOURCE_CHARS, Policy, PolicySet, Principal, RequestContext,
    RequestError, authorize,
};

pub const AUTH_ROLE: &str = "arn:aws:iam::000000000000:role/Cognito_AppAuth_Role";
pub const UNAUTH_ROLE: &str = "arn:aws:iam::000000000000:role/Cognito_AppUnauth_Role";
const POOL: &str = "us-east-1:0f4c2b43-7f4e-4d34-9a4f-6f1f1a3b9c10";
const A: &str = "us-east-1:aaaaaaaa-1111-4111-8111-aaaaaaaaaaaa";
const B: &str = "us-east-1:bbbbbbbb-2222-4222-8222-bbbbbbbbbbbb";
const TABLE: &str = "arn:aws:dynamodb:us-east-1:000000000000:table/UserData";
const NOW_MS: i64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z

pub const SEED_FILE: &str = r#"{
  "Roles": {
    "arn:aws:iam::000000000000:role/Cognito_AppAuth_Role": {
      "Policies": {
        "UserFolders": {
          "Version": "2012-10-17",
          "Statement": [{
            "Sid": "OwnFolder",
            "Effect": "Allow",
            "Action": ["s3:PutObject", "s3:GetObject"],
            "Resource": "arn:aws:s3:::my-app-bucket/users/${cognito-identity.amazonaws.com:sub}/*"
          }]
        },
        "UserRows": {
          "Version": "2012-10-17",
          "Statement": [{
            "Sid": "OwnItems",
            "Effect": "Allow",
            "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"],
            "Resource": "arn:aws:dynamodb:us-east-1:000000000000:table/UserData",
            "Condition": {
              "ForAllValues:StringEquals": {
                "dynamodb:LeadingKeys": ["${cognito-identity.amazonaws.com:sub}"]
              }
            }
          }]
        }
      }
    },
    "arn:aws:iam::000000000000:role/Cognito_AppUnauth_Role": {
      "Policies": {
        "PublicRead": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"PublicRead\",\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::my-app-bucket/public/*\"}]}"
      }
    }
  }
}"#;

fn seed() -> PolicySet {
    PolicySet::from_json(SEED_FILE).unwrap()
}

fn user(identity_id: &str) -> Principal {
    Principal {
        role_arn: AUTH_ROLE.to_owned(),
        identity_id: identity_id.to_owned(),
        identity_pool_id: POOL.to_owned(),
        amr: vec![
            "authenticated".to_owned(),
            "cognito-idp.us-east-1.amazonaws.com/us-east-1_Example".to_owned(),
            "cognito-idp.us-east-1.amazonaws.com/us-east-1_Example:CognitoSignIn:sub".to_owned(),
        ],
        ..Principal::default()
    }
}

fn guest(identity_id: &str) -> Principal {
    Principal {
        role_arn: UNAUTH_ROLE.to_owned(),
        identity_id: identity_id.to_owned(),
        identity_pool_id: POOL.to_owned(),
        amr: vec!["unauthenticated".to_owned()],
        ..Principal::default()
    }
}

fn request(action: &str, resource: &str, keys: &[(&str, &[&str])]) -> AuthorizationRequest {
    let mut context = RequestContext::new();
    for (key, values) in keys {
        for value in *values {
            context.insert(key, *value);
        }
    }
    AuthorizationRequest {
        action: action.to_owned(),
        resource: resource.to_owned(),
        context,
    }
}

fn decision(set: &PolicySet, principal: &Principal, req: &AuthorizationRequest) -> Decision {
    authorize(set, principal, req, NOW_MS).unwrap().decision
}

fn object(key: &str) -> String {
    format!("arn:aws:s3:::my-app-bucket/{key}")
}

#[test]
fn authenticated_users_write_and_read_only_their_own_folder() {
    let set = seed();
    let table: &[(&str, &str, &str, Decision)] = &[
        (
            A,
            "s3:PutObject",
            &format!("users/{A}/photo.jpg"),
            Decision::Allow,
        ),
        (
            A,
            "s3:GetObject",
            &format!("users/{A}/photo.jpg"),
            Decision::Allow,
        ),
        (
            A,
            "s3:GetObject",
            &format!("users/{A}/deep/er/file"),
            Decision::Allow,
        ),
        (
            A,
            "s3:PutObject",
            &format!("users/{B}/photo.jpg"),
            Decision::ImplicitDeny,
        ),
        (
            A,
            "s3:GetObject",
            &format!("users/{B}/photo.jpg"),
            Decision::ImplicitDeny,
        ),
        (
            B,
            "s3:PutObject",
            &format!("users/{B}/photo.jpg"),
            Decision::Allow,
        ),
        (
            B,
            "s3:PutObject",
            &format!("users/{A}/photo.jpg"),
            Decision::ImplicitDeny,
        ),
        // Only the two listed actions.
        (
            A,
            "s3:DeleteObject",
            &format!("users/{A}/photo.jpg"),
            Decision::ImplicitDeny,
        ),
        // The folder itself, and prefixes of another id, are not the user's folder.
        (
            A,
            "s3:PutObject",
            &format!("users/{A}"),
            Decision::ImplicitDeny,
        ),
        (
            A,
            "s3:PutObject",
            &format!("users/{A}x/f"),
            Decision::ImplicitDeny,
        ),
        (
            A,
            "s3:PutObject",
            "users/us-east-1:aaaaaaaa/f",
            Decision::ImplicitDeny,
        ),
        // The authenticated role has no public-folder grant.
        (
            A,
            "s3:GetObject",
            "public/readme.txt",
            Decision::ImplicitDeny,
        ),
    ];
    for (who, action, key, expected) in table {
        let got = decision(&set, &user(who), &request(action, &object(key), &[]));
        assert_eq!(got, *expected, "{who} {action} {key}");
    }
    let allowed = authorize(
        &set,
        &user(A),
        &request("s3:PutObject", &object(&format!("users/{A}/f")), &[]),
        NOW_MS,
    )
    .unwrap();
    let names: Vec<String> = allowed
        .matched_statements
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(names, ["UserFolders/OwnFolder"]);
}

#[test]
fn unauthenticated_guests_may_only_read_public() {
    let set = seed();
    let table: &[(&str, &str, Decision)] = &[
        ("s3:GetObject", "public/readme.txt", Decision::Allow),
        ("s3:GetObject", "public/a/b/c.png", Decision::Allow),
        ("s3:PutObject", "public/readme.txt", Decision::ImplicitDeny),
        (
            "s3:DeleteObject",
            "public/readme.txt",
            Decision::ImplicitDeny,
        ),
        ("s3:GetObject", "private/readme.txt", Decision::ImplicitDeny),
        ("s3:GetObject", "Public/readme.txt", Decision::ImplicitDeny),
    ];
    for (action, key, expected) in table {
        assert_eq!(
            decision(&set, &guest(A), &request(action, &object(key), &[])),
            *expected,
            "{action} {key}"
        );
    }
    // Not even the guest's "own" folder: the unauthenticated role grants none.
    assert_eq!(
        decision(
            &set,
            &guest(A),
            &request("s3:GetObject", &object(&format!("users/{A}/f")), &[])
        ),
        Decision::ImplicitDeny
    );
}

#[test]
fn dynamodb_leading_keys_are_the_users_own() {
    let set = seed();
    let key = "dynamodb:LeadingKeys";
    type Row<'a> = (&'a str, &'a [(&'a str, &'a [&'a str])], Decision);
    let table: &[Row<'_>] = &[
        ("dynamodb:GetItem", &[(key, &[A])], Decision::Allow),
        ("dynamodb:PutItem", &[(key, &[A])], Decision::Allow),
        ("dynamodb:Query", &[(key, &[A])], Decision::Allow),
        ("dynamodb:GetItem", &[(key, &[B])], Decision::ImplicitDeny),
        ("dynamodb:PutItem", &[(key, &[B])], Decision::ImplicitDeny),
        // A batch naming both users' keys: not every key is A's.
        (
            "dynamodb:GetItem",
            &[(key, &[A, B])],
            Decision::ImplicitDeny,
        ),
        ("dynamodb:GetItem", &[(key, &[A, A])], Decision::Allow),
        // Actions the policy does not list.
        (
            "dynamodb:DeleteItem",
            &[(key, &[A])],
            Decision::ImplicitDeny,
        ),
        ("dynamodb:Scan", &[], Decision::ImplicitDeny),
        // IAM's documented ForAllValues rule: a request without the key satisfies it. Real
        // DynamoDB always sends LeadingKeys for these actions; a caller of the endpoint
        // that leaves it out gets what IAM would answer.
        ("dynamodb:GetItem", &[], Decision::Allow),
    ];
    for (action, keys, expected) in table {
        assert_eq!(
            decision(&set, &user(A), &request(action, TABLE, keys)),
            *expected,
            "{action} {keys:?}"
        );
    }
    // Another table.
    assert_eq!(
        decision(
            &set,
            &user(A),
            &request(
                "dynamodb:GetItem",
                "arn:aws:dynamodb:us-east-1:000000000000:table/Other",
                &[(key, &[A])]
            )
        ),
        Decision::ImplicitDeny
    );
    // B's key is allowed to B.
    assert_eq!(
        decision(
            &set,
            &user(B),
            &request("dynamodb:GetItem", TABLE, &[(key, &[B])])
        ),
        Decision::Allow
    );
}

#[test]
fn unknown_roles_are_denied_by_default() {
    let set = seed();
    let mut p = user(A);
    p.role_arn = "arn:aws:iam::000000000000:role/Nobody".to_owned();
    assert!(set.policies_for(&p.role_arn).is_empty());
    assert_eq!(
        decision(
            &set,
            &p,
            &request("s3:GetObject", &object(&format!("users/{A}/f")), &[])
        ),
        Decision::ImplicitDeny
    );
}

fn one_role(policy: &str) -> PolicySet {
    let mut set = PolicySet::new();
    set.insert(AUTH_ROLE, "P", Policy::parse(policy).unwrap())
        .unwrap();
    set
}

#[test]
fn aud_amr_and_principal_tags_come_from_the_principal() {
    let set = one_role(
        r#"{"Version":"2012-10-17","Statement":[
        {"Sid":"Pool","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${cognito-identity.amazonaws.com:aud}/*",
         "Condition":{"ForAnyValue:StringLike":{"cognito-identity.amazonaws.com:amr":"authenticated"}}},
        {"Sid":"Team","Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::b/teams/${aws:PrincipalTag/team}/*"},
        {"Sid":"Method","Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::b/${cognito-identity.amazonaws.com:amr}"}]}"#,
    );
    let mut p = user(A);
    let get = |p: &Principal, key: &str| {
        decision(
            &set,
            p,
            &request("s3:GetObject", &format!("arn:aws:s3:::b/{key}"), &[]),
        )
    };
    assert_eq!(get(&p, &format!("{POOL}/x")), Decision::Allow);
    assert_eq!(get(&p, "us-east-1:other-pool/x"), Decision::ImplicitDeny);
    p.amr = vec!["unauthenticated".to_owned()];
    assert_eq!(get(&p, &format!("{POOL}/x")), Decision::ImplicitDeny);

    let put = |p: &Principal, team: &str| {
        decision(
            &set,
            p,
            &request(
                "s3:PutObject",
                &format!("arn:aws:s3:::b/teams/{team}/f"),
                &[],
            ),
        )
    };
    // No tag: the variable has no value and the statement does not apply.
    assert_eq!(put(&p, "red"), Decision::ImplicitDeny);
    p.principal_tags = BTreeMap::from([("team".to_owned(), "red".to_owned())]);
    assert_eq!(put(&p, "red"), Decision::Allow);
    assert_eq!(put(&p, "blue"), Decision::ImplicitDeny);

    // amr as a variable: each of its values is an alternative (chosen; IAM documents
    // no multi-valued variables).
    let list = |p: &Principal, what: &str| {
        decision(
            &set,
            p,
            &request("s3:ListBucket", &format!("arn:aws:s3:::b/{what}"), &[]),
        )
    };
    assert_eq!(list(&p, "unauthenticated"), Decision::Allow);
    assert_eq!(list(&user(A), "authenticated"), Decision::Allow);
    assert_eq!(list(&user(A), "unauthenticated"), Decision::ImplicitDeny);
}

#[test]
fn the_session_describes_itself_in_global_keys() {
    let set = one_role(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*",
        "Condition":{
          "ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::000000000000:role/Cognito_AppAuth_Role"},
          "StringEquals":{"aws:PrincipalAccount":"000000000000","aws:PrincipalType":"AssumedRole",
                          "aws:FederatedProvider":"cognito-identity.amazonaws.com",
                          "aws:userid":"AROAEXAMPLE:CognitoIdentityCredentials"},
          "Null":{"aws:username":"true"}}}}"#,
    );
    let get = request("s3:GetObject", "arn:aws:s3:::b/k", &[]);
    let mut p = user(A);
    // Without aws:userid the StringEquals on it fails.
    assert_eq!(decision(&set, &p, &get), Decision::ImplicitDeny);
    p.user_id = Some("AROAEXAMPLE:CognitoIdentityCredentials".to_owned());
    assert_eq!(decision(&set, &p, &get), Decision::Allow);
    let ctx = cognate_policy::principal_context(&p, NOW_MS);
    assert_eq!(
        ctx.get("aws:CurrentTime"),
        Some(&["2026-01-01T00:00:00Z".to_owned()][..])
    );
    assert_eq!(
        ctx.get("aws:EpochTime"),
        Some(&["1767225600".to_owned()][..])
    );
    assert_eq!(
        ctx.get("cognito-identity.amazonaws.com:amr")
            .map(<[String]>::len),
        Some(3)
    );
    // Empty principal fields are absent keys, not empty strings.
    let bare = cognate_policy::principal_context(&Principal::default(), NOW_MS);
    assert!(!bare.contains("cognito-identity.amazonaws.com:sub"));
    assert!(!bare.contains("aws:PrincipalArn"));
}

#[test]
fn time_keys_come_from_the_clock() {
    let set = one_role(
        r#"{"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Action":"s3:GetObject","Resource":"*",
         "Condition":{"DateLessThan":{"aws:CurrentTime":"2026-06-01T00:00:00Z"},"NumericGreaterThan":{"aws:EpochTime":"1767225599"}}},
        {"Effect":"Allow","Action":"s3:PutObject","Resource":"*",
         "Condition":{"DateGreaterThan":{"aws:TokenIssueTime":"2025-12-31T23:00:00Z"}}}]}"#,
    );
    let mut p = user(A);
    let get = request("s3:GetObject", "arn:aws:s3:::b/k", &[]);
    assert_eq!(
        authorize(&set, &p, &get, NOW_MS).unwrap().decision,
        Decision::Allow
    );
    assert_eq!(
        authorize(&set, &p, &get, 1_780_272_000_000)
            .unwrap()
            .decision, // 2026-06-01
        Decision::ImplicitDeny
    );
    let put = request("s3:PutObject", "arn:aws:s3:::b/k", &[]);
    // No issue time known: the key is absent.
    assert_eq!(decision(&set, &p, &put), Decision::ImplicitDeny);
    p.token_issue_time_ms = Some(NOW_MS - 60_000);
    assert_eq!(decision(&set, &p, &put), Decision::Allow);
}

#[test]
fn principal_keys_cannot_be_supplied_by_the_caller() {
    let set = seed();
    for key in [
        "cognito-identity.amazonaws.com:sub",
        "Cognito-Identity.amazonaws.com:AUD",
        "aws:PrincipalTag/team",
        "aws:CurrentTime",
        "aws:userid",
        "aws:PrincipalArn",
    ] {
        let req = request("s3:GetObject", &object("public/x"), &[(key, &["x"])]);
        assert!(
            matches!(
                authorize(&set, &guest(A), &req, NOW_MS),
                Err(RequestError::ReservedContextKey(_))
            ),
            "{key}"
        );
    }
    // Service keys and request facts are the caller's to give.
    let req = request(
        "s3:GetObject",
        &object("public/x"),
        &[
            ("aws:SourceIp", &["192.0.2.1"]),
            ("s3:prefix", &["public/"]),
        ],
    );
    assert_eq!(decision(&set, &guest(A), &req), Decision::Allow);
}

#[test]
fn malformed_requests_are_refused() {
    let set = seed();
    for action in ["", "s3", "s3:", ":GetObject", "s3:Get*", "s3:Get Object"] {
        assert!(
            matches!(
                authorize(
                    &set,
                    &guest(A),
                    &request(action, &object("public/x"), &[]),
                    NOW_MS
                ),
                Err(RequestError::InvalidAction(_))
            ),
            "{action:?}"
        );
    }
    assert_eq!(
        authorize(&set, &guest(A), &request("s3:GetObject", "", &[]), NOW_MS),
        Err(RequestError::EmptyResource)
    );
    // Limits keep matching work bounded; at the limit is fine.
    let long = |n: usize| "x".repeat(n);
    let at_limit = object(&format!(
        "public/{}",
        long(MAX_RESOURCE_CHARS - object("public/").len())
    ));
    assert_eq!(
        decision(&set, &guest(A), &request("s3:GetObject", &at_limit, &[])),
        Decision::Allow
    );
    let over = format!("{at_limit}x");
    let value = long(MAX_CONTEXT_VALUE_CHARS + 1);
    let many: Vec<String> = (0..=MAX_CONTEXT_VALUES).map(|i| i.to_string()).collect();
    let many_refs: Vec<&str> = many.iter().map(String::as_str).collect();
    let keys: Vec<String> = (0..=MAX_CONTEXT_KEYS).map(|i| format!("k{i}")).collect();
    let key_rows: Vec<(&str, &[&str])> = keys.iter().map(|k| (k.as_str(), &["v"][..])).collect();
    for req in [
        request("s3:GetObject", &over, &[]),
        request(&format!("s3:{}", long(MAX_ACTION_CHARS)), &at_limit, &[]),
        request("s3:GetObject", &at_limit, &[("k", &[value.as_str()])]),
        request("s3:GetObject", &at_limit, &[("k", &many_refs)]),
        request("s3:GetObject", &at_limit, &key_rows),
    ] {
        assert!(
            matches!(
                authorize(&set, &guest(A), &req, NOW_MS),
                Err(RequestError::TooLarge(_))
            ),
            "{} {}",
            req.action.len(),
            req.resource.len()
        );
    }
}

#[test]
fn a_session_policy_narrows_the_role() {
    let set = seed();
    let mut p = user(A);
    p.session_policy = Some(
        Policy::parse(
            r#"{"Version":"2012-10-17","Statement":[
            {"Sid":"ReadOnly","Effect":"Allow","Action":"s3:GetObject","Resource":"*"},
            {"Sid":"NoTmp","Effect":"Deny","Action":"s3:*","Resource":"arn:aws:s3:::my-app-bucket/users/*/tmp/*"}]}"#,
        )
        .unwrap(),
    );
    let own = |rest: &str| object(&format!("users/{A}/{rest}"));
    let got = authorize(&set, &p, &request("s3:GetObject", &own("f"), &[]), NOW_MS).unwrap();
    assert_eq!(got.decision, Decision::Allow);
    let names: Vec<String> = got
        .matched_statements
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(names, ["UserFolders/OwnFolder", "SessionPolicy/ReadOnly"]);
    // The role allows PutObject, the session policy does not.
    assert_eq!(
        decision(&set, &p, &request("s3:PutObject", &own("f"), &[])),
        Decision::ImplicitDeny
    );
    // The session policy's deny wins over the role's allow.
    let denied = authorize(
        &set,
        &p,
        &request("s3:GetObject", &own("tmp/f"), &[]),
        NOW_MS,
    )
    .unwrap();
    assert_eq!(denied.decision, Decision::ExplicitDeny);
    assert_eq!(
        denied.matched_statements[0].to_string(),
        "SessionPolicy/NoTmp"
    );
    // The session policy cannot widen the role: B's folder stays closed.
    assert_eq!(
        decision(
            &set,
            &p,
            &request("s3:GetObject", &object(&format!("users/{B}/f")), &[])
        ),
        Decision::ImplicitDeny
    );
}
