//! One Rust type per structure and string-enum shape.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use anyhow::{Result, bail};

use super::context::Service;
use super::model::Shape;
use super::naming;

pub fn emit(svc: &Service<'_>, out: &mut String) -> Result<()> {
    for (name, rust) in &svc.type_names {
        let shape = svc.shape(name)?;
        if shape.is_enum() {
            emit_enum(rust, shape, out)?;
        } else {
            emit_struct(svc, name, rust, shape, out)?;
        }
    }
    emit_scrub_impls(svc, out)
}

fn emit_struct(
    svc: &Service<'_>,
    name: &str,
    rust: &str,
    shape: &Shape,
    out: &mut String,
) -> Result<()> {
    let default = if svc.struct_has_default(name, &mut BTreeSet::new())? {
        ", Default"
    } else {
        ""
    };
    let inline = shape_reaches_itself(svc, name)?;
    writeln!(
        out,
        "#[derive(Debug, Clone, PartialEq, Serialize, Deserialize{default})]"
    )?;
    writeln!(out, "pub struct {rust} {{")?;
    let mut fields = BTreeSet::new();
    for (member, r) in &shape.members.0 {
        let field = naming::snake_case(member);
        if !fields.insert(field.clone()) {
            bail!("{name}: two members map to the field {field}");
        }
        let mut ty = svc.rust_type(r)?;
        if inline.contains(&r.shape) {
            ty = format!("Box<{ty}>");
        }
        if shape.required.contains(member) {
            writeln!(out, "#[serde(rename = {member:?})]")?;
            writeln!(out, "pub {field}: {ty},")?;
        } else {
            writeln!(
                out,
                "#[serde(rename = {member:?}, default, skip_serializing_if = \"Option::is_none\")]"
            )?;
            writeln!(out, "pub {field}: Option<{ty}>,")?;
        }
    }
    for required in &shape.required {
        if !shape.members.0.iter().any(|(m, _)| m == required) {
            bail!("{name}: required member {required} does not exist");
        }
    }
    writeln!(out, "}}\n")?;
    Ok(())
}

/// Targets of `name`'s members that lead back to `name` without passing through a `Vec` or
/// map; those members need a `Box`.
fn shape_reaches_itself(svc: &Service<'_>, name: &str) -> Result<BTreeSet<String>> {
    let mut boxed = BTreeSet::new();
    for (_, r) in &svc.shape(name)?.members.0 {
        if svc.shape(&r.shape)?.is_plain_structure()
            && (r.shape == name || svc.inline_reach(&r.shape)?.contains(name))
        {
            boxed.insert(r.shape.clone());
        }
    }
    Ok(boxed)
}

fn emit_enum(rust: &str, shape: &Shape, out: &mut String) -> Result<()> {
    let values = shape.enum_values.as_deref().unwrap_or_default();
    let mut variants = Vec::new();
    let mut taken = BTreeSet::new();
    for value in values {
        let variant = naming::variant_name(value)?;
        if !taken.insert(variant.clone()) {
            bail!("{rust}: two enum values map to the variant {variant}");
        }
        variants.push((variant, value));
    }
    writeln!(
        out,
        "#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]"
    )?;
    writeln!(out, "pub enum {rust} {{")?;
    for (variant, value) in &variants {
        writeln!(out, "#[serde(rename = {value:?})]\n{variant},")?;
    }
    writeln!(out, "}}\n")?;
    writeln!(out, "impl {rust} {{")?;
    writeln!(
        out,
        "pub const fn as_str(&self) -> &'static str {{\nmatch self {{"
    )?;
    for (variant, value) in &variants {
        writeln!(out, "Self::{variant} => {value:?},")?;
    }
    writeln!(out, "}}\n}}\n}}\n")?;
    Ok(())
}

/// `Sensitive<T>` zeroises its content on drop through `Scrub`; structures and enums that end
/// up inside one need an implementation.
fn emit_scrub_impls(svc: &Service<'_>, out: &mut String) -> Result<()> {
    let mut needed = BTreeSet::new();
    let mut stack = Vec::new();
    for shape in svc.loaded.model.shapes.values() {
        for r in shape.children() {
            let target = svc.shape(&r.shape)?;
            if target.sensitive || r.sensitive {
                stack.push(r.shape.clone());
            }
        }
    }
    while let Some(name) = stack.pop() {
        if !needed.insert(name.clone()) {
            continue;
        }
        for r in svc.shape(&name)?.children() {
            stack.push(r.shape.clone());
        }
    }
    for name in needed.iter().filter(|n| svc.type_names.contains_key(*n)) {
        let rust = svc.type_name(name)?;
        let shape = svc.shape(name)?;
        writeln!(out, "impl crate::sensitive::Scrub for {rust} {{")?;
        if shape.is_enum() || shape.members.0.is_empty() {
            writeln!(out, "fn scrub(&mut self) {{}}\n}}\n")?;
            continue;
        }
        writeln!(out, "fn scrub(&mut self) {{")?;
        for (member, _) in &shape.members.0 {
            writeln!(
                out,
                "crate::sensitive::Scrub::scrub(&mut self.{});",
                naming::snake_case(member)
            )?;
        }
        writeln!(out, "}}\n}}\n")?;
    }
    Ok(())
}
