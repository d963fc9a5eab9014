//! The Condition element: operators, set qualifiers, `...IfExists`, and their evaluation.
//!
//! IAM's rules, as its documentation states them:
//! - Several operators in one Condition, and several keys under one operator, must all hold
//!   (AND); several values for one key are alternatives (OR).
//! - A negated operator (`StringNotEquals`, `StringNotLike`, `NumericNotEquals`,
//!   `DateNotEquals`, `NotIpAddress`, `ArnNotEquals`, `ArnNotLike`) holds when its positive
//!   form does not: the value equals none of the listed values.
//! - A key missing from the request: positive operators are false, negated ones true,
//!   `...IfExists` true, `ForAllValues:` true, `ForAnyValue:` false; `Null` tests exactly
//!   that (`true` = the key is missing).
//! - `ForAllValues:` holds when every request value satisfies the operator against the
//!   listed values; `ForAnyValue:` when at least one does.
//! - Policy variables work in String, ARN and Bool values only.
//!
//! Chosen where the documentation is silent: a multi-valued key under an operator without a
//! set qualifier matches when any of its values does (a negated operator: when none does).

use serde_json::Value;

use crate::context::RequestContext;
use crate::error::PolicyError;
use crate::pattern::{Template, Tok, glob, tokens_to_text};
use crate::values::{Cidr, parse_bool, parse_date_ms, parse_number};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Base {
    StringEquals,
    StringEqualsIgnoreCase,
    StringLike,
    NumericEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    ArnLike,
    Null,
}

/// Operator names IAM defines, with the positive operator each one tests and whether the
/// result is negated.
const OPERATORS: &[(&str, Base, bool)] = &[
    ("StringEquals", Base::StringEquals, false),
    ("StringNotEquals", Base::StringEquals, true),
    (
        "StringEqualsIgnoreCase",
        Base::StringEqualsIgnoreCase,
        false,
    ),
    (
        "StringNotEqualsIgnoreCase",
        Base::StringEqualsIgnoreCase,
        true,
    ),
    ("StringLike", Base::StringLike, false),
    ("StringNotLike", Base::StringLike, true),
    ("NumericEquals", Base::NumericEquals, false),
    ("NumericNotEquals", Base::NumericEquals, true),
    ("NumericLessThan", Base::NumericLessThan, false),
    ("NumericLessThanEquals", Base::NumericLessThanEquals, false),
    ("NumericGreaterThan", Base::NumericGreaterThan, false),
    (
        "NumericGreaterThanEquals",
        Base::NumericGreaterThanEquals,
        false,
    ),
    ("DateEquals", Base::DateEquals, false),
    ("DateNotEquals", Base::DateEquals, true),
    ("DateLessThan", Base::DateLessThan, false),
    ("DateLessThanEquals", Base::DateLessThanEquals, false),
    ("DateGreaterThan", Base::DateGreaterThan, false),
    ("DateGreaterThanEquals", Base::DateGreaterThanEquals, false),
    ("Bool", Base::Bool, false),
    ("BinaryEquals", Base::BinaryEquals, false),
    ("IpAddress", Base::IpAddress, false),
    ("NotIpAddress", Base::IpAddress, true),
    ("ArnEquals", Base::ArnLike, false),
    ("ArnLike", Base::ArnLike, false),
    ("ArnNotEquals", Base::ArnLike, true),
    ("ArnNotLike", Base::ArnLike, true),
    ("Null", Base::Null, false),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Qualifier {
    ForAllValues,
    ForAnyValue,
}

/// One value from the policy, parsed for its operator.
#[derive(Debug, Clone, PartialEq)]
enum Expected {
    Text(Template),
    Number(f64),
    Date(i64),
    Cidr(Cidr),
    Null(bool),
}

/// The same value with its variables replaced.
#[derive(Debug, Clone, PartialEq)]
enum Resolved {
    Text(Vec<Tok>),
    Number(f64),
    Date(i64),
    Cidr(Cidr),
    Null(bool),
}

/// One key under one operator: `"StringLike": {"s3:prefix": ["a/*", "b/*"]}`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Clause {
    base: Base,
    negated: bool,
    qualifier: Option<Qualifier>,
    if_exists: bool,
    /// Lower-cased.
    key: String,
    expected: Vec<Expected>,
}

/// A clause whose values no longer contain variables.
pub(crate) struct ResolvedClause<'a> {
    clause: &'a Clause,
    values: Vec<Resolved>,
}

/// Parses a statement's `Condition` object into clauses.
pub(crate) fn parse_condition(
    value: &Value,
    path: &str,
    variables: bool,
) -> Result<Vec<Clause>, PolicyError> {
    let Value::Object(operators) = value else {
        return Err(PolicyError::new(
            path,
            "Condition must be an object of condition operators",
        ));
    };
    let mut clauses = Vec::new();
    for (operator, keys) in operators {
        let op_path = format!("{path}.{operator}");
        let (base, negated, qualifier, if_exists) = parse_operator(operator)
            .ok_or_else(|| PolicyError::new(&op_path, "unknown condition operator"))?;
        let Value::Object(keys) = keys else {
            return Err(PolicyError::new(
                &op_path,
                "a condition operator must map condition keys to values",
            ));
        };
        if keys.is_empty() {
            return Err(PolicyError::new(&op_path, "no condition keys"));
        }
        for (key, values) in keys {
            let key_path = format!("{op_path}.{key}");
            if key.is_empty() || key.chars().any(char::is_whitespace) {
                return Err(PolicyError::new(
                    &key_path,
                    "a condition key must be a non-empty name without white space",
                ));
            }
            let texts = condition_values(values, &key_path)?;
            let expected = texts
                .iter()
                .map(|text| parse_expected(base, text, variables, &key_path))
                .collect::<Result<Vec<_>, _>>()?;
            clauses.push(Clause {
                base,
                negated,
                qualifier,
                if_exists,
                key: key.to_ascii_lowercase(),
                expected,
            });
        }
    }
    Ok(clauses)
}

fn parse_operator(name: &str) -> Option<(Base, bool, Option<Qualifier>, bool)> {
    let (qualifier, rest) = match name.split_once(':') {
        Some((q, rest)) if q.eq_ignore_ascii_case("ForAllValues") => {
            (Some(Qualifier::ForAllValues), rest)
        }
        Some((q, rest)) if q.eq_ignore_ascii_case("ForAnyValue") => {
            (Some(Qualifier::ForAnyValue), rest)
        }
        Some(_) => return None,
        None => (None, name),
    };
    let lower = rest.to_ascii_lowercase();
    let (op_name, if_exists) = match lower.strip_suffix("ifexists") {
        Some(stripped) => (stripped.to_owned(), true),
        None => (lower, false),
    };
    let &(_, base, negated) = OPERATORS
        .iter()
        .find(|(n, _, _)| n.eq_ignore_ascii_case(&op_name))?;
    // `Null` tests presence itself: neither IfExists nor a set qualifier makes sense on it.
    if base == Base::Null && (if_exists || qualifier.is_some()) {
        return None;
    }
    Some((base, negated, qualifier, if_exists))
}

/// A value or a non-empty array of values; numbers and booleans count as their text.
fn condition_values(value: &Value, path: &str) -> Result<Vec<String>, PolicyError> {
    let scalar = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    };
    let bad = || {
        PolicyError::new(
            path,
            "condition values must be a string, number or boolean, or a non-empty array of them",
        )
    };
    match value {
        Value::Array(items) if !items.is_empty() => {
            items.iter().map(|v| scalar(v).ok_or_else(bad)).collect()
        }
        Value::Array(_) => Err(bad()),
        other => scalar(other).map(|s| vec![s]).ok_or_else(bad),
    }
}

fn parse_expected(
    base: Base,
    text: &str,
    variables: bool,
    path: &str,
) -> Result<Expected, PolicyError> {
    let invalid = |what: &str| PolicyError::new(path, format!("'{text}' is not {what}"));
    let template = |variables: bool| {
        Template::parse(text, variables)
            .map(Expected::Text)
            .map_err(|message| PolicyError::new(path, message))
    };
    match base {
        Base::StringEquals | Base::StringEqualsIgnoreCase | Base::StringLike | Base::ArnLike => {
            template(variables)
        }
        Base::Bool => {
            let parsed = template(variables)?;
            let has_vars = matches!(&parsed, Expected::Text(t) if t.has_variables());
            if has_vars || parse_bool(text).is_some() {
                Ok(parsed)
            } else {
                Err(invalid("true or false"))
            }
        }
        Base::BinaryEquals => template(false),
        Base::NumericEquals
        | Base::NumericLessThan
        | Base::NumericLessThanEquals
        | Base::NumericGreaterThan
        | Base::NumericGreaterThanEquals => parse_number(text)
            .map(Expected::Number)
            .ok_or_else(|| invalid("a number")),
        Base::DateEquals
        | Base::DateLessThan
        | Base::DateLessThanEquals
        | Base::DateGreaterThan
        | Base::DateGreaterThanEquals => parse_date_ms(text)
            .map(Expected::Date)
            .ok_or_else(|| invalid("an ISO 8601 date or epoch seconds")),
        Base::IpAddress => Cidr::parse(text)
            .map(Expected::Cidr)
            .ok_or_else(|| invalid("an IP address or CIDR block")),
        Base::Null => parse_bool(text)
            .map(Expected::Null)
            .ok_or_else(|| invalid("true or false")),
    }
}

impl Clause {
    /// Replaces variables; `None` if one has no value (the statement then does not apply).
    pub(crate) fn resolve(&self, ctx: &RequestContext) -> Option<ResolvedClause<'_>> {
        let mut values = Vec::with_capacity(self.expected.len());
        for expected in &self.expected {
            match expected {
                Expected::Text(template) => {
                    values.extend(template.resolve(ctx)?.into_iter().map(Resolved::Text));
                }
                Expected::Number(n) => values.push(Resolved::Number(*n)),
                Expected::Date(d) => values.push(Resolved::Date(*d)),
                Expected::Cidr(c) => values.push(Resolved::Cidr(*c)),
                Expected::Null(b) => values.push(Resolved::Null(*b)),
            }
        }
        Some(ResolvedClause {
            clause: self,
            values,
        })
    }
}

impl ResolvedClause<'_> {
    pub(crate) fn holds(&self, ctx: &RequestContext) -> bool {
        let clause = self.clause;
        let present = ctx.get_lower(&clause.key);
        if clause.base == Base::Null {
            let absent = present.is_none();
            return self
                .values
                .iter()
                .any(|v| matches!(v, Resolved::Null(want_absent) if *want_absent == absent));
        }
        let Some(request_values) = present else {
            return match clause.qualifier {
                _ if clause.if_exists => true,
                Some(Qualifier::ForAllValues) => true,
                Some(Qualifier::ForAnyValue) => false,
                None => clause.negated,
            };
        };
        let positive =
            |request: &String| self.values.iter().any(|v| matches(clause.base, request, v));
        let satisfied = |request: &String| positive(request) != clause.negated;
        match clause.qualifier {
            Some(Qualifier::ForAllValues) => request_values.iter().all(satisfied),
            Some(Qualifier::ForAnyValue) => request_values.iter().any(satisfied),
            None => request_values.iter().any(positive) != clause.negated,
        }
    }
}

/// Whether one request value matches one policy value under the positive operator.
fn matches(base: Base, request: &str, expected: &Resolved) -> bool {
    use std::cmp::Ordering;
    let number = |n: &f64, test: fn(Ordering) -> bool| {
        parse_number(request)
            .and_then(|r| r.partial_cmp(n))
            .is_some_and(test)
    };
    let date = |d: &i64, test: fn(Ordering) -> bool| {
        parse_date_ms(request).map(|r| r.cmp(d)).is_some_and(test)
    };
    match (base, expected) {
        (Base::StringEquals | Base::BinaryEquals, Resolved::Text(t)) => {
            tokens_to_text(t) == request
        }
        (Base::StringEqualsIgnoreCase, Resolved::Text(t)) => {
            tokens_to_text(t).to_lowercase() == request.to_lowercase()
        }
        (Base::StringLike, Resolved::Text(t)) => glob(t, &request.chars().collect::<Vec<_>>()),
        (Base::Bool, Resolved::Text(t)) => {
            match (parse_bool(&tokens_to_text(t)), parse_bool(request)) {
                (Some(a), Some(b)) => a == b,
                _ => false,
            }
        }
        (Base::ArnLike, Resolved::Text(t)) => arn_like(t, request),
        (Base::NumericEquals, Resolved::Number(n)) => number(n, Ordering::is_eq),
        (Base::NumericLessThan, Resolved::Number(n)) => number(n, Ordering::is_lt),
        (Base::NumericLessThanEquals, Resolved::Number(n)) => number(n, Ordering::is_le),
        (Base::NumericGreaterThan, Resolved::Number(n)) => number(n, Ordering::is_gt),
        (Base::NumericGreaterThanEquals, Resolved::Number(n)) => number(n, Ordering::is_ge),
        (Base::DateEquals, Resolved::Date(d)) => date(d, Ordering::is_eq),
        (Base::DateLessThan, Resolved::Date(d)) => date(d, Ordering::is_lt),
        (Base::DateLessThanEquals, Resolved::Date(d)) => date(d, Ordering::is_le),
        (Base::DateGreaterThan, Resolved::Date(d)) => date(d, Ordering::is_gt),
        (Base::DateGreaterThanEquals, Resolved::Date(d)) => date(d, Ordering::is_ge),
        (Base::IpAddress, Resolved::Cidr(c)) => c.contains(request),
        _ => false,
    }
}

/// ArnEquals/ArnLike: the six colon-separated parts are matched one by one, so a wildcard
/// never spans a colon in the first five; the sixth (resource) part takes the rest.
fn arn_like(pattern: &[Tok], request: &str) -> bool {
    if pattern == [Tok::Many { colon: true }] {
        return true;
    }
    let mut parts: Vec<&[Tok]> = Vec::with_capacity(6);
    let mut start = 0;
    for (i, tok) in pattern.iter().enumerate() {
        if parts.len() < 5 && *tok == Tok::Char(':') {
            parts.push(&pattern[start..i]);
            start = i + 1;
        }
    }
    parts.push(&pattern[start..]);
    let values: Vec<&str> = request.splitn(6, ':').collect();
    parts.len() == 6
        && values.len() == 6
        && parts
            .iter()
            .zip(&values)
            .all(|(p, v)| glob(p, &v.chars().collect::<Vec<_>>()))
}
