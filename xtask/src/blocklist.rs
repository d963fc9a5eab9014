//! `cargo xtask blocklist <list>`: rebuilds cognate-domain's bundled common-password
//! fingerprints from a list of passwords ordered from most to least common, one per line
//! (for example SecLists' `10-million-password-list-top-1000000.txt`, MIT licensed).
//!
//! Entries are normalized and fingerprinted by `cognate_domain::password_blocklist` itself,
//! so the generator and the server cannot disagree on either.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::{Context, bail};
use cognate_domain::password_blocklist::{
    FINGERPRINT_LEN, MIN_ENTRY_CHARS, TARGET_POLICY_SIZED, fingerprint, normalize,
};

/// The shortest password any pool policy accepts (`MinimumLength` 6).
const SHORTEST_POLICY: usize = 6;

pub fn run(repo: &Path, source: &Path) -> anyhow::Result<()> {
    let bytes = std::fs::read(source).with_context(|| format!("reading {}", source.display()))?;
    let text = String::from_utf8_lossy(&bytes);
    let mut seen = BTreeSet::new();
    let mut fingerprints = BTreeSet::new();
    let mut policy_sized = 0;
    for line in text.lines() {
        if policy_sized >= TARGET_POLICY_SIZED {
            break;
        }
        let entry = normalize(line.trim_end_matches('\r'));
        let chars = entry.chars().count();
        if chars < MIN_ENTRY_CHARS || !seen.insert(entry.clone()) {
            continue;
        }
        if chars >= SHORTEST_POLICY {
            policy_sized += 1;
        }
        fingerprints.insert(fingerprint(&entry));
    }
    if policy_sized < TARGET_POLICY_SIZED {
        bail!("the list has only {policy_sized} usable entries of {SHORTEST_POLICY}+ characters");
    }
    let mut out = Vec::with_capacity(fingerprints.len() * FINGERPRINT_LEN);
    for fp in &fingerprints {
        out.extend_from_slice(fp);
    }
    let target = repo.join("crates/cognate-domain/data/common-passwords.bin");
    std::fs::write(&target, out).with_context(|| format!("writing {}", target.display()))?;
    println!(
        "wrote {} fingerprints ({policy_sized} of {SHORTEST_POLICY}+ characters) to {}",
        fingerprints.len(),
        target.display()
    );
    Ok(())
}
