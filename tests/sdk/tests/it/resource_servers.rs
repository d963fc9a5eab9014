//! OAuth resource servers: create and describe, their scopes in app clients, duplicates,
//! list and page, update (replaces name and scopes), delete, not found, 25 per pool.

use aws_sdk_cognitoidentityprovider::error::SdkError;
use aws_sdk_cognitoidentityprovider::operation::create_user_pool_client::{
    CreateUserPoolClientError, CreateUserPoolClientOutput,
};
use aws_sdk_cognitoidentityprovider::types::{OAuthFlowType, ResourceServerScopeType};

use crate::harness::{Env, code};
use crate::on_both_backends;

const API: &str = "https://api.example.com";

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

fn scope(name: &str, description: &str) -> ResourceServerScopeType {
    ResourceServerScopeType::builder()
        .scope_name(name)
        .scope_description(description)
        .build()
        .unwrap()
}

async fn identifiers(env: &Env, pool: &str) -> Vec<String> {
    let listed = env
        .idp
        .list_resource_servers()
        .user_pool_id(pool)
        .max_results(50)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.next_token(), None);
    let mut ids: Vec<String> = listed
        .resource_servers()
        .iter()
        .filter_map(|s| s.identifier().map(str::to_owned))
        .collect();
    ids.sort();
    ids
}

type CreateClientResult = Result<CreateUserPoolClientOutput, SdkError<CreateUserPoolClientError>>;

/// Creates an app client asking for `scope` with the code flow.
async fn client_with_scope(env: &Env, pool: &str, scope: &str) -> CreateClientResult {
    env.idp
        .create_user_pool_client()
        .user_pool_id(pool)
        .client_name("api-caller")
        .callback_urls("https://app.example.com/cb")
        .allowed_o_auth_flows(OAuthFlowType::Code)
        .allowed_o_auth_scopes("openid")
        .allowed_o_auth_scopes(scope)
        .allowed_o_auth_flows_user_pool_client(true)
        .send()
        .await
}

async fn create_and_describe(env: Env) {
    let pool = new_pool(&env, "apis").await;
    let created = env
        .idp
        .create_resource_server()
        .user_pool_id(&pool)
        .identifier(API)
        .name("Example API")
        .scopes(scope("read", "Read access"))
        .scopes(scope("write", "Write access"))
        .send()
        .await
        .unwrap();
    let server = created.resource_server().unwrap();
    assert_eq!(server.user_pool_id(), Some(pool.as_str()));
    assert_eq!(server.identifier(), Some(API));
    assert_eq!(server.name(), Some("Example API"));
    assert_eq!(
        server.scopes(),
        [scope("read", "Read access"), scope("write", "Write access")]
    );
    let described = env
        .idp
        .describe_resource_server()
        .user_pool_id(&pool)
        .identifier(API)
        .send()
        .await
        .unwrap();
    assert_eq!(described.resource_server(), Some(server));

    // Without scopes, the list is empty.
    let bare = env
        .idp
        .create_resource_server()
        .user_pool_id(&pool)
        .identifier("bare-api")
        .name("Bare")
        .send()
        .await
        .unwrap();
    assert!(bare.resource_server().unwrap().scopes().is_empty());

    // Its scopes are now usable by app clients, other scopes still are not.
    client_with_scope(&env, &pool, &format!("{API}/read"))
        .await
        .unwrap();
    let undefined = client_with_scope(&env, &pool, &format!("{API}/admin")).await;
    assert_eq!(code(&undefined), "ScopeDoesNotExistException");
    let other_server = client_with_scope(&env, &pool, "bare-api/read").await;
    assert_eq!(code(&other_server), "ScopeDoesNotExistException");

    let missing_pool = env
        .idp
        .create_resource_server()
        .user_pool_id("us-east-1_NoSuchPoo")
        .identifier(API)
        .name("x")
        .send()
        .await;
    assert_eq!(code(&missing_pool), "ResourceNotFoundException");
}

async fn duplicate_identifiers_are_refused(env: Env) {
    let pool = new_pool(&env, "dupes").await;
    env.idp
        .create_resource_server()
        .user_pool_id(&pool)
        .identifier(API)
        .name("Original")
        .scopes(scope("read", "Read access"))
        .send()
        .await
        .unwrap();
    let again = env
        .idp
        .create_resource_server()
        .user_pool_id(&pool)
        .identifier(API)
        .name("Impostor")
        .scopes(scope("admin", "Everything"))
        .send()
        .await;
    assert_eq!(code(&again), "InvalidParameterException");
    let described = env
        .idp
        .describe_resource_server()
        .user_pool_id(&pool)
        .identifier(API)
        .send()
        .await
        .unwrap();
    let server = described.resource_server().unwrap();
    assert_eq!(server.name(), Some("Original"));
    assert_eq!(server.scopes(), [scope("read", "Read access")]);
    assert_eq!(identifiers(&env, &pool).await, [API]);

    // The same identifier in another pool is another server.
    let other = new_pool(&env, "other").await;
    env.idp
        .create_resource_server()
        .user_pool_id(&other)
        .identifier(API)
        .name("Theirs")
        .send()
        .await
        .unwrap();
    assert_eq!(identifiers(&env, &other).await, [API]);
}

async fn list_pages_through_servers(env: Env) {
    let pool = new_pool(&env, "listing").await;
    let mut created = Vec::new();
    for i in 0..3 {
        let identifier = format!("api-{i}");
        env.idp
            .create_resource_server()
            .user_pool_id(&pool)
            .identifier(&identifier)
            .name(format!("API {i}"))
            .send()
            .await
            .unwrap();
        created.push(identifier);
    }
    let mut seen = Vec::new();
    let mut token = None;
    let mut pages = 0;
    loop {
        let page = env
            .idp
            .list_resource_servers()
            .user_pool_id(&pool)
            .max_results(2)
            .set_next_token(token.clone())
            .send()
            .await
            .unwrap();
        pages += 1;
        assert!(page.resource_servers().len() <= 2);
        for server in page.resource_servers() {
            assert_eq!(server.user_pool_id(), Some(pool.as_str()));
            let identifier = server.identifier().unwrap();
            let index = identifier.strip_prefix("api-").unwrap();
            assert_eq!(server.name(), Some(format!("API {index}").as_str()));
            seen.push(identifier.to_owned());
        }
        token = page.next_token().map(str::to_owned);
        if token.is_none() || pages > 5 {
            break;
        }
    }
    assert_eq!(pages, 2);
    seen.sort();
    assert_eq!(seen, created);

    for bad in [0, 51] {
        let refused = env
            .idp
            .list_resource_servers()
            .user_pool_id(&pool)
            .max_results(bad)
            .send()
            .await;
        assert_eq!(code(&refused), "InvalidParameterException", "{bad}");
    }
    let refused = env
        .idp
        .list_resource_servers()
        .user_pool_id(&pool)
        .max_results(10)
        .next_token("not-a-token")
        .send()
        .await;
    assert_eq!(code(&refused), "InvalidParameterException");
}

async fn update_replaces_name_and_scopes(env: Env) {
    let pool = new_pool(&env, "updates").await;
    env.idp
        .create_resource_server()
        .user_pool_id(&pool)
        .identifier(API)
        .name("Before")
        .scopes(scope("read", "Read access"))
        .scopes(scope("write", "Write access"))
        .send()
        .await
        .unwrap();
    let updated = env
        .idp
        .update_resource_server()
        .user_pool_id(&pool)
        .identifier(API)
        .name("After")
        .scopes(scope("write", "Write, described anew"))
        .send()
        .await
        .unwrap();
    let described = env
        .idp
        .describe_resource_server()
        .user_pool_id(&pool)
        .identifier(API)
        .send()
        .await
        .unwrap();
    let server = described.resource_server().unwrap();
    assert_eq!(Some(server), updated.resource_server());
    assert_eq!(server.name(), Some("After"));
    assert_eq!(server.scopes(), [scope("write", "Write, described anew")]);

    // The removed scope can no longer be given to a client; the kept one can.
    let removed = client_with_scope(&env, &pool, &format!("{API}/read")).await;
    assert_eq!(code(&removed), "ScopeDoesNotExistException");
    client_with_scope(&env, &pool, &format!("{API}/write"))
        .await
        .unwrap();

    // Leaving the scopes out removes them all.
    env.idp
        .update_resource_server()
        .user_pool_id(&pool)
        .identifier(API)
        .name("Scopeless")
        .send()
        .await
        .unwrap();
    let described = env
        .idp
        .describe_resource_server()
        .user_pool_id(&pool)
        .identifier(API)
        .send()
        .await
        .unwrap();
    let server = described.resource_server().unwrap();
    assert_eq!(server.name(), Some("Scopeless"));
    assert!(server.scopes().is_empty());

    let missing = env
        .idp
        .update_resource_server()
        .user_pool_id(&pool)
        .identifier("no-such-api")
        .name("Ghost")
        .send()
        .await;
    assert_eq!(code(&missing), "ResourceNotFoundException");
    assert_eq!(identifiers(&env, &pool).await, [API]);
}

async fn delete_and_unknown_servers(env: Env) {
    let pool = new_pool(&env, "deletes").await;
    for identifier in ["keep-api", "drop-api"] {
        env.idp
            .create_resource_server()
            .user_pool_id(&pool)
            .identifier(identifier)
            .name("api")
            .send()
            .await
            .unwrap();
    }
    let unknown = env
        .idp
        .describe_resource_server()
        .user_pool_id(&pool)
        .identifier("no-such-api")
        .send()
        .await;
    assert_eq!(code(&unknown), "ResourceNotFoundException");

    env.idp
        .delete_resource_server()
        .user_pool_id(&pool)
        .identifier("drop-api")
        .send()
        .await
        .unwrap();
    let gone = env
        .idp
        .describe_resource_server()
        .user_pool_id(&pool)
        .identifier("drop-api")
        .send()
        .await;
    assert_eq!(code(&gone), "ResourceNotFoundException");
    let twice = env
        .idp
        .delete_resource_server()
        .user_pool_id(&pool)
        .identifier("drop-api")
        .send()
        .await;
    assert_eq!(code(&twice), "ResourceNotFoundException");
    assert_eq!(identifiers(&env, &pool).await, ["keep-api"]);

    // Only found in its own pool.
    let other = new_pool(&env, "other").await;
    let foreign = env
        .idp
        .describe_resource_server()
        .user_pool_id(&other)
        .identifier("keep-api")
        .send()
        .await;
    assert_eq!(code(&foreign), "ResourceNotFoundException");
    let foreign = env
        .idp
        .delete_resource_server()
        .user_pool_id(&other)
        .identifier("keep-api")
        .send()
        .await;
    assert_eq!(code(&foreign), "ResourceNotFoundException");
    assert_eq!(identifiers(&env, &pool).await, ["keep-api"]);
}

async fn at_most_25_per_pool(env: Env) {
    let pool = new_pool(&env, "quota").await;
    for i in 0..25 {
        env.idp
            .create_resource_server()
            .user_pool_id(&pool)
            .identifier(format!("api-{i:02}"))
            .name("api")
            .send()
            .await
            .unwrap();
    }
    let over = env
        .idp
        .create_resource_server()
        .user_pool_id(&pool)
        .identifier("api-25")
        .name("api")
        .send()
        .await;
    assert_eq!(code(&over), "LimitExceededException");
    let listed = identifiers(&env, &pool).await;
    assert_eq!(listed.len(), 25);
    assert!(!listed.contains(&"api-25".to_owned()));

    // Deleting one makes room again.
    env.idp
        .delete_resource_server()
        .user_pool_id(&pool)
        .identifier("api-00")
        .send()
        .await
        .unwrap();
    env.idp
        .create_resource_server()
        .user_pool_id(&pool)
        .identifier("api-25")
        .name("api")
        .send()
        .await
        .unwrap();
    assert_eq!(identifiers(&env, &pool).await.len(), 25);
}

on_both_backends!(
    create_and_describe,
    duplicate_identifiers_are_refused,
    list_pages_through_servers,
    update_replaces_name_and_scopes,
    delete_and_unknown_servers,
    at_most_25_per_pool,
);
