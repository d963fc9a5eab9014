//! `ErrorCode`: every exception shape of both models plus the codes the AWS JSON protocol
//! itself answers with.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use anyhow::{Result, bail};

use super::model::LoadedService;

/// Codes that no model declares but that the protocol layer (or Cognate itself) sends:
/// (variant, wire name, HTTP status).
const PROTOCOL_CODES: &[(&str, &str, u16)] = &[
    (
        "UnknownOperationException",
        "UnknownOperationException",
        400,
    ),
    ("SerializationException", "SerializationException", 400),
    (
        "MissingAuthenticationTokenException",
        "MissingAuthenticationTokenException",
        400,
    ),
    (
        "UnrecognizedClientException",
        "UnrecognizedClientException",
        400,
    ),
    (
        "InvalidSignatureException",
        "InvalidSignatureException",
        400,
    ),
    // JSON-protocol services (Cognito among them) name it with the suffix; only the query
    // protocol says `IncompleteSignature`.
    (
        "IncompleteSignatureException",
        "IncompleteSignatureException",
        400,
    ),
    ("RequestExpired", "RequestExpired", 400),
    ("AccessDeniedException", "AccessDeniedException", 400),
    ("ValidationException", "ValidationException", 400),
    // A body over the size limit; 413 is what an HTTP client expects for it.
    (
        "RequestEntityTooLargeException",
        "RequestEntityTooLargeException",
        413,
    ),
    // A Content-Type other than the AWS JSON ones. AWS has no documented code for it; this
    // one names the problem instead of pretending the operation is unknown.
    ("UnsupportedMediaType", "UnsupportedMediaTypeException", 400),
    // An operation of the model that Cognate has no handler for yet.
    ("NotImplemented", "NotImplementedException", 400),
];

pub fn emit(services: &[LoadedService], header: &str) -> Result<String> {
    // variant → (wire name, status)
    let mut codes: BTreeMap<String, (String, u16)> = BTreeMap::new();
    for svc in services {
        for (name, shape) in &svc.model.shapes {
            if !shape.exception {
                continue;
            }
            // The real service sends 500 for its fault shapes and 400 for everything else.
            let status = if shape.fault { 500 } else { 400 };
            let entry = codes.entry(name.clone()).or_insert((name.clone(), status));
            entry.1 = entry.1.max(status);
        }
    }
    for (variant, wire, status) in PROTOCOL_CODES {
        codes
            .entry((*variant).to_string())
            .or_insert(((*wire).to_string(), *status));
    }
    for internal in ["InternalErrorException", "InternalServerException"] {
        if let Some(entry) = codes.get_mut(internal) {
            entry.1 = 500;
        }
    }
    let mut wires: BTreeMap<&str, &str> = BTreeMap::new();
    for (variant, (wire, _)) in &codes {
        if let Some(other) = wires.insert(wire, variant) {
            bail!("ErrorCode variants {other} and {variant} both render as {wire}");
        }
    }

    let mut out = String::new();
    writeln!(out, "{header}")?;
    writeln!(
        out,
        "//! Every error code Cognate can answer with: the exception shapes of both models and the"
    )?;
    writeln!(out, "//! protocol-level codes.\n")?;
    writeln!(
        out,
        "/// An AWS error code, rendered as the `__type` of an error response."
    )?;
    writeln!(
        out,
        "#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]"
    )?;
    writeln!(out, "pub enum ErrorCode {{")?;
    for variant in codes.keys() {
        writeln!(out, "{variant},")?;
    }
    writeln!(out, "}}\n")?;
    writeln!(out, "impl ErrorCode {{")?;
    writeln!(out, "/// Every code, in a stable order.")?;
    writeln!(out, "pub const ALL: &'static [ErrorCode] = &[")?;
    for variant in codes.keys() {
        writeln!(out, "ErrorCode::{variant},")?;
    }
    writeln!(out, "];\n")?;
    writeln!(out, "/// The exact `__type` name.")?;
    writeln!(
        out,
        "pub const fn as_str(self) -> &'static str {{\nmatch self {{"
    )?;
    for (variant, (wire, _)) in &codes {
        writeln!(out, "ErrorCode::{variant} => {wire:?},")?;
    }
    writeln!(out, "}}\n}}\n")?;
    writeln!(
        out,
        "/// The HTTP status the real service answers this code with."
    )?;
    writeln!(out, "pub const fn status(self) -> u16 {{\nmatch self {{")?;
    let mut by_status: BTreeMap<u16, Vec<&str>> = BTreeMap::new();
    for (variant, (_, status)) in &codes {
        by_status.entry(*status).or_default().push(variant);
    }
    let default_status = 400;
    for (status, variants) in &by_status {
        if *status == default_status {
            continue;
        }
        let arms: Vec<String> = variants.iter().map(|v| format!("ErrorCode::{v}")).collect();
        writeln!(out, "{} => {status},", arms.join(" | "))?;
    }
    writeln!(out, "_ => {default_status},\n}}\n}}\n}}\n")?;
    writeln!(out, "impl std::str::FromStr for ErrorCode {{")?;
    writeln!(out, "type Err = crate::error::UnknownErrorCode;\n")?;
    writeln!(
        out,
        "fn from_str(s: &str) -> Result<Self, Self::Err> {{\nmatch s {{"
    )?;
    for (variant, (wire, _)) in &codes {
        writeln!(out, "{wire:?} => Ok(ErrorCode::{variant}),")?;
    }
    writeln!(out, "_ => Err(crate::error::UnknownErrorCode),\n}}\n}}\n}}")?;
    Ok(out)
}
