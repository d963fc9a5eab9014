//! The policies file: loading, and refusals that say where the problem is.

use cognate_policy::{PolicySet, VERSION_2012};

use crate::seed::{AUTH_ROLE, SEED_FILE, UNAUTH_ROLE};

#[test]
fn the_seed_file_loads_from_disk() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("policies.json");
    std::fs::write(&path, SEED_FILE).unwrap();
    let set = PolicySet::load(&path).unwrap();
    let roles: Vec<&str> = set.roles().collect();
    assert_eq!(roles, [AUTH_ROLE, UNAUTH_ROLE]);
    let names: Vec<&str> = set
        .policies_for(AUTH_ROLE)
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(names, ["UserFolders", "UserRows"]);
    assert!(set.policies_for(AUTH_ROLE)[0].policy.uses_variables());
    assert!(set.warnings().is_empty());
}

#[test]
fn missing_files_are_refused_with_their_path() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.json");
    let error = PolicySet::load(&missing).unwrap_err().to_string();
    assert!(
        error.contains("nope.json") && error.contains("cannot read"),
        "{error}"
    );
}

#[test]
fn bad_files_name_the_place() {
    let role = |body: &str| format!(r#"{{"Roles":{{"{AUTH_ROLE}":{body}}}}}"#);
    let ok_doc = format!(
        r#"{{"Version":"{VERSION_2012}","Statement":{{"Effect":"Allow","Action":"s3:*","Resource":"*"}}}}"#
    );
    let table: Vec<(String, &str)> = vec![
        ("{".to_owned(), "not valid JSON"),
        ("[]".to_owned(), "must be a JSON object"),
        ("{}".to_owned(), "Roles: missing"),
        (r#"{"Roles":[]}"#.to_owned(), "Roles: must be an object"),
        (
            r#"{"Roles":{},"Other":1}"#.to_owned(),
            "Other: unknown element",
        ),
        (
            format!(r#"{{"Roles":{{"arn:aws:iam::1:role/x":{{"Policies":{{"P":{ok_doc}}}}}}}}}"#),
            "Roles[\"arn:aws:iam::1:role/x\"]: not a role ARN",
        ),
        (
            r#"{"Roles":{"arn:aws:iam::000000000000:user/x":{"Policies":{}}}}"#.to_owned(),
            "not a role ARN",
        ),
        (role("[]"), "must be an object with \"Policies\""),
        (
            role(r#"{"Policies":[]}"#),
            ".Policies: missing, or not an object",
        ),
        (role(r#"{"Policies":{},"X":1}"#), ".X: unknown element"),
        (
            role(&format!(r#"{{"Policies":{{"bad name":{ok_doc}}}}}"#)),
            "a policy name must be",
        ),
        (
            role(
                r#"{"Policies":{"P":{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*"}}}}"#,
            ),
            ".Policies.P: Statement: a statement must have Resource or NotResource",
        ),
        (
            role(r#"{"Policies":{"P":"{not json"}}"#),
            ".Policies.P: not valid JSON",
        ),
    ];
    for (text, fragment) in table {
        let error = PolicySet::from_json(&text).unwrap_err().to_string();
        assert!(
            error.contains(fragment),
            "{text}\n=> {error}\nwanted {fragment}"
        );
    }
}

#[test]
fn warnings_point_at_literal_variables() {
    let text = format!(
        r#"{{"Roles":{{"{AUTH_ROLE}":{{"Policies":{{"Old":{{"Statement":{{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${{aws:username}}"}}}}}}}}}}}}"#
    );
    let set = PolicySet::from_json(&text).unwrap();
    let warnings = set.warnings();
    assert_eq!(warnings.len(), 1);
    assert!(
        warnings[0].contains(".Policies.Old") && warnings[0].contains("plain text"),
        "{warnings:?}"
    );
}
