"""The management plane through boto3 and the aws CLI, as a developer would script it."""

import botocore.exceptions
import pytest

SEED_POLICY = (
    "PasswordPolicy={MinimumLength=8,RequireUppercase=true,RequireLowercase=true,"
    "RequireNumbers=true,RequireSymbols=false}"
)


def test_cli_pool_and_client_lifecycle(aws):
    pool = aws(
        "cognito-idp",
        "create-user-pool",
        "--pool-name",
        "my-app-pool",
        "--policies",
        SEED_POLICY,
        "--auto-verified-attributes",
        "email",
        "--username-attributes",
        "email",
    )["UserPool"]
    pool_id = pool["Id"]
    assert pool_id.startswith("us-east-1_")
    policy = pool["Policies"]["PasswordPolicy"]
    assert policy["MinimumLength"] == 8
    assert policy["RequireUppercase"] is True
    assert policy["RequireSymbols"] is False
    assert pool["UsernameAttributes"] == ["email"]

    client = aws(
        "cognito-idp",
        "create-user-pool-client",
        "--user-pool-id",
        pool_id,
        "--client-name",
        "my-app-client",
        "--generate-secret",
        "--explicit-auth-flows",
        "ALLOW_USER_PASSWORD_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH",
    )["UserPoolClient"]
    client_id = client["ClientId"]
    assert len(client["ClientSecret"]) >= 24
    assert set(client["ExplicitAuthFlows"]) == {
        "ALLOW_USER_PASSWORD_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH",
    }

    pools = aws("cognito-idp", "list-user-pools", "--max-results", "10")["UserPools"]
    assert [p["Id"] for p in pools] == [pool_id]
    clients = aws("cognito-idp", "list-user-pool-clients", "--user-pool-id", pool_id)[
        "UserPoolClients"
    ]
    assert [c["ClientId"] for c in clients] == [client_id]

    described = aws(
        "cognito-idp",
        "describe-user-pool-client",
        "--user-pool-id",
        pool_id,
        "--client-id",
        client_id,
    )["UserPoolClient"]
    assert described["ClientSecret"] == client["ClientSecret"]

    aws("cognito-idp", "delete-user-pool-client", "--user-pool-id", pool_id, "--client-id", client_id)
    aws("cognito-idp", "delete-user-pool", "--user-pool-id", pool_id)
    failed = aws("cognito-idp", "describe-user-pool", "--user-pool-id", pool_id, check=False)
    assert failed.returncode != 0
    assert "ResourceNotFoundException" in failed.stderr


def test_boto3_pool_group_and_errors(idp):
    pool_id = idp.create_user_pool(PoolName="boto3-pool")["UserPool"]["Id"]
    idp.create_group(UserPoolId=pool_id, GroupName="admins", Description="Admins", Precedence=1)
    with pytest.raises(idp.exceptions.GroupExistsException):
        idp.create_group(UserPoolId=pool_id, GroupName="admins")
    groups = idp.list_groups(UserPoolId=pool_id)["Groups"]
    assert [g["GroupName"] for g in groups] == ["admins"]

    with pytest.raises(idp.exceptions.ResourceNotFoundException) as missing:
        idp.describe_user_pool(UserPoolId="us-east-1_NoSuchPoo")
    assert missing.value.response["Error"]["Message"] == "User pool us-east-1_NoSuchPoo does not exist."
    assert missing.value.response["ResponseMetadata"]["RequestId"]

    with pytest.raises(botocore.exceptions.ParamValidationError):
        # botocore validates required members itself before sending.
        idp.create_user_pool()


def test_boto3_paginator_walks_every_pool(idp):
    created = {idp.create_user_pool(PoolName=f"page-{i}")["UserPool"]["Id"] for i in range(5)}
    paginator = idp.get_paginator("list_user_pools")
    seen = set()
    for page in paginator.paginate(MaxResults=2):
        assert len(page["UserPools"]) <= 2
        seen.update(p["Id"] for p in page["UserPools"])
    assert seen == created


def test_boto3_identity_pool_lifecycle(identity):
    created = identity.create_identity_pool(
        IdentityPoolName="my_identity_pool",
        AllowUnauthenticatedIdentities=False,
        IdentityPoolTags={"team": "auth"},
    )
    pool_id = created["IdentityPoolId"]
    assert pool_id.startswith("us-east-1:")
    described = identity.describe_identity_pool(IdentityPoolId=pool_id)
    assert described["IdentityPoolName"] == "my_identity_pool"
    assert described["AllowUnauthenticatedIdentities"] is False
    listed = identity.list_identity_pools(MaxResults=10)["IdentityPools"]
    assert [p["IdentityPoolId"] for p in listed] == [pool_id]
    identity.delete_identity_pool(IdentityPoolId=pool_id)
    with pytest.raises(identity.exceptions.ResourceNotFoundException):
        identity.describe_identity_pool(IdentityPoolId=pool_id)


def test_unsigned_admin_call_is_refused(server):
    import boto3
    from botocore import UNSIGNED
    from botocore.config import Config

    anonymous = boto3.client(
        "cognito-idp",
        endpoint_url=server.url,
        region_name="us-east-1",
        config=Config(signature_version=UNSIGNED),
    )
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        anonymous.list_user_pools(MaxResults=10)
    assert refused.value.response["Error"]["Code"] == "MissingAuthenticationTokenException"
