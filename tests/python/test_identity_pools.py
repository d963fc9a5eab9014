"""Identity pools with boto3's cognito-identity and sts clients: identities for user-pool
sign-ins, temporary credentials that Cognate's STS recognises (GetCallerIdentity), refused
logins (forged, foreign, revoked, wrong client, access token), the unauthenticated gate,
role rules, developer identities and merges, the basic flow, and the seed's complete auth
system ending in an S3 upload to moto's server."""

import base64
import json
import os
import socket
import subprocess
import time
import urllib.request
import uuid

import boto3
import botocore.exceptions
import jwt
import pytest

from conftest import REGION
from test_seed_flows import PASSWORD, latest_code, setup_script, sign_in

ACCOUNT = "000000000000"
AUTH_ROLE = f"arn:aws:iam::{ACCOUNT}:role/CognitoAuth"
UNAUTH_ROLE = f"arn:aws:iam::{ACCOUNT}:role/CognitoUnauth"
ADMIN_ROLE = f"arn:aws:iam::{ACCOUNT}:role/Admins"
EDITOR_ROLE = f"arn:aws:iam::{ACCOUNT}:role/Editors"


def sts_client(server, creds=None):
    creds = creds or {}
    return boto3.client(
        "sts",
        endpoint_url=server.url,
        region_name=REGION,
        aws_access_key_id=creds.get("AccessKeyId", "unused"),
        aws_secret_access_key=creds.get("SecretKey", "unused"),
        aws_session_token=creds.get("SessionToken"),
    )


def error_of(excinfo):
    return excinfo.value.response["Error"]["Code"], excinfo.value.response["Error"]["Message"]


def user_pool(idp, name="people"):
    pool_id = idp.create_user_pool(
        PoolName=name,
        Schema=[{"Name": "dept", "AttributeDataType": "String", "Mutable": True}],
    )["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="app",
        ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    return pool_id, client_id


def user(idp, pool_id, client_id, username, attributes=(), groups=()):
    """A confirmed user signed in with the admin password flow: its tokens."""
    idp.admin_create_user(
        UserPoolId=pool_id,
        Username=username,
        UserAttributes=[{"Name": k, "Value": v} for k, v in attributes],
        MessageAction="SUPPRESS",
    )
    idp.admin_set_user_password(
        UserPoolId=pool_id, Username=username, Password=PASSWORD, Permanent=True
    )
    for group in groups:
        idp.admin_add_user_to_group(UserPoolId=pool_id, Username=username, GroupName=group)
    return idp.admin_initiate_auth(
        UserPoolId=pool_id,
        ClientId=client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]


def identity_pool(identity, pool_id, client_id, **extra):
    settings = {
        "IdentityPoolName": "ids",
        "AllowUnauthenticatedIdentities": False,
        "CognitoIdentityProviders": [
            {
                "ProviderName": f"cognito-idp.{REGION}.amazonaws.com/{pool_id}",
                "ClientId": client_id,
                "ServerSideTokenCheck": True,
            }
        ],
    }
    settings.update(extra)
    ipid = identity.create_identity_pool(**settings)["IdentityPoolId"]
    identity.set_identity_pool_roles(
        IdentityPoolId=ipid,
        Roles={"authenticated": AUTH_ROLE, "unauthenticated": UNAUTH_ROLE},
    )
    return ipid


def provider(pool_id):
    return f"cognito-idp.{REGION}.amazonaws.com/{pool_id}"


def test_user_pool_sign_in_gets_credentials_sts_recognises(server, idp, identity):
    pool_id, client_id = user_pool(idp)
    tokens = user(idp, pool_id, client_id, "ada")
    ipid = identity_pool(identity, pool_id, client_id)
    logins = {provider(pool_id): tokens["IdToken"]}

    identity_id = identity.get_id(IdentityPoolId=ipid, Logins=logins)["IdentityId"]
    assert identity_id.startswith(f"{REGION}:")
    # The key Amplify derives from the token's issuer names the same pool and identity.
    host_key = server.url.split("://", 1)[1] + "/" + pool_id
    assert (
        identity.get_id(IdentityPoolId=ipid, Logins={host_key: tokens["IdToken"]})["IdentityId"]
        == identity_id
    )

    before = time.time()
    answer = identity.get_credentials_for_identity(IdentityId=identity_id, Logins=logins)
    assert answer["IdentityId"] == identity_id
    creds = answer["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA") and len(creds["AccessKeyId"]) == 20
    assert len(creds["SecretKey"]) == 40 and creds["SessionToken"]
    lifetime = creds["Expiration"].timestamp() - before
    assert 3500 < lifetime <= 3601

    caller = sts_client(server, creds).get_caller_identity()
    assert caller["Arn"] == (
        f"arn:aws:sts::{ACCOUNT}:assumed-role/CognitoAuth/CognitoIdentityCredentials"
    )
    assert caller["Account"] == ACCOUNT
    assert caller["UserId"].startswith("AROA")
    assert caller["UserId"].endswith(":CognitoIdentityCredentials")

    # A tampered secret, a wrong session token, unknown keys: refused with STS's codes.
    tampered = dict(creds, SecretKey=creds["SecretKey"][:-1] + ("A" if creds["SecretKey"][-1] != "A" else "B"))
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        sts_client(server, tampered).get_caller_identity()
    assert error_of(refused)[0] == "SignatureDoesNotMatch"
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        sts_client(server, dict(creds, SessionToken="x" + creds["SessionToken"])).get_caller_identity()
    assert error_of(refused)[0] == "InvalidClientTokenId"
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        sts_client(server, dict(creds, AccessKeyId="ASIA0000000000000000")).get_caller_identity()
    assert error_of(refused)[0] == "InvalidClientTokenId"

    described = identity.describe_identity(IdentityId=identity_id)
    assert described["Logins"] == [provider(pool_id)]
    listed = identity.list_identities(IdentityPoolId=ipid, MaxResults=10)["Identities"]
    assert [i["IdentityId"] for i in listed] == [identity_id]

    # Another identity's id with these logins is refused.
    other = idp_user_identity(idp, identity, pool_id, client_id, ipid, "grace")
    with pytest.raises(identity.exceptions.NotAuthorizedException) as refused:
        identity.get_credentials_for_identity(IdentityId=other, Logins=logins)
    assert error_of(refused)[1].startswith("Logins don't match.")

    # Without logins, an authenticated identity is not reachable.
    with pytest.raises(identity.exceptions.NotAuthorizedException):
        identity.get_credentials_for_identity(IdentityId=identity_id)


def idp_user_identity(idp, identity, pool_id, client_id, ipid, username):
    tokens = user(idp, pool_id, client_id, username)
    return identity.get_id(IdentityPoolId=ipid, Logins={provider(pool_id): tokens["IdToken"]})[
        "IdentityId"
    ]


def test_forged_foreign_wrong_and_revoked_logins_are_refused(server, idp, identity):
    pool_id, client_id = user_pool(idp, "a")
    other_pool, other_client = user_pool(idp, "b")
    tokens = user(idp, pool_id, client_id, "ada")
    foreign = user(idp, other_pool, other_client, "eve")
    ipid = identity_pool(identity, pool_id, client_id)

    def refused(logins):
        with pytest.raises(identity.exceptions.NotAuthorizedException) as excinfo:
            identity.get_id(IdentityPoolId=ipid, Logins=logins)
        return error_of(excinfo)[1]

    header, payload, signature = tokens["IdToken"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["sub"] = "someone-else"
    forged_payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    assert refused({provider(pool_id): f"{header}.{forged_payload}.{signature}"}) == (
        "Invalid login token. Couldn't verify signed token."
    )
    # A token of another pool, under this pool's key and under its own.
    assert refused({provider(pool_id): foreign["IdToken"]}) == (
        "Invalid login token. Issuer doesn't match providerName"
    )
    assert refused({provider(other_pool): foreign["IdToken"]}) == (
        "Token is not from a supported provider of this identity pool."
    )
    # An access token has no aud.
    assert refused({provider(pool_id): tokens["AccessToken"]}) == (
        "Invalid login token. Missing a required claim: aud"
    )
    # A client the identity pool does not list.
    second_client = idp.create_user_pool_client(
        UserPoolId=pool_id, ClientName="other", ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    other_client_tokens = idp.admin_initiate_auth(
        UserPoolId=pool_id,
        ClientId=second_client,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "ada", "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    assert refused({provider(pool_id): other_client_tokens["IdToken"]}) == (
        "Token is not from a supported provider of this identity pool."
    )
    # An identity pool of another account-less id.
    with pytest.raises(identity.exceptions.ResourceNotFoundException):
        identity.get_id(IdentityPoolId=f"{REGION}:{uuid.uuid4()}", Logins={provider(pool_id): tokens["IdToken"]})

    # ServerSideTokenCheck: a globally signed-out user's ID token is refused; a pool that
    # does not check still accepts it until it expires.
    lax = identity_pool(
        identity,
        pool_id,
        client_id,
        CognitoIdentityProviders=[
            {"ProviderName": provider(pool_id), "ClientId": client_id, "ServerSideTokenCheck": False}
        ],
    )
    identity.get_id(IdentityPoolId=ipid, Logins={provider(pool_id): tokens["IdToken"]})
    idp.global_sign_out(AccessToken=tokens["AccessToken"])
    assert refused({provider(pool_id): tokens["IdToken"]}) == (
        "Invalid login token. Token has been revoked."
    )
    identity.get_id(IdentityPoolId=lax, Logins={provider(pool_id): tokens["IdToken"]})


def test_unauthenticated_identities_only_when_allowed(server, idp, identity):
    pool_id, client_id = user_pool(idp)
    closed = identity_pool(identity, pool_id, client_id)
    with pytest.raises(identity.exceptions.NotAuthorizedException) as refused:
        identity.get_id(IdentityPoolId=closed)
    assert error_of(refused)[1] == "Unauthenticated access is not supported for this identity pool."

    opened = identity_pool(identity, pool_id, client_id, AllowUnauthenticatedIdentities=True)
    guest = identity.get_id(IdentityPoolId=opened)["IdentityId"]
    creds = identity.get_credentials_for_identity(IdentityId=guest)["Credentials"]
    arn = sts_client(server, creds).get_caller_identity()["Arn"]
    assert arn == f"arn:aws:sts::{ACCOUNT}:assumed-role/CognitoUnauth/CognitoIdentityCredentials"

    # Switching the gate off afterwards locks the guest out.
    identity.update_identity_pool(
        IdentityPoolId=opened, IdentityPoolName="ids", AllowUnauthenticatedIdentities=False
    )
    with pytest.raises(identity.exceptions.NotAuthorizedException):
        identity.get_credentials_for_identity(IdentityId=guest)


def role_of(server, identity, ipid, pool_id, tokens, **extra):
    logins = {provider(pool_id): tokens["IdToken"]}
    identity_id = identity.get_id(IdentityPoolId=ipid, Logins=logins)["IdentityId"]
    creds = identity.get_credentials_for_identity(IdentityId=identity_id, Logins=logins, **extra)[
        "Credentials"
    ]
    return sts_client(server, creds).get_caller_identity()["Arn"].split("/")[1]


def test_role_mappings_choose_roles(server, idp, identity):
    pool_id, client_id = user_pool(idp)
    idp.create_group(UserPoolId=pool_id, GroupName="admins", RoleArn=ADMIN_ROLE, Precedence=1)
    idp.create_group(UserPoolId=pool_id, GroupName="editors", RoleArn=EDITOR_ROLE, Precedence=2)
    admin = user(idp, pool_id, client_id, "root", groups=["admins", "editors"])
    engineer = user(idp, pool_id, client_id, "eng", attributes=[("custom:dept", "engineering")])
    plain = user(idp, pool_id, client_id, "plain")
    ipid = identity_pool(identity, pool_id, client_id)
    key = f"{provider(pool_id)}:{client_id}"

    def mapping(**m):
        identity.set_identity_pool_roles(
            IdentityPoolId=ipid,
            Roles={"authenticated": AUTH_ROLE, "unauthenticated": UNAUTH_ROLE},
            RoleMappings={key: m},
        )

    assert role_of(server, identity, ipid, pool_id, admin) == "CognitoAuth"
    mapping(Type="Token", AmbiguousRoleResolution="Deny")
    assert identity.get_identity_pool_roles(IdentityPoolId=ipid)["RoleMappings"][key]["Type"] == "Token"
    assert role_of(server, identity, ipid, pool_id, admin) == "Admins"
    assert role_of(server, identity, ipid, pool_id, admin, CustomRoleArn=EDITOR_ROLE) == "Editors"
    with pytest.raises(identity.exceptions.InvalidIdentityPoolConfigurationException):
        role_of(server, identity, ipid, pool_id, plain)
    mapping(Type="Token", AmbiguousRoleResolution="AuthenticatedRole")
    assert role_of(server, identity, ipid, pool_id, plain) == "CognitoAuth"

    mapping(
        Type="Rules",
        AmbiguousRoleResolution="Deny",
        RulesConfiguration={
            "Rules": [
                {"Claim": "custom:dept", "MatchType": "StartsWith", "Value": "eng", "RoleARN": EDITOR_ROLE},
                {"Claim": "cognito:username", "MatchType": "Equals", "Value": "root", "RoleARN": ADMIN_ROLE},
            ]
        },
    )
    assert role_of(server, identity, ipid, pool_id, engineer) == "Editors"
    assert role_of(server, identity, ipid, pool_id, admin) == "Admins"
    with pytest.raises(identity.exceptions.InvalidIdentityPoolConfigurationException):
        role_of(server, identity, ipid, pool_id, plain)

    with pytest.raises(identity.exceptions.InvalidParameterException):
        identity.set_identity_pool_roles(IdentityPoolId=ipid, Roles={"guest": AUTH_ROLE})


def test_developer_identities_merge_and_unlink(server, idp, identity):
    pool_id, client_id = user_pool(idp)
    ada = user(idp, pool_id, client_id, "ada")
    bob = user(idp, pool_id, client_id, "bob")
    ipid = identity_pool(identity, pool_id, client_id, DeveloperProviderName="login.example")

    first = identity.get_open_id_token_for_developer_identity(
        IdentityPoolId=ipid,
        Logins={"login.example": "user-1", provider(pool_id): ada["IdToken"]},
        PrincipalTags={"team": "blue"},
        TokenDuration=600,
    )
    second = identity.get_open_id_token_for_developer_identity(
        IdentityPoolId=ipid, Logins={"login.example": "user-2", provider(pool_id): bob["IdToken"]}
    )
    assert first["IdentityId"] != second["IdentityId"]
    again = identity.get_open_id_token_for_developer_identity(
        IdentityPoolId=ipid, Logins={"login.example": "user-1"}
    )
    assert again["IdentityId"] == first["IdentityId"]

    # The token is an OpenID token of the identity pool, published keys and all.
    with urllib.request.urlopen(f"{server.url}/cognito-identity/.well-known/jwks_uri", timeout=10) as r:
        jwks = json.load(r)
    header = jwt.get_unverified_header(first["Token"])
    key = next(jwt.PyJWK(k) for k in jwks["keys"] if k["kid"] == header["kid"])
    claims = jwt.decode(
        first["Token"], key.key, algorithms=["RS256"], audience=ipid,
        issuer=f"{server.url}/cognito-identity",
    )
    assert claims["sub"] == first["IdentityId"]
    assert claims["amr"][:2] == ["authenticated", "login.example"]
    assert claims["exp"] - claims["iat"] == 600
    assert claims["https://aws.amazon.com/tags"]["principal_tags"] == {"team": ["blue"]}

    # The enhanced developer flow: the token as a login.
    creds = identity.get_credentials_for_identity(
        IdentityId=first["IdentityId"], Logins={"cognito-identity.amazonaws.com": first["Token"]}
    )["Credentials"]
    assert sts_client(server, creds).get_caller_identity()["Arn"].endswith(
        "/CognitoAuth/CognitoIdentityCredentials"
    )
    with pytest.raises(identity.exceptions.NotAuthorizedException):
        identity.get_credentials_for_identity(
            IdentityId=second["IdentityId"], Logins={"cognito-identity.amazonaws.com": first["Token"]}
        )

    looked = identity.lookup_developer_identity(IdentityPoolId=ipid, DeveloperUserIdentifier="user-1")
    assert looked["IdentityId"] == first["IdentityId"]
    assert looked["DeveloperUserIdentifierList"] == ["user-1"]
    with pytest.raises(identity.exceptions.ResourceConflictException):
        identity.lookup_developer_identity(
            IdentityPoolId=ipid, IdentityId=second["IdentityId"], DeveloperUserIdentifier="user-1"
        )

    # Both are linked to the same user pool: they cannot be merged.
    with pytest.raises(identity.exceptions.ResourceConflictException):
        identity.merge_developer_identities(
            SourceUserIdentifier="user-1",
            DestinationUserIdentifier="user-2",
            DeveloperProviderName="login.example",
            IdentityPoolId=ipid,
        )
    third = identity.get_open_id_token_for_developer_identity(
        IdentityPoolId=ipid, Logins={"login.example": "user-3"}
    )
    merged = identity.merge_developer_identities(
        SourceUserIdentifier="user-3",
        DestinationUserIdentifier="user-1",
        DeveloperProviderName="login.example",
        IdentityPoolId=ipid,
    )
    assert merged["IdentityId"] == first["IdentityId"]
    assert sorted(
        identity.lookup_developer_identity(IdentityPoolId=ipid, IdentityId=first["IdentityId"])[
            "DeveloperUserIdentifierList"
        ]
    ) == ["user-1", "user-3"]
    visible = identity.list_identities(IdentityPoolId=ipid, MaxResults=60, HideDisabled=True)
    assert third["IdentityId"] not in [i["IdentityId"] for i in visible["Identities"]]

    identity.unlink_developer_identity(
        IdentityId=first["IdentityId"],
        IdentityPoolId=ipid,
        DeveloperProviderName="login.example",
        DeveloperUserIdentifier="user-3",
    )
    with pytest.raises(identity.exceptions.ResourceNotFoundException):
        identity.lookup_developer_identity(IdentityPoolId=ipid, DeveloperUserIdentifier="user-3")

    identity.delete_identities(IdentityIdsToDelete=[second["IdentityId"]])
    with pytest.raises(identity.exceptions.ResourceNotFoundException):
        identity.describe_identity(IdentityId=second["IdentityId"])


def test_basic_flow_with_sts_assume_role_with_web_identity(server, idp, identity):
    pool_id, client_id = user_pool(idp)
    tokens = user(idp, pool_id, client_id, "ada")
    logins = {provider(pool_id): tokens["IdToken"]}
    enhanced_only = identity_pool(identity, pool_id, client_id)
    identity_id = identity.get_id(IdentityPoolId=enhanced_only, Logins=logins)["IdentityId"]
    with pytest.raises(identity.exceptions.InvalidParameterException):
        identity.get_open_id_token(IdentityId=identity_id, Logins=logins)

    basic = identity_pool(identity, pool_id, client_id, AllowClassicFlow=True)
    identity_id = identity.get_id(IdentityPoolId=basic, Logins=logins)["IdentityId"]
    token = identity.get_open_id_token(IdentityId=identity_id, Logins=logins)["Token"]
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 600
    assert claims["amr"][0] == "authenticated"

    sts = sts_client(server)
    assumed = sts.assume_role_with_web_identity(
        RoleArn=AUTH_ROLE, RoleSessionName="web-session", WebIdentityToken=token
    )
    assert assumed["SubjectFromWebIdentityToken"] == identity_id
    assert assumed["Audience"] == basic
    assert assumed["AssumedRoleUser"]["Arn"] == (
        f"arn:aws:sts::{ACCOUNT}:assumed-role/CognitoAuth/web-session"
    )
    creds = assumed["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA")
    caller = sts_client(
        server,
        {
            "AccessKeyId": creds["AccessKeyId"],
            "SecretKey": creds["SecretAccessKey"],
            "SessionToken": creds["SessionToken"],
        },
    ).get_caller_identity()
    assert caller["Arn"] == assumed["AssumedRoleUser"]["Arn"]

    with pytest.raises(botocore.exceptions.ClientError) as refused:
        sts.assume_role_with_web_identity(
            RoleArn=ADMIN_ROLE, RoleSessionName="web-session", WebIdentityToken=token
        )
    assert error_of(refused)[0] == "AccessDenied"
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        sts.assume_role_with_web_identity(
            RoleArn=AUTH_ROLE, RoleSessionName="web-session", WebIdentityToken=tokens["IdToken"]
        )
    assert error_of(refused)[0] == "InvalidIdentityToken"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def moto_s3():
    port = free_port()
    process = subprocess.Popen(
        ["moto_server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{url}/moto-api/", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("moto_server did not start")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_seed_complete_auth_system(aws, idp, identity, server, moto_s3):
    """The seed's complete example: the setup script (aws CLI), then the Python client signs
    up, confirms, signs in, gets an identity and credentials, and uploads under its own
    prefix to S3 (moto's server standing in; it accepts any credentials)."""
    pool_id, client = setup_script(aws)
    client_id = client["ClientId"]
    ipid = aws(
        "cognito-identity",
        "create-identity-pool",
        "--identity-pool-name",
        "seed-identities",
        "--no-allow-unauthenticated-identities",
        "--cognito-identity-providers",
        f"ProviderName={provider(pool_id)},ClientId={client_id},ServerSideTokenCheck=true",
    )["IdentityPoolId"]
    aws(
        "cognito-identity",
        "set-identity-pool-roles",
        "--identity-pool-id",
        ipid,
        "--roles",
        f"authenticated={AUTH_ROLE},unauthenticated={UNAUTH_ROLE}",
    )

    email = "complete@example.com"
    idp.sign_up(
        ClientId=client_id,
        Username="complete",
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": email}],
    )
    idp.confirm_sign_up(
        ClientId=client_id, Username="complete", ConfirmationCode=latest_code(server, email)
    )
    tokens = sign_in(idp, client_id, "complete", PASSWORD)
    logins = {provider(pool_id): tokens["IdToken"]}
    identity_id = identity.get_id(IdentityPoolId=ipid, Logins=logins)["IdentityId"]
    creds = identity.get_credentials_for_identity(IdentityId=identity_id, Logins=logins)[
        "Credentials"
    ]

    s3 = boto3.client(
        "s3",
        endpoint_url=moto_s3,
        region_name=REGION,
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretKey"],
        aws_session_token=creds["SessionToken"],
    )
    s3.create_bucket(Bucket="seed-uploads")
    key = f"users/{identity_id}/hello.txt"
    s3.put_object(Bucket="seed-uploads", Key=key, Body=b"hello from the seed")
    assert s3.get_object(Bucket="seed-uploads", Key=key)["Body"].read() == b"hello from the seed"
    # The same credentials identify the user's identity to Cognate's STS.
    assert sts_client(server, creds).get_caller_identity()["Arn"].endswith(
        "/CognitoAuth/CognitoIdentityCredentials"
    )
