use std::sync::Arc;

use cognate_store::conformance::Harness;
use cognate_store_sqlite::SqliteStore;

/// Each case gets its own database file in its own temp dir.
async fn harness() -> Option<Harness> {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = SqliteStore::open(&dir.path().join("cognate.db")).expect("open store");
    Some(Harness::new(Arc::new(store)).keep_alive(dir))
}

cognate_store::conformance_tests!(harness());
