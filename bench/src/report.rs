//! The table: one column per target, then the ratios Cognate/peer (requests per second, or
//! the plain ratio of the figures for the extra rows).

use std::fmt::Write;
use std::time::Duration;

use crate::stats::{Outcome, ms, rate};
use crate::targets::Target;
use crate::workload::{Op, Report};

/// Everything measured of one target.
#[derive(Debug)]
pub struct TargetResult {
    pub name: String,
    pub target: Option<Target>,
    pub startup: Option<Duration>,
    pub peak_rss_kib: Option<u64>,
    pub report: Option<Report>,
    /// Why the target could not be measured at all.
    pub failure: Option<String>,
}

impl TargetResult {
    fn outcome(&self, op: Op, c: usize) -> Option<&Outcome> {
        self.report.as_ref().and_then(|r| {
            r.rows
                .iter()
                .find(|(o, cc, _)| *o == op && *cc == c)
                .map(|(_, _, outcome)| outcome)
        })
    }

    fn rps(&self, op: Op, c: usize) -> Option<f64> {
        match self.outcome(op, c) {
            Some(Outcome::Measured(f)) => Some(f.rps()),
            _ => None,
        }
    }

    fn is_cognate(&self) -> bool {
        self.target.is_none_or(Target::is_cognate)
    }
}

fn cell(result: &TargetResult, op: Op, c: usize) -> String {
    if result.failure.is_some() {
        return "failed to run".into();
    }
    match result.outcome(op, c) {
        None => "—".into(),
        Some(Outcome::NotYet) => "not yet".into(),
        Some(Outcome::Unsupported(_)) => "unsupported".into(),
        Some(Outcome::Measured(f)) => {
            let mut text = format!(
                "{}/s · {} / {} ms",
                rate(f.rps()),
                ms(f.p50_us),
                ms(f.p99_us)
            );
            if f.errors > 0 {
                let _ = write!(text, " · **{} errors**", f.errors);
            }
            text
        }
    }
}

fn ratio(a: Option<f64>, b: Option<f64>) -> String {
    match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => {
            let r = a / b;
            if r >= 10.0 {
                format!("{r:.0}×")
            } else {
                format!("{r:.2}×")
            }
        }
        _ => "—".into(),
    }
}

fn short(name: &str) -> &str {
    match name {
        "Cognate SQLite" => "SQLite",
        "Cognate PostgreSQL" => "PG",
        other => other,
    }
}

/// A row below the operations: label, value of a target, how to show it.
type ExtraRow<'a> = (
    &'a str,
    &'a dyn Fn(&TargetResult) -> Option<f64>,
    &'a dyn Fn(f64) -> String,
);

/// The markdown table of all targets, with ratio columns Cognate/peer.
pub fn render(results: &[TargetResult], concurrency: &[usize]) -> String {
    let cognates: Vec<&TargetResult> = results.iter().filter(|r| r.is_cognate()).collect();
    let peers: Vec<&TargetResult> = results.iter().filter(|r| !r.is_cognate()).collect();
    let mut pairs = Vec::new();
    for c in &cognates {
        for p in &peers {
            pairs.push((*c, *p));
        }
    }
    let mut out = String::new();
    let _ = write!(out, "| operation | c |");
    for r in results {
        let _ = write!(out, " {} |", r.name);
    }
    for (c, p) in &pairs {
        let _ = write!(out, " {}/{} |", short(&c.name), short(&p.name));
    }
    out.push('\n');
    let _ = write!(out, "| --- | --: |");
    for _ in 0..results.len() + pairs.len() {
        out.push_str(" --: |");
    }
    out.push('\n');

    for op in Op::ALL {
        for &c in concurrency {
            let mark = if op.hashes_password() { " †" } else { "" };
            let _ = write!(out, "| {}{mark} | {c} |", op.name());
            for r in results {
                let _ = write!(out, " {} |", cell(r, op, c));
            }
            for (cog, peer) in &pairs {
                let _ = write!(out, " {} |", ratio(cog.rps(op, c), peer.rps(op, c)));
            }
            out.push('\n');
        }
    }

    let extra: [ExtraRow; 3] = [
        (
            "preload users (s) †",
            &|r| r.report.as_ref().map(|rep| rep.preload.as_secs_f64()),
            &|v| format!("{v:.1} s"),
        ),
        (
            "startup to first answer",
            &|r| r.startup.map(|d| d.as_secs_f64() * 1000.0),
            &|v| format!("{v:.0} ms"),
        ),
        (
            "peak RSS (VmHWM)",
            &|r| r.peak_rss_kib.map(|k| k as f64 / 1024.0),
            &|v| format!("{v:.0} MiB"),
        ),
    ];
    for (label, value, show) in extra {
        let _ = write!(out, "| {label} | |");
        for r in results {
            let text = value(r).map_or_else(|| "—".into(), show);
            let _ = write!(out, " {text} |");
        }
        for (cog, peer) in &pairs {
            let _ = write!(out, " {} |", ratio(value(cog), value(peer)));
        }
        out.push('\n');
    }
    out
}

/// The server's CPU time per operation (microseconds of user + system time of its process,
/// divided by the operations answered), one column per target; empty when no target's
/// process was known.
pub fn render_cpu(results: &[TargetResult], concurrency: &[usize]) -> String {
    let cpu = |r: &TargetResult, op: Op, c: usize| match r.outcome(op, c) {
        Some(Outcome::Measured(f)) => f.server_cpu_us,
        _ => None,
    };
    let known = Op::ALL.iter().any(|&op| {
        concurrency
            .iter()
            .any(|&c| results.iter().any(|r| cpu(r, op, c).is_some()))
    });
    if !known {
        return String::new();
    }
    let mut out = String::from("| server CPU per operation | c |");
    for r in results {
        let _ = write!(out, " {} |", r.name);
    }
    out.push_str("\n| --- | --: |");
    for _ in results {
        out.push_str(" --: |");
    }
    out.push('\n');
    for op in Op::ALL {
        for &c in concurrency {
            let _ = write!(out, "| {} | {c} |", op.name());
            for r in results {
                let text = cpu(r, op, c)
                    .map_or_else(|| "—".into(), |us| format!("{} ms", ms(us.round() as u64)));
                let _ = write!(out, " {text} |");
            }
            out.push('\n');
        }
    }
    out
}

/// The notes printed under the table.
pub fn notes(results: &[TargetResult]) -> String {
    let mut out = String::from(
        "Cells: requests/s · p50 / p99 latency. Ratios: Cognate's requests/s over the peer's \
         (above 1 = Cognate faster; failed requests count, their number is in the cell); for the last three rows the plain ratio of the figures \
         (below 1 = Cognate faster / smaller).\n\
         † Cognate hashes passwords with Argon2id (19 MiB, t=2, about 50 ms per hash on this \
         machine, as many at once as there are cores): SignUp, the password sign-in and the \
         preload (AdminCreateUser, one hash per user) are bound by it. moto and cognito-local \
         store passwords in plaintext.\n\
         Cognate runs with its request-rate quotas off ([rate_limits] all 0) and without admin \
         credentials (loopback: any signature is accepted). Peak RSS is the server process \
         only (not PostgreSQL's).\n",
    );
    for r in results {
        if let Some(failure) = &r.failure {
            let _ = writeln!(out, "{} could not be measured: {failure}", r.name);
        }
        if let Some(report) = &r.report {
            for (op, c, outcome) in &report.rows {
                match outcome {
                    Outcome::Unsupported(reason) if *c == report_first_c(report) => {
                        let _ = writeln!(
                            out,
                            "{}: {} unsupported: {}",
                            r.name,
                            op.name(),
                            reason.replace('|', "/")
                        );
                    }
                    Outcome::Measured(f) if f.errors > 0 => {
                        let _ = writeln!(
                            out,
                            "{}: {} c={c}: {} errors, first: {}",
                            r.name,
                            op.name(),
                            f.errors,
                            f.first_error.as_deref().unwrap_or_default()
                        );
                    }
                    _ => {}
                }
            }
        }
    }
    out
}

fn report_first_c(report: &Report) -> usize {
    report.rows.first().map_or(0, |(_, c, _)| *c)
}
