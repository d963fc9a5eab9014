//! The request context: condition keys and their values for one request.
//!
//! IAM treats condition key names case-insensitively (`aws:CurrentTime` is
//! `AWS:currenttime`), so keys are stored lower-cased. A key may hold several values
//! (`dynamodb:LeadingKeys`, `cognito-identity.amazonaws.com:amr`); a key with no values is
//! the same as a missing key, as IAM's set operators treat an empty set like absence.

use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestContext {
    keys: BTreeMap<String, Vec<String>>,
}

impl RequestContext {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one value to `key` (a second call makes the key multi-valued).
    pub fn insert(&mut self, key: &str, value: impl Into<String>) {
        self.keys
            .entry(key.to_ascii_lowercase())
            .or_default()
            .push(value.into());
    }

    /// Replaces every value of `key`.
    pub fn set(&mut self, key: &str, values: Vec<String>) {
        self.keys.insert(key.to_ascii_lowercase(), values);
    }

    /// The key's values, or `None` when it is absent or empty.
    pub fn get(&self, key: &str) -> Option<&[String]> {
        self.get_lower(&key.to_ascii_lowercase())
    }

    pub(crate) fn get_lower(&self, lower_key: &str) -> Option<&[String]> {
        self.keys
            .get(lower_key)
            .map(Vec::as_slice)
            .filter(|values| !values.is_empty())
    }

    pub fn contains(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Keys (lower-cased) and values, in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[String])> {
        self.keys.iter().map(|(k, v)| (k.as_str(), v.as_slice()))
    }

    /// Copies every key of `other` over this context's keys of the same name.
    pub(crate) fn overlay(&mut self, other: &RequestContext) {
        for (key, values) in &other.keys {
            self.keys.insert(key.clone(), values.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_case_insensitive_and_multi_valued() {
        let mut ctx = RequestContext::new();
        ctx.insert("dynamodb:LeadingKeys", "a");
        ctx.insert("DynamoDB:leadingkeys", "b");
        assert_eq!(
            ctx.get("dynamodb:leadingKeys"),
            Some(&["a".to_owned(), "b".to_owned()][..])
        );
        assert!(ctx.contains("DYNAMODB:LEADINGKEYS"));
    }

    #[test]
    fn empty_values_are_absent() {
        let mut ctx = RequestContext::new();
        ctx.set("k", Vec::new());
        assert_eq!(ctx.get("k"), None);
        assert!(!ctx.contains("k"));
    }
}
