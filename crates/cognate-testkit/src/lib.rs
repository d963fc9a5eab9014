//! Placeholder: this crate gets its first code soon.
