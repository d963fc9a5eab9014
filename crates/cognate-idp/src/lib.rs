//! The cognito-idp operations: wire input → domain rules → storage → wire output.
//!
//! One module per resource area; this file only routes the generated trait's methods to
//! them, so what is implemented is visible at a glance (and in `IMPLEMENTED`).

mod auth;
mod clients;
mod devices;
mod documents;
mod domains;
mod errors;
mod groups;
mod keys;
mod mfa;
mod mfa_config;
mod paging;
mod passkeys;
mod pool_documents;
mod pools;
mod resource_servers;
mod service;
mod tags;
mod tokens;
mod users;

use async_trait::async_trait;
use cognate_wire::idp::*;
use cognate_wire::{ApiError, RequestContext};

pub use keys::{Rotation, rotate_signing_keys};
pub use service::{IdpService, ServiceConfig};

/// Operations this crate answers; everything else gets the generated "not implemented"
/// error. `docs/coverage.md` is written from this list.
pub fn implemented_operations() -> Vec<&'static str> {
    let mut all: Vec<&'static str> = [
        MANAGEMENT,
        users::admin::IMPLEMENTED,
        users::self_service::IMPLEMENTED,
        auth::IMPLEMENTED,
        mfa::IMPLEMENTED,
        devices::IMPLEMENTED,
        passkeys::IMPLEMENTED,
    ]
    .concat();
    all.sort_unstable();
    all
}

/// The management plane: pools, clients, groups, domains, resource servers, configuration.
const MANAGEMENT: &[&str] = &[
    "AddCustomAttributes",
    "AddUserPoolClientSecret",
    "CreateGroup",
    "CreateResourceServer",
    "CreateUserPool",
    "CreateUserPoolClient",
    "CreateUserPoolDomain",
    "DeleteGroup",
    "DeleteResourceServer",
    "DeleteUserPool",
    "DeleteUserPoolClient",
    "DeleteUserPoolClientSecret",
    "DeleteUserPoolDomain",
    "DescribeResourceServer",
    "DescribeRiskConfiguration",
    "DescribeUserPool",
    "DescribeUserPoolClient",
    "DescribeUserPoolDomain",
    "GetCSVHeader",
    "GetGroup",
    "GetLogDeliveryConfiguration",
    "GetSigningCertificate",
    "GetUICustomization",
    "GetUserPoolMfaConfig",
    "ListGroups",
    "ListResourceServers",
    "ListTagsForResource",
    "ListUserPoolClientSecrets",
    "ListUserPoolClients",
    "ListUserPools",
    "SetLogDeliveryConfiguration",
    "SetRiskConfiguration",
    "SetUICustomization",
    "SetUserPoolMfaConfig",
    "TagResource",
    "UntagResource",
    "UpdateGroup",
    "UpdateResourceServer",
    "UpdateUserPool",
    "UpdateUserPoolClient",
    "UpdateUserPoolDomain",
];

#[async_trait]
impl CognitoIdentityProvider for IdpService {
    // --- user pools ---
    async fn create_user_pool(
        &self,
        ctx: &RequestContext,
        input: CreateUserPoolRequest,
    ) -> Result<CreateUserPoolResponse, ApiError> {
        pools::create(self, ctx, input).await
    }

    async fn describe_user_pool(
        &self,
        ctx: &RequestContext,
        input: DescribeUserPoolRequest,
    ) -> Result<DescribeUserPoolResponse, ApiError> {
        pools::describe(self, ctx, input).await
    }

    async fn list_user_pools(
        &self,
        ctx: &RequestContext,
        input: ListUserPoolsRequest,
    ) -> Result<ListUserPoolsResponse, ApiError> {
        pools::list(self, ctx, input).await
    }

    async fn update_user_pool(
        &self,
        ctx: &RequestContext,
        input: UpdateUserPoolRequest,
    ) -> Result<UpdateUserPoolResponse, ApiError> {
        pools::update(self, ctx, input).await
    }

    async fn delete_user_pool(
        &self,
        ctx: &RequestContext,
        input: DeleteUserPoolRequest,
    ) -> Result<(), ApiError> {
        pools::delete(self, ctx, input).await
    }

    async fn add_custom_attributes(
        &self,
        ctx: &RequestContext,
        input: AddCustomAttributesRequest,
    ) -> Result<AddCustomAttributesResponse, ApiError> {
        pools::add_custom_attributes(self, ctx, input).await
    }

    async fn get_csv_header(
        &self,
        ctx: &RequestContext,
        input: GetCSVHeaderRequest,
    ) -> Result<GetCSVHeaderResponse, ApiError> {
        pools::csv_header(self, ctx, input).await
    }

    async fn get_signing_certificate(
        &self,
        ctx: &RequestContext,
        input: GetSigningCertificateRequest,
    ) -> Result<GetSigningCertificateResponse, ApiError> {
        pools::signing_certificate(self, ctx, input).await
    }

    // --- MFA configuration of a pool ---
    async fn set_user_pool_mfa_config(
        &self,
        ctx: &RequestContext,
        input: SetUserPoolMfaConfigRequest,
    ) -> Result<SetUserPoolMfaConfigResponse, ApiError> {
        mfa_config::set(self, ctx, input).await
    }

    async fn get_user_pool_mfa_config(
        &self,
        ctx: &RequestContext,
        input: GetUserPoolMfaConfigRequest,
    ) -> Result<GetUserPoolMfaConfigResponse, ApiError> {
        mfa_config::get(self, ctx, input).await
    }

    // --- tags ---
    async fn tag_resource(
        &self,
        ctx: &RequestContext,
        input: TagResourceRequest,
    ) -> Result<TagResourceResponse, ApiError> {
        tags::tag(self, ctx, input).await
    }

    async fn untag_resource(
        &self,
        ctx: &RequestContext,
        input: UntagResourceRequest,
    ) -> Result<UntagResourceResponse, ApiError> {
        tags::untag(self, ctx, input).await
    }

    async fn list_tags_for_resource(
        &self,
        ctx: &RequestContext,
        input: ListTagsForResourceRequest,
    ) -> Result<ListTagsForResourceResponse, ApiError> {
        tags::list(self, ctx, input).await
    }

    // --- app clients ---
    async fn create_user_pool_client(
        &self,
        ctx: &RequestContext,
        input: CreateUserPoolClientRequest,
    ) -> Result<CreateUserPoolClientResponse, ApiError> {
        clients::create(self, ctx, input).await
    }

    async fn describe_user_pool_client(
        &self,
        ctx: &RequestContext,
        input: DescribeUserPoolClientRequest,
    ) -> Result<DescribeUserPoolClientResponse, ApiError> {
        clients::describe(self, ctx, input).await
    }

    async fn list_user_pool_clients(
        &self,
        ctx: &RequestContext,
        input: ListUserPoolClientsRequest,
    ) -> Result<ListUserPoolClientsResponse, ApiError> {
        clients::list(self, ctx, input).await
    }

    async fn update_user_pool_client(
        &self,
        ctx: &RequestContext,
        input: UpdateUserPoolClientRequest,
    ) -> Result<UpdateUserPoolClientResponse, ApiError> {
        clients::update(self, ctx, input).await
    }

    async fn delete_user_pool_client(
        &self,
        ctx: &RequestContext,
        input: DeleteUserPoolClientRequest,
    ) -> Result<(), ApiError> {
        clients::delete(self, ctx, input).await
    }

    async fn add_user_pool_client_secret(
        &self,
        ctx: &RequestContext,
        input: AddUserPoolClientSecretRequest,
    ) -> Result<AddUserPoolClientSecretResponse, ApiError> {
        clients::add_secret(self, ctx, input).await
    }

    async fn list_user_pool_client_secrets(
        &self,
        ctx: &RequestContext,
        input: ListUserPoolClientSecretsRequest,
    ) -> Result<ListUserPoolClientSecretsResponse, ApiError> {
        clients::list_secrets(self, ctx, input).await
    }

    async fn delete_user_pool_client_secret(
        &self,
        ctx: &RequestContext,
        input: DeleteUserPoolClientSecretRequest,
    ) -> Result<DeleteUserPoolClientSecretResponse, ApiError> {
        clients::delete_secret(self, ctx, input).await
    }

    // --- groups ---
    async fn create_group(
        &self,
        ctx: &RequestContext,
        input: CreateGroupRequest,
    ) -> Result<CreateGroupResponse, ApiError> {
        groups::create(self, ctx, input).await
    }

    async fn get_group(
        &self,
        ctx: &RequestContext,
        input: GetGroupRequest,
    ) -> Result<GetGroupResponse, ApiError> {
        groups::get(self, ctx, input).await
    }

    async fn list_groups(
        &self,
        ctx: &RequestContext,
        input: ListGroupsRequest,
    ) -> Result<ListGroupsResponse, ApiError> {
        groups::list(self, ctx, input).await
    }

    async fn update_group(
        &self,
        ctx: &RequestContext,
        input: UpdateGroupRequest,
    ) -> Result<UpdateGroupResponse, ApiError> {
        groups::update(self, ctx, input).await
    }

    async fn delete_group(
        &self,
        ctx: &RequestContext,
        input: DeleteGroupRequest,
    ) -> Result<(), ApiError> {
        groups::delete(self, ctx, input).await
    }

    // --- domains ---
    async fn create_user_pool_domain(
        &self,
        ctx: &RequestContext,
        input: CreateUserPoolDomainRequest,
    ) -> Result<CreateUserPoolDomainResponse, ApiError> {
        domains::create(self, ctx, input).await
    }

    async fn describe_user_pool_domain(
        &self,
        ctx: &RequestContext,
        input: DescribeUserPoolDomainRequest,
    ) -> Result<DescribeUserPoolDomainResponse, ApiError> {
        domains::describe(self, ctx, input).await
    }

    async fn update_user_pool_domain(
        &self,
        ctx: &RequestContext,
        input: UpdateUserPoolDomainRequest,
    ) -> Result<UpdateUserPoolDomainResponse, ApiError> {
        domains::update(self, ctx, input).await
    }

    async fn delete_user_pool_domain(
        &self,
        ctx: &RequestContext,
        input: DeleteUserPoolDomainRequest,
    ) -> Result<DeleteUserPoolDomainResponse, ApiError> {
        domains::delete(self, ctx, input).await
    }

    // --- resource servers ---
    async fn create_resource_server(
        &self,
        ctx: &RequestContext,
        input: CreateResourceServerRequest,
    ) -> Result<CreateResourceServerResponse, ApiError> {
        resource_servers::create(self, ctx, input).await
    }

    async fn describe_resource_server(
        &self,
        ctx: &RequestContext,
        input: DescribeResourceServerRequest,
    ) -> Result<DescribeResourceServerResponse, ApiError> {
        resource_servers::describe(self, ctx, input).await
    }

    async fn list_resource_servers(
        &self,
        ctx: &RequestContext,
        input: ListResourceServersRequest,
    ) -> Result<ListResourceServersResponse, ApiError> {
        resource_servers::list(self, ctx, input).await
    }

    async fn update_resource_server(
        &self,
        ctx: &RequestContext,
        input: UpdateResourceServerRequest,
    ) -> Result<UpdateResourceServerResponse, ApiError> {
        resource_servers::update(self, ctx, input).await
    }

    async fn delete_resource_server(
        &self,
        ctx: &RequestContext,
        input: DeleteResourceServerRequest,
    ) -> Result<(), ApiError> {
        resource_servers::delete(self, ctx, input).await
    }

    // --- pool-scoped configuration documents ---
    async fn set_ui_customization(
        &self,
        ctx: &RequestContext,
        input: SetUICustomizationRequest,
    ) -> Result<SetUICustomizationResponse, ApiError> {
        pool_documents::set_ui_customization(self, ctx, input).await
    }

    async fn get_ui_customization(
        &self,
        ctx: &RequestContext,
        input: GetUICustomizationRequest,
    ) -> Result<GetUICustomizationResponse, ApiError> {
        pool_documents::get_ui_customization(self, ctx, input).await
    }

    async fn set_risk_configuration(
        &self,
        ctx: &RequestContext,
        input: SetRiskConfigurationRequest,
    ) -> Result<SetRiskConfigurationResponse, ApiError> {
        pool_documents::set_risk_configuration(self, ctx, input).await
    }

    async fn describe_risk_configuration(
        &self,
        ctx: &RequestContext,
        input: DescribeRiskConfigurationRequest,
    ) -> Result<DescribeRiskConfigurationResponse, ApiError> {
        pool_documents::describe_risk_configuration(self, ctx, input).await
    }

    async fn set_log_delivery_configuration(
        &self,
        ctx: &RequestContext,
        input: SetLogDeliveryConfigurationRequest,
    ) -> Result<SetLogDeliveryConfigurationResponse, ApiError> {
        pool_documents::set_log_delivery_configuration(self, ctx, input).await
    }

    async fn get_log_delivery_configuration(
        &self,
        ctx: &RequestContext,
        input: GetLogDeliveryConfigurationRequest,
    ) -> Result<GetLogDeliveryConfigurationResponse, ApiError> {
        pool_documents::get_log_delivery_configuration(self, ctx, input).await
    }

    // ===== users: admin operations (users/admin.rs, users/list.rs, users/membership.rs) =====

    async fn admin_create_user(
        &self,
        ctx: &RequestContext,
        input: AdminCreateUserRequest,
    ) -> Result<AdminCreateUserResponse, ApiError> {
        users::admin::create_user(self, ctx, input).await
    }

    async fn admin_get_user(
        &self,
        ctx: &RequestContext,
        input: AdminGetUserRequest,
    ) -> Result<AdminGetUserResponse, ApiError> {
        users::admin::get_user(self, ctx, input).await
    }

    async fn admin_delete_user(
        &self,
        ctx: &RequestContext,
        input: AdminDeleteUserRequest,
    ) -> Result<(), ApiError> {
        users::admin::delete_user(self, ctx, input).await
    }

    async fn admin_disable_user(
        &self,
        ctx: &RequestContext,
        input: AdminDisableUserRequest,
    ) -> Result<AdminDisableUserResponse, ApiError> {
        users::admin::disable_user(self, ctx, input).await
    }

    async fn admin_enable_user(
        &self,
        ctx: &RequestContext,
        input: AdminEnableUserRequest,
    ) -> Result<AdminEnableUserResponse, ApiError> {
        users::admin::enable_user(self, ctx, input).await
    }

    async fn list_users(
        &self,
        ctx: &RequestContext,
        input: ListUsersRequest,
    ) -> Result<ListUsersResponse, ApiError> {
        users::list::list_users(self, ctx, input).await
    }

    async fn list_users_in_group(
        &self,
        ctx: &RequestContext,
        input: ListUsersInGroupRequest,
    ) -> Result<ListUsersInGroupResponse, ApiError> {
        users::list::list_users_in_group(self, ctx, input).await
    }

    async fn admin_add_user_to_group(
        &self,
        ctx: &RequestContext,
        input: AdminAddUserToGroupRequest,
    ) -> Result<(), ApiError> {
        users::membership::add_user_to_group(self, ctx, input).await
    }

    async fn admin_remove_user_from_group(
        &self,
        ctx: &RequestContext,
        input: AdminRemoveUserFromGroupRequest,
    ) -> Result<(), ApiError> {
        users::membership::remove_user_from_group(self, ctx, input).await
    }

    async fn admin_list_groups_for_user(
        &self,
        ctx: &RequestContext,
        input: AdminListGroupsForUserRequest,
    ) -> Result<AdminListGroupsForUserResponse, ApiError> {
        users::membership::list_groups_for_user(self, ctx, input).await
    }

    async fn admin_update_user_attributes(
        &self,
        ctx: &RequestContext,
        input: AdminUpdateUserAttributesRequest,
    ) -> Result<AdminUpdateUserAttributesResponse, ApiError> {
        users::admin::update_user_attributes(self, ctx, input).await
    }

    async fn admin_delete_user_attributes(
        &self,
        ctx: &RequestContext,
        input: AdminDeleteUserAttributesRequest,
    ) -> Result<AdminDeleteUserAttributesResponse, ApiError> {
        users::admin::delete_user_attributes(self, ctx, input).await
    }

    async fn admin_confirm_sign_up(
        &self,
        ctx: &RequestContext,
        input: AdminConfirmSignUpRequest,
    ) -> Result<AdminConfirmSignUpResponse, ApiError> {
        users::admin::confirm_sign_up(self, ctx, input).await
    }

    async fn admin_set_user_password(
        &self,
        ctx: &RequestContext,
        input: AdminSetUserPasswordRequest,
    ) -> Result<AdminSetUserPasswordResponse, ApiError> {
        users::admin::set_user_password(self, ctx, input).await
    }

    async fn admin_reset_user_password(
        &self,
        ctx: &RequestContext,
        input: AdminResetUserPasswordRequest,
    ) -> Result<AdminResetUserPasswordResponse, ApiError> {
        users::admin::reset_user_password(self, ctx, input).await
    }

    async fn admin_user_global_sign_out(
        &self,
        ctx: &RequestContext,
        input: AdminUserGlobalSignOutRequest,
    ) -> Result<AdminUserGlobalSignOutResponse, ApiError> {
        users::admin::user_global_sign_out(self, ctx, input).await
    }

    // ===== users: self-service (users/signup.rs, users/passwords.rs, users/self_service.rs) =====

    async fn sign_up(
        &self,
        ctx: &RequestContext,
        input: SignUpRequest,
    ) -> Result<SignUpResponse, ApiError> {
        users::signup::sign_up(self, ctx, input).await
    }

    async fn confirm_sign_up(
        &self,
        ctx: &RequestContext,
        input: ConfirmSignUpRequest,
    ) -> Result<ConfirmSignUpResponse, ApiError> {
        users::signup::confirm_sign_up(self, ctx, input).await
    }

    async fn resend_confirmation_code(
        &self,
        ctx: &RequestContext,
        input: ResendConfirmationCodeRequest,
    ) -> Result<ResendConfirmationCodeResponse, ApiError> {
        users::signup::resend_confirmation_code(self, ctx, input).await
    }

    async fn get_user(
        &self,
        ctx: &RequestContext,
        input: GetUserRequest,
    ) -> Result<GetUserResponse, ApiError> {
        users::self_service::get_user(self, ctx, input).await
    }

    async fn update_user_attributes(
        &self,
        ctx: &RequestContext,
        input: UpdateUserAttributesRequest,
    ) -> Result<UpdateUserAttributesResponse, ApiError> {
        users::self_service::update_user_attributes(self, ctx, input).await
    }

    async fn delete_user_attributes(
        &self,
        ctx: &RequestContext,
        input: DeleteUserAttributesRequest,
    ) -> Result<DeleteUserAttributesResponse, ApiError> {
        users::self_service::delete_user_attributes(self, ctx, input).await
    }

    async fn get_user_attribute_verification_code(
        &self,
        ctx: &RequestContext,
        input: GetUserAttributeVerificationCodeRequest,
    ) -> Result<GetUserAttributeVerificationCodeResponse, ApiError> {
        users::self_service::get_user_attribute_verification_code(self, ctx, input).await
    }

    async fn verify_user_attribute(
        &self,
        ctx: &RequestContext,
        input: VerifyUserAttributeRequest,
    ) -> Result<VerifyUserAttributeResponse, ApiError> {
        users::self_service::verify_user_attribute(self, ctx, input).await
    }

    async fn delete_user(
        &self,
        ctx: &RequestContext,
        input: DeleteUserRequest,
    ) -> Result<(), ApiError> {
        users::self_service::delete_user(self, ctx, input).await
    }

    async fn global_sign_out(
        &self,
        ctx: &RequestContext,
        input: GlobalSignOutRequest,
    ) -> Result<GlobalSignOutResponse, ApiError> {
        users::self_service::global_sign_out(self, ctx, input).await
    }

    async fn forgot_password(
        &self,
        ctx: &RequestContext,
        input: ForgotPasswordRequest,
    ) -> Result<ForgotPasswordResponse, ApiError> {
        users::passwords::forgot_password(self, ctx, input).await
    }

    async fn confirm_forgot_password(
        &self,
        ctx: &RequestContext,
        input: ConfirmForgotPasswordRequest,
    ) -> Result<ConfirmForgotPasswordResponse, ApiError> {
        users::passwords::confirm_forgot_password(self, ctx, input).await
    }

    async fn change_password(
        &self,
        ctx: &RequestContext,
        input: ChangePasswordRequest,
    ) -> Result<ChangePasswordResponse, ApiError> {
        users::passwords::change_password(self, ctx, input).await
    }

    // ===== sign-in (auth/) =====
    async fn initiate_auth(
        &self,
        ctx: &RequestContext,
        input: InitiateAuthRequest,
    ) -> Result<InitiateAuthResponse, ApiError> {
        auth::initiate_auth(self, ctx, input).await
    }

    async fn admin_initiate_auth(
        &self,
        ctx: &RequestContext,
        input: AdminInitiateAuthRequest,
    ) -> Result<AdminInitiateAuthResponse, ApiError> {
        auth::admin_initiate_auth(self, ctx, input).await
    }

    async fn respond_to_auth_challenge(
        &self,
        ctx: &RequestContext,
        input: RespondToAuthChallengeRequest,
    ) -> Result<RespondToAuthChallengeResponse, ApiError> {
        auth::respond_to_auth_challenge(self, ctx, input).await
    }

    async fn admin_respond_to_auth_challenge(
        &self,
        ctx: &RequestContext,
        input: AdminRespondToAuthChallengeRequest,
    ) -> Result<AdminRespondToAuthChallengeResponse, ApiError> {
        auth::admin_respond_to_auth_challenge(self, ctx, input).await
    }

    async fn get_tokens_from_refresh_token(
        &self,
        ctx: &RequestContext,
        input: GetTokensFromRefreshTokenRequest,
    ) -> Result<GetTokensFromRefreshTokenResponse, ApiError> {
        auth::get_tokens_from_refresh_token(self, ctx, input).await
    }

    async fn revoke_token(
        &self,
        ctx: &RequestContext,
        input: RevokeTokenRequest,
    ) -> Result<RevokeTokenResponse, ApiError> {
        auth::revoke_token(self, ctx, input).await
    }

    // ----- MFA --------------------------------------------------------------------------

    async fn associate_software_token(
        &self,
        ctx: &RequestContext,
        input: AssociateSoftwareTokenRequest,
    ) -> Result<AssociateSoftwareTokenResponse, ApiError> {
        mfa::software_token::associate(self, ctx, input).await
    }

    async fn verify_software_token(
        &self,
        ctx: &RequestContext,
        input: VerifySoftwareTokenRequest,
    ) -> Result<VerifySoftwareTokenResponse, ApiError> {
        mfa::software_token::verify(self, ctx, input).await
    }

    async fn set_user_mfa_preference(
        &self,
        ctx: &RequestContext,
        input: SetUserMFAPreferenceRequest,
    ) -> Result<SetUserMFAPreferenceResponse, ApiError> {
        mfa::preferences::set_user_mfa_preference(self, ctx, input).await
    }

    async fn admin_set_user_mfa_preference(
        &self,
        ctx: &RequestContext,
        input: AdminSetUserMFAPreferenceRequest,
    ) -> Result<AdminSetUserMFAPreferenceResponse, ApiError> {
        mfa::preferences::admin_set_user_mfa_preference(self, ctx, input).await
    }

    async fn set_user_settings(
        &self,
        ctx: &RequestContext,
        input: SetUserSettingsRequest,
    ) -> Result<SetUserSettingsResponse, ApiError> {
        mfa::preferences::set_user_settings(self, ctx, input).await
    }

    async fn admin_set_user_settings(
        &self,
        ctx: &RequestContext,
        input: AdminSetUserSettingsRequest,
    ) -> Result<AdminSetUserSettingsResponse, ApiError> {
        mfa::preferences::admin_set_user_settings(self, ctx, input).await
    }

    // ----- devices ----------------------------------------------------------------------

    async fn confirm_device(
        &self,
        ctx: &RequestContext,
        input: ConfirmDeviceRequest,
    ) -> Result<ConfirmDeviceResponse, ApiError> {
        devices::ops::confirm_device(self, ctx, input).await
    }

    async fn get_device(
        &self,
        ctx: &RequestContext,
        input: GetDeviceRequest,
    ) -> Result<GetDeviceResponse, ApiError> {
        devices::ops::get_device(self, ctx, input).await
    }

    async fn list_devices(
        &self,
        ctx: &RequestContext,
        input: ListDevicesRequest,
    ) -> Result<ListDevicesResponse, ApiError> {
        devices::ops::list_devices(self, ctx, input).await
    }

    async fn update_device_status(
        &self,
        ctx: &RequestContext,
        input: UpdateDeviceStatusRequest,
    ) -> Result<UpdateDeviceStatusResponse, ApiError> {
        devices::ops::update_device_status(self, ctx, input).await
    }

    async fn forget_device(
        &self,
        ctx: &RequestContext,
        input: ForgetDeviceRequest,
    ) -> Result<(), ApiError> {
        devices::ops::forget_device(self, ctx, input).await
    }

    async fn admin_get_device(
        &self,
        ctx: &RequestContext,
        input: AdminGetDeviceRequest,
    ) -> Result<AdminGetDeviceResponse, ApiError> {
        devices::ops::admin_get_device(self, ctx, input).await
    }

    async fn admin_list_devices(
        &self,
        ctx: &RequestContext,
        input: AdminListDevicesRequest,
    ) -> Result<AdminListDevicesResponse, ApiError> {
        devices::ops::admin_list_devices(self, ctx, input).await
    }

    async fn admin_update_device_status(
        &self,
        ctx: &RequestContext,
        input: AdminUpdateDeviceStatusRequest,
    ) -> Result<AdminUpdateDeviceStatusResponse, ApiError> {
        devices::ops::admin_update_device_status(self, ctx, input).await
    }

    async fn admin_forget_device(
        &self,
        ctx: &RequestContext,
        input: AdminForgetDeviceRequest,
    ) -> Result<(), ApiError> {
        devices::ops::admin_forget_device(self, ctx, input).await
    }

    // ----- passkeys and choice-based sign-in -----

    async fn start_web_authn_registration(
        &self,
        ctx: &RequestContext,
        input: StartWebAuthnRegistrationRequest,
    ) -> Result<StartWebAuthnRegistrationResponse, ApiError> {
        passkeys::start_registration(self, ctx, input).await
    }

    async fn complete_web_authn_registration(
        &self,
        ctx: &RequestContext,
        input: CompleteWebAuthnRegistrationRequest,
    ) -> Result<CompleteWebAuthnRegistrationResponse, ApiError> {
        passkeys::complete_registration(self, ctx, input).await
    }

    async fn list_web_authn_credentials(
        &self,
        ctx: &RequestContext,
        input: ListWebAuthnCredentialsRequest,
    ) -> Result<ListWebAuthnCredentialsResponse, ApiError> {
        passkeys::list_credentials(self, ctx, input).await
    }

    async fn delete_web_authn_credential(
        &self,
        ctx: &RequestContext,
        input: DeleteWebAuthnCredentialRequest,
    ) -> Result<DeleteWebAuthnCredentialResponse, ApiError> {
        passkeys::delete_credential(self, ctx, input).await
    }

    async fn get_user_auth_factors(
        &self,
        ctx: &RequestContext,
        input: GetUserAuthFactorsRequest,
    ) -> Result<GetUserAuthFactorsResponse, ApiError> {
        auth::get_user_auth_factors(self, ctx, input).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn implemented_names_are_real_operations() {
        let implemented = implemented_operations();
        for name in &implemented {
            assert!(
                operation(name).is_some(),
                "{name} is not a cognito-idp operation"
            );
        }
        let mut unique = implemented.clone();
        unique.dedup();
        assert_eq!(
            unique.len(),
            implemented.len(),
            "IMPLEMENTED has duplicates"
        );
    }
}
