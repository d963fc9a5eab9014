use crate::support::harness;

cognate_store::conformance_tests!(harness());
