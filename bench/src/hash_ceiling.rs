//! The password-hash ceiling: how many Argon2id hashes this machine computes per second
//! with Cognate's production parameters, one thread per core. R38 (a) measures password
//! sign-in against it, which makes the floor follow the machine rather than a fixed number.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, anyhow};
use cognate_crypto::{HashGate, HashParams, Hasher};

/// What the measurement found.
#[derive(Clone, Copy, Debug)]
pub struct HashCeiling {
    pub params: HashParams,
    pub threads: usize,
    pub hashes: u64,
    pub elapsed: Duration,
    /// This process's CPU time over the measurement, per hash, in microseconds: unlike the
    /// rate, it hardly depends on what else the machine runs, and compares with the
    /// server's CPU time per sign-in.
    pub cpu_us_per_hash: Option<f64>,
}

impl HashCeiling {
    pub fn per_second(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.hashes as f64 / secs
        } else {
            0.0
        }
    }

    /// Wall time one thread spends on one hash.
    pub fn ms_per_hash(&self) -> f64 {
        if self.hashes == 0 {
            return 0.0;
        }
        self.elapsed.as_secs_f64() * 1000.0 * self.threads as f64 / self.hashes as f64
    }

    /// One line: rate, cost of a hash, parameters.
    pub fn describe(&self) -> String {
        let cpu = self
            .cpu_us_per_hash
            .map(|us| format!(", {:.1} ms of CPU", us / 1000.0))
            .unwrap_or_default();
        format!(
            "{:.1} hashes/s on {} threads, {:.1} ms per hash{cpu} (Argon2id m={} KiB, t={}, \
             p={}; {:.1} s)",
            self.per_second(),
            self.threads,
            self.ms_per_hash(),
            self.params.m_kib,
            self.params.t,
            self.params.p,
            self.elapsed.as_secs_f64(),
        )
    }
}

/// Hashes a password for `duration` on one thread per available core, through Cognate's own
/// `Hasher` with its production parameters (`HashParams::OWASP`) and a gate of one permit
/// per thread, so each hash costs what the server's does (reused working memory included).
/// Blocks for `duration` (plus the hash in flight on each thread, and the hasher's one
/// start-up hash).
pub fn measure(duration: Duration) -> Result<HashCeiling> {
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let params = HashParams::OWASP;
    let gate = Arc::new(HashGate::new(threads, threads));
    // A wait bound far above one hash: every thread holds a permit of its own.
    let hasher = Arc::new(
        Hasher::with_gate(params, gate, Duration::from_secs(60))
            .map_err(|e| anyhow!("Argon2 hasher: {e}"))?,
    );
    let hashes = Arc::new(AtomicU64::new(0));
    let cpu_before = crate::targets::cpu_time_us(std::process::id());
    let start = Instant::now();
    let deadline = start + duration;
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let (hasher, hashes) = (hasher.clone(), hashes.clone());
            std::thread::spawn(move || -> Result<(), String> {
                // A sign-in-sized password; Argon2's cost hardly depends on its length.
                let password = b"Bench-ceiling-9x";
                while Instant::now() < deadline {
                    hasher.hash(password).map_err(|e| e.to_string())?;
                    hashes.fetch_add(1, Ordering::Relaxed);
                }
                Ok(())
            })
        })
        .collect();
    for worker in workers {
        worker
            .join()
            .map_err(|_| anyhow!("a hashing thread panicked"))?
            .map_err(|e| anyhow!("hashing: {e}"))?;
    }
    let elapsed = start.elapsed();
    let hashes = hashes.load(Ordering::Relaxed);
    let cpu_after = crate::targets::cpu_time_us(std::process::id());
    let cpu_us_per_hash = match (cpu_before, cpu_after) {
        (Some(before), Some(after)) if hashes > 0 => {
            Some(after.saturating_sub(before) as f64 / hashes as f64)
        }
        _ => None,
    };
    Ok(HashCeiling {
        params,
        threads,
        hashes,
        elapsed,
        cpu_us_per_hash,
    })
}

/// `measure` off the async executor.
pub async fn measure_async(duration: Duration) -> Result<HashCeiling> {
    tokio::task::spawn_blocking(move || measure(duration))
        .await
        .context("hash ceiling task")?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_follow_the_counts() {
        let ceiling = HashCeiling {
            params: HashParams::OWASP,
            threads: 2,
            hashes: 100,
            elapsed: Duration::from_secs(2),
            cpu_us_per_hash: Some(21_000.0),
        };
        assert_eq!(ceiling.per_second(), 50.0);
        // Two threads, 50 hashes each in 2 s: 40 ms per hash.
        assert_eq!(ceiling.ms_per_hash(), 40.0);
        let text = ceiling.describe();
        assert!(text.contains("40.0 ms per hash, 21.0 ms of CPU"), "{text}");
        assert!(text.contains("m=19456 KiB, t=2, p=1"), "{text}");
    }
}
