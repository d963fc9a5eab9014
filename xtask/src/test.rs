//! `cargo xtask test`: every test suite of the project, in the order that fails fastest.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};

pub fn run(root: &Path) -> Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());

    stage(
        "generated code is current (cargo xtask codegen --check)",
        || crate::codegen::run(true),
    )?;
    stage("Rust tests (cargo nextest, whole workspace)", || {
        command(
            root,
            &cargo,
            &[
                "nextest",
                "run",
                "--workspace",
                "--locked",
                "--no-fail-fast",
            ],
        )
        .context("workspace tests failed (see above; if cargo-nextest is missing: `cargo install --locked cargo-nextest`)")
    })?;
    // The workspace build above already produced target/debug/cognate (cognate-server has
    // integration tests, so its binary is built with the workspace's unified features);
    // building it again with `-p` would resolve features differently and relink it.
    stage("boto3 and aws CLI tests (pytest)", || {
        let bin = cognate_bin(root);
        let status = Command::new("python3")
            .args(["-m", "pytest", "tests/python", "-q"])
            .env("COGNATE_BIN", &bin)
            .current_dir(root)
            .status()
            .context("running python3 -m pytest (see tests/python/requirements.txt)")?;
        if !status.success() {
            bail!("pytest failed ({status})");
        }
        Ok(())
    })?;
    stage(
        "AWS SDK for JavaScript and aws-jwt-verify tests (node --test)",
        || {
            let dir = root.join("tests/node");
            command(
                &dir,
                "npm",
                &["ci", "--no-audit", "--no-fund", "--loglevel=error"],
            )
            .context("installing the Node test dependencies (tests/node/package-lock.json)")?;
            let bin = cognate_bin(root);
            let status = Command::new("node")
                .args(["--test", "--test-concurrency=1"])
                .env("COGNATE_BIN", &bin)
                .current_dir(&dir)
                .status()
                .context("running node --test")?;
            if !status.success() {
                bail!("node tests failed ({status})");
            }
            Ok(())
        },
    )?;
    Ok(())
}

/// Runs one step and prints how long it took, so growth of the CI budget shows early.
fn stage(name: &str, step: impl FnOnce() -> Result<()>) -> Result<()> {
    println!("::: {name}");
    let start = Instant::now();
    let result = step();
    println!(
        "::: {name}: {} after {:.0} s",
        if result.is_ok() { "ok" } else { "FAILED" },
        start.elapsed().as_secs_f64()
    );
    result
}

fn command(root: &Path, program: &str, args: &[&str]) -> Result<()> {
    let status = Command::new(program)
        .args(args)
        .current_dir(root)
        .status()
        .with_context(|| format!("starting {program} {}", args.join(" ")))?;
    if !status.success() {
        bail!("{program} {} failed ({status})", args.join(" "));
    }
    Ok(())
}

/// The binary the workspace build produced, under `CARGO_TARGET_DIR` when it is set.
fn cognate_bin(root: &Path) -> std::path::PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
        .join("debug")
        .join("cognate")
}
