//! The OAuth `client_credentials` grant: a confidential client asks `/oauth2/token` for an
//! access token with a custom scope, authenticating with HTTP Basic (R38 (c)).
//!
//! Cognate's discovery document puts the token endpoint on the server's own URL
//! (`<public_url>/oauth2/token`), not on a pool domain, so no domain is created: the pool is
//! found from the client id.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;

use crate::client::{Conn, Endpoint, Req};
use crate::workload::call;

/// The resource server's identifier and its one scope: tokens carry `bench/read`.
const RESOURCE_SERVER: &str = "bench";
const SCOPE: &str = "read";

/// A confidential client allowed the client_credentials grant.
#[derive(Debug)]
pub struct OAuthClient {
    /// `Basic base64(client_id:client_secret)`.
    authorization: String,
    /// The form body: grant type and scope.
    body: String,
}

impl OAuthClient {
    /// Creates the resource server and the client in `pool_id`; `Err` says which call the
    /// target refused (the operation then shows as unsupported).
    pub async fn setup(
        endpoint: &Endpoint,
        conn: &mut Conn,
        pool_id: &str,
    ) -> Result<Self, String> {
        let admin = |op: &str, body: serde_json::Value| endpoint.idp(op, &body, true);
        call(
            conn,
            &admin(
                "CreateResourceServer",
                json!({
                    "UserPoolId": pool_id,
                    "Identifier": RESOURCE_SERVER,
                    "Name": "bench",
                    "Scopes": [{"ScopeName": SCOPE, "ScopeDescription": "benchmark"}],
                }),
            ),
            "CreateResourceServer",
        )
        .await
        .map_err(|e| format!("{e:#}"))?;
        let created = call(
            conn,
            &admin(
                "CreateUserPoolClient",
                json!({
                    "UserPoolId": pool_id,
                    "ClientName": "bench-m2m",
                    "GenerateSecret": true,
                    "AllowedOAuthFlowsUserPoolClient": true,
                    "AllowedOAuthFlows": ["client_credentials"],
                    "AllowedOAuthScopes": [format!("{RESOURCE_SERVER}/{SCOPE}")],
                }),
            ),
            "CreateUserPoolClient (client_credentials)",
        )
        .await
        .map_err(|e| format!("{e:#}"))?;
        let client = &created["UserPoolClient"];
        let (Some(id), Some(secret)) =
            (client["ClientId"].as_str(), client["ClientSecret"].as_str())
        else {
            return Err(format!("no ClientId and ClientSecret in {created}"));
        };
        Ok(Self::new(id, secret))
    }

    fn new(client_id: &str, client_secret: &str) -> Self {
        // RFC 6749 2.3.1 form-encodes the id and secret before joining them; Cognito's are
        // alphanumeric, so the encoding leaves them unchanged.
        let credentials = STANDARD.encode(format!("{client_id}:{client_secret}"));
        Self {
            authorization: format!("Basic {credentials}"),
            body: format!("grant_type=client_credentials&scope={RESOURCE_SERVER}%2F{SCOPE}"),
        }
    }

    /// One token request.
    pub fn token_request(&self, endpoint: &Endpoint) -> Req {
        endpoint.form(
            "/oauth2/token",
            self.body.clone(),
            Some(&self.authorization),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_request_is_a_basic_authenticated_form() {
        let endpoint = Endpoint::parse("http://127.0.0.1:9").unwrap();
        let req = OAuthClient::new("abc", "s3cret").token_request(&endpoint);
        assert_eq!(req.path, "/oauth2/token");
        assert_eq!(
            req.headers[http::header::AUTHORIZATION],
            // base64("abc:s3cret")
            "Basic YWJjOnMzY3JldA=="
        );
        assert_eq!(
            req.headers[http::header::CONTENT_TYPE],
            "application/x-www-form-urlencoded"
        );
        assert_eq!(
            &req.body[..],
            b"grant_type=client_credentials&scope=bench%2Fread"
        );
    }
}
