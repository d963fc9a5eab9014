//! Admin user operations: AdminCreateUser (invitations, SUPPRESS, RESEND, username rules),
//! AdminGetUser, enable/disable/delete, ListUsers (filters, paging, AttributesToGet),
//! group membership, attribute updates, passwords, confirmation, reset, global sign-out.

use aws_sdk_cognitoidentityprovider::types::{
    AttributeType, AuthFlowType, ChallengeNameType, DeliveryMediumType, ExplicitAuthFlowsType,
    MessageActionType, PasswordPolicyType, UserPoolPolicyType, UserStatusType,
    UsernameAttributeType, VerifiedAttributeType,
};
use serde_json::Value;

use crate::harness::{Env, code, message};
use crate::on_both_backends;

const TEMP: &str = "Temp-Pass1";

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

fn attr(name: &str, value: &str) -> AttributeType {
    AttributeType::builder()
        .name(name)
        .value(value)
        .build()
        .unwrap()
}

/// The newest outbox messages to `destination` (newest first).
async fn messages(env: &Env, destination: &str) -> Vec<Value> {
    crate::harness::outbox(env, destination, 10).await
}

/// Creates `username` with an email, suppressing the invitation.
async fn quiet_user(env: &Env, pool: &str, username: &str, email: &str) {
    env.idp
        .admin_create_user()
        .user_pool_id(pool)
        .username(username)
        .temporary_password(TEMP)
        .message_action(MessageActionType::Suppress)
        .user_attributes(attr("email", email))
        .send()
        .await
        .unwrap();
}

fn attribute<'a>(attrs: &'a [AttributeType], name: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|a| a.name() == name)
        .and_then(|a| a.value())
}

async fn create_user_sends_invitation(env: Env) {
    let pool = new_pool(&env, "admin-create").await;
    let created = env
        .idp
        .admin_create_user()
        .user_pool_id(&pool)
        .username("alice")
        .user_attributes(attr("email", "alice@example.com"))
        .user_attributes(attr("name", "Alice"))
        .send()
        .await
        .unwrap();
    let user = created.user().unwrap();
    assert_eq!(user.username(), Some("alice"));
    assert_eq!(
        user.user_status(),
        Some(&UserStatusType::ForceChangePassword)
    );
    assert!(user.enabled());
    assert!(user.user_create_date().is_some());
    assert_eq!(user.user_last_modified_date(), user.user_create_date());
    let attrs = user.attributes();
    assert_eq!(attrs[0].name(), "sub");
    assert_eq!(attrs[0].value().unwrap().len(), 36);
    assert_eq!(attribute(attrs, "email"), Some("alice@example.com"));
    assert_eq!(attribute(attrs, "name"), Some("Alice"));
    assert_eq!(attribute(attrs, "email_verified"), None);

    // The invitation carries the username and a generated temporary password.
    let sent = messages(&env, "alice@example.com").await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    let password = sent[0]["code"].as_str().unwrap().to_owned();
    let body = sent[0]["body"].as_str().unwrap();
    assert!(body.contains("alice") && body.contains(&password), "{body}");
    assert_eq!(sent[0]["channel"], "EMAIL");
    assert!(password.len() >= 8);

    // The same username again.
    let again = env
        .idp
        .admin_create_user()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await;
    assert_eq!(code(&again), "UsernameExistsException");
    assert_eq!(message(&again), "User account already exists");

    // RESEND: a new temporary password to the same user.
    let resent = env
        .idp
        .admin_create_user()
        .user_pool_id(&pool)
        .username("alice")
        .message_action(MessageActionType::Resend)
        .send()
        .await
        .unwrap();
    assert_eq!(
        resent.user().unwrap().user_status(),
        Some(&UserStatusType::ForceChangePassword)
    );
    let sent = messages(&env, "alice@example.com").await;
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert_ne!(sent[0]["code"].as_str().unwrap(), password);

    // RESEND for nobody.
    let nobody = env
        .idp
        .admin_create_user()
        .user_pool_id(&pool)
        .username("nobody")
        .message_action(MessageActionType::Resend)
        .send()
        .await;
    assert_eq!(code(&nobody), "UserNotFoundException");
    assert_eq!(message(&nobody), "User does not exist.");

    // SUPPRESS sends nothing; a given temporary password is used as is.
    quiet_user(&env, &pool, "bob", "bob@example.com").await;
    assert!(messages(&env, "bob@example.com").await.is_empty());

    // RESEND for a user who changed the password.
    env.idp
        .admin_set_user_password()
        .user_pool_id(&pool)
        .username("bob")
        .password("Perm-Pass1")
        .permanent(true)
        .send()
        .await
        .unwrap();
    let confirmed = env
        .idp
        .admin_create_user()
        .user_pool_id(&pool)
        .username("bob")
        .message_action(MessageActionType::Resend)
        .send()
        .await;
    assert_eq!(code(&confirmed), "UnsupportedUserStateException");

    // SMS only: no phone number, so no message at all; EMAIL and SMS go to both.
    env.idp
        .admin_create_user()
        .user_pool_id(&pool)
        .username("carol")
        .user_attributes(attr("email", "carol@example.com"))
        .user_attributes(attr("phone_number", "+15550100"))
        .desired_delivery_mediums(DeliveryMediumType::Sms)
        .desired_delivery_mediums(DeliveryMediumType::Email)
        .send()
        .await
        .unwrap();
    assert_eq!(messages(&env, "carol@example.com").await.len(), 1);
    let sms = messages(&env, "+15550100").await;
    assert_eq!(sms.len(), 1);
    assert_eq!(sms[0]["channel"], "SMS");
}

async fn create_user_checks_input(env: Env) {
    let pool = new_pool(&env, "admin-create-checks").await;
    let weak = env
        .idp
        .admin_create_user()
        .user_pool_id(&pool)
        .username("weak")
        .temporary_password("Abcdefgh!")
        .send()
        .await;
    assert_eq!(code(&weak), "InvalidPasswordException");
    assert_eq!(
        message(&weak),
        "Password did not conform with password policy: Password must have numeric characters"
    );
    let bad_email = env
        .idp
        .admin_create_user()
        .user_pool_id(&pool)
        .username("bad")
        .user_attributes(attr("email", "not an email"))
        .send()
        .await;
    assert_eq!(code(&bad_email), "InvalidParameterException");
    assert_eq!(message(&bad_email), "Invalid email address format.");
    let missing = env
        .idp
        .admin_create_user()
        .user_pool_id("us-east-1_missing00")
        .username("x")
        .send()
        .await;
    assert_eq!(code(&missing), "ResourceNotFoundException");

    // Email as username.
    let email_pool = env
        .idp
        .create_user_pool()
        .pool_name("email-username")
        .username_attributes(UsernameAttributeType::Email)
        .send()
        .await
        .unwrap()
        .user_pool()
        .unwrap()
        .id()
        .unwrap()
        .to_owned();
    let not_email = env
        .idp
        .admin_create_user()
        .user_pool_id(&email_pool)
        .username("dave")
        .send()
        .await;
    assert_eq!(code(&not_email), "InvalidParameterException");
    assert_eq!(message(&not_email), "Username should be an email.");
    let created = env
        .idp
        .admin_create_user()
        .user_pool_id(&email_pool)
        .username("dave@example.com")
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .unwrap();
    let user = created.user().unwrap();
    let sub = attribute(user.attributes(), "sub").unwrap();
    assert_eq!(user.username(), Some(sub));
    assert_eq!(
        attribute(user.attributes(), "email"),
        Some("dave@example.com")
    );
    let twice = env
        .idp
        .admin_create_user()
        .user_pool_id(&email_pool)
        .username("dave@example.com")
        .send()
        .await;
    assert_eq!(code(&twice), "UsernameExistsException");
    // The user is found by the email too.
    let got = env
        .idp
        .admin_get_user()
        .user_pool_id(&email_pool)
        .username("dave@example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(got.username(), sub);

    // Email alias: the username may not look like an email.
    let alias_pool = env
        .idp
        .create_user_pool()
        .pool_name("email-alias")
        .alias_attributes(aws_sdk_cognitoidentityprovider::types::AliasAttributeType::Email)
        .send()
        .await
        .unwrap()
        .user_pool()
        .unwrap()
        .id()
        .unwrap()
        .to_owned();
    let email_like = env
        .idp
        .admin_create_user()
        .user_pool_id(&alias_pool)
        .username("erin@example.com")
        .send()
        .await;
    assert_eq!(code(&email_like), "InvalidParameterException");
    assert_eq!(
        message(&email_like),
        "Username cannot be of email format, since user pool is configured for email alias."
    );
    // A verified alias is unique among users.
    for name in ["erin", "frank"] {
        let result = env
            .idp
            .admin_create_user()
            .user_pool_id(&alias_pool)
            .username(name)
            .message_action(MessageActionType::Suppress)
            .user_attributes(attr("email", "shared@example.com"))
            .user_attributes(attr("email_verified", "true"))
            .send()
            .await;
        if name == "erin" {
            result.unwrap();
        } else {
            assert_eq!(code(&result), "AliasExistsException");
            assert_eq!(
                message(&result),
                "An account with the email already exists."
            );
        }
    }
    // ForceAliasCreation moves it.
    env.idp
        .admin_create_user()
        .user_pool_id(&alias_pool)
        .username("frank")
        .message_action(MessageActionType::Suppress)
        .user_attributes(attr("email", "shared@example.com"))
        .user_attributes(attr("email_verified", "true"))
        .force_alias_creation(true)
        .send()
        .await
        .unwrap();
    let by_alias = env
        .idp
        .admin_get_user()
        .user_pool_id(&alias_pool)
        .username("shared@example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(by_alias.username(), "frank");
}

async fn get_disable_enable_delete(env: Env) {
    let pool = new_pool(&env, "admin-get").await;
    quiet_user(&env, &pool, "gina", "gina@example.com").await;
    let got = env
        .idp
        .admin_get_user()
        .user_pool_id(&pool)
        .username("gina")
        .send()
        .await
        .unwrap();
    assert_eq!(got.username(), "gina");
    assert!(got.enabled());
    assert_eq!(
        got.user_status(),
        Some(&UserStatusType::ForceChangePassword)
    );
    assert_eq!(got.user_attributes()[0].name(), "sub");
    assert_eq!(
        attribute(got.user_attributes(), "email"),
        Some("gina@example.com")
    );
    assert!(got.user_create_date().is_some());
    assert!(got.mfa_options().is_empty());
    assert!(got.preferred_mfa_setting().is_none());

    env.idp
        .admin_disable_user()
        .user_pool_id(&pool)
        .username("gina")
        .send()
        .await
        .unwrap();
    let disabled = env
        .idp
        .admin_get_user()
        .user_pool_id(&pool)
        .username("gina")
        .send()
        .await
        .unwrap();
    assert!(!disabled.enabled());
    env.idp
        .admin_enable_user()
        .user_pool_id(&pool)
        .username("gina")
        .send()
        .await
        .unwrap();
    let enabled = env
        .idp
        .admin_get_user()
        .user_pool_id(&pool)
        .username("gina")
        .send()
        .await
        .unwrap();
    assert!(enabled.enabled());

    env.idp
        .admin_delete_user()
        .user_pool_id(&pool)
        .username("gina")
        .send()
        .await
        .unwrap();
    let gone = env
        .idp
        .admin_get_user()
        .user_pool_id(&pool)
        .username("gina")
        .send()
        .await;
    assert_eq!(code(&gone), "UserNotFoundException");
    assert_eq!(message(&gone), "User does not exist.");
    let delete_again = env
        .idp
        .admin_delete_user()
        .user_pool_id(&pool)
        .username("gina")
        .send()
        .await;
    assert_eq!(code(&delete_again), "UserNotFoundException");
    let disable_nobody = env
        .idp
        .admin_disable_user()
        .user_pool_id(&pool)
        .username("nobody")
        .send()
        .await;
    assert_eq!(code(&disable_nobody), "UserNotFoundException");
    let enable_nobody = env
        .idp
        .admin_enable_user()
        .user_pool_id(&pool)
        .username("nobody")
        .send()
        .await;
    assert_eq!(code(&enable_nobody), "UserNotFoundException");
    let no_pool = env
        .idp
        .admin_get_user()
        .user_pool_id("us-east-1_missing00")
        .username("gina")
        .send()
        .await;
    assert_eq!(code(&no_pool), "ResourceNotFoundException");
    // The username can be reused after deletion.
    quiet_user(&env, &pool, "gina", "gina@example.com").await;
}

async fn list_users_filters_and_pages(env: Env) {
    let pool = new_pool(&env, "admin-list").await;
    for (name, email) in [
        ("ann", "ann@example.com"),
        ("ben", "ben@example.org"),
        ("cat", "cat@example.com"),
        ("dan", "dan@example.net"),
    ] {
        quiet_user(&env, &pool, name, email).await;
    }
    env.idp
        .admin_disable_user()
        .user_pool_id(&pool)
        .username("dan")
        .send()
        .await
        .unwrap();
    let names = |users: &[aws_sdk_cognitoidentityprovider::types::UserType]| {
        users
            .iter()
            .map(|u| u.username().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let all = env
        .idp
        .list_users()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap();
    assert_eq!(names(all.users()), ["ann", "ben", "cat", "dan"]);
    assert!(all.pagination_token().is_none());

    let exact = env
        .idp
        .list_users()
        .user_pool_id(&pool)
        .filter("email = \"BEN@example.org\"")
        .send()
        .await
        .unwrap();
    assert_eq!(names(exact.users()), ["ben"]);
    let prefix = env
        .idp
        .list_users()
        .user_pool_id(&pool)
        .filter("username ^= \"c\"")
        .send()
        .await
        .unwrap();
    assert_eq!(names(prefix.users()), ["cat"]);
    let disabled = env
        .idp
        .list_users()
        .user_pool_id(&pool)
        .filter("status = \"Disabled\"")
        .send()
        .await
        .unwrap();
    assert_eq!(names(disabled.users()), ["dan"]);
    let by_status = env
        .idp
        .list_users()
        .user_pool_id(&pool)
        .filter("cognito:user_status = \"force_change_password\"")
        .send()
        .await
        .unwrap();
    assert_eq!(by_status.users().len(), 4);

    // Pages of two.
    let first = env
        .idp
        .list_users()
        .user_pool_id(&pool)
        .limit(2)
        .send()
        .await
        .unwrap();
    assert_eq!(names(first.users()), ["ann", "ben"]);
    let token = first.pagination_token().unwrap();
    let second = env
        .idp
        .list_users()
        .user_pool_id(&pool)
        .limit(2)
        .pagination_token(token)
        .send()
        .await
        .unwrap();
    assert_eq!(names(second.users()), ["cat", "dan"]);

    // Only the attributes asked for.
    let only = env
        .idp
        .list_users()
        .user_pool_id(&pool)
        .attributes_to_get("email")
        .limit(1)
        .send()
        .await
        .unwrap();
    let attrs = only.users()[0].attributes();
    assert_eq!(attrs.len(), 1);
    assert_eq!(attrs[0].name(), "email");

    let bad = env
        .idp
        .list_users()
        .user_pool_id(&pool)
        .filter("email = ben")
        .send()
        .await;
    assert_eq!(code(&bad), "InvalidParameterException");
    assert_eq!(message(&bad), "Error while parsing filter.");
    let custom = env
        .idp
        .list_users()
        .user_pool_id(&pool)
        .filter("custom:tenant = \"x\"")
        .send()
        .await;
    assert_eq!(code(&custom), "InvalidParameterException");
    let forged = env
        .idp
        .list_users()
        .user_pool_id(&pool)
        .pagination_token("not-a-token")
        .send()
        .await;
    assert_eq!(code(&forged), "InvalidParameterException");
    let no_pool = env
        .idp
        .list_users()
        .user_pool_id("us-east-1_missing00")
        .send()
        .await;
    assert_eq!(code(&no_pool), "ResourceNotFoundException");
}

async fn group_membership(env: Env) {
    let pool = new_pool(&env, "admin-groups").await;
    for name in ["admins", "readers"] {
        env.idp
            .create_group()
            .user_pool_id(&pool)
            .group_name(name)
            .precedence(1)
            .send()
            .await
            .unwrap();
    }
    quiet_user(&env, &pool, "hal", "hal@example.com").await;
    quiet_user(&env, &pool, "ivy", "ivy@example.com").await;
    for (user, group) in [("hal", "readers"), ("hal", "admins"), ("ivy", "readers")] {
        env.idp
            .admin_add_user_to_group()
            .user_pool_id(&pool)
            .username(user)
            .group_name(group)
            .send()
            .await
            .unwrap();
    }
    // Adding again changes nothing.
    env.idp
        .admin_add_user_to_group()
        .user_pool_id(&pool)
        .username("hal")
        .group_name("admins")
        .send()
        .await
        .unwrap();
    let groups = env
        .idp
        .admin_list_groups_for_user()
        .user_pool_id(&pool)
        .username("hal")
        .send()
        .await
        .unwrap();
    let group_names: Vec<&str> = groups
        .groups()
        .iter()
        .filter_map(|g| g.group_name())
        .collect();
    assert_eq!(group_names, ["admins", "readers"]);
    assert_eq!(groups.groups()[0].user_pool_id(), Some(pool.as_str()));
    assert_eq!(groups.groups()[0].precedence(), Some(1));
    assert!(groups.groups()[0].creation_date().is_some());

    let members = env
        .idp
        .list_users_in_group()
        .user_pool_id(&pool)
        .group_name("readers")
        .send()
        .await
        .unwrap();
    let mut member_names: Vec<&str> = members
        .users()
        .iter()
        .filter_map(|u| u.username())
        .collect();
    member_names.sort_unstable();
    assert_eq!(member_names, ["hal", "ivy"]);

    env.idp
        .admin_remove_user_from_group()
        .user_pool_id(&pool)
        .username("hal")
        .group_name("readers")
        .send()
        .await
        .unwrap();
    let after = env
        .idp
        .admin_list_groups_for_user()
        .user_pool_id(&pool)
        .username("hal")
        .send()
        .await
        .unwrap();
    assert_eq!(after.groups().len(), 1);

    let add_missing = env
        .idp
        .admin_add_user_to_group()
        .user_pool_id(&pool)
        .username("hal")
        .group_name("missing")
        .send()
        .await;
    assert_eq!(code(&add_missing), "ResourceNotFoundException");
    assert_eq!(message(&add_missing), "Group not found.");
    let remove_missing = env
        .idp
        .admin_remove_user_from_group()
        .user_pool_id(&pool)
        .username("hal")
        .group_name("missing")
        .send()
        .await;
    assert_eq!(code(&remove_missing), "ResourceNotFoundException");
    assert_eq!(message(&remove_missing), "Group not found.");
    let in_missing = env
        .idp
        .list_users_in_group()
        .user_pool_id(&pool)
        .group_name("missing")
        .send()
        .await;
    assert_eq!(code(&in_missing), "ResourceNotFoundException");
    assert_eq!(message(&in_missing), "Group not found.");
    let nobody = env
        .idp
        .admin_add_user_to_group()
        .user_pool_id(&pool)
        .username("nobody")
        .group_name("admins")
        .send()
        .await;
    assert_eq!(code(&nobody), "UserNotFoundException");
    let nobody_groups = env
        .idp
        .admin_list_groups_for_user()
        .user_pool_id(&pool)
        .username("nobody")
        .send()
        .await;
    assert_eq!(code(&nobody_groups), "UserNotFoundException");

    // Deleting a user removes the memberships.
    env.idp
        .admin_delete_user()
        .user_pool_id(&pool)
        .username("ivy")
        .send()
        .await
        .unwrap();
    let readers = env
        .idp
        .list_users_in_group()
        .user_pool_id(&pool)
        .group_name("readers")
        .send()
        .await
        .unwrap();
    assert!(readers.users().is_empty());
}

async fn update_and_delete_attributes(env: Env) {
    let pool = new_pool(&env, "admin-attrs").await;
    env.idp
        .admin_create_user()
        .user_pool_id(&pool)
        .username("jo")
        .message_action(MessageActionType::Suppress)
        .user_attributes(attr("email", "jo@example.com"))
        .user_attributes(attr("email_verified", "true"))
        .send()
        .await
        .unwrap();
    let get = || async {
        env.idp
            .admin_get_user()
            .user_pool_id(&pool)
            .username("jo")
            .send()
            .await
            .unwrap()
    };
    env.idp
        .admin_update_user_attributes()
        .user_pool_id(&pool)
        .username("jo")
        .user_attributes(attr("email", "jo@example.org"))
        .user_attributes(attr("name", "Jo"))
        .send()
        .await
        .unwrap();
    let user = get().await;
    assert_eq!(
        attribute(user.user_attributes(), "email"),
        Some("jo@example.org")
    );
    assert_eq!(
        attribute(user.user_attributes(), "email_verified"),
        Some("false")
    );
    assert_eq!(attribute(user.user_attributes(), "name"), Some("Jo"));

    // Given together, the flag is kept.
    env.idp
        .admin_update_user_attributes()
        .user_pool_id(&pool)
        .username("jo")
        .user_attributes(attr("email", "jo@example.net"))
        .user_attributes(attr("email_verified", "true"))
        .send()
        .await
        .unwrap();
    let user = get().await;
    assert_eq!(
        attribute(user.user_attributes(), "email_verified"),
        Some("true")
    );

    let immutable = env
        .idp
        .admin_update_user_attributes()
        .user_pool_id(&pool)
        .username("jo")
        .user_attributes(attr("sub", "x"))
        .send()
        .await;
    assert_eq!(code(&immutable), "InvalidParameterException");
    let bad_phone = env
        .idp
        .admin_update_user_attributes()
        .user_pool_id(&pool)
        .username("jo")
        .user_attributes(attr("phone_number", "555"))
        .send()
        .await;
    assert_eq!(code(&bad_phone), "InvalidParameterException");
    assert_eq!(message(&bad_phone), "Invalid phone number format.");
    let nobody = env
        .idp
        .admin_update_user_attributes()
        .user_pool_id(&pool)
        .username("nobody")
        .user_attributes(attr("name", "x"))
        .send()
        .await;
    assert_eq!(code(&nobody), "UserNotFoundException");

    env.idp
        .admin_delete_user_attributes()
        .user_pool_id(&pool)
        .username("jo")
        .user_attribute_names("name")
        .send()
        .await
        .unwrap();
    let user = get().await;
    assert_eq!(attribute(user.user_attributes(), "name"), None);
    assert_eq!(
        attribute(user.user_attributes(), "email"),
        Some("jo@example.net")
    );
    let delete_nobody = env
        .idp
        .admin_delete_user_attributes()
        .user_pool_id(&pool)
        .username("nobody")
        .user_attribute_names("name")
        .send()
        .await;
    assert_eq!(code(&delete_nobody), "UserNotFoundException");
}

async fn alias_follows_attribute_updates(env: Env) {
    let pool = env
        .idp
        .create_user_pool()
        .pool_name("alias-updates")
        .alias_attributes(aws_sdk_cognitoidentityprovider::types::AliasAttributeType::Email)
        .send()
        .await
        .unwrap()
        .user_pool()
        .unwrap()
        .id()
        .unwrap()
        .to_owned();
    quiet_user(&env, &pool, "kim", "kim@example.com").await;
    // Unverified: not an alias yet.
    let unverified = env
        .idp
        .admin_get_user()
        .user_pool_id(&pool)
        .username("kim@example.com")
        .send()
        .await;
    assert_eq!(code(&unverified), "UserNotFoundException");
    env.idp
        .admin_update_user_attributes()
        .user_pool_id(&pool)
        .username("kim")
        .user_attributes(attr("email_verified", "true"))
        .send()
        .await
        .unwrap();
    let found = env
        .idp
        .admin_get_user()
        .user_pool_id(&pool)
        .username("kim@example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(found.username(), "kim");
    // Another user cannot take the verified email.
    quiet_user(&env, &pool, "lee", "lee@example.com").await;
    let taken = env
        .idp
        .admin_update_user_attributes()
        .user_pool_id(&pool)
        .username("lee")
        .user_attributes(attr("email", "kim@example.com"))
        .user_attributes(attr("email_verified", "true"))
        .send()
        .await;
    assert_eq!(code(&taken), "AliasExistsException");
    // Deleting the email releases the alias.
    env.idp
        .admin_delete_user_attributes()
        .user_pool_id(&pool)
        .username("kim")
        .user_attribute_names("email")
        .send()
        .await
        .unwrap();
    env.idp
        .admin_update_user_attributes()
        .user_pool_id(&pool)
        .username("lee")
        .user_attributes(attr("email", "kim@example.com"))
        .user_attributes(attr("email_verified", "true"))
        .send()
        .await
        .unwrap();
    let moved = env
        .idp
        .admin_get_user()
        .user_pool_id(&pool)
        .username("kim@example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(moved.username(), "lee");
}

async fn passwords_and_status(env: Env) {
    let pool = env
        .idp
        .create_user_pool()
        .pool_name("admin-passwords")
        .policies(
            UserPoolPolicyType::builder()
                .password_policy(
                    PasswordPolicyType::builder()
                        .minimum_length(8)
                        .require_numbers(true)
                        .password_history_size(2)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap()
        .user_pool()
        .unwrap()
        .id()
        .unwrap()
        .to_owned();
    quiet_user(&env, &pool, "max", "max@example.com").await;
    let status = |pool: String| {
        let idp = env.idp.clone();
        async move {
            idp.admin_get_user()
                .user_pool_id(pool)
                .username("max")
                .send()
                .await
                .unwrap()
                .user_status()
                .cloned()
        }
    };

    // Only UNCONFIRMED users can be confirmed.
    let confirm = env
        .idp
        .admin_confirm_sign_up()
        .user_pool_id(&pool)
        .username("max")
        .send()
        .await;
    assert_eq!(code(&confirm), "NotAuthorizedException");
    assert_eq!(
        message(&confirm),
        "User cannot be confirmed. Current status is FORCE_CHANGE_PASSWORD"
    );
    let confirm_nobody = env
        .idp
        .admin_confirm_sign_up()
        .user_pool_id(&pool)
        .username("nobody")
        .send()
        .await;
    assert_eq!(code(&confirm_nobody), "UserNotFoundException");

    let weak = env
        .idp
        .admin_set_user_password()
        .user_pool_id(&pool)
        .username("max")
        .password("short1")
        .permanent(true)
        .send()
        .await;
    assert_eq!(code(&weak), "InvalidPasswordException");
    assert_eq!(
        message(&weak),
        "Password did not conform with password policy: Password not long enough"
    );
    env.idp
        .admin_set_user_password()
        .user_pool_id(&pool)
        .username("max")
        .password("kestrel-mild-1")
        .permanent(true)
        .send()
        .await
        .unwrap();
    assert_eq!(status(pool.clone()).await, Some(UserStatusType::Confirmed));
    // The current password is in the history.
    let reused = env
        .idp
        .admin_set_user_password()
        .user_pool_id(&pool)
        .username("max")
        .password("kestrel-mild-1")
        .permanent(true)
        .send()
        .await;
    assert_eq!(code(&reused), "PasswordHistoryPolicyViolationException");
    env.idp
        .admin_set_user_password()
        .user_pool_id(&pool)
        .username("max")
        .password("kestrel-mild-2")
        .permanent(false)
        .send()
        .await
        .unwrap();
    assert_eq!(
        status(pool.clone()).await,
        Some(UserStatusType::ForceChangePassword)
    );
    let nobody = env
        .idp
        .admin_set_user_password()
        .user_pool_id(&pool)
        .username("nobody")
        .password("kestrel-mild-3")
        .send()
        .await;
    assert_eq!(code(&nobody), "UserNotFoundException");

    // Reset needs a verified email or phone number.
    env.idp
        .admin_set_user_password()
        .user_pool_id(&pool)
        .username("max")
        .password("kestrel-mild-3")
        .permanent(true)
        .send()
        .await
        .unwrap();
    let unverified = env
        .idp
        .admin_reset_user_password()
        .user_pool_id(&pool)
        .username("max")
        .send()
        .await;
    assert_eq!(code(&unverified), "InvalidParameterException");
    assert_eq!(
        message(&unverified),
        "Cannot reset password for the user as there is no registered/verified email or phone_number"
    );
    env.idp
        .admin_update_user_attributes()
        .user_pool_id(&pool)
        .username("max")
        .user_attributes(attr("email_verified", "true"))
        .send()
        .await
        .unwrap();
    env.idp
        .admin_reset_user_password()
        .user_pool_id(&pool)
        .username("max")
        .send()
        .await
        .unwrap();
    assert_eq!(
        status(pool.clone()).await,
        Some(UserStatusType::ResetRequired)
    );
    let sent = messages(&env, "max@example.com").await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0]["code"].as_str().unwrap().len(), 6);
    let reset_nobody = env
        .idp
        .admin_reset_user_password()
        .user_pool_id(&pool)
        .username("nobody")
        .send()
        .await;
    assert_eq!(code(&reset_nobody), "UserNotFoundException");

    // Global sign-out.
    env.idp
        .admin_user_global_sign_out()
        .user_pool_id(&pool)
        .username("max")
        .send()
        .await
        .unwrap();
    let sign_out_nobody = env
        .idp
        .admin_user_global_sign_out()
        .user_pool_id(&pool)
        .username("nobody")
        .send()
        .await;
    assert_eq!(code(&sign_out_nobody), "UserNotFoundException");
    assert_eq!(message(&sign_out_nobody), "User does not exist.");
}

/// A confirmed user with a permanent password, signed in through an admin client.
async fn signed_in(env: &Env, pool: &str, client: &str, username: &str) -> (String, String) {
    let result = env
        .idp
        .admin_initiate_auth()
        .user_pool_id(pool)
        .client_id(client)
        .auth_flow(AuthFlowType::AdminUserPasswordAuth)
        .auth_parameters("USERNAME", username)
        .auth_parameters("PASSWORD", "Perm-Pass1")
        .send()
        .await
        .unwrap();
    let tokens = result.authentication_result().unwrap();
    (
        tokens.access_token().unwrap().to_owned(),
        tokens.refresh_token().unwrap().to_owned(),
    )
}

async fn sign_out_and_disable_revoke_tokens(env: Env) {
    let pool = new_pool(&env, "admin-revoke").await;
    let client = env
        .idp
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("admin")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowAdminUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .send()
        .await
        .unwrap()
        .user_pool_client()
        .unwrap()
        .client_id()
        .unwrap()
        .to_owned();
    for name in ["nia", "oli"] {
        quiet_user(&env, &pool, name, &format!("{name}@example.com")).await;
        env.idp
            .admin_set_user_password()
            .user_pool_id(&pool)
            .username(name)
            .password("Perm-Pass1")
            .permanent(true)
            .send()
            .await
            .unwrap();
    }

    // Global sign-out: the access token and the refresh token stop working.
    let (access, refresh) = signed_in(&env, &pool, &client, "nia").await;
    env.idp
        .get_user()
        .access_token(&access)
        .send()
        .await
        .unwrap();
    env.idp
        .admin_user_global_sign_out()
        .user_pool_id(&pool)
        .username("nia")
        .send()
        .await
        .unwrap();
    let revoked = env.idp.get_user().access_token(&access).send().await;
    assert_eq!(code(&revoked), "NotAuthorizedException");
    assert_eq!(message(&revoked), "Access Token has been revoked");
    let refreshed = env
        .idp
        .admin_initiate_auth()
        .user_pool_id(&pool)
        .client_id(&client)
        .auth_flow(AuthFlowType::RefreshTokenAuth)
        .auth_parameters("REFRESH_TOKEN", &refresh)
        .send()
        .await;
    assert_eq!(code(&refreshed), "NotAuthorizedException");

    // Disabling: tokens revoked, sign-in refused.
    let (access, _) = signed_in(&env, &pool, &client, "oli").await;
    env.idp
        .admin_disable_user()
        .user_pool_id(&pool)
        .username("oli")
        .send()
        .await
        .unwrap();
    let rejected = env.idp.get_user().access_token(&access).send().await;
    assert_eq!(code(&rejected), "NotAuthorizedException");
    let sign_in = env
        .idp
        .admin_initiate_auth()
        .user_pool_id(&pool)
        .client_id(&client)
        .auth_flow(AuthFlowType::AdminUserPasswordAuth)
        .auth_parameters("USERNAME", "oli")
        .auth_parameters("PASSWORD", "Perm-Pass1")
        .send()
        .await;
    assert_eq!(code(&sign_in), "NotAuthorizedException");
    assert_eq!(message(&sign_in), "User is disabled.");
}

async fn invitation_password_signs_in_and_sign_up_confirms(env: Env) {
    let pool = env
        .idp
        .create_user_pool()
        .pool_name("admin-invite-flow")
        .auto_verified_attributes(VerifiedAttributeType::Email)
        .send()
        .await
        .unwrap()
        .user_pool()
        .unwrap()
        .id()
        .unwrap()
        .to_owned();
    let client = env
        .idp
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("app")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowAdminUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .send()
        .await
        .unwrap()
        .user_pool_client()
        .unwrap()
        .client_id()
        .unwrap()
        .to_owned();
    env.idp
        .admin_create_user()
        .user_pool_id(&pool)
        .username("pat")
        .user_attributes(attr("email", "pat@example.com"))
        .send()
        .await
        .unwrap();
    let invitation = messages(&env, "pat@example.com").await;
    let temporary = invitation[0]["code"].as_str().unwrap();
    let challenge = env
        .idp
        .admin_initiate_auth()
        .user_pool_id(&pool)
        .client_id(&client)
        .auth_flow(AuthFlowType::AdminUserPasswordAuth)
        .auth_parameters("USERNAME", "pat")
        .auth_parameters("PASSWORD", temporary)
        .send()
        .await
        .unwrap();
    assert_eq!(
        challenge.challenge_name(),
        Some(&ChallengeNameType::NewPasswordRequired)
    );

    // An email change in a pool that verifies email sends a code and unverifies it.
    env.idp
        .admin_update_user_attributes()
        .user_pool_id(&pool)
        .username("pat")
        .user_attributes(attr("email", "pat@example.org"))
        .send()
        .await
        .unwrap();
    let sent = messages(&env, "pat@example.org").await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0]["code"].as_str().unwrap().len(), 6);

    // A signed-up user is confirmed once.
    let sign_up_client = env
        .idp
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("public")
        .send()
        .await
        .unwrap()
        .user_pool_client()
        .unwrap()
        .client_id()
        .unwrap()
        .to_owned();
    env.idp
        .sign_up()
        .client_id(&sign_up_client)
        .username("quin")
        .password("Perm-Pass1")
        .user_attributes(attr("email", "quin@example.com"))
        .send()
        .await
        .unwrap();
    let status = |name: &'static str| {
        let idp = env.idp.clone();
        let pool = pool.clone();
        async move {
            idp.admin_get_user()
                .user_pool_id(pool)
                .username(name)
                .send()
                .await
                .unwrap()
                .user_status()
                .cloned()
        }
    };
    assert_eq!(status("quin").await, Some(UserStatusType::Unconfirmed));
    env.idp
        .admin_confirm_sign_up()
        .user_pool_id(&pool)
        .username("quin")
        .send()
        .await
        .unwrap();
    assert_eq!(status("quin").await, Some(UserStatusType::Confirmed));
    let again = env
        .idp
        .admin_confirm_sign_up()
        .user_pool_id(&pool)
        .username("quin")
        .send()
        .await;
    assert_eq!(code(&again), "NotAuthorizedException");
    assert_eq!(
        message(&again),
        "User cannot be confirmed. Current status is CONFIRMED"
    );

    // ListUsers takes at most 60 a page.
    let too_many = env
        .idp
        .list_users()
        .user_pool_id(&pool)
        .limit(61)
        .send()
        .await;
    assert_eq!(code(&too_many), "InvalidParameterException");
}

/// A suppressed invitation without a temporary password leaves the user with no password:
/// no guess signs in, a RESEND sends a working temporary password, and an administrator can
/// set one.
async fn suppressed_invitation_without_password(env: Env) {
    let pool = new_pool(&env, "admin-no-password").await;
    let client = env
        .idp
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("app")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowAdminUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .send()
        .await
        .unwrap()
        .user_pool_client()
        .unwrap()
        .client_id()
        .unwrap()
        .to_owned();
    let sign_in = |username: &'static str, password: String| {
        env.idp
            .admin_initiate_auth()
            .user_pool_id(&pool)
            .client_id(&client)
            .auth_flow(AuthFlowType::AdminUserPasswordAuth)
            .auth_parameters("USERNAME", username)
            .auth_parameters("PASSWORD", password)
            .send()
    };
    for username in ["dan", "erin"] {
        let created = env
            .idp
            .admin_create_user()
            .user_pool_id(&pool)
            .username(username)
            .message_action(MessageActionType::Suppress)
            .user_attributes(attr("email", &format!("{username}@example.com")))
            .send()
            .await
            .unwrap();
        assert_eq!(
            created.user().unwrap().user_status(),
            Some(&UserStatusType::ForceChangePassword)
        );
    }
    assert!(messages(&env, "dan@example.com").await.is_empty());
    let guess = sign_in("dan", TEMP.to_owned()).await;
    assert_eq!(code(&guess), "NotAuthorizedException");
    assert_eq!(message(&guess), "Incorrect username or password.");

    env.idp
        .admin_create_user()
        .user_pool_id(&pool)
        .username("dan")
        .message_action(MessageActionType::Resend)
        .send()
        .await
        .unwrap();
    let sent = messages(&env, "dan@example.com").await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    let temporary = sent[0]["code"].as_str().unwrap().to_owned();
    let challenge = sign_in("dan", temporary).await.unwrap();
    assert_eq!(
        challenge.challenge_name(),
        Some(&ChallengeNameType::NewPasswordRequired)
    );

    env.idp
        .admin_set_user_password()
        .user_pool_id(&pool)
        .username("erin")
        .password("Perm-Pass1")
        .permanent(true)
        .send()
        .await
        .unwrap();
    let signed_in = sign_in("erin", "Perm-Pass1".to_owned()).await.unwrap();
    assert!(signed_in.authentication_result().is_some());
}

on_both_backends!(
    create_user_sends_invitation,
    create_user_checks_input,
    get_disable_enable_delete,
    list_users_filters_and_pages,
    group_membership,
    update_and_delete_attributes,
    alias_follows_attribute_updates,
    passwords_and_status,
    sign_out_and_disable_revoke_tokens,
    invitation_password_signs_in_and_sign_up_confirms,
    suppressed_invitation_without_password,
);
