//! `cognate authorize`: the policy decision for a role session, offline, from a policies
//! file. For trying policies out and for scripts; no server or database involved.

use std::io::Write;

use anyhow::{Context, bail};
use cognate_domain::{Clock, SystemClock};
use cognate_policy::{AuthorizationRequest, Principal, RequestContext, RequestError};

use crate::config::AuthorizeArgs;

/// Prints the decision as JSON; `Ok(true)` when it allows.
pub fn authorize(args: AuthorizeArgs) -> anyhow::Result<bool> {
    let policies = cognate_policy::PolicySet::load(&args.policies)?;
    for warning in policies.warnings() {
        eprintln!("cognate: warning: {warning}");
    }
    if policies.policies_for(&args.role_arn).is_empty() {
        eprintln!(
            "cognate: warning: {} names no policies for {}: everything is denied by default",
            args.policies.display(),
            args.role_arn
        );
    }
    let principal = Principal {
        role_arn: args.role_arn,
        identity_id: args.identity_id,
        identity_pool_id: args.identity_pool_id,
        amr: args.amr,
        principal_tags: args
            .principal_tags
            .iter()
            .map(|item| pair(item, "--principal-tag"))
            .collect::<anyhow::Result<_>>()?,
        ..Principal::default()
    };
    let mut context = RequestContext::new();
    for item in &args.context {
        let (key, value) = pair(item, "--context")?;
        context.insert(&key, value);
    }
    let request = AuthorizationRequest {
        action: args.action,
        resource: args.resource,
        context,
    };
    let decision = match cognate_policy::authorize(
        &policies,
        &principal,
        &request,
        SystemClock.now_ms(),
    ) {
        Ok(decision) => decision,
        Err(error @ RequestError::ReservedContextKey(_)) => bail!(
            "{error}; give the session with --identity-id, --identity-pool-id, --amr and --principal-tag"
        ),
        Err(error) => bail!("{error}"),
    };
    let mut stdout = std::io::stdout().lock();
    serde_json::to_writer(&mut stdout, &decision).context("writing the decision")?;
    writeln!(stdout).context("writing the decision")?;
    Ok(decision.decision.is_allowed())
}

fn pair(item: &str, flag: &str) -> anyhow::Result<(String, String)> {
    match item.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_owned(), value.to_owned())),
        _ => bail!("{flag} takes KEY=VALUE, got {item:?}"),
    }
}
