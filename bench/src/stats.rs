//! Latency histograms and the per-operation figures.

use std::time::Duration;

use anyhow::Result;
use hdrhistogram::Histogram;

/// Latencies in microseconds, 1 µs to 10 min, 3 significant digits.
pub fn histogram() -> Result<Histogram<u64>> {
    Ok(Histogram::new_with_bounds(1, 600_000_000, 3)?)
}

/// What one operation did at one concurrency.
#[derive(Clone, Debug)]
pub enum Outcome {
    Measured(Figures),
    /// The target lacks the operation or answered it wrongly (the probe's answer).
    Unsupported(String),
    /// Not part of the workload yet (SRP, TOTP): an extension point.
    NotYet,
}

#[derive(Clone, Debug)]
pub struct Figures {
    pub requests: u64,
    pub errors: u64,
    pub elapsed: Duration,
    pub p50_us: u64,
    pub p99_us: u64,
    /// The first unexpected answer, if any.
    pub first_error: Option<String>,
    /// The server process's CPU time per operation, in microseconds, when its pid is known.
    pub server_cpu_us: Option<f64>,
}

impl Figures {
    pub fn from_histogram(
        hist: &Histogram<u64>,
        errors: u64,
        elapsed: Duration,
        first_error: Option<String>,
    ) -> Self {
        Self {
            requests: hist.len(),
            errors,
            elapsed,
            p50_us: hist.value_at_quantile(0.50),
            p99_us: hist.value_at_quantile(0.99),
            first_error,
            server_cpu_us: None,
        }
    }

    /// Successful and failed requests per second.
    pub fn rps(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.requests as f64 / secs
        } else {
            0.0
        }
    }
}

pub fn ms(us: u64) -> String {
    let ms = us as f64 / 1000.0;
    if ms >= 100.0 {
        format!("{ms:.0}")
    } else if ms >= 10.0 {
        format!("{ms:.1}")
    } else {
        format!("{ms:.2}")
    }
}

pub fn rate(rps: f64) -> String {
    if rps >= 100.0 {
        format!("{rps:.0}")
    } else {
        format!("{rps:.1}")
    }
}
