//! Project tasks that need nothing but cargo: `cargo xtask codegen [--check]`,
//! `cargo xtask test`, `cargo xtask blocklist <list>`.
// A developer tool: it times real stages with the wall clock, unlike the server.
#![allow(clippy::disallowed_methods)]

mod blocklist;
mod codegen;
mod test;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <task>

  codegen          regenerate cognate-wire's generated modules and codegen.lock from the
                   installed botocore models (COGNATE_BOTOCORE_DIR overrides the location)
  codegen --check  regenerate in memory and fail if anything differs from the files on disk
  blocklist <list> rebuild the bundled common-password fingerprints from a list ordered
                   by frequency, one password per line
  test             codegen --check, then every Rust test (cargo nextest) and the Python
                   tests against the real binary";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["codegen"] => codegen::run(false),
        ["codegen", "--check"] => codegen::run(true),
        ["test"] => test::run(&repo_root()),
        ["blocklist", list] => blocklist::run(&repo_root(), Path::new(list)),
        ["help" | "--help" | "-h"] => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root: xtask lives one level below it.
pub fn repo_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}
