//! Parsing (accepted shapes, refused ones with their place) and the Action/Resource rules.

use cognate_policy::{Decision, Policy, RequestContext, evaluate};

use crate::support::{decide, named};

#[test]
fn statement_as_object_or_array_and_strings_or_arrays() {
    let forms = [
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}"#,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::b/*"]}]}"#,
        r#"{"Version":"2012-10-17","Id":"x","Statement":[{"Sid":"A1","Effect":"Allow","Action":["s3:PutObject","s3:GetObject"],"Resource":["arn:aws:s3:::c/*","arn:aws:s3:::b/*"]}]}"#,
        r#"{"Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}"#,
        r#"{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}"#,
    ];
    for form in forms {
        assert_eq!(
            decide(form, "s3:GetObject", "arn:aws:s3:::b/k", &[]),
            Decision::Allow,
            "{form}"
        );
    }
}

#[test]
fn malformed_documents_are_refused_with_their_place() {
    let table: &[(&str, &str, &str)] = &[
        ("not json", "", "not valid JSON"),
        ("[]", "", "JSON object"),
        (r#"{"Version":"2012-10-17"}"#, "Statement", "missing"),
        (
            r#"{"Version":"2012-10-17","Statement":[]}"#,
            "Statement",
            "empty",
        ),
        (
            r#"{"Version":"2020-01-01","Statement":[]}"#,
            "Version",
            "2012-10-17",
        ),
        (
            r#"{"Version":"2012-10-17","Statment":[]}"#,
            "Statment",
            "unknown",
        ),
        (
            r#"{"Version":"2012-10-17","Id":1,"Statement":[]}"#,
            "Id",
            "string",
        ),
        (
            r#"{"Version":"2012-10-17","Statement":["x"]}"#,
            "Statement[0]",
            "JSON object",
        ),
        (
            r#"{"Version":"2012-10-17","Statement":{"Action":"s3:*","Resource":"*"}}"#,
            "Statement.Effect",
            "missing",
        ),
        (
            r#"{"Version":"2012-10-17","Statement":{"Effect":"allow","Action":"s3:*","Resource":"*"}}"#,
            "Statement.Effect",
            "Allow",
        ),
        (
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Resource":"*"}}"#,
            "Statement",
            "Action or NotAction",
        ),
        (
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","NotAction":"s3:x","Resource":"*"}}"#,
            "Statement",
            "both Action and NotAction",
        ),
        (
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*"}}"#,
            "Statement",
            "Resource or NotResource",
        ),
        (
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","NotResource":"*"}}"#,
            "Statement",
            "both Resource and NotResource",
        ),
        (
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":[],"Resource":"*"}}"#,
            "Statement.Action",
            "non-empty",
        ),
        (
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":[1],"Resource":"*"}}"#,
            "Statement.Action",
            "strings",
        ),
        (
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"GetObject","Resource":"*"}}"#,
            "Statement.Action[0]",
            "service:action",
        ),
        (
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["s3:Get","s3:"],"Resource":"*"}}"#,
            "Statement.Action[1]",
            "service:action",
        ),
        (
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"bucket/*"}}"#,
            "Statement.Resource[0]",
            "ARN",
        ),
        (
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${x"}}"#,
            "Statement.Resource[0]",
            "not closed",
        ),
        (
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}}"#,
            "Statement.Principal",
            "principal",
        ),
        (
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","NotPrincipal":{"AWS":"x"},"Action":"s3:*","Resource":"*"}}"#,
            "Statement.NotPrincipal",
            "principal",
        ),
        (
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Extra":1}}"#,
            "Statement.Extra",
            "unknown",
        ),
        (
            r#"{"Version":"2012-10-17","Statement":{"Sid":"has space","Effect":"Allow","Action":"s3:*","Resource":"*"}}"#,
            "Statement.Sid",
            "letters and digits",
        ),
        (
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Action":"s3:*","Resource":"*"},{"Sid":"A","Effect":"Deny","Action":"s3:*","Resource":"*"}]}"#,
            "Statement[1].Sid",
            "duplicate",
        ),
        (
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":[]}}"#,
            "Statement.Condition",
            "object",
        ),
        (
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEqualz":{"k":"v"}}}}"#,
            "Statement.Condition.StringEqualz",
            "unknown condition operator",
        ),
        (
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"ForSomeValues:StringEquals":{"k":"v"}}}}"#,
            "Statement.Condition.ForSomeValues:StringEquals",
            "unknown condition operator",
        ),
        (
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"NullIfExists":{"k":"true"}}}}"#,
            "Statement.Condition.NullIfExists",
            "unknown condition operator",
        ),
        (
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":"v"}}}"#,
            "Statement.Condition.StringEquals",
            "condition keys",
        ),
        (
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{}}}}"#,
            "Statement.Condition.StringEquals",
            "no condition keys",
        ),
        (
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"k":[]}}}}"#,
            "Statement.Condition.StringEquals.k",
            "non-empty array",
        ),
        (
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"k":{"a":1}}}}}"#,
            "Statement.Condition.StringEquals.k",
            "string, number or boolean",
        ),
        (
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"NumericLessThan":{"n":"ten"}}}}"#,
            "Statement.Condition.NumericLessThan.n",
            "not a number",
        ),
        (
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"DateLessThan":{"t":"tomorrow"}}}}"#,
            "Statement.Condition.DateLessThan.t",
            "ISO 8601",
        ),
        (
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/40"}}}}"#,
            "Statement.Condition.IpAddress.aws:SourceIp",
            "CIDR",
        ),
        (
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"Bool":{"b":"yes"}}}}"#,
            "Statement.Condition.Bool.b",
            "true or false",
        ),
        (
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"Null":{"b":"maybe"}}}}"#,
            "Statement.Condition.Null.b",
            "true or false",
        ),
        (
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"k":"${}"}}}}"#,
            "Statement.Condition.StringEquals.k",
            "empty policy variable",
        ),
    ];
    for (json, path, fragment) in table {
        let error = Policy::parse(json).expect_err(json);
        assert_eq!(error.path, *path, "{json}: {error}");
        assert!(
            error.to_string().contains(fragment),
            "{json}: {error} should mention {fragment}"
        );
    }
}

#[test]
fn actions_match_case_insensitively_with_wildcards() {
    let policy = |action: &str| {
        format!(
            r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":"{action}","Resource":"*"}}}}"#
        )
    };
    for (pattern, action, expected) in [
        ("s3:GetObject", "s3:GetObject", true),
        ("s3:GetObject", "S3:getobject", true),
        ("S3:GETOBJECT", "s3:GetObject", true),
        ("s3:Get*", "s3:GetObjectAcl", true),
        ("s3:Get*", "s3:PutObject", false),
        ("s3:*Object", "s3:DeleteObject", true),
        ("s3:?etObject", "s3:GetObject", true),
        ("s3:?etObject", "s3:GGetObject", false),
        ("*", "dynamodb:Query", true),
        ("s3:*", "dynamodb:Query", false),
        ("dynamodb:*", "dynamodb:Query", true),
        ("s3:GetObject", "s3:GetObjectAcl", false),
    ] {
        assert_eq!(
            decide(&policy(pattern), action, "arn:aws:s3:::b/k", &[]) == Decision::Allow,
            expected,
            "{pattern} vs {action}"
        );
    }
}

#[test]
fn resources_match_case_sensitively_with_wildcards() {
    let policy = |resource: &str| {
        format!(
            r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":"s3:GetObject","Resource":"{resource}"}}}}"#
        )
    };
    for (pattern, resource, expected) in [
        ("*", "arn:aws:s3:::b/k", true),
        ("arn:aws:s3:::b/*", "arn:aws:s3:::b/k/l", true),
        ("arn:aws:s3:::b/*", "arn:aws:s3:::B/k", false),
        ("arn:aws:s3:::b/public/*", "arn:aws:s3:::b/private/k", false),
        ("arn:aws:s3:::b/?", "arn:aws:s3:::b/k", true),
        ("arn:aws:s3:::b/?", "arn:aws:s3:::b/kk", false),
        ("arn:aws:s3:::b", "arn:aws:s3:::b/k", false),
        (
            "arn:aws:dynamodb:*:*:table/T",
            "arn:aws:dynamodb:us-east-1:000000000000:table/T",
            true,
        ),
        (
            "arn:aws:dynamodb:us-*",
            "arn:aws:dynamodb:us-east-1:000000000000:table/T",
            true,
        ),
        (
            "arn:aws:dynamodb:*:*:table/T",
            "arn:aws:dynamodb:us-east-1:000000000000:table/U",
            false,
        ),
    ] {
        assert_eq!(
            decide(&policy(pattern), "s3:GetObject", resource, &[]) == Decision::Allow,
            expected,
            "{pattern} vs {resource}"
        );
    }
}

#[test]
fn explicit_deny_beats_allow_in_any_order() {
    let allow_then_deny = r#"{"Version":"2012-10-17","Statement":[
        {"Sid":"All","Effect":"Allow","Action":"s3:*","Resource":"*"},
        {"Sid":"NoSecrets","Effect":"Deny","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/secret/*"}]}"#;
    let result = evaluate(
        &named(allow_then_deny),
        "s3:GetObject",
        "arn:aws:s3:::b/secret/k",
        &RequestContext::new(),
    );
    assert_eq!(result.decision, Decision::ExplicitDeny);
    let sids: Vec<String> = result
        .matched_statements
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(sids, ["P/NoSecrets"]);
    let result = evaluate(
        &named(allow_then_deny),
        "s3:GetObject",
        "arn:aws:s3:::b/open/k",
        &RequestContext::new(),
    );
    assert_eq!(result.decision, Decision::Allow);
    assert_eq!(result.matched_statements[0].sid.as_deref(), Some("All"));
    // No statement at all: the default deny, with nothing matched.
    let result = evaluate(
        &[],
        "s3:GetObject",
        "arn:aws:s3:::b/k",
        &RequestContext::new(),
    );
    assert_eq!(result.decision, Decision::ImplicitDeny);
    assert!(result.matched_statements.is_empty());
}

#[test]
fn statements_without_sid_are_named_by_position() {
    let policy = r#"{"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Action":"s3:PutObject","Resource":"*"},
        {"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
    let result = evaluate(
        &named(policy),
        "s3:GetObject",
        "arn:aws:s3:::b/k",
        &RequestContext::new(),
    );
    let names: Vec<String> = result
        .matched_statements
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(names, ["P/Statement[1]"]);
}

#[test]
fn not_action_and_not_resource() {
    let not_action = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","NotAction":["iam:*","s3:Delete*"],"Resource":"*"}}"#;
    assert_eq!(
        decide(not_action, "s3:GetObject", "arn:aws:s3:::b/k", &[]),
        Decision::Allow
    );
    assert_eq!(
        decide(not_action, "s3:DeleteObject", "arn:aws:s3:::b/k", &[]),
        Decision::ImplicitDeny
    );
    assert_eq!(
        decide(not_action, "iam:CreateUser", "arn:aws:iam::1:user/x", &[]),
        Decision::ImplicitDeny
    );

    let not_resource = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","NotResource":["arn:aws:s3:::b/private/*"]}}"#;
    assert_eq!(
        decide(not_resource, "s3:GetObject", "arn:aws:s3:::b/public/k", &[]),
        Decision::Allow
    );
    assert_eq!(
        decide(
            not_resource,
            "s3:GetObject",
            "arn:aws:s3:::b/private/k",
            &[]
        ),
        Decision::ImplicitDeny
    );

    // Deny with NotResource: everything outside the user's folder is refused.
    let fence = r#"{"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Action":"s3:*","Resource":"*"},
        {"Sid":"Fence","Effect":"Deny","Action":"s3:*","NotResource":"arn:aws:s3:::b/users/${cognito-identity.amazonaws.com:sub}/*"}]}"#;
    let a: &[(&str, &[&str])] = &[("cognito-identity.amazonaws.com:sub", &["us-east-1:A"])];
    assert_eq!(
        decide(
            fence,
            "s3:GetObject",
            "arn:aws:s3:::b/users/us-east-1:A/x",
            a
        ),
        Decision::Allow
    );
    assert_eq!(
        decide(
            fence,
            "s3:GetObject",
            "arn:aws:s3:::b/users/us-east-1:B/x",
            a
        ),
        Decision::ExplicitDeny
    );
}

#[test]
fn unresolved_variables_make_the_statement_not_apply() {
    let policy = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":["arn:aws:s3:::b/public/*","arn:aws:s3:::b/home/${aws:username}/*"]}}"#;
    // Even the entry without a variable no longer matches: IAM calls such a statement
    // invalid.
    assert_eq!(
        decide(policy, "s3:GetObject", "arn:aws:s3:::b/public/k", &[]),
        Decision::ImplicitDeny
    );
    assert_eq!(
        decide(
            policy,
            "s3:GetObject",
            "arn:aws:s3:::b/public/k",
            &[("aws:username", &["bob"])]
        ),
        Decision::Allow
    );
    // The same for Deny statements.
    let deny = r#"{"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Action":"s3:*","Resource":"*"},
        {"Effect":"Deny","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:PrincipalTag/team}/*"}]}"#;
    assert_eq!(
        decide(deny, "s3:GetObject", "arn:aws:s3:::b/red/k", &[]),
        Decision::Allow
    );
    assert_eq!(
        decide(
            deny,
            "s3:GetObject",
            "arn:aws:s3:::b/red/k",
            &[("aws:PrincipalTag/team", &["red"])]
        ),
        Decision::ExplicitDeny
    );
}

#[test]
fn literal_variables_without_version_are_warned_about() {
    let without = Policy::parse(
        r#"{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:username}/*"}}"#,
    )
    .unwrap();
    assert!(!without.uses_variables());
    assert_eq!(without.warnings().len(), 1);
    let with = Policy::parse(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:username}/*"}}"#,
    )
    .unwrap();
    assert!(with.uses_variables());
    assert!(with.warnings().is_empty());
}
