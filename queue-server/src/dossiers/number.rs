//! A number as the province's systems write it.

use serde::{Deserialize, Serialize};

/// A number or a string holding one (`"4"` and `4` are both seen from LGSPs, and `4.0` from a
/// serializer that writes every number as a double).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Number {
    /// As a whole number.
    Int(i64),
    /// As another JSON number (`4.0`): taken when it is whole.
    Real(serde_json::Number),
    /// As a string.
    Text(String),
}

impl Number {
    /// The whole number it holds, if any (`4`, `4.0`, `"4"`).
    pub fn whole(&self) -> Option<i64> {
        match self {
            Number::Int(n) => Some(*n),
            Number::Real(n) => n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 1e15).map(|f| f as i64),
            Number::Text(t) => t.trim().parse().ok(),
        }
    }
}
