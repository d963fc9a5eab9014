//! `Sensitive<T>`: values the model marks sensitive (passwords, tokens, secrets).

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use zeroize::Zeroize;

/// Serialises exactly like `T`, but never shows up in `Debug` output and is zeroised when
/// dropped, so secrets leave no copy behind in logs or freed memory.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Sensitive<T: Scrub>(T);

impl<T: Scrub> Sensitive<T> {
    pub fn new(value: T) -> Self {
        Sensitive(value)
    }

    pub fn expose(&self) -> &T {
        &self.0
    }

    pub fn expose_mut(&mut self) -> &mut T {
        &mut self.0
    }

    /// Takes the value out; the caller becomes responsible for it.
    pub fn into_inner(mut self) -> T
    where
        T: Default,
    {
        // `Sensitive` has a `Drop`, so the value cannot be moved out; the empty value left
        // behind is what gets scrubbed.
        std::mem::take(&mut self.0)
    }
}

impl<T: Scrub> From<T> for Sensitive<T> {
    fn from(value: T) -> Self {
        Sensitive(value)
    }
}

impl<T: Scrub> fmt::Debug for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"*** Sensitive Data Redacted ***\"")
    }
}

impl<T: Scrub> Drop for Sensitive<T> {
    fn drop(&mut self) {
        self.0.scrub();
    }
}

impl<T: Scrub + Serialize> Serialize for Sensitive<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de, T: Scrub + Deserialize<'de>> Deserialize<'de> for Sensitive<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(deserializer).map(Sensitive)
    }
}

/// Overwrites secret bytes in place. Implemented for every type a sensitive shape can map
/// to; generated structures and enums that sit inside a `Sensitive` get their own impl.
pub trait Scrub {
    fn scrub(&mut self);
}

impl Scrub for String {
    fn scrub(&mut self) {
        self.zeroize();
    }
}

impl<T: Scrub> Scrub for Option<T> {
    fn scrub(&mut self) {
        if let Some(value) = self {
            value.scrub();
        }
    }
}

impl<T: Scrub> Scrub for Box<T> {
    fn scrub(&mut self) {
        (**self).scrub();
    }
}

impl<T: Scrub> Scrub for Vec<T> {
    fn scrub(&mut self) {
        self.iter_mut().for_each(Scrub::scrub);
        self.clear();
    }
}

impl<T: Scrub> Scrub for BTreeMap<String, T> {
    fn scrub(&mut self) {
        // Keys cannot be changed in place; taking the map out lets them be scrubbed too.
        for (mut key, mut value) in std::mem::take(self) {
            key.zeroize();
            value.scrub();
        }
    }
}

impl Scrub for serde_json::Value {
    fn scrub(&mut self) {
        match self {
            serde_json::Value::String(s) => s.zeroize(),
            serde_json::Value::Array(items) => items.iter_mut().for_each(Scrub::scrub),
            serde_json::Value::Object(map) => {
                for (mut key, mut value) in std::mem::take(map) {
                    key.zeroize();
                    value.scrub();
                }
            }
            _ => {}
        }
        *self = serde_json::Value::Null;
    }
}

impl<T: Scrub> Scrub for Sensitive<T> {
    fn scrub(&mut self) {
        self.0.scrub();
    }
}

macro_rules! scrub_plain {
    ($($t:ty),*) => {$(
        impl Scrub for $t {
            fn scrub(&mut self) {
                self.zeroize();
            }
        }
    )*};
}
scrub_plain!(bool, i32, i64, f32, f64);

impl Scrub for crate::Timestamp {
    fn scrub(&mut self) {
        *self = crate::Timestamp::from_millis(0);
    }
}

impl Scrub for crate::Blob {
    fn scrub(&mut self) {
        self.0.zeroize();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted_and_serde_is_transparent() {
        let secret = Sensitive::new("hunter2".to_string());
        assert_eq!(format!("{secret:?}"), "\"*** Sensitive Data Redacted ***\"");
        assert_eq!(serde_json::to_string(&secret).unwrap(), "\"hunter2\"");
        let back: Sensitive<String> = serde_json::from_str("\"x\"").unwrap();
        assert_eq!(back.expose(), "x");
        assert_eq!(back.into_inner(), "x");
    }

    #[test]
    fn scrub_clears_strings_and_maps() {
        let mut s = "secret".to_string();
        s.scrub();
        assert!(s.is_empty());
        let mut map = BTreeMap::from([("PASSWORD".to_string(), "secret".to_string())]);
        map.scrub();
        assert!(map.is_empty());
    }
}
