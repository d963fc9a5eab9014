"""pycognito, unmodified, signs in with SRP (USER_SRP_AUTH → PASSWORD_VERIFIER), renews its
tokens and reads the user. pycognito answers PASSWORD_VERIFIER without a Session, so this
also covers state carried by SECRET_BLOCK alone."""

import datetime
import types

import botocore.exceptions
import pycognito
import pytest
from pycognito import Cognito

from conftest import ACCESS_KEY, SECRET_KEY

PASSWORD = "Correct-Horse-9"


def new_pool(idp, **extra):
    return idp.create_user_pool(PoolName="srp", **extra)["UserPool"]["Id"]


def new_client(idp, pool_id, **extra):
    return idp.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="app",
        ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        **extra,
    )["UserPoolClient"]


def confirmed_user(idp, pool_id, username, email):
    idp.admin_create_user(
        UserPoolId=pool_id,
        Username=username,
        UserAttributes=[
            {"Name": "email", "Value": email},
            {"Name": "email_verified", "Value": "true"},
        ],
        MessageAction="SUPPRESS",
    )
    idp.admin_set_user_password(
        UserPoolId=pool_id, Username=username, Password=PASSWORD, Permanent=True
    )


def cognito(server, pool_id, client, username):
    return Cognito(
        pool_id,
        client["ClientId"],
        username=username,
        client_secret=client.get("ClientSecret"),
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
        boto3_client_kwargs={"endpoint_url": server.url},
    )


def test_pycognito_signs_in_renews_and_reads_the_user(server, idp):
    pool_id = new_pool(idp)
    client = new_client(idp, pool_id)
    confirmed_user(idp, pool_id, "ivy", "ivy@example.com")

    user = cognito(server, pool_id, client, "ivy")
    # Verifies both tokens against the pool's JWKS (issuer <endpoint>/<pool>).
    user.authenticate(password=PASSWORD)
    assert user.access_claims["username"] == "ivy"
    assert user.id_claims["email"] == "ivy@example.com"
    first_access = user.access_token

    user.renew_access_token()
    assert user.access_token and user.access_token != first_access
    assert user.access_claims["token_use"] == "access"

    profile = user.get_user()
    assert profile._metadata["username"] == "ivy"
    assert profile.email == "ivy@example.com"


def test_pycognito_check_token_renews_only_an_expired_token(server, idp, monkeypatch):
    """check_token() reads the access token's exp: a fresh token is kept; past exp (the
    clock moved past it, tokens not touched) it renews through REFRESH_TOKEN_AUTH."""
    pool_id = new_pool(idp)
    client = new_client(idp, pool_id)
    confirmed_user(idp, pool_id, "liz", "liz@example.com")
    user = cognito(server, pool_id, client, "liz")
    user.authenticate(password=PASSWORD)
    first_access = user.access_token

    assert user.check_token() is False
    assert user.access_token == first_access

    real = datetime.datetime

    class Later(real):
        @classmethod
        def now(cls, tz=None):
            return real.now(tz) + datetime.timedelta(days=2)

    # Only pycognito's view of the clock moves (its module-level `datetime` name).
    monkeypatch.setattr(pycognito, "datetime", types.SimpleNamespace(datetime=Later))
    assert user.check_token() is True
    monkeypatch.undo()
    assert user.access_token and user.access_token != first_access
    assert user.access_claims["username"] == "liz"
    assert user.get_user().email == "liz@example.com"


def test_pycognito_with_a_client_secret_and_email_usernames(server, idp):
    pool_id = new_pool(idp, UsernameAttributes=["email"])
    client = new_client(idp, pool_id, GenerateSecret=True)
    confirmed_user(idp, pool_id, "jack@example.com", "jack@example.com")

    user = cognito(server, pool_id, client, "jack@example.com")
    user.authenticate(password=PASSWORD)
    # The internal username is the generated one, not the email typed.
    assert user.access_claims["username"] != "jack@example.com"
    assert user.id_claims["email"] == "jack@example.com"
    # Refresh hashes the internal username, not the email alias (as on Cognito, where
    # pycognito's hash of the typed alias fails: NabuCasa/pycognito#18).
    user.username = user.access_claims["username"]
    user.renew_access_token()
    assert user.get_user().email == "jack@example.com"


def test_pycognito_wrong_password(server, idp):
    pool_id = new_pool(idp)
    client = new_client(idp, pool_id)
    confirmed_user(idp, pool_id, "kim", "kim@example.com")
    user = cognito(server, pool_id, client, "kim")
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        user.authenticate(password="Wrong-Password-1")
    error = raised.value.response["Error"]
    assert error["Code"] == "NotAuthorizedException"
    assert error["Message"] == "Incorrect username or password."
