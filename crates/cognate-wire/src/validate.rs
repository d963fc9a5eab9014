//! Validation of request bodies against the model's constraints, with AWS's messages.
//!
//! The generated code describes each input shape as a static [`Shape`] table; [`validate`]
//! walks a parsed `serde_json::Value` against it *before* typed deserialisation, so a
//! missing required member is a validation error (as in AWS) rather than a serde error. A
//! value of the wrong JSON type is skipped here: typed deserialisation reports it next, as a
//! `SerializationException`.
//!
//! Messages follow AWS:
//! `2 validation errors detected: Value at 'password' failed to satisfy constraint: Member
//! must have length greater than or equal to 6; Value 'x' at 'userPoolId' failed to satisfy
//! constraint: Member must satisfy regular expression pattern: [\w-]+_[0-9a-zA-Z]+`.
//!
//! Paths and ordering:
//! - member names with the first letter lower-cased, nested with dots
//!   (`policies.passwordPolicy.minimumLength`), members of one structure in name order
//!   (as AWS reports them), and per member: length, pattern, enum;
//! - structures inside lists are addressed 1-based as `userAttributes.1.member.value`;
//! - structures inside maps as `roleMappings.<key>.type`;
//! - scalar list elements and map keys/values are checked as a whole, the way AWS reports
//!   them: one error at the collection's path whose constraint lists every constraint of the
//!   element shape: `Member must satisfy constraint: [...]` (lists), `Map keys must satisfy
//!   constraint: [...]`, `Map value must satisfy constraint: [...]`.
//!
//! Values of sensitive shapes, and of anything containing one, are never echoed
//! (`Value at 'password' ...`).

use std::fmt;
use std::sync::OnceLock;

use base64::Engine as _;
use regex::Regex;
use serde_json::Value;

/// A model pattern, compiled on first use.
pub struct Pattern {
    model: &'static str,
    anchored: &'static str,
    compiled: OnceLock<Option<Regex>>,
}

impl Pattern {
    /// `model` is the pattern as the model spells it (it appears in messages); `anchored` is
    /// its `regex`-crate translation matching whole values, made and proven to compile by
    /// the generator.
    pub const fn new(model: &'static str, anchored: &'static str) -> Self {
        Pattern {
            model,
            anchored,
            compiled: OnceLock::new(),
        }
    }

    pub fn model(&self) -> &'static str {
        self.model
    }

    pub fn is_match(&self, value: &str) -> bool {
        // The generator has compiled every pattern with this same `regex` version, so `None`
        // cannot happen; if it somehow did, rejecting every request would be worse than
        // skipping one check.
        self.compiled
            .get_or_init(|| Regex::new(self.anchored).ok())
            .as_ref()
            .is_none_or(|re| re.is_match(value))
    }
}

/// The constraints of one model shape.
pub struct Shape {
    /// The shape is sensitive: neither it nor anything inside it is ever echoed.
    pub sensitive: bool,
    /// The shape is or contains a sensitive shape: its values are never echoed whole.
    pub redact: bool,
    pub kind: Kind,
}

pub enum Kind {
    String {
        min: Option<u64>,
        max: Option<u64>,
        pattern: Option<&'static Pattern>,
        /// Allowed values; empty when the shape is not an enum.
        values: &'static [&'static str],
    },
    /// Lengths count decoded bytes.
    Blob { min: Option<u64>, max: Option<u64> },
    /// `integer` and `long`.
    Number { min: Option<i64>, max: Option<i64> },
    List {
        min: Option<u64>,
        max: Option<u64>,
        member: &'static Shape,
    },
    Map {
        min: Option<u64>,
        max: Option<u64>,
        key: &'static Shape,
        value: &'static Shape,
    },
    /// Only the members with something to check are listed, in name order.
    Structure { members: &'static [Member] },
    /// Nothing to check (booleans, timestamps, documents, unconstrained strings).
    Unchecked,
}

pub struct Member {
    /// The JSON member name.
    pub name: &'static str,
    /// The member's segment of a validation path (`userPoolId`).
    pub path: &'static str,
    pub required: bool,
    /// The member itself is marked sensitive.
    pub sensitive: bool,
    pub shape: &'static Shape,
}

/// The table for shapes with nothing to check.
pub static UNCHECKED: Shape = Shape {
    sensitive: false,
    redact: false,
    kind: Kind::Unchecked,
};

/// Implemented by every generated operation input type.
pub trait Input: serde::de::DeserializeOwned {
    fn shape() -> &'static Shape;

    fn validate(value: &Value) -> Vec<ValidationError> {
        validate(Self::shape(), value)
    }
}

/// How the offending value appears in a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RenderedValue {
    /// A missing required member: `Value null at 'x'`.
    Null,
    /// A sensitive value: `Value at 'x'`.
    Redacted,
    /// `Value 'abc' at 'x'`.
    Shown(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    pub path: String,
    pub value: RenderedValue,
    pub constraint: String,
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.value {
            RenderedValue::Null => f.write_str("Value null")?,
            RenderedValue::Redacted => f.write_str("Value")?,
            RenderedValue::Shown(v) => write!(f, "Value '{v}'")?,
        }
        write!(
            f,
            " at '{}' failed to satisfy constraint: {}",
            self.path, self.constraint
        )
    }
}

/// AWS's message for a failed validation: `N validation error(s) detected: ...; ...`.
pub fn render_validation_message(errors: &[ValidationError]) -> String {
    let noun = if errors.len() == 1 { "error" } else { "errors" };
    let joined: Vec<String> = errors.iter().map(ToString::to_string).collect();
    format!(
        "{} validation {noun} detected: {}",
        errors.len(),
        joined.join("; ")
    )
}

/// Every constraint `value` violates, in AWS's order.
pub fn validate(shape: &Shape, value: &Value) -> Vec<ValidationError> {
    let mut errors = Vec::new();
    check(shape, value, "", false, &mut errors);
    errors
}

/// `secret`: the value sits inside a sensitive shape or member.
fn check(
    shape: &Shape,
    value: &Value,
    path: &str,
    secret: bool,
    errors: &mut Vec<ValidationError>,
) {
    let secret = secret || shape.sensitive;
    let redact = secret || shape.redact;
    let mut push = |constraint: String| {
        errors.push(ValidationError {
            path: path.to_string(),
            value: render(value, redact),
            constraint,
        });
    };
    match &shape.kind {
        Kind::String { .. } | Kind::Blob { .. } | Kind::Number { .. } => {
            scalar_violations(shape, value).into_iter().for_each(push);
        }
        Kind::List { min, max, member } => {
            let Value::Array(items) = value else { return };
            length_violations(items.len(), *min, *max)
                .into_iter()
                .for_each(&mut push);
            if is_scalar(member) {
                if items
                    .iter()
                    .any(|item| !scalar_violations(member, item).is_empty())
                {
                    push(format!(
                        "Member must satisfy constraint: [{}]",
                        describe(member)
                    ));
                }
            } else {
                for (i, item) in items.iter().enumerate() {
                    check(
                        member,
                        item,
                        &format!("{path}.{}.member", i + 1),
                        secret,
                        errors,
                    );
                }
            }
        }
        Kind::Map {
            min,
            max,
            key,
            value: value_shape,
        } => {
            let Value::Object(map) = value else { return };
            length_violations(map.len(), *min, *max)
                .into_iter()
                .for_each(&mut push);
            if map
                .keys()
                .any(|k| !scalar_violations(key, &Value::String(k.clone())).is_empty())
            {
                push(format!(
                    "Map keys must satisfy constraint: [{}]",
                    describe(key)
                ));
            }
            if is_scalar(value_shape) {
                if map
                    .values()
                    .any(|v| !scalar_violations(value_shape, v).is_empty())
                {
                    push(format!(
                        "Map value must satisfy constraint: [{}]",
                        describe(value_shape)
                    ));
                }
            } else {
                for (k, item) in map {
                    check(value_shape, item, &format!("{path}.{k}"), secret, errors);
                }
            }
        }
        Kind::Structure { members } => {
            let Value::Object(map) = value else { return };
            for member in *members {
                let member_path = if path.is_empty() {
                    member.path.to_string()
                } else {
                    format!("{path}.{}", member.path)
                };
                match map.get(member.name) {
                    None | Some(Value::Null) => {
                        if member.required {
                            errors.push(ValidationError {
                                path: member_path,
                                value: RenderedValue::Null,
                                constraint: "Member must not be null".to_string(),
                            });
                        }
                    }
                    Some(v) => check(
                        member.shape,
                        v,
                        &member_path,
                        secret || member.sensitive,
                        errors,
                    ),
                }
            }
        }
        Kind::Unchecked => {}
    }
}

fn is_scalar(shape: &Shape) -> bool {
    matches!(
        shape.kind,
        Kind::String { .. } | Kind::Blob { .. } | Kind::Number { .. } | Kind::Unchecked
    )
}

/// The constraints a scalar value violates; a value of another JSON type violates none.
fn scalar_violations(shape: &Shape, value: &Value) -> Vec<String> {
    let mut out = Vec::new();
    match (&shape.kind, value) {
        (
            Kind::String {
                min,
                max,
                pattern,
                values,
            },
            Value::String(s),
        ) => {
            out.extend(length_violations(s.chars().count(), *min, *max));
            if let Some(p) = pattern.filter(|p| !p.is_match(s)) {
                out.push(format!(
                    "Member must satisfy regular expression pattern: {}",
                    p.model()
                ));
            }
            if !values.is_empty() && !values.contains(&s.as_str()) {
                out.push(enum_constraint(values));
            }
        }
        (Kind::Blob { min, max }, Value::String(s)) => {
            // Undecodable base64 is a serialisation error, reported after validation.
            if let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(s) {
                out.extend(length_violations(bytes.len(), *min, *max));
            }
        }
        (Kind::Number { min, max }, Value::Number(n)) => {
            if let Some(n) = n.as_i64() {
                if let Some(min) = min.filter(|min| n < *min) {
                    out.push(format!(
                        "Member must have value greater than or equal to {min}"
                    ));
                }
                if let Some(max) = max.filter(|max| n > *max) {
                    out.push(format!(
                        "Member must have value less than or equal to {max}"
                    ));
                }
            }
        }
        _ => {}
    }
    out
}

fn length_violations(len: usize, min: Option<u64>, max: Option<u64>) -> Option<String> {
    let len = u64::try_from(len).unwrap_or(u64::MAX);
    if let Some(min) = min.filter(|min| len < *min) {
        return Some(format!(
            "Member must have length greater than or equal to {min}"
        ));
    }
    max.filter(|max| len > *max)
        .map(|max| format!("Member must have length less than or equal to {max}"))
}

fn enum_constraint(values: &[&str]) -> String {
    format!(
        "Member must satisfy enum value set: [{}]",
        values.join(", ")
    )
}

/// Every constraint of a scalar shape, as AWS lists them inside `[...]`: upper bound, lower
/// bound, pattern, enum.
fn describe(shape: &Shape) -> String {
    let mut parts = Vec::new();
    match &shape.kind {
        Kind::String {
            min,
            max,
            pattern,
            values,
        } => {
            if let Some(max) = max {
                parts.push(format!(
                    "Member must have length less than or equal to {max}"
                ));
            }
            if let Some(min) = min {
                parts.push(format!(
                    "Member must have length greater than or equal to {min}"
                ));
            }
            if let Some(p) = pattern {
                parts.push(format!(
                    "Member must satisfy regular expression pattern: {}",
                    p.model()
                ));
            }
            if !values.is_empty() {
                parts.push(enum_constraint(values));
            }
        }
        Kind::Blob { min, max } => {
            if let Some(max) = max {
                parts.push(format!(
                    "Member must have length less than or equal to {max}"
                ));
            }
            if let Some(min) = min {
                parts.push(format!(
                    "Member must have length greater than or equal to {min}"
                ));
            }
        }
        Kind::Number { min, max } => {
            if let Some(max) = max {
                parts.push(format!(
                    "Member must have value less than or equal to {max}"
                ));
            }
            if let Some(min) = min {
                parts.push(format!(
                    "Member must have value greater than or equal to {min}"
                ));
            }
        }
        _ => {}
    }
    parts.join(", ")
}

fn render(value: &Value, redact: bool) -> RenderedValue {
    if redact {
        return RenderedValue::Redacted;
    }
    let mut out = String::new();
    render_into(value, &mut out);
    RenderedValue::Shown(out)
}

/// Values are shown the way the Java service prints them: strings bare, lists as
/// `[a, b]`, maps as `{k=v, k2=v2}`.
fn render_into(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => out.push_str(s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                render_into(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(k);
                out.push('=');
                render_into(v, out);
            }
            out.push('}');
        }
    }
}
