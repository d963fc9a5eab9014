"""What can you do: the seed's role policies decided for real temporary credentials.

Users sign in to a user pool, get identities and credentials from an identity pool, and a
service asks `POST /_cognate/authorize` whether those credentials may do an action on a
resource, presenting them in the body or signing its request with them (botocore SigV4)."""

import json
import tempfile
import urllib.error
import urllib.request

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from conftest import ACCESS_KEY, REGION, SECRET_KEY, Server
from test_identity_pools import AUTH_ROLE, UNAUTH_ROLE, identity_pool, provider, user, user_pool

BUCKET = "seed-app"
TABLE = "arn:aws:dynamodb:us-east-1:000000000000:table/Notes"
SUB = "${cognito-identity.amazonaws.com:sub}"

POLICIES = {
    "Roles": {
        AUTH_ROLE: {
            "Policies": {
                "UserFolders": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "OwnFolder",
                            "Effect": "Allow",
                            "Action": ["s3:PutObject", "s3:GetObject"],
                            "Resource": f"arn:aws:s3:::{BUCKET}/users/{SUB}/*",
                        },
                        {
                            "Sid": "OwnItems",
                            "Effect": "Allow",
                            "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"],
                            "Resource": TABLE,
                            "Condition": {
                                "ForAllValues:StringEquals": {"dynamodb:LeadingKeys": [SUB]}
                            },
                        },
                    ],
                }
            }
        },
        UNAUTH_ROLE: {
            "Policies": {
                "PublicRead": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": "s3:GetObject",
                            "Resource": f"arn:aws:s3:::{BUCKET}/public/*",
                        }
                    ],
                }
            }
        },
    }
}


@pytest.fixture
def policed_server():
    with tempfile.TemporaryDirectory() as data_dir:
        path = f"{data_dir}/policies.json"
        with open(path, "w") as f:
            json.dump(POLICIES, f)
        srv = Server(data_dir, extra_args=("--policies", path))
        try:
            yield srv
        finally:
            srv.stop()


def clients(server):
    kwargs = dict(
        endpoint_url=server.url,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )
    return boto3.client("cognito-idp", **kwargs), boto3.client("cognito-identity", **kwargs)


def ask(server, question):
    request = urllib.request.Request(
        f"{server.url}/_cognate/authorize",
        data=json.dumps(question).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, json.load(reply)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def body_creds(creds):
    return {
        "AccessKeyId": creds["AccessKeyId"],
        "SecretAccessKey": creds["SecretKey"],
        "SessionToken": creds["SessionToken"],
    }


def decision(server, creds, action, resource, context=None):
    question = {"Credentials": body_creds(creds), "Action": action, "Resource": resource}
    if context is not None:
        question["Context"] = context
    status, answer = ask(server, question)
    assert status == 200, answer
    return answer["Decision"]


def test_seed_policies_decide_for_issued_credentials(policed_server):
    server = policed_server
    idp, identity = clients(server)
    pool_id, client_id = user_pool(idp)
    ipid = identity_pool(identity, pool_id, client_id, AllowUnauthenticatedIdentities=True)

    people = {}
    for name in ("alice", "bob"):
        tokens = user(idp, pool_id, client_id, name)
        logins = {provider(pool_id): tokens["IdToken"]}
        identity_id = identity.get_id(IdentityPoolId=ipid, Logins=logins)["IdentityId"]
        creds = identity.get_credentials_for_identity(IdentityId=identity_id, Logins=logins)[
            "Credentials"
        ]
        people[name] = (identity_id, creds)
    a_id, a_creds = people["alice"]
    b_id, _ = people["bob"]

    own = f"arn:aws:s3:::{BUCKET}/users/{a_id}/photo.jpg"
    theirs = f"arn:aws:s3:::{BUCKET}/users/{b_id}/photo.jpg"
    assert decision(server, a_creds, "s3:PutObject", own) == "Allow"
    assert decision(server, a_creds, "s3:PutObject", theirs) == "ImplicitDeny"
    assert decision(server, a_creds, "s3:DeleteObject", own) == "ImplicitDeny"

    def leading(*keys):
        return decision(server, a_creds, "dynamodb:Query", TABLE, {"dynamodb:LeadingKeys": list(keys)})

    assert leading(a_id) == "Allow"
    assert leading(b_id) == "ImplicitDeny"
    assert leading(a_id, b_id) == "ImplicitDeny"

    guest_id = identity.get_id(IdentityPoolId=ipid)["IdentityId"]
    guest = identity.get_credentials_for_identity(IdentityId=guest_id)["Credentials"]
    public = f"arn:aws:s3:::{BUCKET}/public/readme.txt"
    assert decision(server, guest, "s3:GetObject", public) == "Allow"
    assert decision(server, guest, "s3:PutObject", public) == "ImplicitDeny"
    assert decision(server, guest, "s3:GetObject", own) == "ImplicitDeny"

    # A tampered secret or session token is not a principal.
    tampered = dict(a_creds, SecretKey=a_creds["SecretKey"][:-1] + "x")
    status, _ = ask(server, {"Credentials": body_creds(tampered), "Action": "s3:GetObject", "Resource": own})
    assert status == 403
    wrong_token = dict(a_creds, SessionToken="x" + a_creds["SessionToken"][1:])
    status, _ = ask(
        server, {"Credentials": body_creds(wrong_token), "Action": "s3:GetObject", "Resource": own}
    )
    assert status == 403


def test_a_request_signed_with_the_credentials_is_its_own_proof(policed_server):
    server = policed_server
    idp, identity = clients(server)
    pool_id, client_id = user_pool(idp)
    ipid = identity_pool(identity, pool_id, client_id)
    tokens = user(idp, pool_id, client_id, "carol")
    logins = {provider(pool_id): tokens["IdToken"]}
    identity_id = identity.get_id(IdentityPoolId=ipid, Logins=logins)["IdentityId"]
    creds = identity.get_credentials_for_identity(IdentityId=identity_id, Logins=logins)[
        "Credentials"
    ]

    def signed(secret, action, resource):
        body = json.dumps({"Action": action, "Resource": resource})
        request = AWSRequest(
            method="POST",
            url=f"{server.url}/_cognate/authorize",
            data=body,
            headers={"Content-Type": "application/json"},
        )
        signer = Credentials(creds["AccessKeyId"], secret, creds["SessionToken"])
        SigV4Auth(signer, "sts", REGION).add_auth(request)
        prepared = request.prepare()
        data = prepared.body.encode() if isinstance(prepared.body, str) else prepared.body
        http_request = urllib.request.Request(
            prepared.url, data=data, headers=dict(prepared.headers), method="POST"
        )
        try:
            with urllib.request.urlopen(http_request, timeout=10) as reply:
                return reply.status, json.load(reply)
        except urllib.error.HTTPError as error:
            return error.code, json.load(error)

    own = f"arn:aws:s3:::{BUCKET}/users/{identity_id}/notes.txt"
    status, answer = signed(creds["SecretKey"], "s3:GetObject", own)
    assert (status, answer["Decision"]) == (200, "Allow"), answer
    status, answer = signed(creds["SecretKey"], "s3:GetObject", f"arn:aws:s3:::{BUCKET}/users/other/x")
    assert (status, answer["Decision"]) == (200, "ImplicitDeny"), answer
    status, _ = signed(creds["SecretKey"][:-1] + "x", "s3:GetObject", own)
    assert status == 403
