//! Every condition operator, with present, absent and multi-valued keys, IfExists and the
//! set qualifiers. Each row: the Condition element of an Allow statement, the request keys,
//! and whether the statement allows.

use cognate_policy::Decision;

use crate::support::decide;

type Keys<'a> = &'a [(&'a str, &'a [&'a str])];

fn allows(condition: &str, keys: Keys<'_>) -> bool {
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{condition}}}}}"#
    );
    decide(&policy, "s3:GetObject", "arn:aws:s3:::b/k", keys) == Decision::Allow
}

fn run(table: &[(&str, Keys<'_>, bool)]) {
    for (i, (condition, keys, expected)) in table.iter().enumerate() {
        assert_eq!(
            allows(condition, keys),
            *expected,
            "row {i}: {condition} with {keys:?}"
        );
    }
}

#[test]
fn string_operators() {
    run(&[
        (r#"{"StringEquals":{"k":"a"}}"#, &[("k", &["a"])], true),
        (r#"{"StringEquals":{"k":"a"}}"#, &[("k", &["A"])], false),
        (r#"{"StringEquals":{"k":"a"}}"#, &[], false),
        // Several values: any of them.
        (
            r#"{"StringEquals":{"k":["a","b"]}}"#,
            &[("k", &["b"])],
            true,
        ),
        // Wildcards are plain characters in StringEquals.
        (r#"{"StringEquals":{"k":"a*"}}"#, &[("k", &["ab"])], false),
        (r#"{"StringEquals":{"k":"a*"}}"#, &[("k", &["a*"])], true),
        // Key names are case-insensitive.
        (r#"{"StringEquals":{"K":"a"}}"#, &[("k", &["a"])], true),
        (r#"{"StringNotEquals":{"k":"a"}}"#, &[("k", &["b"])], true),
        (r#"{"StringNotEquals":{"k":"a"}}"#, &[("k", &["a"])], false),
        // Negated with several values: none of them.
        (
            r#"{"StringNotEquals":{"k":["a","b"]}}"#,
            &[("k", &["b"])],
            false,
        ),
        (
            r#"{"StringNotEquals":{"k":["a","b"]}}"#,
            &[("k", &["c"])],
            true,
        ),
        // A missing key: negated operators hold.
        (r#"{"StringNotEquals":{"k":"a"}}"#, &[], true),
        (
            r#"{"StringEqualsIgnoreCase":{"k":"AbC"}}"#,
            &[("k", &["aBc"])],
            true,
        ),
        (
            r#"{"StringEqualsIgnoreCase":{"k":"AbC"}}"#,
            &[("k", &["abd"])],
            false,
        ),
        (
            r#"{"StringNotEqualsIgnoreCase":{"k":"AbC"}}"#,
            &[("k", &["abc"])],
            false,
        ),
        (
            r#"{"StringNotEqualsIgnoreCase":{"k":"AbC"}}"#,
            &[("k", &["x"])],
            true,
        ),
        (
            r#"{"StringLike":{"k":"home/*"}}"#,
            &[("k", &["home/x/y"])],
            true,
        ),
        (
            r#"{"StringLike":{"k":"home/*"}}"#,
            &[("k", &["Home/x"])],
            false,
        ),
        (r#"{"StringLike":{"k":"a?c"}}"#, &[("k", &["abc"])], true),
        (
            r#"{"StringLike":{"k":["","home/"]}}"#,
            &[("k", &[""])],
            true,
        ),
        (r#"{"StringLike":{"k":"home/*"}}"#, &[], false),
        (
            r#"{"StringNotLike":{"k":"home/*"}}"#,
            &[("k", &["tmp/x"])],
            true,
        ),
        (
            r#"{"StringNotLike":{"k":"home/*"}}"#,
            &[("k", &["home/x"])],
            false,
        ),
        (r#"{"StringNotLike":{"k":"home/*"}}"#, &[], true),
    ]);
}

#[test]
fn numeric_operators() {
    run(&[
        (r#"{"NumericEquals":{"n":"10"}}"#, &[("n", &["10"])], true),
        (r#"{"NumericEquals":{"n":10}}"#, &[("n", &["10.0"])], true),
        (r#"{"NumericEquals":{"n":"10"}}"#, &[("n", &["11"])], false),
        (r#"{"NumericEquals":{"n":"10"}}"#, &[("n", &["ten"])], false),
        (
            r#"{"NumericNotEquals":{"n":"10"}}"#,
            &[("n", &["11"])],
            true,
        ),
        (
            r#"{"NumericNotEquals":{"n":"10"}}"#,
            &[("n", &["10"])],
            false,
        ),
        (
            r#"{"NumericLessThan":{"n":"10"}}"#,
            &[("n", &["9.5"])],
            true,
        ),
        (
            r#"{"NumericLessThan":{"n":"10"}}"#,
            &[("n", &["10"])],
            false,
        ),
        (
            r#"{"NumericLessThanEquals":{"n":"10"}}"#,
            &[("n", &["10"])],
            true,
        ),
        (
            r#"{"NumericLessThanEquals":{"n":"10"}}"#,
            &[("n", &["11"])],
            false,
        ),
        (
            r#"{"NumericGreaterThan":{"n":"10"}}"#,
            &[("n", &["11"])],
            true,
        ),
        (
            r#"{"NumericGreaterThan":{"n":"10"}}"#,
            &[("n", &["10"])],
            false,
        ),
        (
            r#"{"NumericGreaterThanEquals":{"n":"-1"}}"#,
            &[("n", &["-1"])],
            true,
        ),
        (
            r#"{"NumericGreaterThanEquals":{"n":"-1"}}"#,
            &[("n", &["-2"])],
            false,
        ),
        (r#"{"NumericLessThan":{"n":"10"}}"#, &[], false),
    ]);
}

#[test]
fn date_operators() {
    run(&[
        (
            r#"{"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}"#,
            &[("aws:CurrentTime", &["2029-12-31T23:59:59Z"])],
            true,
        ),
        (
            r#"{"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}"#,
            &[("aws:CurrentTime", &["2030-01-01T00:00:00Z"])],
            false,
        ),
        (
            r#"{"DateLessThanEquals":{"t":"2030-01-01T00:00:00Z"}}"#,
            &[("t", &["2030-01-01T00:00:00Z"])],
            true,
        ),
        (
            r#"{"DateGreaterThan":{"t":"2020-01-01T00:00:01Z"}}"#,
            &[("t", &["2021-06-01T00:00:00Z"])],
            true,
        ),
        (
            r#"{"DateGreaterThan":{"t":"2020-01-01T00:00:01Z"}}"#,
            &[("t", &["2019-06-01T00:00:00Z"])],
            false,
        ),
        (
            r#"{"DateGreaterThanEquals":{"t":"2020-01-01"}}"#,
            &[("t", &["2020-01-01T00:00:00Z"])],
            true,
        ),
        // Epoch seconds on either side.
        (
            r#"{"DateEquals":{"t":"1577836800"}}"#,
            &[("t", &["2020-01-01T00:00:00Z"])],
            true,
        ),
        (
            r#"{"DateNotEquals":{"t":"1577836800"}}"#,
            &[("t", &["1577836801"])],
            true,
        ),
        (
            r#"{"DateNotEquals":{"t":"1577836800"}}"#,
            &[("t", &["1577836800"])],
            false,
        ),
        (
            r#"{"DateGreaterThan":{"t":"2020-01-01"}}"#,
            &[("t", &["not a date"])],
            false,
        ),
        (r#"{"DateGreaterThan":{"t":"2020-01-01"}}"#, &[], false),
    ]);
}

#[test]
fn bool_binary_ip_arn_operators() {
    run(&[
        (
            r#"{"Bool":{"aws:SecureTransport":"true"}}"#,
            &[("aws:SecureTransport", &["true"])],
            true,
        ),
        (
            r#"{"Bool":{"aws:SecureTransport":true}}"#,
            &[("aws:SecureTransport", &["TRUE"])],
            true,
        ),
        (
            r#"{"Bool":{"aws:SecureTransport":"true"}}"#,
            &[("aws:SecureTransport", &["false"])],
            false,
        ),
        (r#"{"Bool":{"aws:SecureTransport":"false"}}"#, &[], false),
        (r#"{"Bool":{"b":"true"}}"#, &[("b", &["yes"])], false),
        (
            r#"{"BinaryEquals":{"b":"QmluYXJ5"}}"#,
            &[("b", &["QmluYXJ5"])],
            true,
        ),
        (
            r#"{"BinaryEquals":{"b":"QmluYXJ5"}}"#,
            &[("b", &["QmluYXJ6"])],
            false,
        ),
        (
            r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#,
            &[("aws:SourceIp", &["203.0.113.9"])],
            true,
        ),
        (
            r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#,
            &[("aws:SourceIp", &["198.51.100.1"])],
            false,
        ),
        (
            r#"{"IpAddress":{"aws:SourceIp":["203.0.113.0/24","2001:DB8:1234:5678::/64"]}}"#,
            &[("aws:SourceIp", &["2001:db8:1234:5678::1"])],
            true,
        ),
        (
            r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#,
            &[],
            false,
        ),
        (
            r#"{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#,
            &[("aws:SourceIp", &["198.51.100.1"])],
            true,
        ),
        (
            r#"{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#,
            &[("aws:SourceIp", &["203.0.113.1"])],
            false,
        ),
        (
            r#"{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:123456789012:topic-*"}}"#,
            &[(
                "aws:SourceArn",
                &["arn:aws:sns:us-east-1:123456789012:topic-a"],
            )],
            true,
        ),
        (
            r#"{"ArnEquals":{"aws:SourceArn":"arn:aws:sns:*:123456789012:topic-*"}}"#,
            &[(
                "aws:SourceArn",
                &["arn:aws:sns:us-east-1:999999999999:topic-a"],
            )],
            false,
        ),
        // IAM's own example: a `*` in an ARN part never spans colons.
        (
            r#"{"ArnLike":{"aws:SourceArn":"arn:aws:someservice:*:111122223333:finance/*"}}"#,
            &[(
                "aws:SourceArn",
                &[
                    "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt",
                ],
            )],
            false,
        ),
        (
            r#"{"StringLike":{"aws:SourceArn":"arn:aws:someservice:*:111122223333:finance/*"}}"#,
            &[(
                "aws:SourceArn",
                &[
                    "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt",
                ],
            )],
            true,
        ),
        (
            r#"{"ArnLike":{"a":"arn:aws:s3:::b/*"}}"#,
            &[("a", &["not-an-arn"])],
            false,
        ),
        (
            r#"{"ArnNotLike":{"a":"arn:aws:s3:::b/*"}}"#,
            &[("a", &["arn:aws:s3:::c/x"])],
            true,
        ),
        (
            r#"{"ArnNotEquals":{"a":"arn:aws:s3:::b/*"}}"#,
            &[("a", &["arn:aws:s3:::b/x"])],
            false,
        ),
        (r#"{"ArnNotLike":{"a":"arn:aws:s3:::b/*"}}"#, &[], true),
    ]);
}

#[test]
fn null_and_if_exists() {
    run(&[
        (r#"{"Null":{"aws:TokenIssueTime":"true"}}"#, &[], true),
        (
            r#"{"Null":{"aws:TokenIssueTime":"true"}}"#,
            &[("aws:TokenIssueTime", &["x"])],
            false,
        ),
        (
            r#"{"Null":{"aws:TokenIssueTime":"false"}}"#,
            &[("aws:TokenIssueTime", &["x"])],
            true,
        ),
        (r#"{"Null":{"aws:TokenIssueTime":false}}"#, &[], false),
        // IfExists: a missing key holds; a present one is checked.
        (
            r#"{"StringLikeIfExists":{"ec2:InstanceType":"t2.*"}}"#,
            &[],
            true,
        ),
        (
            r#"{"StringLikeIfExists":{"ec2:InstanceType":"t2.*"}}"#,
            &[("ec2:InstanceType", &["t2.micro"])],
            true,
        ),
        (
            r#"{"StringLikeIfExists":{"ec2:InstanceType":"t2.*"}}"#,
            &[("ec2:InstanceType", &["m5.large"])],
            false,
        ),
        (r#"{"StringNotEqualsIfExists":{"k":"a"}}"#, &[], true),
        (
            r#"{"StringNotEqualsIfExists":{"k":"a"}}"#,
            &[("k", &["a"])],
            false,
        ),
        (r#"{"NumericLessThanIfExists":{"n":"5"}}"#, &[], true),
        (
            r#"{"NumericLessThanIfExists":{"n":"5"}}"#,
            &[("n", &["6"])],
            false,
        ),
        (r#"{"DateLessThanIfExists":{"t":"2020-01-01"}}"#, &[], true),
        (r#"{"BoolIfExists":{"b":"true"}}"#, &[], true),
        (
            r#"{"BoolIfExists":{"b":"true"}}"#,
            &[("b", &["false"])],
            false,
        ),
        (r#"{"IpAddressIfExists":{"ip":"10.0.0.0/8"}}"#, &[], true),
        (r#"{"ArnLikeIfExists":{"a":"arn:aws:s3:::*"}}"#, &[], true),
    ]);
}

#[test]
fn set_qualifiers() {
    run(&[
        // ForAllValues: every request value among the listed ones; a missing key holds.
        (
            r#"{"ForAllValues:StringEquals":{"k":["a","b"]}}"#,
            &[("k", &["a", "b"])],
            true,
        ),
        (
            r#"{"ForAllValues:StringEquals":{"k":["a","b"]}}"#,
            &[("k", &["a", "c"])],
            false,
        ),
        (
            r#"{"ForAllValues:StringEquals":{"k":["a","b"]}}"#,
            &[],
            true,
        ),
        // ForAnyValue: at least one; a missing key does not hold.
        (
            r#"{"ForAnyValue:StringEquals":{"k":["a","b"]}}"#,
            &[("k", &["c", "b"])],
            true,
        ),
        (
            r#"{"ForAnyValue:StringEquals":{"k":["a","b"]}}"#,
            &[("k", &["c", "d"])],
            false,
        ),
        (
            r#"{"ForAnyValue:StringEquals":{"k":["a","b"]}}"#,
            &[],
            false,
        ),
        (
            r#"{"ForAnyValue:StringLike":{"amr":"authenticated"}}"#,
            &[("amr", &["authenticated", "cognito-idp"])],
            true,
        ),
        (
            r#"{"ForAnyValue:StringLike":{"amr":"authenticated"}}"#,
            &[("amr", &["unauthenticated"])],
            false,
        ),
        // Negated under a set qualifier: per request value, "matches none of the listed".
        (
            r#"{"ForAllValues:StringNotLike":{"aws:TagKeys":"key1*"}}"#,
            &[("aws:TagKeys", &["key2:audit"])],
            true,
        ),
        (
            r#"{"ForAllValues:StringNotLike":{"aws:TagKeys":"key1*"}}"#,
            &[("aws:TagKeys", &["key1:legal"])],
            false,
        ),
        (
            r#"{"ForAllValues:StringNotLike":{"aws:TagKeys":"key1*"}}"#,
            &[("aws:TagKeys", &["key2", "key1:hr"])],
            false,
        ),
        (
            r#"{"ForAllValues:StringNotLike":{"aws:TagKeys":"key1*"}}"#,
            &[],
            true,
        ),
        (
            r#"{"ForAnyValue:StringNotEquals":{"k":"a"}}"#,
            &[("k", &["a", "b"])],
            true,
        ),
        (
            r#"{"ForAnyValue:StringNotEquals":{"k":"a"}}"#,
            &[("k", &["a"])],
            false,
        ),
        (r#"{"ForAnyValue:StringNotEquals":{"k":"a"}}"#, &[], false),
        // Qualifier and IfExists together.
        (
            r#"{"ForAnyValue:StringEqualsIfExists":{"k":"a"}}"#,
            &[],
            true,
        ),
        (
            r#"{"ForAnyValue:StringEqualsIfExists":{"k":"a"}}"#,
            &[("k", &["b"])],
            false,
        ),
        // Without a qualifier, a multi-valued key matches when any value does (chosen).
        (r#"{"StringEquals":{"k":"a"}}"#, &[("k", &["b", "a"])], true),
        (
            r#"{"StringNotEquals":{"k":"a"}}"#,
            &[("k", &["b", "a"])],
            false,
        ),
        (
            r#"{"ForAllValues:NumericLessThan":{"n":"5"}}"#,
            &[("n", &["1", "4"])],
            true,
        ),
        (
            r#"{"ForAllValues:NumericLessThan":{"n":"5"}}"#,
            &[("n", &["1", "6"])],
            false,
        ),
    ]);
}

#[test]
fn several_operators_and_keys_must_all_hold() {
    let both = r#"{"StringEquals":{"a":"1","b":"2"},"StringLike":{"c":"x*"}}"#;
    run(&[
        (both, &[("a", &["1"]), ("b", &["2"]), ("c", &["xy"])], true),
        (both, &[("a", &["1"]), ("b", &["3"]), ("c", &["xy"])], false),
        (both, &[("a", &["1"]), ("b", &["2"]), ("c", &["yy"])], false),
        (both, &[("a", &["1"]), ("b", &["2"])], false),
    ]);
}

#[test]
fn operator_names_are_case_insensitive() {
    run(&[
        (r#"{"stringequals":{"k":"a"}}"#, &[("k", &["a"])], true),
        (
            r#"{"forallvalues:stringequals":{"k":"a"}}"#,
            &[("k", &["b"])],
            false,
        ),
        (r#"{"StringLikeifexists":{"k":"a"}}"#, &[], true),
    ]);
}

#[test]
fn variables_in_condition_values() {
    let mut sub_keys: Vec<(&str, &[&str])> =
        vec![("cognito-identity.amazonaws.com:sub", &["us-east-1:A"])];
    assert!(allows(
        r#"{"StringEquals":{"s3:prefix":"${cognito-identity.amazonaws.com:sub}"}}"#,
        &[sub_keys[0], ("s3:prefix", &["us-east-1:A"])]
    ));
    assert!(!allows(
        r#"{"StringEquals":{"s3:prefix":"${cognito-identity.amazonaws.com:sub}"}}"#,
        &[sub_keys[0], ("s3:prefix", &["us-east-1:B"])]
    ));
    assert!(allows(
        r#"{"StringLike":{"s3:prefix":"home/${cognito-identity.amazonaws.com:sub}/*"}}"#,
        &[sub_keys[0], ("s3:prefix", &["home/us-east-1:A/docs"])]
    ));
    // Principal tags as variables.
    sub_keys.push(("aws:PrincipalTag/team", &["red"]));
    assert!(allows(
        r#"{"StringEquals":{"aws:ResourceTag/team":"${aws:PrincipalTag/team}"}}"#,
        &[sub_keys[1], ("aws:ResourceTag/team", &["red"])]
    ));
    assert!(!allows(
        r#"{"StringEquals":{"aws:ResourceTag/team":"${aws:PrincipalTag/team}"}}"#,
        &[sub_keys[1], ("aws:ResourceTag/team", &["blue"])]
    ));
    // ArnLike and Bool take variables too.
    assert!(allows(
        r#"{"ArnLike":{"a":"arn:aws:s3:::b/${k}/*"}}"#,
        &[("k", &["x"]), ("a", &["arn:aws:s3:::b/x/1"])]
    ));
    assert!(allows(
        r#"{"Bool":{"b":"${k}"}}"#,
        &[("k", &["true"]), ("b", &["true"])]
    ));
    // An unresolved variable makes the statement not apply, even under a negated
    // operator or IfExists; a default value resolves it.
    assert!(!allows(
        r#"{"StringNotEquals":{"k":"${aws:username}"}}"#,
        &[("k", &["x"])]
    ));
    assert!(!allows(
        r#"{"StringEqualsIfExists":{"k":"${aws:username}"}}"#,
        &[]
    ));
    assert!(allows(
        r#"{"StringEquals":{"k":"${aws:username, 'anonymous'}"}}"#,
        &[("k", &["anonymous"])]
    ));
    // Special characters.
    assert!(allows(r#"{"StringLike":{"k":"a${*}"}}"#, &[("k", &["a*"])]));
    assert!(!allows(
        r#"{"StringLike":{"k":"a${*}"}}"#,
        &[("k", &["ab"])]
    ));
    assert!(allows(
        r#"{"StringEquals":{"k":"${$}{x}"}}"#,
        &[("k", &["${x}"])]
    ));
}

#[test]
fn variables_are_literal_text_before_version_2012() {
    let policy = r#"{"Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"k":"${aws:username}"}}}}"#;
    assert_eq!(
        decide(
            policy,
            "s3:GetObject",
            "arn:aws:s3:::b/k",
            &[("k", &["${aws:username}"])]
        ),
        Decision::Allow
    );
    assert_eq!(
        decide(
            policy,
            "s3:GetObject",
            "arn:aws:s3:::b/k",
            &[("k", &["x"]), ("aws:username", &["x"])]
        ),
        Decision::ImplicitDeny
    );
}
