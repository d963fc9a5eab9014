//! Per-service facts derived from the model that several emitters need: Rust type names and
//! types, which shapes are reachable from inputs, which must be redacted.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Result, anyhow, bail};

use super::model::{LoadedService, Shape, ShapeRef};
use super::naming;

pub struct Service<'a> {
    pub loaded: &'a LoadedService,
    /// Shape name → Rust type name, for shapes that get a type (structures and enums).
    pub type_names: BTreeMap<String, String>,
}

impl<'a> Service<'a> {
    pub fn new(loaded: &'a LoadedService) -> Result<Self> {
        let reserved = BTreeSet::from([loaded.spec.trait_name.to_string()]);
        let mut type_names = BTreeMap::new();
        let mut taken = BTreeSet::new();
        for (name, shape) in &loaded.model.shapes {
            if shape.is_plain_structure() || shape.is_enum() {
                let rust = naming::type_name(name, &reserved);
                if !taken.insert(rust.clone()) {
                    bail!(
                        "{}: two shapes map to the Rust type {rust}",
                        loaded.spec.service
                    );
                }
                type_names.insert(name.clone(), rust);
            }
        }
        Ok(Service { loaded, type_names })
    }

    pub fn shape(&self, name: &str) -> Result<&'a Shape> {
        self.loaded.shape(name)
    }

    pub fn type_name(&self, shape: &str) -> Result<&str> {
        self.type_names
            .get(shape)
            .map(String::as_str)
            .ok_or_else(|| anyhow!("shape {shape} has no Rust type"))
    }

    /// The Rust type of a member, list element or map value.
    pub fn rust_type(&self, r: &ShapeRef) -> Result<String> {
        let shape = self.shape(&r.shape)?;
        let base = match shape.ty.as_str() {
            "string" if shape.is_enum() => self.type_name(&r.shape)?.to_string(),
            "string" => "String".to_string(),
            "integer" => "i32".to_string(),
            "long" => "i64".to_string(),
            "float" => "f32".to_string(),
            "double" => "f64".to_string(),
            "boolean" => "bool".to_string(),
            "timestamp" => "crate::Timestamp".to_string(),
            "blob" => "crate::Blob".to_string(),
            "list" => {
                let member = shape
                    .member
                    .as_ref()
                    .ok_or_else(|| anyhow!("list {} has no member", r.shape))?;
                format!("Vec<{}>", self.rust_type(member)?)
            }
            "map" => {
                let value = shape
                    .value
                    .as_ref()
                    .ok_or_else(|| anyhow!("map {} has no value", r.shape))?;
                format!(
                    "std::collections::BTreeMap<String, {}>",
                    self.rust_type(value)?
                )
            }
            "structure" if shape.document => "serde_json::Value".to_string(),
            "structure" if shape.exception => bail!("exception shape {} used as a value", r.shape),
            "structure" => self.type_name(&r.shape)?.to_string(),
            other => bail!("shape {} has unsupported type {other}", r.shape),
        };
        if shape.sensitive || r.sensitive {
            Ok(format!("crate::Sensitive<{base}>"))
        } else {
            Ok(base)
        }
    }

    /// Whether the Rust type of `r` implements `Default`.
    pub fn has_default(&self, r: &ShapeRef, visiting: &mut BTreeSet<String>) -> Result<bool> {
        let shape = self.shape(&r.shape)?;
        Ok(match shape.ty.as_str() {
            "string" => !shape.is_enum(),
            // A zero timestamp would be a plausible-looking wrong date.
            "timestamp" => false,
            "structure" if shape.document => true,
            "structure" => self.struct_has_default(&r.shape, visiting)?,
            _ => true,
        })
    }

    pub fn struct_has_default(&self, name: &str, visiting: &mut BTreeSet<String>) -> Result<bool> {
        if !visiting.insert(name.to_string()) {
            return Ok(false);
        }
        let shape = self.shape(name)?;
        let mut all = true;
        for (member, r) in &shape.members.0 {
            if shape.required.contains(member) && !self.has_default(r, visiting)? {
                all = false;
                break;
            }
        }
        visiting.remove(name);
        Ok(all)
    }

    /// Structures reachable from `from` through members that are stored inline (not inside
    /// a `Vec` or map): a member whose target reaches back to its owner must be boxed.
    pub fn inline_reach(&self, from: &str) -> Result<BTreeSet<String>> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.to_string()];
        while let Some(name) = stack.pop() {
            for (_, r) in &self.shape(&name)?.members.0 {
                let target = self.shape(&r.shape)?;
                if target.is_plain_structure() && seen.insert(r.shape.clone()) {
                    stack.push(r.shape.clone());
                }
            }
        }
        Ok(seen)
    }

    /// Shapes whose values must never be echoed: sensitive ones and anything containing one.
    pub fn redacted(&self) -> Result<BTreeSet<String>> {
        let mut redacted = BTreeSet::new();
        for name in self.loaded.model.shapes.keys() {
            if self.contains_sensitive(name, &mut BTreeSet::new())? {
                redacted.insert(name.clone());
            }
        }
        Ok(redacted)
    }

    fn contains_sensitive(&self, name: &str, visiting: &mut BTreeSet<String>) -> Result<bool> {
        if !visiting.insert(name.to_string()) {
            return Ok(false);
        }
        let shape = self.shape(name)?;
        if shape.sensitive {
            return Ok(true);
        }
        for r in shape.children() {
            if r.sensitive || self.contains_sensitive(&r.shape, visiting)? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Every shape reachable from an operation's input, inputs included.
    pub fn input_reachable(&self) -> Result<BTreeSet<String>> {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<String> = self
            .loaded
            .model
            .operations
            .values()
            .filter_map(|op| op.input.as_ref().map(|r| r.shape.clone()))
            .collect();
        while let Some(name) = stack.pop() {
            if seen.insert(name.clone()) {
                for r in self.shape(&name)?.children() {
                    stack.push(r.shape.clone());
                }
            }
        }
        Ok(seen)
    }
}
