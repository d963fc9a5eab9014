//! The operation table, the service trait and the dispatcher.

use std::fmt::Write as _;

use anyhow::{Result, anyhow, bail};

use super::context::Service;
use super::model::Operation;
use super::naming;

fn sorted_operations<'a>(svc: &Service<'a>) -> Result<Vec<&'a Operation>> {
    let mut ops: Vec<&Operation> = svc.loaded.model.operations.values().collect();
    ops.sort_by(|a, b| a.name.cmp(&b.name));
    for (key, op) in &svc.loaded.model.operations {
        if *key != op.name {
            bail!("operation {key} is named {}", op.name);
        }
    }
    Ok(ops)
}

pub fn emit_table(svc: &Service<'_>, out: &mut String) -> Result<()> {
    let prefix = &svc.loaded.model.metadata.target_prefix;
    writeln!(out, "/// The `X-Amz-Target` prefix of this service.")?;
    writeln!(out, "pub const TARGET_PREFIX: &str = {prefix:?};\n")?;
    writeln!(out, "/// Every operation of the model, sorted by name.")?;
    writeln!(out, "pub static OPERATIONS: &[crate::OperationInfo] = &[")?;
    for op in sorted_operations(svc)? {
        let errors: Vec<&str> = op.errors.iter().map(|e| e.shape.as_str()).collect();
        for error in &errors {
            if !svc.shape(error)?.exception {
                bail!(
                    "{}: declared error {error} is not an exception shape",
                    op.name
                );
            }
        }
        let paginator = match svc.loaded.paginators.pagination.get(&op.name) {
            None => "None".to_string(),
            Some(p) => {
                let token = |v: &serde_json::Value| -> Result<String> {
                    v.as_str().map(|s| format!("{s:?}")).ok_or_else(|| {
                        anyhow!("{}: paginator token {v} is not a single string", op.name)
                    })
                };
                let limit = p
                    .limit_key
                    .as_ref()
                    .map_or_else(|| "None".to_string(), |k| format!("Some({k:?})"));
                format!(
                    "Some(crate::Paginator {{ input_token: {}, output_token: {}, limit_key: {limit} }})",
                    token(&p.input_token)?,
                    token(&p.output_token)?
                )
            }
        };
        writeln!(
            out,
            "crate::OperationInfo {{ name: {:?}, target: \"{prefix}.{}\", signed: {}, errors: &{errors:?}, paginator: {paginator} }},",
            op.name,
            op.name,
            op.signed()
        )?;
    }
    writeln!(out, "];\n")?;
    for name in svc.loaded.paginators.pagination.keys() {
        if !svc.loaded.model.operations.contains_key(name) {
            bail!("paginator for unknown operation {name}");
        }
    }
    writeln!(
        out,
        "/// Looks an operation up by name (the part of the target after the dot)."
    )?;
    writeln!(
        out,
        "pub fn operation(name: &str) -> Option<&'static crate::OperationInfo> {{"
    )?;
    writeln!(
        out,
        "OPERATIONS.binary_search_by(|op| op.name.cmp(name)).ok().and_then(|i| OPERATIONS.get(i))\n}}\n"
    )?;
    Ok(())
}

struct Signature {
    method: String,
    input: Option<String>,
    output: Option<String>,
}

fn signature(svc: &Service<'_>, op: &Operation) -> Result<Signature> {
    let io_type = |r: &Option<super::model::ShapeRef>| -> Result<Option<String>> {
        r.as_ref()
            .map(|r| svc.type_name(&r.shape).map(str::to_string))
            .transpose()
    };
    Ok(Signature {
        method: naming::snake_case(&op.name),
        input: io_type(&op.input)?,
        output: io_type(&op.output)?,
    })
}

pub fn emit_trait(svc: &Service<'_>, out: &mut String) -> Result<()> {
    let trait_name = svc.loaded.spec.trait_name;
    writeln!(
        out,
        "/// One method per operation. Every method answers `NotImplementedException` until a"
    )?;
    writeln!(out, "/// handler overrides it.")?;
    writeln!(out, "#[async_trait::async_trait]")?;
    writeln!(out, "pub trait {trait_name}: Send + Sync {{")?;
    for op in sorted_operations(svc)? {
        let sig = signature(svc, op)?;
        let input_arg = sig
            .input
            .as_ref()
            .map(|t| format!(", input: {t}"))
            .unwrap_or_default();
        let output = sig.output.as_deref().unwrap_or("()");
        let unused = if sig.input.is_some() {
            "(ctx, input)"
        } else {
            "ctx"
        };
        writeln!(
            out,
            "async fn {}(&self, ctx: &crate::RequestContext{input_arg}) -> Result<{output}, crate::ApiError> {{\nlet _ = {unused};\nErr(crate::ApiError::not_implemented({:?}))\n}}\n",
            sig.method, op.name
        )?;
    }
    writeln!(out, "}}\n")?;
    Ok(())
}

pub fn emit_dispatch(svc: &Service<'_>, out: &mut String) -> Result<()> {
    let trait_name = svc.loaded.spec.trait_name;
    writeln!(
        out,
        "/// Runs one operation: parse and validate `body`, call the handler, serialise its output."
    )?;
    writeln!(
        out,
        "pub async fn dispatch(svc: &dyn {trait_name}, ctx: &crate::RequestContext, operation: &str, body: &[u8]) -> Result<Vec<u8>, crate::ApiError> {{"
    )?;
    writeln!(out, "match operation {{")?;
    for op in sorted_operations(svc)? {
        let sig = signature(svc, op)?;
        let call = if sig.input.is_some() {
            format!(
                "svc.{}(ctx, crate::codec::decode(body)?).await?",
                sig.method
            )
        } else {
            format!(
                "{{ crate::codec::decode_empty(body)?; svc.{}(ctx).await? }}",
                sig.method
            )
        };
        if sig.output.is_some() {
            writeln!(out, "{:?} => crate::codec::encode(&{call}),", op.name)?;
        } else {
            writeln!(
                out,
                "{:?} => {{ {call}; Ok(crate::codec::encode_unit()) }}",
                op.name
            )?;
        }
    }
    writeln!(out, "_ => Err(crate::codec::unknown_operation(operation)),")?;
    writeln!(out, "}}\n}}")?;
    Ok(())
}
