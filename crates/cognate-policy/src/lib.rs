//! What an identity-pool session may do: IAM permission policies for roles, parsed and
//! checked when loaded, and decided with IAM's rules for identity-based policies (explicit
//! deny, then allow, then the default deny), wildcards, policy variables and condition
//! operators. Pure: no I/O besides reading a policies file, time is an argument.
//!
//! The entry point for an authorization endpoint is [`authorize`]: a resolved
//! [`Principal`] (role, identity id, pool id, amr, tags) and an [`AuthorizationRequest`]
//! (action, resource, request keys) give an [`Authorization`] (decision and the statements
//! behind it).

mod condition;
mod context;
mod document;
mod error;
mod eval;
mod pattern;
mod policy_set;
mod values;

pub use context::RequestContext;
pub use document::{Effect, Policy, VERSION_2008, VERSION_2012};
pub use error::PolicyError;
pub use eval::{
    Authorization, AuthorizationRequest, Decision, MAX_ACTION_CHARS, MAX_CONTEXT_KEYS,
    MAX_CONTEXT_VALUE_CHARS, MAX_CONTEXT_VALUES, MAX_RESOURCE_CHARS, MatchedStatement, Principal,
    RequestError, authorize, evaluate, principal_context,
};
pub use policy_set::{LoadError, MAX_FILE_BYTES, NamedPolicy, PolicySet};
