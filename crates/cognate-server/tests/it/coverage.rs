//! `docs/coverage.md` lists every operation of both services as implemented or not. This
//! test writes it (with `COGNATE_BLESS=1`) and otherwise fails when it is out of date, so
//! progress shows in diffs.

use std::fmt::Write as _;
use std::path::Path;

fn render() -> String {
    let mut out = String::new();
    out.push_str("# Operation coverage\n\n");
    out.push_str(
        "Written by `COGNATE_BLESS=1 cargo test -p cognate-server coverage`; checked by the same \
         test without the variable. An operation without a handler answers \
         `NotImplementedException` naming it.\n",
    );
    let services: [(&str, &[cognate_wire::OperationInfo], &[&str]); 2] = [
        (
            "cognito-idp (2016-04-18)",
            cognate_wire::idp::OPERATIONS,
            &cognate_idp::implemented_operations(),
        ),
        (
            "cognito-identity (2014-06-30)",
            cognate_wire::identity::OPERATIONS,
            cognate_identity::IMPLEMENTED,
        ),
    ];
    for (title, operations, implemented) in services {
        let done = operations
            .iter()
            .filter(|op| implemented.contains(&op.name))
            .count();
        let _ = write!(
            out,
            "\n## {title}: {done} of {} implemented\n\n| operation | signed | status |\n| --- | --- | --- |\n",
            operations.len()
        );
        for op in operations {
            let status = if implemented.contains(&op.name) {
                "implemented"
            } else {
                "not yet"
            };
            let signed = if op.signed { "SigV4" } else { "public" };
            let _ = writeln!(out, "| {} | {signed} | {status} |", op.name);
        }
    }
    out
}

#[test]
fn coverage_document_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/coverage.md");
    let expected = render();
    if std::env::var("COGNATE_BLESS").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &expected).unwrap();
        return;
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "docs/coverage.md is out of date: run COGNATE_BLESS=1 cargo test -p cognate-server coverage"
    );
}
