//! What the model says about each operation, as the protocol layer needs it.

/// One row of a service's generated `OPERATIONS` table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperationInfo {
    pub name: &'static str,
    /// The full `X-Amz-Target` header value.
    pub target: &'static str,
    /// False exactly when the model marks the operation as needing no SigV4 signature
    /// (`"authtype": "none"` or `"auth": ["smithy.api#noAuth"]`).
    pub signed: bool,
    /// The `__type` names of the errors the model declares.
    pub errors: &'static [&'static str],
    pub paginator: Option<Paginator>,
}

/// Member names of a paginated operation, from botocore's `paginators-1.json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paginator {
    pub input_token: &'static str,
    pub output_token: &'static str,
    pub limit_key: Option<&'static str>,
}
