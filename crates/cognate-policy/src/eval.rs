//! Decisions: IAM's evaluation order for identity-based policies, and the request context a
//! Cognito identity's session brings.
//!
//! Order: a matching `Deny` statement in any policy decides (explicit deny); otherwise a
//! matching `Allow` statement decides; otherwise the request is denied by default (implicit
//! deny). With a session policy (AssumeRoleWithWebIdentity's `Policy`), the request must be
//! allowed by both the role's policies and the session policy, and a deny in either wins.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use crate::context::RequestContext;
use crate::document::{Effect, Policy, valid_request_action};
use crate::policy_set::{NamedPolicy, PolicySet};
use crate::values::format_iso8601;

/// The outcome, named as IAM's policy simulator names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Decision {
    Allow,
    ExplicitDeny,
    ImplicitDeny,
}

impl Decision {
    pub fn is_allowed(self) -> bool {
        self == Decision::Allow
    }
}

/// A statement that decided: the policy's name, the statement's Sid if it has one, and its
/// position in the document (0-based).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MatchedStatement {
    #[serde(rename = "Policy")]
    pub policy: String,
    #[serde(rename = "Sid", skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    #[serde(rename = "Index")]
    pub index: usize,
}

impl fmt::Display for MatchedStatement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.sid {
            Some(sid) => write!(f, "{}/{sid}", self.policy),
            None => write!(f, "{}/Statement[{}]", self.policy, self.index),
        }
    }
}

/// The decision and the statements behind it: the matching Deny statements for
/// `ExplicitDeny`, the matching Allow statements for `Allow`, none for `ImplicitDeny`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Authorization {
    #[serde(rename = "Decision")]
    pub decision: Decision,
    #[serde(rename = "MatchedStatements")]
    pub matched_statements: Vec<MatchedStatement>,
}

/// What the caller of a temporary credential is: filled by whoever resolved the
/// credentials (the identity pool's session store).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Principal {
    /// The role the session assumed: `arn:aws:iam::<account>:role/<name>`.
    pub role_arn: String,
    /// `cognito-identity.amazonaws.com:sub`: the identity id (`<region>:<uuid>`).
    pub identity_id: String,
    /// `cognito-identity.amazonaws.com:aud`: the identity pool id.
    pub identity_pool_id: String,
    /// `cognito-identity.amazonaws.com:amr`: `authenticated` or `unauthenticated`, then the
    /// login providers.
    pub amr: Vec<String>,
    /// Session tags (`aws:PrincipalTag/<key>`).
    pub principal_tags: BTreeMap<String, String>,
    /// `aws:userid` (`<role id>:<session name>`), when known.
    pub user_id: Option<String>,
    /// `aws:TokenIssueTime`: when the credentials were issued.
    pub token_issue_time_ms: Option<i64>,
    /// An inline session policy that further limits the session.
    pub session_policy: Option<Policy>,
}

/// The question: may the principal do `action` on `resource`, with these request keys?
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthorizationRequest {
    /// `service:Action`, e.g. `s3:PutObject` (no wildcards).
    pub action: String,
    /// The ARN the action touches, e.g. `arn:aws:s3:::bucket/key`.
    pub resource: String,
    /// Keys the calling service knows (`s3:prefix`, `dynamodb:LeadingKeys`,
    /// `aws:SourceIp`...). Keys describing the principal or the time are the server's own
    /// and refused here.
    pub context: RequestContext,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestError {
    InvalidAction(String),
    EmptyResource,
    ReservedContextKey(String),
    /// A part of the request is over its limit (matching costs pattern × text length).
    TooLarge(&'static str),
}

/// Limits on a question, far above real ones (an ARN is at most a few thousand characters,
/// an S3 key 1,024 bytes), so matching work stays bounded.
pub const MAX_ACTION_CHARS: usize = 256;
pub const MAX_RESOURCE_CHARS: usize = 4096;
pub const MAX_CONTEXT_KEYS: usize = 64;
pub const MAX_CONTEXT_VALUES: usize = 256;
pub const MAX_CONTEXT_VALUE_CHARS: usize = 4096;

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestError::InvalidAction(a) => write!(
                f,
                "action \"{a}\" must be service:Action without wildcards, e.g. s3:GetObject"
            ),
            RequestError::EmptyResource => write!(f, "resource must not be empty"),
            RequestError::TooLarge(what) => write!(f, "{what}"),
            RequestError::ReservedContextKey(k) => write!(
                f,
                "context key \"{k}\" describes the principal or the time and comes from the credentials, not the request"
            ),
        }
    }
}

impl std::error::Error for RequestError {}

/// Context keys that come from the credentials or the clock; a caller cannot set them.
const RESERVED_PREFIXES: &[&str] = &["cognito-identity.amazonaws.com:", "aws:principaltag/"];
const RESERVED_KEYS: &[&str] = &[
    "aws:principalarn",
    "aws:principalaccount",
    "aws:principaltype",
    "aws:userid",
    "aws:username",
    "aws:tokenissuetime",
    "aws:currenttime",
    "aws:epochtime",
    "aws:federatedprovider",
];

fn is_reserved(lower_key: &str) -> bool {
    RESERVED_KEYS.contains(&lower_key) || RESERVED_PREFIXES.iter().any(|p| lower_key.starts_with(p))
}

/// The decision for `principal` under the role policies in `policies`, at `now_ms`.
/// This is what the authorization endpoint and the CLI call.
pub fn authorize(
    policies: &PolicySet,
    principal: &Principal,
    request: &AuthorizationRequest,
    now_ms: i64,
) -> Result<Authorization, RequestError> {
    if !valid_request_action(&request.action) {
        return Err(RequestError::InvalidAction(request.action.clone()));
    }
    if request.resource.is_empty() {
        return Err(RequestError::EmptyResource);
    }
    check_limits(request)?;
    if let Some((key, _)) = request.context.iter().find(|(k, _)| is_reserved(k)) {
        return Err(RequestError::ReservedContextKey(key.to_owned()));
    }
    let mut ctx = principal_context(principal, now_ms);
    ctx.overlay(&request.context);
    let role = evaluate(
        policies.policies_for(&principal.role_arn),
        &request.action,
        &request.resource,
        &ctx,
    );
    let Some(session_policy) = &principal.session_policy else {
        return Ok(role);
    };
    let session = evaluate(
        &[NamedPolicy {
            name: "SessionPolicy".to_owned(),
            policy: session_policy.clone(),
        }],
        &request.action,
        &request.resource,
        &ctx,
    );
    Ok(intersect(role, session))
}

fn check_limits(request: &AuthorizationRequest) -> Result<(), RequestError> {
    if request.action.chars().count() > MAX_ACTION_CHARS {
        return Err(RequestError::TooLarge(
            "action is longer than 256 characters",
        ));
    }
    if request.resource.chars().count() > MAX_RESOURCE_CHARS {
        return Err(RequestError::TooLarge(
            "resource is longer than 4096 characters",
        ));
    }
    let mut keys = 0;
    for (key, values) in request.context.iter() {
        keys += 1;
        if keys > MAX_CONTEXT_KEYS {
            return Err(RequestError::TooLarge("more than 64 context keys"));
        }
        if key.chars().count() > MAX_ACTION_CHARS {
            return Err(RequestError::TooLarge(
                "a context key is longer than 256 characters",
            ));
        }
        if values.len() > MAX_CONTEXT_VALUES {
            return Err(RequestError::TooLarge(
                "a context key has more than 256 values",
            ));
        }
        if values
            .iter()
            .any(|v| v.chars().count() > MAX_CONTEXT_VALUE_CHARS)
        {
            return Err(RequestError::TooLarge(
                "a context value is longer than 4096 characters",
            ));
        }
    }
    Ok(())
}

/// Both must allow; any explicit deny wins.
fn intersect(a: Authorization, b: Authorization) -> Authorization {
    match (a.decision, b.decision) {
        (Decision::Allow, Decision::Allow) => Authorization {
            decision: Decision::Allow,
            matched_statements: a
                .matched_statements
                .into_iter()
                .chain(b.matched_statements)
                .collect(),
        },
        (Decision::ExplicitDeny, _) | (_, Decision::ExplicitDeny) => Authorization {
            decision: Decision::ExplicitDeny,
            matched_statements: [a, b]
                .into_iter()
                .filter(|x| x.decision == Decision::ExplicitDeny)
                .flat_map(|x| x.matched_statements)
                .collect(),
        },
        _ => Authorization {
            decision: Decision::ImplicitDeny,
            matched_statements: Vec::new(),
        },
    }
}

/// IAM's order over a set of identity-based policies: explicit deny, then allow, then the
/// default deny.
pub fn evaluate(
    policies: &[NamedPolicy],
    action: &str,
    resource: &str,
    ctx: &RequestContext,
) -> Authorization {
    let action: Vec<char> = action.to_lowercase().chars().collect();
    let resource: Vec<char> = resource.chars().collect();
    let mut allows = Vec::new();
    let mut denies = Vec::new();
    for named in policies {
        for (index, statement) in named.policy.statements.iter().enumerate() {
            if !statement.applies(&action, &resource, ctx) {
                continue;
            }
            let matched = MatchedStatement {
                policy: named.name.clone(),
                sid: statement.sid.clone(),
                index,
            };
            match statement.effect {
                Effect::Allow => allows.push(matched),
                Effect::Deny => denies.push(matched),
            }
        }
    }
    if !denies.is_empty() {
        Authorization {
            decision: Decision::ExplicitDeny,
            matched_statements: denies,
        }
    } else if !allows.is_empty() {
        Authorization {
            decision: Decision::Allow,
            matched_statements: allows,
        }
    } else {
        Authorization {
            decision: Decision::ImplicitDeny,
            matched_statements: Vec::new(),
        }
    }
}

/// The keys a Cognito identity's role session brings to every request.
pub fn principal_context(principal: &Principal, now_ms: i64) -> RequestContext {
    let mut ctx = RequestContext::new();
    let mut put = |key: &str, value: &str| {
        if !value.is_empty() {
            ctx.insert(key, value);
        }
    };
    put("cognito-identity.amazonaws.com:sub", &principal.identity_id);
    put(
        "cognito-identity.amazonaws.com:aud",
        &principal.identity_pool_id,
    );
    for amr in &principal.amr {
        put("cognito-identity.amazonaws.com:amr", amr);
    }
    for (key, value) in &principal.principal_tags {
        put(&format!("aws:PrincipalTag/{key}"), value);
    }
    // For a role session IAM reports the role's ARN as aws:PrincipalArn.
    put("aws:PrincipalArn", &principal.role_arn);
    if let Some(account) = principal.role_arn.split(':').nth(4) {
        put("aws:PrincipalAccount", account);
    }
    put("aws:PrincipalType", "AssumedRole");
    put("aws:FederatedProvider", "cognito-identity.amazonaws.com");
    if let Some(user_id) = &principal.user_id {
        put("aws:userid", user_id);
    }
    if let Some(issued) = principal.token_issue_time_ms {
        put("aws:TokenIssueTime", &format_iso8601(issued));
    }
    put("aws:CurrentTime", &format_iso8601(now_ms));
    put("aws:EpochTime", &now_ms.div_euclid(1000).to_string());
    ctx
}
