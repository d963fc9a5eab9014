"""The seed's "LocalStack Examples", endpoint aside: the aws CLI setup script, then the
Python client's flows through boto3 (sign up, confirm with the code from the outbox, sign
in, refresh), the tokens verified with PyJWT against the pool's JWKS, groups, ListUsers
filters, forgotten passwords, admin-created users, global sign-out and SECRET_HASH."""

import base64
import hashlib
import hmac
import json
import urllib.parse
import urllib.request

import jwt
import pytest

PASSWORD = "Correct-Horse-9"
NEW_PASSWORD = "Battery-Staple-7"
TEMPORARY = "Temporary-Pass-1"


def latest_code(server, destination):
    query = urllib.parse.urlencode({"destination": destination, "limit": 1})
    with urllib.request.urlopen(f"{server.url}/_cognate/messages?{query}", timeout=10) as reply:
        messages = json.load(reply)["messages"]
    assert messages, f"no message to {destination}"
    code = messages[0]["code"]
    assert code and len(code) == 6 and code.isdigit()
    return code


def secret_hash(username, client_id, client_secret):
    digest = hmac.new(
        client_secret.encode(), (username + client_id).encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode()


def setup_script(aws, *, generate_secret=False):
    """The setup script's aws CLI commands: a pool with a password policy and auto-verified
    email, a client with the password and refresh flows, and an `admins` group."""
    pool = aws(
        "cognito-idp",
        "create-user-pool",
        "--pool-name",
        "seed-pool",
        "--policies",
        "PasswordPolicy={MinimumLength=8,RequireUppercase=true,RequireLowercase=true,"
        "RequireNumbers=true,RequireSymbols=false}",
        "--auto-verified-attributes",
        "email",
    )["UserPool"]
    pool_id = pool["Id"]
    policy = pool["Policies"]["PasswordPolicy"]
    assert policy["MinimumLength"] == 8
    assert policy["RequireUppercase"] is True
    assert policy["RequireSymbols"] is False
    assert pool["AutoVerifiedAttributes"] == ["email"]

    client_args = [
        "cognito-idp",
        "create-user-pool-client",
        "--user-pool-id",
        pool_id,
        "--client-name",
        "seed-client",
        "--explicit-auth-flows",
        "ALLOW_USER_PASSWORD_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH",
        "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    ]
    if generate_secret:
        client_args.append("--generate-secret")
    client = aws(*client_args)["UserPoolClient"]
    assert sorted(client["ExplicitAuthFlows"]) == [
        "ALLOW_ADMIN_USER_PASSWORD_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH",
        "ALLOW_USER_PASSWORD_AUTH",
    ]
    assert ("ClientSecret" in client) is generate_secret

    group = aws(
        "cognito-idp",
        "create-group",
        "--user-pool-id",
        pool_id,
        "--group-name",
        "admins",
    )["Group"]
    assert group["GroupName"] == "admins"
    return pool_id, client


def sign_in(idp, client_id, username, password):
    return idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )["AuthenticationResult"]


def jwks_keys(server, pool_id):
    """The pool's JWKS, fetched over plain HTTP, as PyJWT keys by `kid`."""
    with urllib.request.urlopen(
        f"{server.url}/{pool_id}/.well-known/jwks.json", timeout=10
    ) as reply:
        jwks = json.load(reply)
    keys = {}
    for entry in jwks["keys"]:
        assert entry["kty"] == "RSA" and entry["alg"] == "RS256" and entry["use"] == "sig"
        keys[entry["kid"]] = jwt.PyJWK(entry)
    assert keys
    return keys


def verify_token(server, pool_id, token, *, audience=None):
    """The seed's verify_token: the header's kid selects a JWKS key; RS256 only; issuer
    checked, and the audience for ID tokens."""
    keys = jwks_keys(server, pool_id)
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "RS256"
    key = keys[header["kid"]]
    options = {"require": ["exp", "iat", "iss", "sub", "token_use"]}
    if audience is None:
        options["verify_aud"] = False
    return jwt.decode(
        token,
        key.key,
        algorithms=["RS256"],
        audience=audience,
        issuer=f"{server.url}/{pool_id}",
        options=options,
    )


def test_seed_quick_start(aws, idp, server):
    pool_id, client = setup_script(aws)
    client_id = client["ClientId"]
    email = "seed.user@example.com"

    # sign_up -> confirm_sign_up with the code from the outbox.
    signed = idp.sign_up(
        ClientId=client_id,
        Username="seeduser",
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": email}],
    )
    assert signed["UserConfirmed"] is False
    assert signed["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    sub = signed["UserSub"]

    with pytest.raises(idp.exceptions.InvalidPasswordException) as weak:
        idp.sign_up(ClientId=client_id, Username="weakling", Password="alllowercase1")
    assert "uppercase" in weak.value.response["Error"]["Message"]

    idp.confirm_sign_up(
        ClientId=client_id, Username="seeduser", ConfirmationCode=latest_code(server, email)
    )

    # sign_in, then refresh.
    tokens = sign_in(idp, client_id, "seeduser", PASSWORD)
    assert tokens["TokenType"] == "Bearer"
    assert tokens["ExpiresIn"] == 3600
    refreshed = idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]},
    )["AuthenticationResult"]
    assert "RefreshToken" not in refreshed
    assert refreshed["IdToken"] != tokens["IdToken"]
    assert refreshed["AccessToken"] != tokens["AccessToken"]

    # verify_token: both tokens of both sign-ins against the JWKS.
    id_claims = verify_token(server, pool_id, tokens["IdToken"], audience=client_id)
    access_claims = verify_token(server, pool_id, tokens["AccessToken"])
    new_id = verify_token(server, pool_id, refreshed["IdToken"], audience=client_id)
    new_access = verify_token(server, pool_id, refreshed["AccessToken"])

    assert id_claims["token_use"] == "id" and new_id["token_use"] == "id"
    assert access_claims["token_use"] == "access" and new_access["token_use"] == "access"
    assert id_claims["cognito:username"] == "seeduser"
    assert id_claims["sub"] == sub and access_claims["sub"] == sub
    assert id_claims["email"] == email
    assert id_claims["email_verified"] is True
    assert id_claims["aud"] == client_id
    assert access_claims["client_id"] == client_id
    assert access_claims["username"] == "seeduser"
    assert access_claims["scope"] == "aws.cognito.signin.user.admin"
    assert "cognito:groups" not in id_claims
    # A refresh stays in the sign-in's token family.
    assert new_id["origin_jti"] == id_claims["origin_jti"]
    assert new_access["origin_jti"] == access_claims["origin_jti"]
    assert id_claims["origin_jti"] == access_claims["origin_jti"]
    assert new_access["jti"] != access_claims["jti"]

    # The verifier refuses another audience, and a token whose signature is not its own.
    with pytest.raises(jwt.InvalidAudienceError):
        verify_token(server, pool_id, tokens["IdToken"], audience="someone-else")
    header, payload, _signature = tokens["IdToken"].split(".")
    foreign_signature = tokens["AccessToken"].split(".")[2]
    with pytest.raises(jwt.InvalidSignatureError):
        verify_token(
            server, pool_id, f"{header}.{payload}.{foreign_signature}", audience=client_id
        )

    # Groups: a fresh sign-in carries cognito:groups.
    idp.admin_add_user_to_group(UserPoolId=pool_id, Username="seeduser", GroupName="admins")
    grouped = sign_in(idp, client_id, "seeduser", PASSWORD)
    grouped_id = verify_token(server, pool_id, grouped["IdToken"], audience=client_id)
    grouped_access = verify_token(server, pool_id, grouped["AccessToken"])
    assert grouped_id["cognito:groups"] == ["admins"]
    assert grouped_access["cognito:groups"] == ["admins"]
    listed = idp.admin_list_groups_for_user(UserPoolId=pool_id, Username="seeduser")
    assert [g["GroupName"] for g in listed["Groups"]] == ["admins"]

    # ListUsers filters.
    idp.admin_create_user(
        UserPoolId=pool_id,
        Username="otheruser",
        TemporaryPassword=TEMPORARY,
        MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email", "Value": "other@example.org"}],
    )
    exact = idp.list_users(UserPoolId=pool_id, Filter=f'email = "{email}"')["Users"]
    assert [u["Username"] for u in exact] == ["seeduser"]
    prefix = idp.list_users(UserPoolId=pool_id, Filter='email ^= "seed."')["Users"]
    assert [u["Username"] for u in prefix] == ["seeduser"]
    none = idp.list_users(UserPoolId=pool_id, Filter='email = "nobody@example.com"')["Users"]
    assert none == []
    everyone = idp.list_users(UserPoolId=pool_id)["Users"]
    assert sorted(u["Username"] for u in everyone) == ["otheruser", "seeduser"]
    projected = idp.list_users(
        UserPoolId=pool_id, Filter='email ^= "other"', AttributesToGet=["email"]
    )["Users"]
    assert len(projected) == 1
    assert projected[0]["Username"] == "otheruser"
    assert projected[0]["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    assert projected[0]["Attributes"] == [{"Name": "email", "Value": "other@example.org"}]

    # ForgotPassword -> ConfirmForgotPassword -> sign in with the new password.
    forgot = idp.forgot_password(ClientId=client_id, Username="seeduser")
    assert forgot["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    assert forgot["CodeDeliveryDetails"]["AttributeName"] == "email"
    assert forgot["CodeDeliveryDetails"]["Destination"].startswith("s***@")
    idp.confirm_forgot_password(
        ClientId=client_id,
        Username="seeduser",
        ConfirmationCode=latest_code(server, email),
        Password=NEW_PASSWORD,
    )
    with pytest.raises(idp.exceptions.NotAuthorizedException) as old:
        sign_in(idp, client_id, "seeduser", PASSWORD)
    assert old.value.response["Error"]["Message"] == "Incorrect username or password."
    after_reset = sign_in(idp, client_id, "seeduser", NEW_PASSWORD)

    # AdminCreateUser -> NEW_PASSWORD_REQUIRED -> tokens.
    challenged = idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "otheruser", "PASSWORD": TEMPORARY},
    )
    assert challenged["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    assert challenged["Session"]
    assert "AuthenticationResult" not in challenged
    responded = idp.respond_to_auth_challenge(
        ClientId=client_id,
        ChallengeName="NEW_PASSWORD_REQUIRED",
        Session=challenged["Session"],
        ChallengeResponses={"USERNAME": "otheruser", "NEW_PASSWORD": NEW_PASSWORD},
    )["AuthenticationResult"]
    other_claims = verify_token(server, pool_id, responded["IdToken"], audience=client_id)
    assert other_claims["cognito:username"] == "otheruser"
    assert verify_token(server, pool_id, responded["AccessToken"])["token_use"] == "access"
    status = idp.admin_get_user(UserPoolId=pool_id, Username="otheruser")["UserStatus"]
    assert status == "CONFIRMED"
    sign_in(idp, client_id, "otheruser", NEW_PASSWORD)

    # AdminUserGlobalSignOut: the access token is revoked at once, and so is the refresh.
    assert idp.get_user(AccessToken=after_reset["AccessToken"])["Username"] == "seeduser"
    idp.admin_user_global_sign_out(UserPoolId=pool_id, Username="seeduser")
    with pytest.raises(idp.exceptions.NotAuthorizedException) as revoked:
        idp.get_user(AccessToken=after_reset["AccessToken"])
    assert revoked.value.response["Error"]["Message"] == "Access Token has been revoked"
    with pytest.raises(idp.exceptions.NotAuthorizedException) as refused:
        idp.initiate_auth(
            ClientId=client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": after_reset["RefreshToken"]},
        )
    assert refused.value.response["Error"]["Message"] == "Refresh Token has been revoked"
    # The other user is untouched, and a new sign-in works again.
    assert idp.get_user(AccessToken=responded["AccessToken"])["Username"] == "otheruser"
    again = sign_in(idp, client_id, "seeduser", NEW_PASSWORD)
    assert idp.get_user(AccessToken=again["AccessToken"])["Username"] == "seeduser"


def test_seed_secret_hash_client(aws, idp, server):
    pool_id, client = setup_script(aws, generate_secret=True)
    client_id, client_secret = client["ClientId"], client["ClientSecret"]
    email = "secret.user@example.com"
    username = "secretuser"

    def hashed(name=username):
        return secret_hash(name, client_id, client_secret)

    with pytest.raises(idp.exceptions.NotAuthorizedException) as missing:
        idp.sign_up(ClientId=client_id, Username=username, Password=PASSWORD)
    assert missing.value.response["Error"]["Message"] == (
        f"Client {client_id} is configured with secret but SECRET_HASH was not received"
    )

    idp.sign_up(
        ClientId=client_id,
        SecretHash=hashed(),
        Username=username,
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": email}],
    )
    idp.confirm_sign_up(
        ClientId=client_id,
        SecretHash=hashed(),
        Username=username,
        ConfirmationCode=latest_code(server, email),
    )

    # Sign-in without SECRET_HASH, with a wrong one, then with the right one.
    with pytest.raises(idp.exceptions.NotAuthorizedException) as absent:
        sign_in(idp, client_id, username, PASSWORD)
    assert absent.value.response["Error"]["Message"] == (
        f"Client {client_id} is configured with secret but SECRET_HASH was not received"
    )
    with pytest.raises(idp.exceptions.NotAuthorizedException) as wrong:
        idp.initiate_auth(
            ClientId=client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={
                "USERNAME": username,
                "PASSWORD": PASSWORD,
                "SECRET_HASH": hashed("someone-else"),
            },
        )
    assert wrong.value.response["Error"]["Message"] == (
        f"Unable to verify secret hash for client {client_id}"
    )
    tokens = idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD, "SECRET_HASH": hashed()},
    )["AuthenticationResult"]
    claims = verify_token(server, pool_id, tokens["IdToken"], audience=client_id)
    assert claims["cognito:username"] == username
    assert claims["email_verified"] is True

    # Refresh with a secret client: SECRET_HASH over the username.
    refreshed = idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"], "SECRET_HASH": hashed()},
    )["AuthenticationResult"]
    new_claims = verify_token(server, pool_id, refreshed["AccessToken"])
    assert new_claims["origin_jti"] == claims["origin_jti"]

    # The admin flow on a secret client needs it too.
    admin = idp.admin_initiate_auth(
        UserPoolId=pool_id,
        ClientId=client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD, "SECRET_HASH": hashed()},
    )["AuthenticationResult"]
    assert verify_token(server, pool_id, admin["AccessToken"])["username"] == username
