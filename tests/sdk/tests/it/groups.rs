//! User pool groups: create and get, duplicates, list and page, update (only the fields
//! given), delete, not found.

use crate::harness::{Env, code, message};
use crate::on_both_backends;

const ADMIN_ROLE: &str = "arn:aws:iam::123456789012:role/admins";
const READER_ROLE: &str = "arn:aws:iam::123456789012:role/readers";

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

async fn group_names(env: &Env, pool: &str) -> Vec<String> {
    let listed = env
        .idp
        .list_groups()
        .user_pool_id(pool)
        .limit(60)
        .send()
        .await
        .unwrap();
    let mut names: Vec<String> = listed
        .groups()
        .iter()
        .filter_map(|g| g.group_name().map(str::to_owned))
        .collect();
    names.sort();
    names
}

async fn create_and_get(env: Env) {
    let pool = new_pool(&env, "groups").await;
    let created = env
        .idp
        .create_group()
        .user_pool_id(&pool)
        .group_name("admins")
        .description("Administrators")
        .role_arn(ADMIN_ROLE)
        .precedence(1)
        .send()
        .await
        .unwrap();
    let group = created.group().unwrap();
    assert_eq!(group.group_name(), Some("admins"));
    assert_eq!(group.user_pool_id(), Some(pool.as_str()));
    assert_eq!(group.description(), Some("Administrators"));
    assert_eq!(group.role_arn(), Some(ADMIN_ROLE));
    assert_eq!(group.precedence(), Some(1));
    assert!(group.creation_date().is_some());
    assert_eq!(group.last_modified_date(), group.creation_date());
    let got = env
        .idp
        .get_group()
        .user_pool_id(&pool)
        .group_name("admins")
        .send()
        .await
        .unwrap();
    assert_eq!(got.group(), Some(group));

    // A bare group has no description, role or precedence.
    let bare = env
        .idp
        .create_group()
        .user_pool_id(&pool)
        .group_name("everyone")
        .send()
        .await
        .unwrap();
    let bare = bare.group().unwrap();
    assert_eq!(bare.description(), None);
    assert_eq!(bare.role_arn(), None);
    assert_eq!(bare.precedence(), None);
    let got = env
        .idp
        .get_group()
        .user_pool_id(&pool)
        .group_name("everyone")
        .send()
        .await
        .unwrap();
    assert_eq!(got.group(), Some(bare));

    let missing_pool = env
        .idp
        .create_group()
        .user_pool_id("us-east-1_NoSuchPoo")
        .group_name("admins")
        .send()
        .await;
    assert_eq!(code(&missing_pool), "ResourceNotFoundException");
}

async fn duplicate_names_are_refused(env: Env) {
    let pool = new_pool(&env, "dupes").await;
    env.idp
        .create_group()
        .user_pool_id(&pool)
        .group_name("admins")
        .description("first")
        .send()
        .await
        .unwrap();
    let again = env
        .idp
        .create_group()
        .user_pool_id(&pool)
        .group_name("admins")
        .description("second")
        .precedence(5)
        .send()
        .await;
    assert_eq!(code(&again), "GroupExistsException");
    assert_eq!(
        message(&again),
        "A group with the name admins already exists."
    );
    let got = env
        .idp
        .get_group()
        .user_pool_id(&pool)
        .group_name("admins")
        .send()
        .await
        .unwrap();
    let group = got.group().unwrap();
    assert_eq!(group.description(), Some("first"));
    assert_eq!(group.precedence(), None);
    assert_eq!(group_names(&env, &pool).await, ["admins"]);

    // The same name in another pool is a different group.
    let other = new_pool(&env, "other").await;
    env.idp
        .create_group()
        .user_pool_id(&other)
        .group_name("admins")
        .send()
        .await
        .unwrap();
    assert_eq!(group_names(&env, &other).await, ["admins"]);
}

async fn list_pages_through_groups(env: Env) {
    let pool = new_pool(&env, "listing").await;
    for (i, name) in ["alpha", "beta", "gamma"].iter().enumerate() {
        env.idp
            .create_group()
            .user_pool_id(&pool)
            .group_name(*name)
            .precedence(i32::try_from(i).unwrap())
            .send()
            .await
            .unwrap();
    }
    let mut seen = Vec::new();
    let mut token = None;
    let mut pages = 0;
    loop {
        let page = env
            .idp
            .list_groups()
            .user_pool_id(&pool)
            .limit(2)
            .set_next_token(token.clone())
            .send()
            .await
            .unwrap();
        pages += 1;
        assert!(page.groups().len() <= 2);
        for group in page.groups() {
            assert_eq!(group.user_pool_id(), Some(pool.as_str()));
            let name = group.group_name().unwrap().to_owned();
            let expected = ["alpha", "beta", "gamma"]
                .iter()
                .position(|n| *n == name)
                .unwrap();
            assert_eq!(group.precedence(), Some(i32::try_from(expected).unwrap()));
            seen.push(name);
        }
        token = page.next_token().map(str::to_owned);
        if token.is_none() || pages > 5 {
            break;
        }
    }
    assert_eq!(pages, 2);
    seen.sort();
    assert_eq!(seen, ["alpha", "beta", "gamma"]);

    // Limit 0 means the default page size.
    let all = env
        .idp
        .list_groups()
        .user_pool_id(&pool)
        .limit(0)
        .send()
        .await
        .unwrap();
    assert_eq!(all.groups().len(), 3);
    assert_eq!(all.next_token(), None);

    let refused = env
        .idp
        .list_groups()
        .user_pool_id(&pool)
        .limit(61)
        .send()
        .await;
    assert_eq!(code(&refused), "InvalidParameterException");
    let refused = env
        .idp
        .list_groups()
        .user_pool_id(&pool)
        .next_token("not-a-token")
        .send()
        .await;
    assert_eq!(code(&refused), "InvalidParameterException");
    let missing = env
        .idp
        .list_groups()
        .user_pool_id("us-east-1_NoSuchPoo")
        .send()
        .await;
    assert_eq!(code(&missing), "ResourceNotFoundException");
}

async fn update_changes_only_the_given_fields(env: Env) {
    let pool = new_pool(&env, "updates").await;
    let created = env
        .idp
        .create_group()
        .user_pool_id(&pool)
        .group_name("staff")
        .description("Staff")
        .role_arn(ADMIN_ROLE)
        .precedence(3)
        .send()
        .await
        .unwrap();
    let before = created.group().unwrap().clone();

    let updated = env
        .idp
        .update_group()
        .user_pool_id(&pool)
        .group_name("staff")
        .description("All staff")
        .send()
        .await
        .unwrap();
    let got = env
        .idp
        .get_group()
        .user_pool_id(&pool)
        .group_name("staff")
        .send()
        .await
        .unwrap();
    let group = got.group().unwrap();
    assert_eq!(Some(group), updated.group());
    assert_eq!(group.description(), Some("All staff"));
    assert_eq!(group.role_arn(), Some(ADMIN_ROLE));
    assert_eq!(group.precedence(), Some(3));
    assert_eq!(group.creation_date(), before.creation_date());
    assert!(group.last_modified_date() >= before.last_modified_date());

    env.idp
        .update_group()
        .user_pool_id(&pool)
        .group_name("staff")
        .role_arn(READER_ROLE)
        .precedence(0)
        .send()
        .await
        .unwrap();
    let got = env
        .idp
        .get_group()
        .user_pool_id(&pool)
        .group_name("staff")
        .send()
        .await
        .unwrap();
    let group = got.group().unwrap();
    assert_eq!(group.description(), Some("All staff"));
    assert_eq!(group.role_arn(), Some(READER_ROLE));
    assert_eq!(group.precedence(), Some(0));

    let missing = env
        .idp
        .update_group()
        .user_pool_id(&pool)
        .group_name("nobody")
        .description("x")
        .send()
        .await;
    assert_eq!(code(&missing), "ResourceNotFoundException");
    assert_eq!(message(&missing), "Group not found.");
    assert_eq!(group_names(&env, &pool).await, ["staff"]);
}

async fn delete_and_unknown_groups(env: Env) {
    let pool = new_pool(&env, "deletes").await;
    for name in ["keep", "drop"] {
        env.idp
            .create_group()
            .user_pool_id(&pool)
            .group_name(name)
            .send()
            .await
            .unwrap();
    }
    let unknown = env
        .idp
        .get_group()
        .user_pool_id(&pool)
        .group_name("nobody")
        .send()
        .await;
    assert_eq!(code(&unknown), "ResourceNotFoundException");
    assert_eq!(message(&unknown), "Group not found.");

    env.idp
        .delete_group()
        .user_pool_id(&pool)
        .group_name("drop")
        .send()
        .await
        .unwrap();
    let gone = env
        .idp
        .get_group()
        .user_pool_id(&pool)
        .group_name("drop")
        .send()
        .await;
    assert_eq!(code(&gone), "ResourceNotFoundException");
    assert_eq!(message(&gone), "Group not found.");
    let twice = env
        .idp
        .delete_group()
        .user_pool_id(&pool)
        .group_name("drop")
        .send()
        .await;
    assert_eq!(code(&twice), "ResourceNotFoundException");
    assert_eq!(message(&twice), "Group not found.");
    assert_eq!(group_names(&env, &pool).await, ["keep"]);

    // A group is only found in its own pool.
    let other = new_pool(&env, "other").await;
    let foreign = env
        .idp
        .get_group()
        .user_pool_id(&other)
        .group_name("keep")
        .send()
        .await;
    assert_eq!(code(&foreign), "ResourceNotFoundException");
    let foreign = env
        .idp
        .delete_group()
        .user_pool_id(&other)
        .group_name("keep")
        .send()
        .await;
    assert_eq!(code(&foreign), "ResourceNotFoundException");
    assert_eq!(group_names(&env, &pool).await, ["keep"]);
}

on_both_backends!(
    create_and_get,
    duplicate_names_are_refused,
    list_pages_through_groups,
    update_changes_only_the_given_fields,
    delete_and_unknown_groups,
);
