//! Validation tables for every shape reachable from an operation input.
//!
//! Validators are data, not code: each shape becomes a `static crate::validate::Shape` that
//! the hand-written interpreter in `cognate_wire::validate` walks. With 145 operations this
//! keeps the generated code small and quick to compile, and the message rules in one place.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use anyhow::{Result, bail};

use super::context::Service;
use super::naming;
use super::patterns;

/// Members whose model constraints Cognito itself does not enforce, as (input shape,
/// member). `DomainType` describes a prefix domain, yet the same member carries a custom
/// domain's full name (`auth.example.com`); the handlers check both forms with Cognito's
/// own messages.
const NOT_ENFORCED: &[(&str, &str)] = &[
    ("CreateUserPoolDomainRequest", "Domain"),
    ("DeleteUserPoolDomainRequest", "Domain"),
    ("DescribeUserPoolDomainRequest", "Domain"),
    ("UpdateUserPoolDomainRequest", "Domain"),
];

pub fn emit(svc: &Service<'_>, out: &mut String) -> Result<()> {
    // Every pattern of the model must translate, not only those checked today: a new
    // operation input could start using any of them.
    for (name, shape) in &svc.loaded.model.shapes {
        if let Some(pattern) = &shape.pattern {
            patterns::anchored(pattern).map_err(|err| anyhow::anyhow!("shape {name}: {err}"))?;
        }
    }
    let reachable = validated_reachable(svc)?;
    let redacted = svc.redacted()?;
    let mut checked = BTreeMap::new();
    for name in &reachable {
        has_checks(svc, name, &mut checked, &mut BTreeSet::new())?;
    }
    let inputs: BTreeSet<String> = svc
        .loaded
        .model
        .operations
        .values()
        .filter_map(|op| op.input.as_ref().map(|r| r.shape.clone()))
        .collect();

    // Patterns are shared between shapes, so each distinct one is compiled once.
    let mut pattern_ids: BTreeMap<String, usize> = BTreeMap::new();
    for name in &reachable {
        if let Some(pattern) = &svc.shape(name)?.pattern {
            let next = pattern_ids.len();
            pattern_ids.entry(pattern.clone()).or_insert(next);
        }
    }
    let mut by_id: Vec<(&String, &usize)> = pattern_ids.iter().collect();
    by_id.sort_by_key(|(_, id)| **id);
    for (pattern, id) in by_id {
        let anchored = patterns::anchored(pattern)?;
        writeln!(
            out,
            "static P_{id}: crate::validate::Pattern = crate::validate::Pattern::new({pattern:?}, {anchored:?});"
        )?;
    }
    writeln!(out)?;

    let mut statics = BTreeSet::new();
    for name in &reachable {
        if !(checked.get(name).copied().unwrap_or(false) || inputs.contains(name)) {
            continue;
        }
        let ident = static_name(name);
        if !statics.insert(ident.clone()) {
            bail!("two shapes map to the static {ident}");
        }
        let shape = svc.shape(name)?;
        let kind = kind(svc, name, &checked, &pattern_ids)?;
        let sensitive = shape.sensitive;
        let redact = redacted.contains(name);
        writeln!(
            out,
            "static {ident}: crate::validate::Shape = crate::validate::Shape {{ sensitive: {sensitive}, redact: {redact}, kind: {kind} }};"
        )?;
        if inputs.contains(name) && shape.is_plain_structure() {
            let rust = svc.type_name(name)?;
            writeln!(
                out,
                "impl crate::validate::Input for {rust} {{ fn shape() -> &'static crate::validate::Shape {{ &{ident} }} }}"
            )?;
        }
    }
    Ok(())
}

/// Shapes a validator can reach from an operation input, not following the members whose
/// constraints are not enforced.
fn validated_reachable(svc: &Service<'_>) -> Result<BTreeSet<String>> {
    let mut seen = BTreeSet::new();
    let mut stack: Vec<String> = svc
        .input_reachable()?
        .into_iter()
        .filter(|name| {
            svc.loaded
                .model
                .operations
                .values()
                .any(|op| op.input.as_ref().is_some_and(|r| &r.shape == name))
        })
        .collect();
    while let Some(name) = stack.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        let shape = svc.shape(&name)?;
        if shape.ty == "structure" {
            for (member, r) in &shape.members.0 {
                if !NOT_ENFORCED.contains(&(name.as_str(), member.as_str())) {
                    stack.push(r.shape.clone());
                }
            }
        } else {
            stack.extend(shape.children().into_iter().map(|r| r.shape.clone()));
        }
    }
    Ok(seen)
}

fn static_name(shape: &str) -> String {
    format!("V_{}", naming::upper_snake(shape))
}

/// The static a child refers to: its own table if it has anything to check, otherwise the
/// shared one that checks nothing.
fn child(name: &str, checked: &BTreeMap<String, bool>) -> String {
    if checked.get(name).copied().unwrap_or(false) {
        format!("&{}", static_name(name))
    } else {
        "&crate::validate::UNCHECKED".to_string()
    }
}

fn opt<T: std::fmt::Display>(value: Option<T>) -> String {
    value.map_or_else(|| "None".to_string(), |v| format!("Some({v})"))
}

fn length(svc: &Service<'_>, name: &str) -> Result<(String, String)> {
    let shape = svc.shape(name)?;
    let conv = |v: Option<i64>| -> Result<Option<u64>> {
        v.map(|v| {
            u64::try_from(v).map_err(|_| anyhow::anyhow!("{name}: negative length bound {v}"))
        })
        .transpose()
    };
    Ok((opt(conv(shape.min)?), opt(conv(shape.max)?)))
}

fn kind(
    svc: &Service<'_>,
    name: &str,
    checked: &BTreeMap<String, bool>,
    pattern_ids: &BTreeMap<String, usize>,
) -> Result<String> {
    let shape = svc.shape(name)?;
    Ok(match shape.ty.as_str() {
        "string" => {
            let (min, max) = length(svc, name)?;
            let pattern = match &shape.pattern {
                Some(p) => format!(
                    "Some(&P_{})",
                    pattern_ids.get(p).copied().unwrap_or_default()
                ),
                None => "None".to_string(),
            };
            let values = shape.enum_values.as_deref().unwrap_or_default();
            format!(
                "crate::validate::Kind::String {{ min: {min}, max: {max}, pattern: {pattern}, values: &{values:?} }}"
            )
        }
        "blob" => {
            let (min, max) = length(svc, name)?;
            format!("crate::validate::Kind::Blob {{ min: {min}, max: {max} }}")
        }
        "integer" | "long" => format!(
            "crate::validate::Kind::Number {{ min: {}, max: {} }}",
            opt(shape.min),
            opt(shape.max)
        ),
        "list" => {
            let (min, max) = length(svc, name)?;
            let member = shape
                .member
                .as_ref()
                .map(|r| child(&r.shape, checked))
                .unwrap_or_default();
            format!("crate::validate::Kind::List {{ min: {min}, max: {max}, member: {member} }}")
        }
        "map" => {
            let (min, max) = length(svc, name)?;
            let key = shape
                .key
                .as_ref()
                .map(|r| child(&r.shape, checked))
                .unwrap_or_default();
            let value = shape
                .value
                .as_ref()
                .map(|r| child(&r.shape, checked))
                .unwrap_or_default();
            format!(
                "crate::validate::Kind::Map {{ min: {min}, max: {max}, key: {key}, value: {value} }}"
            )
        }
        "structure" if !shape.document => {
            // AWS lists violations by member name, not in model order (SignUp reports
            // `password` before `username`).
            let mut members: Vec<_> = shape
                .members
                .0
                .iter()
                .filter(|(m, r)| {
                    shape.required.contains(m) || checked.get(&r.shape).copied().unwrap_or(false)
                })
                .collect();
            members.sort_by(|a, b| a.0.cmp(&b.0));
            let mut list = String::new();
            for (member, r) in members {
                let required = shape.required.contains(member);
                let sensitive = r.sensitive;
                let member_shape = if NOT_ENFORCED.contains(&(name, member.as_str())) {
                    "&crate::validate::UNCHECKED".to_string()
                } else {
                    child(&r.shape, checked)
                };
                write!(
                    list,
                    "crate::validate::Member {{ name: {member:?}, path: {:?}, required: {required}, sensitive: {sensitive}, shape: {member_shape} }}, ",
                    naming::path_segment(member),
                )?;
            }
            format!("crate::validate::Kind::Structure {{ members: &[{list}] }}")
        }
        _ => "crate::validate::Kind::Unchecked".to_string(),
    })
}

/// Whether a value of this shape can fail validation (a constraint, or a required member
/// somewhere inside). Shapes that cannot are left out of the tables.
fn has_checks(
    svc: &Service<'_>,
    name: &str,
    memo: &mut BTreeMap<String, bool>,
    visiting: &mut BTreeSet<String>,
) -> Result<bool> {
    if let Some(known) = memo.get(name) {
        return Ok(*known);
    }
    if !visiting.insert(name.to_string()) {
        // A cycle adds nothing the rest of the walk does not already find.
        return Ok(false);
    }
    let shape = svc.shape(name)?;
    let own = match shape.ty.as_str() {
        "string" => {
            shape.min.is_some()
                || shape.max.is_some()
                || shape.pattern.is_some()
                || shape.enum_values.is_some()
        }
        "blob" | "integer" | "long" | "list" | "map" => shape.min.is_some() || shape.max.is_some(),
        "structure" => !shape.document && !shape.required.is_empty(),
        _ => false,
    };
    let mut any = own;
    if matches!(shape.ty.as_str(), "structure" | "list" | "map") && !shape.document {
        for r in shape.children() {
            if has_checks(svc, &r.shape, memo, visiting)? {
                any = true;
            }
        }
    }
    visiting.remove(name);
    memo.insert(name.to_string(), any);
    Ok(any)
}
