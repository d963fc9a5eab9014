//! `Timestamp`: the AWS JSON protocol's epoch-seconds number.

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A point in time, held as epoch milliseconds (what the store and the domain use) and sent
/// as epoch seconds, fractional when needed (`1700000000.123`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    millis: i64,
}

/// About ±300,000 years: anything further is not a date a client means, and the bound keeps
/// the seconds-to-milliseconds conversion exact.
const MAX_ABS_SECONDS: f64 = 1e13;

impl Timestamp {
    pub const fn from_millis(millis: i64) -> Self {
        Timestamp { millis }
    }

    pub const fn as_millis(self) -> i64 {
        self.millis
    }

    pub fn as_seconds_f64(self) -> f64 {
        self.millis as f64 / 1000.0
    }

    fn from_seconds(seconds: f64) -> Option<Self> {
        if !seconds.is_finite() || seconds.abs() > MAX_ABS_SECONDS {
            return None;
        }
        // The bound above keeps the product well inside i64.
        Some(Timestamp {
            millis: (seconds * 1000.0).round() as i64,
        })
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.millis % 1000 == 0 {
            serializer.serialize_i64(self.millis / 1000)
        } else {
            serializer.serialize_f64(self.as_seconds_f64())
        }
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SecondsVisitor;

        impl Visitor<'_> for SecondsVisitor {
            type Value = Timestamp;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a timestamp in epoch seconds")
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Timestamp, E> {
                self.visit_f64(v as f64)
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Timestamp, E> {
                self.visit_f64(v as f64)
            }

            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Timestamp, E> {
                Timestamp::from_seconds(v).ok_or_else(|| E::custom("timestamp out of range"))
            }
        }

        deserializer.deserialize_any(SecondsVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_seconds_are_integers_and_fractions_survive() {
        assert_eq!(
            serde_json::to_string(&Timestamp::from_millis(1_700_000_000_000)).unwrap(),
            "1700000000"
        );
        assert_eq!(
            serde_json::to_string(&Timestamp::from_millis(1_700_000_000_123)).unwrap(),
            "1700000000.123"
        );
        let t: Timestamp = serde_json::from_str("1700000000.123").unwrap();
        assert_eq!(t.as_millis(), 1_700_000_000_123);
        let t: Timestamp = serde_json::from_str("1.7e9").unwrap();
        assert_eq!(t.as_millis(), 1_700_000_000_000);
        let t: Timestamp = serde_json::from_str("1700000000").unwrap();
        assert_eq!(t.as_millis(), 1_700_000_000_000);
    }

    #[test]
    fn rejects_non_numbers_and_absurd_values() {
        assert!(serde_json::from_str::<Timestamp>("\"1700000000\"").is_err());
        assert!(serde_json::from_str::<Timestamp>("1e300").is_err());
        assert!(serde_json::from_str::<Timestamp>("18446744073709551615").is_err());
    }
}
