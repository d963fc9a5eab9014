//! Tag changes (TagResource / UntagResource) applied atomically by the store.

use std::collections::BTreeMap;

use crate::{Constraint, StoreError};

/// Resource tags: key to value, in key order.
pub type Tags = BTreeMap<String, String>;

/// One TagResource or UntagResource call, applied read-modify-write inside a
/// single transaction so concurrent calls cannot lose each other's tags.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TagChange {
    /// Tags to add or overwrite.
    pub set: Tags,
    /// Tag keys to remove (absent keys are ignored, as AWS does).
    pub remove: Vec<String>,
    /// Most tags the resource may carry afterwards.
    pub max_tags: usize,
}

impl TagChange {
    /// Applies the change to `current`, or refuses with `Conflict(TagLimit)`.
    /// Backends call this between their read and their write.
    pub fn apply(&self, mut current: Tags) -> Result<Tags, StoreError> {
        for key in &self.remove {
            current.remove(key);
        }
        for (key, value) in &self.set {
            current.insert(key.clone(), value.clone());
        }
        if current.len() > self.max_tags {
            return Err(StoreError::Conflict(Constraint::TagLimit));
        }
        Ok(current)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(pairs: &[(&str, &str)]) -> Tags {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn removes_then_sets_and_checks_the_limit() {
        let change = TagChange {
            set: tags(&[("b", "2"), ("c", "3")]),
            remove: vec!["a".into(), "zz".into()],
            max_tags: 2,
        };
        assert_eq!(
            change.apply(tags(&[("a", "1"), ("b", "0")])).unwrap(),
            tags(&[("b", "2"), ("c", "3")])
        );
        assert_eq!(
            change.apply(tags(&[("d", "4")])),
            Err(StoreError::Conflict(Constraint::TagLimit))
        );
    }
}
