//! Role policies through the real binary: `cognate authorize` decides offline from a
//! policies file (exit status 0 allowed, 2 denied, 1 error), `serve --policies` checks the
//! file at start-up and mounts `POST /_cognate/authorize`.

use std::path::Path;
use std::process::Output;

use cognate_testkit::{ServerOptions, TestServer};

const AUTH_ROLE: &str = "arn:aws:iam::000000000000:role/Cognito_AppAuth_Role";
const UNAUTH_ROLE: &str = "arn:aws:iam::000000000000:role/Cognito_AppUnauth_Role";
const A: &str = "us-east-1:aaaaaaaa-1111-4111-8111-aaaaaaaaaaaa";
const B: &str = "us-east-1:bbbbbbbb-2222-4222-8222-bbbbbbbbbbbb";
const TABLE: &str = "arn:aws:dynamodb:us-east-1:000000000000:table/UserData";

/// The seed's two role policies and its DynamoDB per-user rows.
const POLICIES: &str = r#"{
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
            "Condition": {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["${cognito-identity.amazonaws.com:sub}"]}}
          }]
        }
      }
    },
    "arn:aws:iam::000000000000:role/Cognito_AppUnauth_Role": {
      "Policies": {
        "PublicRead": {
          "Version": "2012-10-17",
          "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::my-app-bucket/public/*"}]
        }
      }
    }
  }
}"#;

fn run(policies: &Path, args: &[&str]) -> Output {
    std::process::Command::new(cognate_testkit::cognate_bin())
        .arg("authorize")
        .arg("--policies")
        .arg(policies)
        .args(args)
        .output()
        .unwrap()
}

fn decision(output: &Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {stdout} / {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    json["Decision"].as_str().unwrap_or_default().to_owned()
}

fn policies_file(dir: &Path, text: &str) -> std::path::PathBuf {
    let path = dir.join("policies.json");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn cli_decides_the_seed_policies() {
    let dir = tempfile::tempdir().unwrap();
    let file = policies_file(dir.path(), POLICIES);
    let own = format!("arn:aws:s3:::my-app-bucket/users/{A}/photo.jpg");
    let other = format!("arn:aws:s3:::my-app-bucket/users/{B}/photo.jpg");
    let user = |action: &'static str, resource: &str, extra: &[&str]| {
        let mut args = vec![
            "--role-arn",
            AUTH_ROLE,
            "--identity-id",
            A,
            "--amr",
            "authenticated",
            "--action",
            action,
            "--resource",
        ]
        .into_iter()
        .map(str::to_owned)
        .collect::<Vec<_>>();
        args.push(resource.to_owned());
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        args
    };
    let key_a = format!("dynamodb:LeadingKeys={A}");
    let key_b = format!("dynamodb:LeadingKeys={B}");
    let table: Vec<(Vec<String>, i32, &str)> = vec![
        (user("s3:PutObject", &own, &[]), 0, "Allow"),
        (user("s3:GetObject", &own, &[]), 0, "Allow"),
        (user("s3:PutObject", &other, &[]), 2, "ImplicitDeny"),
        (user("s3:DeleteObject", &own, &[]), 2, "ImplicitDeny"),
        (
            user("dynamodb:GetItem", TABLE, &["--context", &key_a]),
            0,
            "Allow",
        ),
        (
            user("dynamodb:Query", TABLE, &["--context", &key_b]),
            2,
            "ImplicitDeny",
        ),
        (
            user(
                "dynamodb:GetItem",
                TABLE,
                &["--context", &key_a, "--context", &key_b],
            ),
            2,
            "ImplicitDeny",
        ),
        (
            [
                "--role-arn",
                UNAUTH_ROLE,
                "--identity-id",
                A,
                "--action",
                "s3:GetObject",
                "--resource",
                "arn:aws:s3:::my-app-bucket/public/readme.txt",
            ]
            .map(str::to_owned)
            .to_vec(),
            0,
            "Allow",
        ),
        (
            [
                "--role-arn",
                UNAUTH_ROLE,
                "--identity-id",
                A,
                "--action",
                "s3:PutObject",
                "--resource",
                "arn:aws:s3:::my-app-bucket/public/readme.txt",
            ]
            .map(str::to_owned)
            .to_vec(),
            2,
            "ImplicitDeny",
        ),
        (
            [
                "--role-arn",
                UNAUTH_ROLE,
                "--identity-id",
                A,
                "--action",
                "s3:GetObject",
                "--resource",
                own.as_str(),
            ]
            .map(str::to_owned)
            .to_vec(),
            2,
            "ImplicitDeny",
        ),
    ];
    for (args, status, expected) in table {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = run(&file, &refs);
        assert_eq!(output.status.code(), Some(status), "{args:?}: {output:?}");
        assert_eq!(decision(&output), expected, "{args:?}");
    }
    // The statements behind an allow are named.
    let output = run(
        &file,
        &user("s3:PutObject", &own, &[])
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains(r#""Policy":"UserFolders","Sid":"OwnFolder""#),
        "{stdout}"
    );
}

#[test]
fn cli_explains_refusals() {
    let dir = tempfile::tempdir().unwrap();
    let file = policies_file(dir.path(), POLICIES);
    let base = [
        "--role-arn",
        AUTH_ROLE,
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::b/k",
    ];

    // The principal's keys come from flags, not --context.
    let mut args = base.to_vec();
    args.extend(["--context", "cognito-identity.amazonaws.com:sub=x"]);
    let output = run(&file, &args);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--identity-id"), "{stderr}");

    let mut args = base.to_vec();
    args.extend(["--context", "novalue"]);
    let output = run(&file, &args);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("KEY=VALUE"));

    let args = [
        "--role-arn",
        AUTH_ROLE,
        "--action",
        "s3:Get*",
        "--resource",
        "arn:aws:s3:::b/k",
    ];
    let output = run(&file, &args);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("without wildcards"));

    // A role the file does not name: denied, with a warning.
    let args = [
        "--role-arn",
        "arn:aws:iam::000000000000:role/Other",
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::b/k",
    ];
    let output = run(&file, &args);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("names no policies"));

    // A malformed file: the place of the problem.
    let bad = policies_file(
        dir.path(),
        &POLICIES.replace(
            r#""Effect": "Allow", "Action": "s3:GetObject""#,
            r#""Effect": "allow", "Action": "s3:GetObject""#,
        ),
    );
    let output = run(&bad, &base);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(r#"Roles["arn:aws:iam::000000000000:role/Cognito_AppUnauth_Role"].Policies.PublicRead: Statement[0].Effect"#),
        "{stderr}"
    );
}

#[tokio::test]
async fn serve_checks_the_policies_file_and_mounts_the_endpoint() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, r#"{"Roles":{"not-an-arn":{"Policies":{}}}}"#).unwrap();
    let output = tokio::process::Command::new(cognate_testkit::cognate_bin())
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path().join("data"))
        .arg("--policies")
        .arg(&bad)
        .output()
        .await
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--policies") && stderr.contains("not a role ARN"),
        "{stderr}"
    );

    let good = policies_file(dir.path(), POLICIES);
    let server = TestServer::start(ServerOptions {
        extra_args: vec!["--policies".into(), good.display().to_string()],
        ..ServerOptions::default()
    })
    .await
    .unwrap();
    let client = reqwest::Client::new();
    let url = format!("{}/_cognate/authorize", server.url);
    // No session store resolves credentials yet: unknown credentials are refused as AWS
    // refuses them, and a question without credentials is refused too.
    let response = client
        .post(&url)
        .json(&serde_json::json!({
            "Credentials": {"AccessKeyId": "ASIAEXAMPLE", "SecretAccessKey": "x", "SessionToken": "y"},
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::my-app-bucket/public/readme.txt"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        body["message"],
        "The security token included in the request is invalid."
    );
    let response = client
        .post(&url)
        .json(&serde_json::json!({"Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/k"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let response = client.post(&url).body("{").send().await.unwrap();
    assert_eq!(response.status(), 400);
}
