//! The table: one column per target, then the ratios Cognate/peer (requests per second, or
//! the plain ratio of the figures for the extra rows).

use std::fmt::Write;
use std::time::Duration;

use crate::hash_ceiling::HashCeiling;
use crate::overload;
use crate::stats::{Figures, Outcome, ms, rate};
use crate::targets::Target;
use crate::verdict::{at_least, at_most, table};
use crate::workload::{Op, Report};

/// Everything measured of one target.
#[derive(Debug, Default)]
pub struct TargetResult {
    pub name: String,
    pub target: Option<Target>,
    pub startup: Option<Duration>,
    /// VmRSS right after the first answer, before the workload.
    pub idle_rss_kib: Option<u64>,
    pub peak_rss_kib: Option<u64>,
    pub report: Option<Report>,
    /// Why the target could not be measured at all.
    pub failure: Option<String>,
    /// R12's burst, when asked for (`Err`: why it did not run).
    pub overload: Option<Result<overload::Report, String>>,
    /// The start again on the workload's data (`Err`: why it failed).
    pub restart: Option<Result<Restart, String>>,
}

/// A Cognate target started again on the data its workload left.
#[derive(Clone, Copy, Debug)]
pub struct Restart {
    pub startup: Duration,
    pub idle_rss_kib: Option<u64>,
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

    fn restarted(&self) -> Option<&Restart> {
        self.restart.as_ref().and_then(|r| r.as_ref().ok())
    }

    /// The figures of `op` at the workload's highest concurrency, or what the cell says
    /// instead.
    fn at_top(&self, op: Op) -> Result<&Figures, String> {
        if self.failure.is_some() {
            return Err("failed to run".into());
        }
        let Some(report) = &self.report else {
            return Err("not measured".into());
        };
        match self.outcome(op, report.top_concurrency) {
            Some(Outcome::Measured(f)) => Ok(f),
            Some(Outcome::Unsupported(_)) => Err("unsupported".into()),
            Some(Outcome::NotYet) => Err("not yet".into()),
            None => Err("not measured".into()),
        }
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

    let users = results
        .iter()
        .find_map(|r| r.report.as_ref().map(|rep| rep.users))
        .unwrap_or_default();
    let restart_label = format!("restart: startup to first answer ({users} users preloaded)");
    let extra: [ExtraRow; 6] = [
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
            "idle RSS after start (VmRSS)",
            &|r| r.idle_rss_kib.map(|k| k as f64 / 1024.0),
            &|v| format!("{v:.1} MiB"),
        ),
        (
            &restart_label,
            &|r| r.restarted().map(|rs| rs.startup.as_secs_f64() * 1000.0),
            &|v| format!("{v:.0} ms"),
        ),
        (
            "restart: idle RSS (VmRSS)",
            &|r| {
                r.restarted()
                    .and_then(|rs| rs.idle_rss_kib)
                    .map(|k| k as f64 / 1024.0)
            },
            &|v| format!("{v:.1} MiB"),
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
    let temporary = results
        .iter()
        .filter_map(|r| r.report.as_ref())
        .any(|rep| rep.temporary_passwords);
    let preload = if temporary {
        "so is the preload (a temporary password per AdminCreateUser, \
         --preload-temporary-passwords: one hash per user)"
    } else {
        "so is the preload where the server still makes up and hashes a password for a user \
         created without one (the preload sends none)"
    };
    let mut out = format!(
        "Cells: requests/s · p50 / p99 latency. Ratios: Cognate's requests/s over the peer's \
         (above 1 = Cognate faster; failed requests count, their number is in the cell); for the \
         rows below the operations the plain ratio of the figures (below 1 = Cognate faster / \
         smaller). Restart rows: Cognate stopped after the workload and started again on the \
         same data; the peers keep nothing across a restart (—).\n\
         † Cognate hashes passwords with Argon2id (19 MiB, t=2, as many at once as there are \
         cores; see the hash ceiling above): SignUp and the password sign-in are bound by it, \
         and {preload}. moto and cognito-local store passwords in plaintext.\n\
         Cognate runs with its request-rate quotas off ([rate_limits] all 0) and without admin \
         credentials (loopback: any signature is accepted). RSS is the server process \
         only (not PostgreSQL's).\n",
    );
    for r in results {
        if let Some(failure) = &r.failure {
            let _ = writeln!(out, "{} could not be measured: {failure}", r.name);
        }
        if let Some(Err(failure)) = &r.restart {
            let _ = writeln!(out, "{} did not restart on its data: {failure}", r.name);
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

/// Issue 5's target for password sign-in: this share of the raw hash ceiling.
const CEILING_TARGET_PERCENT: f64 = 90.0;

/// Password sign-in at the highest concurrency over the hash ceiling, per Cognate target.
pub fn render_ceiling(results: &[TargetResult], ceiling: &HashCeiling) -> String {
    let mut out = format!(
        "Password sign-in against the hash ceiling ({}; issue target ≥ {CEILING_TARGET_PERCENT:.0} %):\n",
        ceiling.describe()
    );
    for r in results.iter().filter(|r| r.is_cognate()) {
        let line = match r.at_top(Op::PasswordAuth) {
            Ok(f) => {
                let pct = f.rps() / ceiling.per_second() * 100.0;
                let c = r.report.as_ref().map_or(0, |rep| rep.top_concurrency);
                let verdict = at_least(
                    &format!(
                        "InitiateAuth USER_PASSWORD_AUTH at c={c}: {}/s = {pct:.0} % of the ceiling",
                        rate(f.rps())
                    ),
                    pct,
                    CEILING_TARGET_PERCENT,
                );
                // CPU time per sign-in against CPU time per hash: what the rates would say on
                // an idle machine, when the machine is shared.
                match (f.server_cpu_us, ceiling.cpu_us_per_hash) {
                    (Some(server), Some(hash)) => format!(
                        "{verdict} (server CPU per sign-in {} ms, {} ms per hash)",
                        ms(server.round() as u64),
                        ms(hash.round() as u64)
                    ),
                    _ => verdict,
                }
            }
            Err(why) => format!("InitiateAuth USER_PASSWORD_AUTH {why}"),
        };
        let _ = writeln!(out, "- {}: {line}", r.name);
    }
    out
}

/// One throughput floor of R38, with every measured error failing it.
fn rate_floor(figures: Result<&Figures, String>, floor: f64) -> String {
    match figures {
        Err(why) => format!("{why}: missed"),
        Ok(f) if f.errors > 0 => format!("{}/s, {} errors: missed", rate(f.rps()), f.errors),
        Ok(f) => at_least(&format!("{}/s", rate(f.rps())), f.rps(), floor),
    }
}

/// R38's throughput floors for every Cognate target, read at the workload's highest
/// concurrency.
pub fn render_r38(results: &[TargetResult], ceiling: Option<&HashCeiling>) -> String {
    let cognates: Vec<&TargetResult> = results.iter().filter(|r| r.is_cognate()).collect();
    if cognates.is_empty() {
        return String::new();
    }
    let columns: Vec<String> = cognates.iter().map(|r| r.name.clone()).collect();
    let row = |label: &str, cell: &dyn Fn(&TargetResult) -> String| {
        (label.to_owned(), cognates.iter().map(|r| cell(r)).collect())
    };
    let rows = vec![
        row("(a) password sign-in ≥ 15/s, 0 errors", &|r| {
            rate_floor(r.at_top(Op::PasswordAuth), 15.0)
        }),
        row(
            "(a) password sign-in ≥ 60 % of the hash ceiling",
            &|r| match (r.at_top(Op::PasswordAuth), ceiling) {
                (Err(why), _) => format!("{why}: missed"),
                (Ok(_), None) => "no ceiling measured".into(),
                (Ok(f), Some(ceiling)) => {
                    let pct = f.rps() / ceiling.per_second() * 100.0;
                    at_least(&format!("{pct:.0} %"), pct, 60.0)
                }
            },
        ),
        row("(a) password sign-in p99 (noted)", &|r| {
            r.at_top(Op::PasswordAuth)
                .map_or_else(|why| why, |f| format!("{} ms", ms(f.p99_us)))
        }),
        row("(b) REFRESH_TOKEN_AUTH ≥ 240/s, 0 errors", &|r| {
            rate_floor(r.at_top(Op::RefreshAuth), 240.0)
        }),
        row("(c) client_credentials ≥ 240/s, 0 errors", &|r| {
            rate_floor(r.at_top(Op::ClientCredentials), 240.0)
        }),
        row("(d) GetUser ≥ 500/s, 0 errors", &|r| {
            rate_floor(r.at_top(Op::GetUser), 500.0)
        }),
        row(
            "(d) GetUser p99 ≤ 50 ms",
            &|r| match r.at_top(Op::GetUser) {
                Err(why) => format!("{why}: missed"),
                Ok(f) => at_most(&format!("{} ms", ms(f.p99_us)), f.p99_us as f64, 50_000.0),
            },
        ),
        row("(e) SRP sign-in ≥ 30/s, 0 errors", &|r| {
            rate_floor(r.at_top(Op::SrpAuth), 30.0)
        }),
    ];
    let c = cognates
        .iter()
        .find_map(|r| r.report.as_ref().map(|rep| rep.top_concurrency))
        .unwrap_or_default();
    format!(
        "R38 throughput floors (at c={c}; R38 asks for 60 s after a 10 s warm-up: \
         --duration-secs 60 --warmup-secs 10):\n\n{}",
        table("R38 floor", &columns, &rows)
    )
}

fn report_first_c(report: &Report) -> usize {
    report.rows.first().map_or(0, |(_, c, _)| *c)
}
