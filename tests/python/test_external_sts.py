"""External STS mode (`--external-sts-url`): GetCredentialsForIdentity exchanges the
identity's OpenID token at another STS (moto's server here, and a scripted one for the
form Cognate sends and the errors it maps) instead of issuing built-in credentials."""

import tempfile
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import jwt
import pytest

from conftest import ACCESS_KEY, REGION, SECRET_KEY, Server
from test_identity_pools import (
    AUTH_ROLE,
    error_of,
    free_port,
    identity_pool,
    moto_s3,  # noqa: F401 (fixture)
    provider,
    sts_client,
    user,
    user_pool,
)


def start_server(data_dir, sts_url):
    return Server(data_dir, extra_args=["--external-sts-url", sts_url])


@pytest.fixture
def server(moto_s3):  # noqa: F811 (the fixture above, by name)
    with tempfile.TemporaryDirectory() as data_dir:
        srv = start_server(data_dir, moto_s3)
        try:
            yield srv
        finally:
            srv.stop()


def moto_client(service, url, creds):
    return boto3.client(
        service,
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretKey"],
        aws_session_token=creds.get("SessionToken"),
    )


def signed_in_identity(idp, identity):
    pool_id, client_id = user_pool(idp)
    tokens = user(idp, pool_id, client_id, "ada")
    ipid = identity_pool(identity, pool_id, client_id)
    logins = {provider(pool_id): tokens["IdToken"]}
    identity_id = identity.get_id(IdentityPoolId=ipid, Logins=logins)["IdentityId"]
    return ipid, identity_id, logins


def test_credentials_come_from_moto_sts_and_work_there(server, idp, identity, moto_s3):  # noqa: F811
    _, identity_id, logins = signed_in_identity(idp, identity)
    answer = identity.get_credentials_for_identity(IdentityId=identity_id, Logins=logins)
    assert answer["IdentityId"] == identity_id
    creds = answer["Credentials"]
    assert creds["AccessKeyId"] and creds["SecretKey"] and creds["SessionToken"]

    # moto knows these credentials: its GetCallerIdentity names the role assumed with the
    # enhanced flow's session name (unknown keys get moto's default user instead).
    caller = moto_client("sts", moto_s3, creds).get_caller_identity()
    role_name = AUTH_ROLE.rsplit("/", 1)[1]
    assert caller["Arn"].endswith(f":assumed-role/{role_name}/CognitoIdentityCredentials")
    stranger = {"AccessKeyId": "AKIAIOSFODNN7EXAMPLE", "SecretKey": "x" * 40}
    assert moto_client("sts", moto_s3, stranger).get_caller_identity()["Arn"] != caller["Arn"]

    # Cognate's built-in STS never issued them.
    with pytest.raises(sts_client(server).exceptions.ClientError) as refused:
        sts_client(server, creds).get_caller_identity()
    assert error_of(refused)[0] == "InvalidClientTokenId"

    s3 = moto_client("s3", moto_s3, creds)
    s3.create_bucket(Bucket="uploads")
    s3.put_object(Bucket="uploads", Key=f"{identity_id}/hello.txt", Body=b"hi")
    assert s3.get_object(Bucket="uploads", Key=f"{identity_id}/hello.txt")["Body"].read() == b"hi"


class ScriptedSts:
    """A one-answer STS on loopback that records the forms it receives."""

    def __init__(self, status, body):
        self.forms = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                outer.forms.append(
                    dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                )
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def error_xml(code):
    return (
        "<ErrorResponse><Error><Type>Sender</Type>"
        f"<Code>{code}</Code><Message>refused by the test</Message></Error>"
        "<RequestId>r</RequestId></ErrorResponse>"
    )


OK_XML = """<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
<AssumeRoleWithWebIdentityResult><Credentials>
<AccessKeyId>ASIASCRIPTED00000000</AccessKeyId>
<SecretAccessKey>scripted-secret</SecretAccessKey>
<SessionToken>scripted-token</SessionToken>
<Expiration>2030-01-02T03:04:05Z</Expiration>
</Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>"""


def clients(srv):
    kwargs = dict(
        endpoint_url=srv.url,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )
    return boto3.client("cognito-idp", **kwargs), boto3.client("cognito-identity", **kwargs)


def with_scripted(status, body, test):
    sts = ScriptedSts(status, body)
    try:
        with tempfile.TemporaryDirectory() as data_dir:
            srv = start_server(data_dir, sts.url)
            try:
                test(srv, sts, *clients(srv))
            finally:
                srv.stop()
    finally:
        sts.stop()


def test_the_form_carries_the_identity_token_and_the_answer_is_returned():
    def test(srv, sts, idp, identity):
        ipid, identity_id, logins = signed_in_identity(idp, identity)
        creds = identity.get_credentials_for_identity(IdentityId=identity_id, Logins=logins)[
            "Credentials"
        ]
        assert creds["AccessKeyId"] == "ASIASCRIPTED00000000"
        assert creds["SecretKey"] == "scripted-secret"
        assert creds["SessionToken"] == "scripted-token"
        assert int(creds["Expiration"].timestamp()) == 1893553445
        [form] = sts.forms
        token = form.pop("WebIdentityToken")
        assert form == {
            "Action": "AssumeRoleWithWebIdentity",
            "Version": "2011-06-15",
            "RoleArn": AUTH_ROLE,
            "RoleSessionName": "CognitoIdentityCredentials",
            "DurationSeconds": "3600",
        }
        # Cognate's identity-pool OpenID token for this identity, checked with its keys.
        jwks = jwt.PyJWKClient(f"{srv.url}/cognito-identity/.well-known/jwks_uri")
        claims = jwt.decode(
            token,
            jwks.get_signing_key_from_jwt(token).key,
            algorithms=["RS256"],
            audience=ipid,
        )
        assert claims["sub"] == identity_id
        assert "authenticated" in claims["amr"]

    with_scripted(200, OK_XML, test)


@pytest.mark.parametrize(
    "status,body,expected",
    [
        (403, error_xml("AccessDenied"), "InvalidIdentityPoolConfigurationException"),
        (400, error_xml("InvalidIdentityToken"), "NotAuthorizedException"),
        (500, error_xml("InternalFailure"), "ExternalServiceException"),
        (200, "<not-credentials/>", "ExternalServiceException"),
    ],
)
def test_external_sts_errors_map_to_cognito_errors(status, body, expected):
    def test(srv, sts, idp, identity):
        _, identity_id, logins = signed_in_identity(idp, identity)
        with pytest.raises(identity.exceptions.ClientError) as refused:
            identity.get_credentials_for_identity(IdentityId=identity_id, Logins=logins)
        assert error_of(refused)[0] == expected
        assert len(sts.forms) == 1

    with_scripted(status, body, test)


def test_unreachable_external_sts_is_an_external_service_exception():
    closed = f"http://127.0.0.1:{free_port()}/"
    with tempfile.TemporaryDirectory() as data_dir:
        srv = start_server(data_dir, closed)
        try:
            idp, identity = clients(srv)
            _, identity_id, logins = signed_in_identity(idp, identity)
            with pytest.raises(identity.exceptions.ExternalServiceException):
                identity.get_credentials_for_identity(IdentityId=identity_id, Logins=logins)
        finally:
            srv.stop()
