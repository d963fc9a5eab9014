//! App clients: defaults, settings kept as given, list and page, update (replace, secrets
//! kept), delete, not-found across pools, the settings rules with Cognito's text, and client
//! secrets (add, list, delete, at most two, never the last one).

use aws_sdk_cognitoidentityprovider::types::{
    ExplicitAuthFlowsType, FeatureType, OAuthFlowType, PreventUserExistenceErrorTypes,
    RefreshTokenRotationType, ResourceServerScopeType, TimeUnitsType, TokenValidityUnitsType,
};

use crate::harness::{Env, code, message};
use crate::on_both_backends;

async fn new_pool(env: &Env, name: &str) -> String {
    env.idp
        .create_user_pool()
        .pool_name(name)
        .send()
        .await
        .unwrap()
        .user_pool()
        .unwrap()
        .id()
        .unwrap()
        .to_owned()
}

fn is_client_id(id: &str) -> bool {
    id.len() == 26
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
}

async fn client_names(env: &Env, pool: &str) -> Vec<String> {
    let listed = env
        .idp
        .list_user_pool_clients()
        .user_pool_id(pool)
        .max_results(60)
        .send()
        .await
        .unwrap();
    let mut names: Vec<String> = listed
        .user_pool_clients()
        .iter()
        .filter_map(|c| c.client_name().map(str::to_owned))
        .collect();
    names.sort();
    names
}

async fn create_shows_cognito_defaults(env: Env) {
    let pool = new_pool(&env, "clients").await;
    let created = env
        .idp
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("bare")
        .send()
        .await
        .unwrap();
    let client = created.user_pool_client().unwrap();
    let id = client.client_id().unwrap();
    assert!(is_client_id(id), "{id}");
    assert_eq!(client.user_pool_id(), Some(pool.as_str()));
    assert_eq!(client.client_name(), Some("bare"));
    assert!(client.creation_date().is_some());
    assert_eq!(client.last_modified_date(), client.creation_date());
    assert_eq!(client.refresh_token_validity(), 30);
    assert_eq!(
        client.token_validity_units(),
        Some(&TokenValidityUnitsType::builder().build())
    );
    assert_eq!(client.allowed_o_auth_flows_user_pool_client(), Some(false));
    assert_eq!(client.enable_token_revocation(), Some(true));
    assert_eq!(
        client.enable_propagate_additional_user_context_data(),
        Some(false)
    );
    assert_eq!(client.auth_session_validity(), Some(3));
    let rotation = client.refresh_token_rotation().unwrap();
    assert_eq!(rotation.feature(), &FeatureType::Disabled);
    assert_eq!(rotation.retry_grace_period_seconds(), Some(0));
    // Left out, as Cognito leaves them out.
    assert_eq!(client.client_secret(), None);
    assert_eq!(client.explicit_auth_flows, None);
    assert_eq!(client.prevent_user_existence_errors(), None);
    assert_eq!(client.access_token_validity(), None);
    assert_eq!(client.id_token_validity(), None);
    assert_eq!(client.callback_urls, None);
    assert_eq!(client.allowed_o_auth_flows, None);
    assert_eq!(client.read_attributes, None);
    assert_eq!(client.supported_identity_providers, None);

    let described = env
        .idp
        .describe_user_pool_client()
        .user_pool_id(&pool)
        .client_id(id)
        .send()
        .await
        .unwrap();
    assert_eq!(described.user_pool_client(), Some(client));
}

async fn generated_secret_is_shown_by_create_and_describe(env: Env) {
    let pool = new_pool(&env, "secrets").await;
    let created = env
        .idp
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("confidential")
        .generate_secret(true)
        .send()
        .await
        .unwrap();
    let client = created.user_pool_client().unwrap();
    let secret = client.client_secret().unwrap();
    assert_eq!(secret.len(), 52, "{secret}");
    let described = env
        .idp
        .describe_user_pool_client()
        .user_pool_id(&pool)
        .client_id(client.client_id().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(
        described.user_pool_client().unwrap().client_secret(),
        Some(secret)
    );

    // A client of its own, also with a generated secret: a different one.
    let other = env
        .idp
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("second")
        .generate_secret(true)
        .send()
        .await
        .unwrap();
    let other_secret = other.user_pool_client().unwrap().client_secret().unwrap();
    assert_ne!(other_secret, secret);

    let both = env
        .idp
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("both")
        .generate_secret(true)
        .client_secret("a_supplied_secret_value_1234567890")
        .send()
        .await;
    assert_eq!(code(&both), "InvalidParameterException");
    assert_eq!(client_names(&env, &pool).await, ["confidential", "second"]);
}

async fn create_keeps_given_settings(env: Env) {
    let pool = new_pool(&env, "settings").await;
    let created = env
        .idp
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("web")
        .refresh_token_validity(10)
        .access_token_validity(15)
        .id_token_validity(20)
        .token_validity_units(
            TokenValidityUnitsType::builder()
                .access_token(TimeUnitsType::Minutes)
                .id_token(TimeUnitsType::Minutes)
                .refresh_token(TimeUnitsType::Days)
                .build(),
        )
        .read_attributes("email")
        .read_attributes("name")
        .write_attributes("email")
        .write_attributes("name")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserSrpAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .supported_identity_providers("COGNITO")
        .callback_urls("https://app.example.com/cb")
        .callback_urls("http://localhost:3000/cb")
        .logout_urls("https://app.example.com/out")
        .default_redirect_uri("https://app.example.com/cb")
        .allowed_o_auth_flows(OAuthFlowType::Code)
        .allowed_o_auth_scopes("openid")
        .allowed_o_auth_scopes("email")
        .allowed_o_auth_flows_user_pool_client(true)
        .prevent_user_existence_errors(PreventUserExistenceErrorTypes::Enabled)
        .enable_token_revocation(false)
        .auth_session_validity(5)
        .refresh_token_rotation(
            RefreshTokenRotationType::builder()
                .feature(FeatureType::Enabled)
                .retry_grace_period_seconds(10)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let id = created
        .user_pool_client()
        .unwrap()
        .client_id()
        .unwrap()
        .to_owned();
    let described = env
        .idp
        .describe_user_pool_client()
        .user_pool_id(&pool)
        .client_id(&id)
        .send()
        .await
        .unwrap();
    let client = described.user_pool_client().unwrap();
    assert_eq!(Some(client), created.user_pool_client());
    assert_eq!(client.refresh_token_validity(), 10);
    assert_eq!(client.access_token_validity(), Some(15));
    assert_eq!(client.id_token_validity(), Some(20));
    let units = client.token_validity_units().unwrap();
    assert_eq!(units.access_token(), Some(&TimeUnitsType::Minutes));
    assert_eq!(units.id_token(), Some(&TimeUnitsType::Minutes));
    assert_eq!(units.refresh_token(), Some(&TimeUnitsType::Days));
    assert_eq!(client.read_attributes(), ["email", "name"]);
    assert_eq!(client.write_attributes(), ["email", "name"]);
    assert_eq!(
        client.explicit_auth_flows(),
        [
            ExplicitAuthFlowsType::AllowUserSrpAuth,
            ExplicitAuthFlowsType::AllowRefreshTokenAuth
        ]
    );
    assert_eq!(client.supported_identity_providers(), ["COGNITO"]);
    assert_eq!(
        client.callback_urls(),
        ["https://app.example.com/cb", "http://localhost:3000/cb"]
    );
    assert_eq!(client.logout_urls(), ["https://app.example.com/out"]);
    assert_eq!(
        client.default_redirect_uri(),
        Some("https://app.example.com/cb")
    );
    assert_eq!(client.allowed_o_auth_flows(), [OAuthFlowType::Code]);
    assert_eq!(client.allowed_o_auth_scopes(), ["openid", "email"]);
    assert_eq!(client.allowed_o_auth_flows_user_pool_client(), Some(true));
    assert_eq!(
        client.prevent_user_existence_errors(),
        Some(&PreventUserExistenceErrorTypes::Enabled)
    );
    assert_eq!(client.enable_token_revocation(), Some(false));
    assert_eq!(client.auth_session_validity(), Some(5));
    let rotation = client.refresh_token_rotation().unwrap();
    assert_eq!(rotation.feature(), &FeatureType::Enabled);
    assert_eq!(rotation.retry_grace_period_seconds(), Some(10));
    assert_eq!(client.client_secret(), None);
}

async fn list_pages_through_clients(env: Env) {
    let pool = new_pool(&env, "listing").await;
    let other_pool = new_pool(&env, "elsewhere").await;
    env.idp
        .create_user_pool_client()
        .user_pool_id(&other_pool)
        .client_name("not-listed")
        .send()
        .await
        .unwrap();
    let mut created = Vec::new();
    for i in 0..3 {
        let client = env
            .idp
            .create_user_pool_client()
            .user_pool_id(&pool)
            .client_name(format!("c{i}"))
            .send()
            .await
            .unwrap();
        created.push(
            client
                .user_pool_client()
                .unwrap()
                .client_id()
                .unwrap()
                .to_owned(),
        );
    }
    let mut seen = Vec::new();
    let mut token = None;
    let mut pages = 0;
    loop {
        let page = env
            .idp
            .list_user_pool_clients()
            .user_pool_id(&pool)
            .max_results(2)
            .set_next_token(token.clone())
            .send()
            .await
            .unwrap();
        pages += 1;
        assert!(page.user_pool_clients().len() <= 2);
        for client in page.user_pool_clients() {
            assert_eq!(client.user_pool_id(), Some(pool.as_str()));
            let name = client.client_name().unwrap();
            let id = client.client_id().unwrap();
            let index = created.iter().position(|c| c == id).unwrap();
            assert_eq!(name, format!("c{index}"));
            seen.push(id.to_owned());
        }
        token = page.next_token().map(str::to_owned);
        if token.is_none() || pages > 5 {
            break;
        }
    }
    assert_eq!(pages, 2);
    seen.sort();
    created.sort();
    assert_eq!(seen, created);

    for bad in [0, 61] {
        let refused = env
            .idp
            .list_user_pool_clients()
            .user_pool_id(&pool)
            .max_results(bad)
            .send()
            .await;
        assert_eq!(code(&refused), "InvalidParameterException", "{bad}");
    }
    let refused = env
        .idp
        .list_user_pool_clients()
        .user_pool_id(&pool)
        .next_token("not-a-token")
        .send()
        .await;
    assert_eq!(code(&refused), "InvalidParameterException");
    let missing = env
        .idp
        .list_user_pool_clients()
        .user_pool_id("us-east-1_NoSuchPoo")
        .send()
        .await;
    assert_eq!(code(&missing), "ResourceNotFoundException");
}

async fn update_replaces_settings_and_keeps_secret(env: Env) {
    let pool = new_pool(&env, "updates").await;
    let created = env
        .idp
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("before")
        .generate_secret(true)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .prevent_user_existence_errors(PreventUserExistenceErrorTypes::Enabled)
        .access_token_validity(2)
        .callback_urls("https://app.example.com/cb")
        .enable_token_revocation(false)
        .send()
        .await
        .unwrap();
    let before = created.user_pool_client().unwrap().clone();
    let id = before.client_id().unwrap().to_owned();

    let updated = env
        .idp
        .update_user_pool_client()
        .user_pool_id(&pool)
        .client_id(&id)
        .refresh_token_validity(10)
        .send()
        .await
        .unwrap();
    let described = env
        .idp
        .describe_user_pool_client()
        .user_pool_id(&pool)
        .client_id(&id)
        .send()
        .await
        .unwrap();
    let client = described.user_pool_client().unwrap();
    assert_eq!(Some(client), updated.user_pool_client());
    assert_eq!(client.refresh_token_validity(), 10);
    // Everything the update left out is back to its default.
    assert_eq!(client.explicit_auth_flows, None);
    assert_eq!(client.prevent_user_existence_errors(), None);
    assert_eq!(client.access_token_validity(), None);
    assert_eq!(client.callback_urls, None);
    assert_eq!(client.enable_token_revocation(), Some(true));
    // The name (not given) and the secret stay; the creation date too.
    assert_eq!(client.client_name(), Some("before"));
    assert_eq!(client.client_secret(), before.client_secret());
    assert_eq!(client.creation_date(), before.creation_date());
    assert!(client.last_modified_date() >= before.last_modified_date());

    env.idp
        .update_user_pool_client()
        .user_pool_id(&pool)
        .client_id(&id)
        .client_name("after")
        .send()
        .await
        .unwrap();
    let described = env
        .idp
        .describe_user_pool_client()
        .user_pool_id(&pool)
        .client_id(&id)
        .send()
        .await
        .unwrap();
    let client = described.user_pool_client().unwrap();
    assert_eq!(client.client_name(), Some("after"));
    assert_eq!(client.refresh_token_validity(), 30);
    assert_eq!(client.client_secret(), before.client_secret());
    let secrets = env
        .idp
        .list_user_pool_client_secrets()
        .user_pool_id(&pool)
        .client_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(secrets.client_secrets().len(), 1);

    // A refused update changes nothing.
    let refused = env
        .idp
        .update_user_pool_client()
        .user_pool_id(&pool)
        .client_id(&id)
        .client_name("refused")
        .access_token_validity(25)
        .send()
        .await;
    assert_eq!(code(&refused), "InvalidParameterException");
    assert_eq!(message(&refused), "Invalid range for token validity.");
    let again = env
        .idp
        .describe_user_pool_client()
        .user_pool_id(&pool)
        .client_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(again.user_pool_client(), Some(client));
}

async fn delete_removes_the_client(env: Env) {
    let pool = new_pool(&env, "deletes").await;
    let mut ids = Vec::new();
    for name in ["keep", "drop"] {
        let created = env
            .idp
            .create_user_pool_client()
            .user_pool_id(&pool)
            .client_name(name)
            .generate_secret(true)
            .send()
            .await
            .unwrap();
        ids.push(
            created
                .user_pool_client()
                .unwrap()
                .client_id()
                .unwrap()
                .to_owned(),
        );
    }
    env.idp
        .delete_user_pool_client()
        .user_pool_id(&pool)
        .client_id(&ids[1])
        .send()
        .await
        .unwrap();
    let gone = env
        .idp
        .describe_user_pool_client()
        .user_pool_id(&pool)
        .client_id(&ids[1])
        .send()
        .await;
    assert_eq!(code(&gone), "ResourceNotFoundException");
    assert_eq!(
        message(&gone),
        format!("User pool client {} does not exist.", ids[1])
    );
    let secrets = env
        .idp
        .list_user_pool_client_secrets()
        .user_pool_id(&pool)
        .client_id(&ids[1])
        .send()
        .await;
    assert_eq!(code(&secrets), "ResourceNotFoundException");
    let twice = env
        .idp
        .delete_user_pool_client()
        .user_pool_id(&pool)
        .client_id(&ids[1])
        .send()
        .await;
    assert_eq!(code(&twice), "ResourceNotFoundException");
    assert_eq!(client_names(&env, &pool).await, ["keep"]);
    env.idp
        .describe_user_pool_client()
        .user_pool_id(&pool)
        .client_id(&ids[0])
        .send()
        .await
        .unwrap();
}

async fn clients_of_other_pools_are_not_found(env: Env) {
    let pool = new_pool(&env, "owner").await;
    let other = new_pool(&env, "stranger").await;
    let created = env
        .idp
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("mine")
        .generate_secret(true)
        .send()
        .await
        .unwrap();
    let id = created
        .user_pool_client()
        .unwrap()
        .client_id()
        .unwrap()
        .to_owned();
    let expected = format!("User pool client {id} does not exist.");

    let describe = env
        .idp
        .describe_user_pool_client()
        .user_pool_id(&other)
        .client_id(&id)
        .send()
        .await;
    assert_eq!(code(&describe), "ResourceNotFoundException");
    assert_eq!(message(&describe), expected);
    let update = env
        .idp
        .update_user_pool_client()
        .user_pool_id(&other)
        .client_id(&id)
        .client_name("stolen")
        .send()
        .await;
    assert_eq!(code(&update), "ResourceNotFoundException");
    assert_eq!(message(&update), expected);
    let delete = env
        .idp
        .delete_user_pool_client()
        .user_pool_id(&other)
        .client_id(&id)
        .send()
        .await;
    assert_eq!(code(&delete), "ResourceNotFoundException");
    assert_eq!(message(&delete), expected);
    let add = env
        .idp
        .add_user_pool_client_secret()
        .user_pool_id(&other)
        .client_id(&id)
        .send()
        .await;
    assert_eq!(code(&add), "ResourceNotFoundException");
    let list = env
        .idp
        .list_user_pool_client_secrets()
        .user_pool_id(&other)
        .client_id(&id)
        .send()
        .await;
    assert_eq!(code(&list), "ResourceNotFoundException");

    let unknown = "abcdefghijklmnopqrstuvwxyz";
    let describe = env
        .idp
        .describe_user_pool_client()
        .user_pool_id(&pool)
        .client_id(unknown)
        .send()
        .await;
    assert_eq!(code(&describe), "ResourceNotFoundException");
    assert_eq!(
        message(&describe),
        format!("User pool client {unknown} does not exist.")
    );
    let in_missing_pool = env
        .idp
        .create_user_pool_client()
        .user_pool_id("us-east-1_NoSuchPoo")
        .client_name("orphan")
        .send()
        .await;
    assert_eq!(code(&in_missing_pool), "ResourceNotFoundException");

    // The client is untouched in its own pool, and the other pool has none.
    let described = env
        .idp
        .describe_user_pool_client()
        .user_pool_id(&pool)
        .client_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(described.user_pool_client(), created.user_pool_client());
    let secrets = env
        .idp
        .list_user_pool_client_secrets()
        .user_pool_id(&pool)
        .client_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(secrets.client_secrets().len(), 1);
    assert!(client_names(&env, &other).await.is_empty());
}

async fn invalid_settings_are_refused_with_aws_text(env: Env) {
    let pool = new_pool(&env, "rules").await;
    let base = env
        .idp
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("bad");
    let with_secret = base.clone().generate_secret(true);

    let cases = [
        (
            base.clone().access_token_validity(25).send().await,
            "InvalidParameterException",
            Some("Invalid range for token validity."),
        ),
        (
            base.clone()
                .refresh_token_validity(59)
                .token_validity_units(
                    TokenValidityUnitsType::builder()
                        .refresh_token(TimeUnitsType::Minutes)
                        .build(),
                )
                .send()
                .await,
            "InvalidParameterException",
            Some("Invalid range for token validity."),
        ),
        (
            base.clone()
                .callback_urls("http://example.com/cb")
                .send()
                .await,
            "InvalidParameterException",
            Some("http://example.com/cb cannot use the HTTP protocol."),
        ),
        (
            base.clone()
                .logout_urls("http://192.168.1.10:3000/out")
                .send()
                .await,
            "InvalidParameterException",
            Some("http://192.168.1.10:3000/out cannot use the HTTP protocol."),
        ),
        (
            with_secret
                .clone()
                .callback_urls("https://app.example.com/cb")
                .allowed_o_auth_flows(OAuthFlowType::ClientCredentials)
                .allowed_o_auth_flows(OAuthFlowType::Code)
                .allowed_o_auth_scopes("openid")
                .allowed_o_auth_flows_user_pool_client(true)
                .send()
                .await,
            "InvalidOAuthFlowException",
            Some(
                "client_credentials flow can not be selected along with code flow or implicit flow.",
            ),
        ),
        (
            base.clone()
                .allowed_o_auth_flows(OAuthFlowType::ClientCredentials)
                .allowed_o_auth_scopes("openid")
                .allowed_o_auth_flows_user_pool_client(true)
                .send()
                .await,
            "InvalidOAuthFlowException",
            Some(
                "client_credentials flow can not be selected if client does not have a client secret.",
            ),
        ),
        (
            base.clone()
                .allowed_o_auth_flows(OAuthFlowType::Code)
                .allowed_o_auth_scopes("openid")
                .allowed_o_auth_flows_user_pool_client(true)
                .send()
                .await,
            "InvalidOAuthFlowException",
            Some("CallbackUrls can not be empty when code flow or implicit flow is selected"),
        ),
        (
            base.clone()
                .callback_urls("https://app.example.com/cb")
                .allowed_o_auth_flows_user_pool_client(true)
                .send()
                .await,
            "InvalidParameterException",
            Some(
                "AllowedOAuthFlows and AllowedOAuthScopes are required if user pool client is allowed to use OAuth flows.",
            ),
        ),
        (
            base.clone()
                .read_attributes("favourite_colour")
                .send()
                .await,
            "InvalidParameterException",
            Some("Invalid read attributes specified while creating a client"),
        ),
        (
            base.clone()
                .write_attributes("favourite_colour")
                .send()
                .await,
            "InvalidParameterException",
            Some("Invalid write attributes specified while creating a client"),
        ),
        (
            base.clone().write_attributes("sub").send().await,
            "InvalidParameterException",
            Some("Invalid write attributes specified while creating a client"),
        ),
        (
            base.clone()
                .write_attributes("email")
                .write_attributes("email_verified")
                .send()
                .await,
            "InvalidParameterException",
            Some("Invalid write attributes specified while creating a client"),
        ),
        (
            base.clone()
                .callback_urls("https://app.example.com/cb")
                .allowed_o_auth_flows(OAuthFlowType::Code)
                .allowed_o_auth_scopes("openid")
                .allowed_o_auth_scopes("https://api.example.com/read")
                .allowed_o_auth_flows_user_pool_client(true)
                .send()
                .await,
            "ScopeDoesNotExistException",
            None,
        ),
        (
            base.clone()
                .supported_identity_providers("COGNITO")
                .supported_identity_providers("Google")
                .send()
                .await,
            "InvalidParameterException",
            None,
        ),
        (
            base.clone()
                .explicit_auth_flows(ExplicitAuthFlowsType::UserPasswordAuth)
                .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
                .send()
                .await,
            "InvalidParameterException",
            None,
        ),
        (
            base.clone()
                .callback_urls("https://app.example.com/cb#fragment")
                .send()
                .await,
            "InvalidParameterException",
            None,
        ),
        (
            base.clone()
                .callback_urls("javascript:alert(1)")
                .send()
                .await,
            "InvalidParameterException",
            None,
        ),
        (
            base.clone()
                .callback_urls("https://app.example.com/cb")
                .default_redirect_uri("https://other.example.com/cb")
                .send()
                .await,
            "InvalidParameterException",
            None,
        ),
    ];
    for (i, (result, expected_code, expected_message)) in cases.iter().enumerate() {
        assert_eq!(code(result), *expected_code, "case {i}");
        if let Some(expected) = expected_message {
            assert_eq!(message(result), *expected, "case {i}");
        }
    }
    // None of the refused requests left a client behind.
    assert!(client_names(&env, &pool).await.is_empty());

    // The same settings that were refused are fine where the rule allows them.
    let fine = env
        .idp
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("machine")
        .generate_secret(true)
        .allowed_o_auth_flows(OAuthFlowType::ClientCredentials)
        .allowed_o_auth_scopes("openid")
        .allowed_o_auth_flows_user_pool_client(true)
        .send()
        .await;
    assert!(fine.is_ok(), "{fine:?}");
    assert_eq!(client_names(&env, &pool).await, ["machine"]);
}

fn secret_id_millis(secret_id: &str, client_id: &str) -> i64 {
    let millis = secret_id
        .strip_prefix(client_id)
        .and_then(|rest| rest.strip_prefix("--"))
        .unwrap_or_else(|| panic!("{secret_id} is not <clientId>--<millis>"));
    millis.parse().unwrap()
}

async fn client_secrets_add_list_delete(env: Env) {
    let pool = new_pool(&env, "rotation").await;
    let created = env
        .idp
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("rotating")
        .generate_secret(true)
        .send()
        .await
        .unwrap();
    let client = created.user_pool_client().unwrap();
    let id = client.client_id().unwrap().to_owned();
    let first_value = client.client_secret().unwrap().to_owned();

    let listed = env
        .idp
        .list_user_pool_client_secrets()
        .user_pool_id(&pool)
        .client_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.client_secrets().len(), 1);
    let first = &listed.client_secrets()[0];
    let first_id = first.client_secret_id().unwrap().to_owned();
    let first_millis = secret_id_millis(&first_id, &id);
    let created_millis = client.creation_date().unwrap().to_millis().unwrap();
    assert!((first_millis - created_millis).abs() <= 1, "{first_id}");
    assert_eq!(first.client_secret_value(), None);
    assert!(first.client_secret_create_date().is_some());

    let added = env
        .idp
        .add_user_pool_client_secret()
        .user_pool_id(&pool)
        .client_id(&id)
        .send()
        .await
        .unwrap();
    let descriptor = added.client_secret_descriptor().unwrap();
    let second_id = descriptor.client_secret_id().unwrap().to_owned();
    let second_value = descriptor.client_secret_value().unwrap().to_owned();
    assert_eq!(second_value.len(), 52);
    assert_ne!(second_value, first_value);
    let second_millis = secret_id_millis(&second_id, &id);
    assert!(second_millis > first_millis);
    let created_at = descriptor
        .client_secret_create_date()
        .unwrap()
        .to_millis()
        .unwrap();
    assert!((second_millis - created_at).abs() <= 1, "{second_id}");

    let listed = env
        .idp
        .list_user_pool_client_secrets()
        .user_pool_id(&pool)
        .client_id(&id)
        .send()
        .await
        .unwrap();
    let ids: Vec<&str> = listed
        .client_secrets()
        .iter()
        .filter_map(|s| s.client_secret_id())
        .collect();
    assert_eq!(ids, [first_id.as_str(), second_id.as_str()]);
    assert!(
        listed
            .client_secrets()
            .iter()
            .all(|s| s.client_secret_value().is_none())
    );

    // Two is the most a client holds.
    let third = env
        .idp
        .add_user_pool_client_secret()
        .user_pool_id(&pool)
        .client_id(&id)
        .send()
        .await;
    assert_eq!(code(&third), "LimitExceededException");
    let listed = env
        .idp
        .list_user_pool_client_secrets()
        .user_pool_id(&pool)
        .client_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.client_secrets().len(), 2);

    let unknown = env
        .idp
        .delete_user_pool_client_secret()
        .user_pool_id(&pool)
        .client_id(&id)
        .client_secret_id(format!("{id}--1"))
        .send()
        .await;
    assert_eq!(code(&unknown), "ResourceNotFoundException");

    // Retire the original secret: the added one is now the client's secret.
    env.idp
        .delete_user_pool_client_secret()
        .user_pool_id(&pool)
        .client_id(&id)
        .client_secret_id(&first_id)
        .send()
        .await
        .unwrap();
    let listed = env
        .idp
        .list_user_pool_client_secrets()
        .user_pool_id(&pool)
        .client_id(&id)
        .send()
        .await
        .unwrap();
    let ids: Vec<&str> = listed
        .client_secrets()
        .iter()
        .filter_map(|s| s.client_secret_id())
        .collect();
    assert_eq!(ids, [second_id.as_str()]);
    let described = env
        .idp
        .describe_user_pool_client()
        .user_pool_id(&pool)
        .client_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        described.user_pool_client().unwrap().client_secret(),
        Some(second_value.as_str())
    );

    // The last secret stays.
    let last = env
        .idp
        .delete_user_pool_client_secret()
        .user_pool_id(&pool)
        .client_id(&id)
        .client_secret_id(&second_id)
        .send()
        .await;
    assert_eq!(code(&last), "InvalidParameterException");
    let listed = env
        .idp
        .list_user_pool_client_secrets()
        .user_pool_id(&pool)
        .client_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.client_secrets().len(), 1);

    // A supplied secret is not echoed back.
    let supplied = "SuppliedSecretValue_0123456789abcdef";
    let added = env
        .idp
        .add_user_pool_client_secret()
        .user_pool_id(&pool)
        .client_id(&id)
        .client_secret(supplied)
        .send()
        .await
        .unwrap();
    let descriptor = added.client_secret_descriptor().unwrap();
    assert_eq!(descriptor.client_secret_value(), None);
    let supplied_id = descriptor.client_secret_id().unwrap().to_owned();
    env.idp
        .delete_user_pool_client_secret()
        .user_pool_id(&pool)
        .client_id(&id)
        .client_secret_id(&second_id)
        .send()
        .await
        .unwrap();
    let described = env
        .idp
        .describe_user_pool_client()
        .user_pool_id(&pool)
        .client_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        described.user_pool_client().unwrap().client_secret(),
        Some(supplied)
    );
    let listed = env
        .idp
        .list_user_pool_client_secrets()
        .user_pool_id(&pool)
        .client_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        listed.client_secrets()[0].client_secret_id(),
        Some(supplied_id.as_str())
    );
}

async fn custom_scopes_need_a_resource_server(env: Env) {
    let pool = new_pool(&env, "scopes").await;
    let base = env
        .idp
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("api-caller")
        .callback_urls("https://app.example.com/cb")
        .allowed_o_auth_flows(OAuthFlowType::Code)
        .allowed_o_auth_scopes("openid")
        .allowed_o_auth_scopes("https://api.example.com/read")
        .allowed_o_auth_flows_user_pool_client(true);
    let before = base.clone().send().await;
    assert_eq!(code(&before), "ScopeDoesNotExistException");
    env.idp
        .create_resource_server()
        .user_pool_id(&pool)
        .identifier("https://api.example.com")
        .name("api")
        .scopes(
            ResourceServerScopeType::builder()
                .scope_name("read")
                .scope_description("Read access")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let created = base.clone().send().await.unwrap();
    assert_eq!(
        created.user_pool_client().unwrap().allowed_o_auth_scopes(),
        ["openid", "https://api.example.com/read"]
    );
    let undefined = base
        .clone()
        .client_name("writer")
        .allowed_o_auth_scopes("https://api.example.com/write")
        .send()
        .await;
    assert_eq!(code(&undefined), "ScopeDoesNotExistException");
    assert_eq!(client_names(&env, &pool).await, ["api-caller"]);
}

on_both_backends!(
    create_shows_cognito_defaults,
    generated_secret_is_shown_by_create_and_describe,
    create_keeps_given_settings,
    list_pages_through_clients,
    update_replaces_settings_and_keeps_secret,
    delete_removes_the_client,
    clients_of_other_pools_are_not_found,
    invalid_settings_are_refused_with_aws_text,
    client_secrets_add_list_delete,
    custom_scopes_need_a_resource_server,
);
