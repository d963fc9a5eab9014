"""Self-service user flows through boto3, as an application would drive them: sign up,
confirm with the code from the local outbox, sign in, read the profile."""

import base64
import hashlib
import hmac
import json
import urllib.parse
import urllib.request

import botocore.exceptions
import pytest

PASSWORD = "Correct-Horse-9"


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


def new_pool(idp, **extra):
    return idp.create_user_pool(
        PoolName="user-flows", AutoVerifiedAttributes=["email"], **extra
    )["UserPool"]["Id"]


def new_client(idp, pool_id, **extra):
    return idp.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="app",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        **extra,
    )["UserPoolClient"]


def initiate_auth_available(idp, client_id):
    """Whether USER_PASSWORD_AUTH is implemented by this build."""
    try:
        idp.initiate_auth(
            ClientId=client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "probe-nobody", "PASSWORD": PASSWORD},
        )
    except botocore.exceptions.ClientError as error:
        return error.response["Error"]["Code"] not in ("NotImplemented", "NotImplementedException")
    return True


def test_sign_up_confirm_and_sign_in(idp, server):
    pool_id = new_pool(idp)
    client_id = new_client(idp, pool_id)["ClientId"]

    signed = idp.sign_up(
        ClientId=client_id,
        Username="alice",
        Password=PASSWORD,
        UserAttributes=[
            {"Name": "email", "Value": "alice@example.com"},
            {"Name": "name", "Value": "Alice"},
        ],
    )
    assert signed["UserConfirmed"] is False
    assert len(signed["UserSub"]) == 36
    assert signed["CodeDeliveryDetails"] == {
        "Destination": "a***@e***",
        "DeliveryMedium": "EMAIL",
        "AttributeName": "email",
    }

    with pytest.raises(idp.exceptions.UsernameExistsException) as taken:
        idp.sign_up(ClientId=client_id, Username="alice", Password=PASSWORD)
    assert taken.value.response["Error"]["Message"] == "User already exists"

    code = latest_code(server, "alice@example.com")
    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(idp.exceptions.CodeMismatchException) as mismatch:
        idp.confirm_sign_up(ClientId=client_id, Username="alice", ConfirmationCode=wrong)
    assert (
        mismatch.value.response["Error"]["Message"]
        == "Invalid verification code provided, please try again."
    )
    idp.confirm_sign_up(ClientId=client_id, Username="alice", ConfirmationCode=code)

    with pytest.raises(idp.exceptions.NotAuthorizedException) as again:
        idp.confirm_sign_up(ClientId=client_id, Username="alice", ConfirmationCode=code)
    assert (
        again.value.response["Error"]["Message"]
        == "User cannot be confirmed. Current status is CONFIRMED"
    )

    if not initiate_auth_available(idp, client_id):
        pytest.skip("InitiateAuth is not implemented in this build")
    tokens = idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "alice", "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    user = idp.get_user(AccessToken=tokens["AccessToken"])
    assert user["Username"] == "alice"
    attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    assert user["UserAttributes"][0]["Name"] == "sub"
    assert attributes["sub"] == signed["UserSub"]
    assert attributes["email"] == "alice@example.com"
    assert attributes["email_verified"] == "true"
    assert attributes["name"] == "Alice"


def test_secret_client_and_forgotten_password(idp, server):
    pool_id = new_pool(idp, UsernameAttributes=["email"])
    client = new_client(idp, pool_id, GenerateSecret=True)
    client_id, client_secret = client["ClientId"], client["ClientSecret"]
    email = "bob@example.com"

    with pytest.raises(idp.exceptions.NotAuthorizedException) as missing:
        idp.sign_up(ClientId=client_id, Username=email, Password=PASSWORD)
    assert missing.value.response["Error"]["Message"] == (
        f"Client {client_id} is configured with secret but SECRET_HASH was not received"
    )

    signed = idp.sign_up(
        ClientId=client_id,
        SecretHash=secret_hash(email, client_id, client_secret),
        Username=email,
        Password=PASSWORD,
    )
    sub = signed["UserSub"]
    # Resending replaces the code; the newest one confirms.
    idp.resend_confirmation_code(
        ClientId=client_id,
        SecretHash=secret_hash(email, client_id, client_secret),
        Username=email,
    )
    idp.confirm_sign_up(
        ClientId=client_id,
        SecretHash=secret_hash(email, client_id, client_secret),
        Username=email,
        ConfirmationCode=latest_code(server, email),
    )

    sent = idp.forgot_password(
        ClientId=client_id,
        SecretHash=secret_hash(email, client_id, client_secret),
        Username=email,
    )
    assert sent["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    with pytest.raises(idp.exceptions.InvalidPasswordException) as weak:
        idp.confirm_forgot_password(
            ClientId=client_id,
            SecretHash=secret_hash(email, client_id, client_secret),
            Username=email,
            ConfirmationCode=latest_code(server, email),
            Password="short",
        )
    assert (
        weak.value.response["Error"]["Message"]
        == "Password does not conform to policy: Password not long enough"
    )
    idp.confirm_forgot_password(
        ClientId=client_id,
        SecretHash=secret_hash(email, client_id, client_secret),
        Username=email,
        ConfirmationCode=latest_code(server, email),
        Password="Reset-Password-1",
    )

    if not initiate_auth_available(idp, client_id):
        pytest.skip("InitiateAuth is not implemented in this build")
    # The username of an email-username pool is the sub; the SECRET_HASH names it.
    tokens = idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={
            "USERNAME": email,
            "PASSWORD": "Reset-Password-1",
            "SECRET_HASH": secret_hash(email, client_id, client_secret),
        },
    )["AuthenticationResult"]
    user = idp.get_user(AccessToken=tokens["AccessToken"])
    assert user["Username"] == sub
