"""Choice-based sign-in (USER_AUTH) through boto3: passwordless EMAIL_OTP and SMS_OTP with
the codes read from the local outbox, SELECT_CHALLENGE, and PASSWORD / PASSWORD_SRP chosen
in the flow (pycognito's SRP arithmetic answers PASSWORD_VERIFIER)."""

import json
import urllib.parse
import urllib.request

import botocore.exceptions
import pytest
from pycognito.aws_srp import AWSSRP

PASSWORD = "Correct-Horse-9"
EMAIL = "otp-user@example.com"
PHONE = "+15555550123"


def codes_to(server, destination):
    query = urllib.parse.urlencode({"destination": destination, "limit": 5})
    with urllib.request.urlopen(f"{server.url}/_cognate/messages?{query}", timeout=10) as reply:
        return [m["code"] for m in json.load(reply)["messages"]]


def latest_code(server, destination):
    codes = codes_to(server, destination)
    assert codes, f"no message to {destination}"
    code = codes[0]
    # Passwordless sign-in codes have eight digits.
    assert code and len(code) == 8 and code.isdigit(), code
    return code


@pytest.fixture
def pool(idp):
    pool_id = idp.create_user_pool(
        PoolName="passwordless",
        Policies={
            "SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP", "SMS_OTP"]}
        },
    )["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="app",
        ExplicitAuthFlows=["ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    idp.admin_create_user(
        UserPoolId=pool_id,
        Username="olive",
        UserAttributes=[
            {"Name": "email", "Value": EMAIL},
            {"Name": "email_verified", "Value": "true"},
            {"Name": "phone_number", "Value": PHONE},
            {"Name": "phone_number_verified", "Value": "true"},
        ],
        MessageAction="SUPPRESS",
    )
    idp.admin_set_user_password(
        UserPoolId=pool_id, Username="olive", Password=PASSWORD, Permanent=True
    )
    return pool_id, client_id


def user_auth(idp, client_id, **params):
    return idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_AUTH",
        AuthParameters={"USERNAME": "olive", **params},
    )


def test_email_otp_as_the_preferred_first_factor(server, idp, pool):
    _, client_id = pool
    started = user_auth(idp, client_id, PREFERRED_CHALLENGE="EMAIL_OTP")
    assert started["ChallengeName"] == "EMAIL_OTP"
    params = started["ChallengeParameters"]
    assert params["CODE_DELIVERY_DELIVERY_MEDIUM"] == "EMAIL"
    assert params["CODE_DELIVERY_DESTINATION"] != EMAIL
    assert params["CODE_DELIVERY_DESTINATION"].endswith("@e***")
    code = latest_code(server, EMAIL)

    wrong = "0" * 8 if code != "0" * 8 else "1" * 8
    with pytest.raises(botocore.exceptions.ClientError) as error:
        idp.respond_to_auth_challenge(
            ClientId=client_id,
            ChallengeName="EMAIL_OTP",
            Session=started["Session"],
            ChallengeResponses={"USERNAME": "olive", "EMAIL_OTP_CODE": wrong},
        )
    assert error.value.response["Error"]["Code"] == "CodeMismatchException"

    # A wrong code leaves the session usable; the right one signs in once.
    done = idp.respond_to_auth_challenge(
        ClientId=client_id,
        ChallengeName="EMAIL_OTP",
        Session=started["Session"],
        ChallengeResponses={"USERNAME": "olive", "EMAIL_OTP_CODE": code},
    )
    assert done["AuthenticationResult"]["AccessToken"]
    with pytest.raises(botocore.exceptions.ClientError) as error:
        idp.respond_to_auth_challenge(
            ClientId=client_id,
            ChallengeName="EMAIL_OTP",
            Session=started["Session"],
            ChallengeResponses={"USERNAME": "olive", "EMAIL_OTP_CODE": code},
        )
    assert error.value.response["Error"]["Code"] == "NotAuthorizedException"

    factors = idp.get_user_auth_factors(AccessToken=done["AuthenticationResult"]["AccessToken"])
    assert factors["Username"] == "olive"
    assert sorted(factors["ConfiguredUserAuthFactors"]) == ["EMAIL_OTP", "PASSWORD", "SMS_OTP"]


def test_otp_codes_have_an_attempt_limit(server, idp, pool):
    _, client_id = pool
    started = user_auth(idp, client_id, PREFERRED_CHALLENGE="EMAIL_OTP")
    code = latest_code(server, EMAIL)
    wrong = "0" * 8 if code != "0" * 8 else "1" * 8
    answers = []
    for _ in range(8):
        try:
            idp.respond_to_auth_challenge(
                ClientId=client_id,
                ChallengeName="EMAIL_OTP",
                Session=started["Session"],
                ChallengeResponses={"USERNAME": "olive", "EMAIL_OTP_CODE": wrong},
            )
            answers.append("ok")
        except botocore.exceptions.ClientError as error:
            answers.append(error.response["Error"]["Code"])
    assert "ok" not in answers
    assert answers[0] == "CodeMismatchException"
    assert answers[-1] != "CodeMismatchException", answers
    # Once the limit is reached even the right code is refused.
    with pytest.raises(botocore.exceptions.ClientError):
        idp.respond_to_auth_challenge(
            ClientId=client_id,
            ChallengeName="EMAIL_OTP",
            Session=started["Session"],
            ChallengeResponses={"USERNAME": "olive", "EMAIL_OTP_CODE": code},
        )


def test_select_challenge_then_sms_otp(server, idp, pool):
    _, client_id = pool
    started = user_auth(idp, client_id)
    assert started["ChallengeName"] == "SELECT_CHALLENGE"
    assert started["AvailableChallenges"] == ["EMAIL_OTP", "SMS_OTP", "PASSWORD", "PASSWORD_SRP"]
    chosen = idp.respond_to_auth_challenge(
        ClientId=client_id,
        ChallengeName="SELECT_CHALLENGE",
        Session=started["Session"],
        ChallengeResponses={"USERNAME": "olive", "ANSWER": "SMS_OTP"},
    )
    assert chosen["ChallengeName"] == "SMS_OTP"
    assert chosen["ChallengeParameters"]["CODE_DELIVERY_DELIVERY_MEDIUM"] == "SMS"
    assert chosen["ChallengeParameters"]["CODE_DELIVERY_DESTINATION"] == "+*******0123"
    done = idp.respond_to_auth_challenge(
        ClientId=client_id,
        ChallengeName="SMS_OTP",
        Session=chosen["Session"],
        ChallengeResponses={"USERNAME": "olive", "SMS_OTP_CODE": latest_code(server, PHONE)},
    )
    assert done["AuthenticationResult"]["IdToken"]
    # The SELECT_CHALLENGE session was used.
    with pytest.raises(botocore.exceptions.ClientError) as error:
        idp.respond_to_auth_challenge(
            ClientId=client_id,
            ChallengeName="SELECT_CHALLENGE",
            Session=started["Session"],
            ChallengeResponses={"USERNAME": "olive", "ANSWER": "EMAIL_OTP"},
        )
    assert error.value.response["Error"]["Code"] == "NotAuthorizedException"


def test_password_chosen_in_select_challenge(server, idp, pool):
    _, client_id = pool
    started = user_auth(idp, client_id)
    done = idp.respond_to_auth_challenge(
        ClientId=client_id,
        ChallengeName="SELECT_CHALLENGE",
        Session=started["Session"],
        ChallengeResponses={"USERNAME": "olive", "ANSWER": "PASSWORD", "PASSWORD": PASSWORD},
    )
    assert done["AuthenticationResult"]["AccessToken"]

    started = user_auth(idp, client_id)
    with pytest.raises(botocore.exceptions.ClientError) as error:
        idp.respond_to_auth_challenge(
            ClientId=client_id,
            ChallengeName="SELECT_CHALLENGE",
            Session=started["Session"],
            ChallengeResponses={"USERNAME": "olive", "ANSWER": "PASSWORD", "PASSWORD": "nope-1A!"},
        )
    assert error.value.response["Error"]["Code"] == "NotAuthorizedException"


def test_preferred_password_signs_in_directly(server, idp, pool):
    _, client_id = pool
    done = user_auth(idp, client_id, PREFERRED_CHALLENGE="PASSWORD", PASSWORD=PASSWORD)
    assert done["AuthenticationResult"]["AccessToken"]


def test_password_srp_preferred_and_selected(server, idp, pool):
    pool_id, client_id = pool
    srp = AWSSRP(username="olive", password=PASSWORD, pool_id=pool_id, client_id=client_id, client=idp)
    srp_a = srp.get_auth_params()["SRP_A"]

    verifier = user_auth(idp, client_id, PREFERRED_CHALLENGE="PASSWORD_SRP", SRP_A=srp_a)
    assert verifier["ChallengeName"] == "PASSWORD_VERIFIER"
    responses = srp.process_challenge(verifier["ChallengeParameters"], {"USERNAME": "olive"})
    done = idp.respond_to_auth_challenge(
        ClientId=client_id,
        ChallengeName="PASSWORD_VERIFIER",
        Session=verifier["Session"],
        ChallengeResponses=responses,
    )
    assert done["AuthenticationResult"]["AccessToken"]

    srp = AWSSRP(username="olive", password=PASSWORD, pool_id=pool_id, client_id=client_id, client=idp)
    started = user_auth(idp, client_id)
    verifier = idp.respond_to_auth_challenge(
        ClientId=client_id,
        ChallengeName="SELECT_CHALLENGE",
        Session=started["Session"],
        ChallengeResponses={
            "USERNAME": "olive",
            "ANSWER": "PASSWORD_SRP",
            "SRP_A": srp.get_auth_params()["SRP_A"],
        },
    )
    assert verifier["ChallengeName"] == "PASSWORD_VERIFIER"
    responses = srp.process_challenge(verifier["ChallengeParameters"], {"USERNAME": "olive"})
    done = idp.respond_to_auth_challenge(
        ClientId=client_id,
        ChallengeName="PASSWORD_VERIFIER",
        Session=verifier["Session"],
        ChallengeResponses=responses,
    )
    assert done["AuthenticationResult"]["RefreshToken"]


def test_factors_the_pool_does_not_allow_are_not_offered(server, idp):
    pool_id = idp.create_user_pool(PoolName="password-only")["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(
        UserPoolId=pool_id, ClientName="app", ExplicitAuthFlows=["ALLOW_USER_AUTH"]
    )["UserPoolClient"]["ClientId"]
    idp.admin_create_user(
        UserPoolId=pool_id,
        Username="olive",
        UserAttributes=[
            {"Name": "email", "Value": EMAIL},
            {"Name": "email_verified", "Value": "true"},
        ],
        MessageAction="SUPPRESS",
    )
    idp.admin_set_user_password(
        UserPoolId=pool_id, Username="olive", Password=PASSWORD, Permanent=True
    )
    before = codes_to(server, EMAIL)
    started = user_auth(idp, client_id, PREFERRED_CHALLENGE="EMAIL_OTP")
    assert started["ChallengeName"] == "SELECT_CHALLENGE"
    assert started["AvailableChallenges"] == ["PASSWORD", "PASSWORD_SRP"]
    assert codes_to(server, EMAIL) == before, "no code is sent for a factor the pool forbids"
    with pytest.raises(botocore.exceptions.ClientError) as error:
        idp.respond_to_auth_challenge(
            ClientId=client_id,
            ChallengeName="SELECT_CHALLENGE",
            Session=started["Session"],
            ChallengeResponses={"USERNAME": "olive", "ANSWER": "EMAIL_OTP"},
        )
    assert error.value.response["Error"]["Code"] == "InvalidParameterException"


def test_sign_in_right_after_confirm_sign_up(server, idp):
    """SignUp → ConfirmSignUp returns a Session; USER_AUTH with it and the username signs in
    without a password, once, for that user and client only."""
    pool_id = idp.create_user_pool(
        PoolName="after-sign-up",
        AutoVerifiedAttributes=["email"],
        Policies={"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP"]}},
    )["UserPool"]["Id"]

    def new_client(name):
        return idp.create_user_pool_client(
            UserPoolId=pool_id, ClientName=name, ExplicitAuthFlows=["ALLOW_USER_AUTH"]
        )["UserPoolClient"]["ClientId"]

    client_id, other_client = new_client("app"), new_client("other")
    address = "new-user@example.com"
    signed_up = idp.sign_up(
        ClientId=client_id,
        Username="nora",
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": address}],
    )
    assert signed_up["UserConfirmed"] is False and signed_up["Session"]
    # Before confirmation SignUp's session does not sign in.
    code, _ = error_of(
        lambda: idp.initiate_auth(
            ClientId=client_id,
            AuthFlow="USER_AUTH",
            AuthParameters={"USERNAME": "nora"},
            Session=signed_up["Session"],
        )
    )
    assert code == "UserNotConfirmedException"

    code_text = codes_to(server, address)[0]
    confirmed = idp.confirm_sign_up(
        ClientId=client_id,
        Username="nora",
        ConfirmationCode=code_text,
        Session=signed_up["Session"],
    )
    session = confirmed["Session"]
    assert session

    def start(client, username, with_session):
        return idp.initiate_auth(
            ClientId=client,
            AuthFlow="USER_AUTH",
            AuthParameters={"USERNAME": username},
            Session=with_session,
        )

    # Bound to its client and its user.
    assert error_of(lambda: start(other_client, "nora", session))[0] == "NotAuthorizedException"
    assert error_of(lambda: start(client_id, "olive", session))[0] == "NotAuthorizedException"
    assert error_of(lambda: start(client_id, "nora", "not-a-session-" * 4))[0] == (
        "NotAuthorizedException"
    )

    tokens = start(client_id, "nora", session)["AuthenticationResult"]
    assert tokens["AccessToken"] and tokens["RefreshToken"]
    assert idp.get_user(AccessToken=tokens["AccessToken"])["Username"] == "nora"
    # Single use.
    assert error_of(lambda: start(client_id, "nora", session))[0] == "NotAuthorizedException"


def error_of(call):
    with pytest.raises(botocore.exceptions.ClientError) as info:
        call()
    return info.value.response["Error"]["Code"], info.value.response["Error"]["Message"]
