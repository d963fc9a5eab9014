"""MFA with boto3 and pyotp: software tokens set up with an access token or through the
MFA_SETUP challenge, SOFTWARE_TOKEN_MFA, SMS_MFA and EMAIL_OTP (codes read from the outbox),
SELECT_MFA_TYPE, wrong and reused codes, single-use sessions and bounded guessing (R8)."""

import json
import time
import urllib.parse
import urllib.request

import botocore.exceptions
import pyotp
import pytest

PASSWORD = "Correct-Horse-9"
PHONE = "+15555550008"
SNS = {"SnsCallerArn": "arn:aws:iam::000000000000:role/sms", "ExternalId": "x"}


def latest_code(server, destination):
    query = urllib.parse.urlencode({"destination": destination, "limit": 1})
    with urllib.request.urlopen(f"{server.url}/_cognate/messages?{query}", timeout=10) as reply:
        messages = json.load(reply)["messages"]
    assert messages, f"no message to {destination}"
    code = messages[0]["code"]
    assert code and len(code) == 6 and code.isdigit()
    return code


def pool_with(idp, mode, **factors):
    extra = {}
    if "EmailMfaConfiguration" in factors:
        extra = {
            "UserPoolTier": "ESSENTIALS",
            "EmailConfiguration": {
                "EmailSendingAccount": "DEVELOPER",
                "SourceArn": "arn:aws:ses:us-east-1:000000000000:identity/example.com",
                "From": "noreply@example.com",
            },
        }
    pool_id = idp.create_user_pool(PoolName="mfa", **extra)["UserPool"]["Id"]
    idp.set_user_pool_mfa_config(UserPoolId=pool_id, MfaConfiguration=mode, **factors)
    client_id = idp.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="app",
        ExplicitAuthFlows=[
            "ALLOW_USER_PASSWORD_AUTH",
            "ALLOW_ADMIN_USER_PASSWORD_AUTH",
            "ALLOW_REFRESH_TOKEN_AUTH",
        ],
    )["UserPoolClient"]["ClientId"]
    return pool_id, client_id


TOTP_ON = {"SoftwareTokenMfaConfiguration": {"Enabled": True}}


def user(idp, pool_id, username, **attributes):
    attrs = [{"Name": k, "Value": v} for k, v in attributes.items()]
    idp.admin_create_user(
        UserPoolId=pool_id, Username=username, UserAttributes=attrs, MessageAction="SUPPRESS"
    )
    idp.admin_set_user_password(
        UserPoolId=pool_id, Username=username, Password=PASSWORD, Permanent=True
    )


def sign_in(idp, client_id, username):
    return idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
    )


def answer(idp, client_id, started, username, key, code):
    return idp.respond_to_auth_challenge(
        ClientId=client_id,
        ChallengeName=started["ChallengeName"],
        Session=started["Session"],
        ChallengeResponses={"USERNAME": username, key: code},
    )


def error_of(call):
    with pytest.raises(botocore.exceptions.ClientError) as info:
        call()
    return info.value.response["Error"]["Code"], info.value.response["Error"]["Message"]


def next_step_code(totp):
    """The code of the next 30-second step: accepted (one step ahead is within the window)
    and different from a code of this step that was already used."""
    return totp.at(time.time() + 30)


def totp_user(idp, pool_id, client_id, username):
    """A user with a verified, enabled and preferred software token; returns its pyotp."""
    user(idp, pool_id, username)
    access = sign_in(idp, client_id, username)["AuthenticationResult"]["AccessToken"]
    secret = idp.associate_software_token(AccessToken=access)["SecretCode"]
    assert len(secret) >= 16 and secret.isalnum()
    totp = pyotp.TOTP(secret)
    verified = idp.verify_software_token(
        AccessToken=access, UserCode=totp.now(), FriendlyDeviceName="phone"
    )
    assert verified["Status"] == "SUCCESS"
    assert "Session" not in verified
    idp.set_user_mfa_preference(
        AccessToken=access,
        SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True},
    )
    return totp, access


def test_software_token_setup_with_an_access_token_and_sign_in(idp):
    pool_id, client_id = pool_with(idp, "OPTIONAL", **TOTP_ON)
    totp, access = totp_user(idp, pool_id, client_id, "amy")

    me = idp.get_user(AccessToken=access)
    assert me["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"]
    assert me["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA"
    admin = idp.admin_get_user(UserPoolId=pool_id, Username="amy")
    assert admin["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"]
    assert "MFAOptions" not in admin

    started = sign_in(idp, client_id, "amy")
    assert started["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    assert started["ChallengeParameters"]["FRIENDLY_DEVICE_NAME"] == "phone"
    assert "AuthenticationResult" not in started

    wrong = str((int(next_step_code(totp)) + 1) % 1_000_000).zfill(6)
    code, message = error_of(
        lambda: answer(idp, client_id, started, "amy", "SOFTWARE_TOKEN_MFA_CODE", wrong)
    )
    assert (code, message) == ("CodeMismatchException", "Invalid code received for user")

    good = next_step_code(totp)
    done = answer(idp, client_id, started, "amy", "SOFTWARE_TOKEN_MFA_CODE", good)
    assert done["AuthenticationResult"]["AccessToken"]
    assert done["ChallengeParameters"] == {}

    # The session is single use after success.
    code, message = error_of(
        lambda: answer(idp, client_id, started, "amy", "SOFTWARE_TOKEN_MFA_CODE", good)
    )
    assert code == "NotAuthorizedException"

    # The same code in a new session: accepted once only (R8).
    again = sign_in(idp, client_id, "amy")
    code, message = error_of(
        lambda: answer(idp, client_id, again, "amy", "SOFTWARE_TOKEN_MFA_CODE", good)
    )
    assert code == "ExpiredCodeException"


def test_mfa_setup_through_the_challenge_session(idp):
    pool_id, client_id = pool_with(idp, "ON", **TOTP_ON)
    user(idp, pool_id, "ben")

    started = sign_in(idp, client_id, "ben")
    assert started["ChallengeName"] == "MFA_SETUP"
    assert json.loads(started["ChallengeParameters"]["MFAS_CAN_SETUP"]) == ["SOFTWARE_TOKEN_MFA"]

    associated = idp.associate_software_token(Session=started["Session"])
    totp = pyotp.TOTP(associated["SecretCode"])
    code, _ = error_of(
        lambda: idp.verify_software_token(
            Session=associated["Session"],
            UserCode=str((int(totp.now()) + 1) % 1_000_000).zfill(6),
        )
    )
    assert code == "EnableSoftwareTokenMFAException"
    verified = idp.verify_software_token(
        Session=associated["Session"], UserCode=totp.now(), FriendlyDeviceName="laptop"
    )
    assert verified["Status"] == "SUCCESS" and verified["Session"]

    done = idp.respond_to_auth_challenge(
        ClientId=client_id,
        ChallengeName="MFA_SETUP",
        Session=verified["Session"],
        ChallengeResponses={"USERNAME": "ben"},
    )
    assert done["AuthenticationResult"]["IdToken"]

    # From now on the token is asked for.
    again = sign_in(idp, client_id, "ben")
    assert again["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    tokens = answer(idp, client_id, again, "ben", "SOFTWARE_TOKEN_MFA_CODE", next_step_code(totp))
    assert tokens["AuthenticationResult"]["AccessToken"]


def test_mfa_setup_by_email(server, idp):
    """MFA_SETUP answered with an EMAIL address (as Amplify sets up EMAIL_OTP): the code goes
    to that address, and once answered the address is the user's verified email and email
    MFA is on for the next sign-in."""
    pool_id, client_id = pool_with(idp, "ON", EmailMfaConfiguration={}, **TOTP_ON)
    user(idp, pool_id, "eve")
    started = sign_in(idp, client_id, "eve")
    assert started["ChallengeName"] == "MFA_SETUP"
    assert json.loads(started["ChallengeParameters"]["MFAS_CAN_SETUP"]) == [
        "SOFTWARE_TOKEN_MFA",
        "EMAIL_OTP",
    ]

    def setup_with(address):
        return idp.respond_to_auth_challenge(
            ClientId=client_id,
            ChallengeName="MFA_SETUP",
            Session=started["Session"],
            ChallengeResponses={"USERNAME": "eve", "EMAIL": address},
        )

    assert error_of(lambda: setup_with("not-an-address"))[0] == "InvalidParameterException"
    emailed = setup_with("eve@example.com")
    assert emailed["ChallengeName"] == "EMAIL_OTP"
    assert emailed["ChallengeParameters"]["CODE_DELIVERY_DESTINATION"] == "e***@e***"
    # Nothing changes before the code is answered.
    shown = idp.admin_get_user(UserPoolId=pool_id, Username="eve")
    assert "UserMFASettingList" not in shown
    assert all(a["Name"] != "email" for a in shown["UserAttributes"])

    done = answer(
        idp, client_id, emailed, "eve", "EMAIL_OTP_CODE", latest_code(server, "eve@example.com")
    )
    assert done["AuthenticationResult"]["AccessToken"]
    shown = idp.admin_get_user(UserPoolId=pool_id, Username="eve")
    attributes = {a["Name"]: a["Value"] for a in shown["UserAttributes"]}
    assert attributes["email"] == "eve@example.com"
    assert attributes["email_verified"] == "true"
    assert shown["UserMFASettingList"] == ["EMAIL_OTP"]
    assert sign_in(idp, client_id, "eve")["ChallengeName"] == "EMAIL_OTP"


def test_mfa_setup_by_email_needs_the_pool_to_offer_it(idp):
    pool_id, client_id = pool_with(idp, "ON", **TOTP_ON)
    user(idp, pool_id, "fay")
    started = sign_in(idp, client_id, "fay")
    assert started["ChallengeName"] == "MFA_SETUP"
    code, _ = error_of(
        lambda: idp.respond_to_auth_challenge(
            ClientId=client_id,
            ChallengeName="MFA_SETUP",
            Session=started["Session"],
            ChallengeResponses={"USERNAME": "fay", "EMAIL": "fay@example.com"},
        )
    )
    assert code == "InvalidParameterException"


def test_sms_mfa_with_the_code_from_the_outbox(server, idp):
    pool_id, client_id = pool_with(
        idp, "OPTIONAL", SmsMfaConfiguration={"SmsConfiguration": SNS}
    )
    user(idp, pool_id, "cat", phone_number=PHONE)
    idp.admin_set_user_mfa_preference(
        UserPoolId=pool_id, Username="cat", SMSMfaSettings={"Enabled": True}
    )
    shown = idp.admin_get_user(UserPoolId=pool_id, Username="cat")
    assert shown["UserMFASettingList"] == ["SMS_MFA"]
    assert shown["MFAOptions"] == [{"DeliveryMedium": "SMS", "AttributeName": "phone_number"}]

    started = idp.admin_initiate_auth(
        UserPoolId=pool_id,
        ClientId=client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "cat", "PASSWORD": PASSWORD},
    )
    assert started["ChallengeName"] == "SMS_MFA"
    params = started["ChallengeParameters"]
    assert params["CODE_DELIVERY_DELIVERY_MEDIUM"] == "SMS"
    assert params["CODE_DELIVERY_DESTINATION"] == "+*******0008"
    sms_code = latest_code(server, PHONE)

    wrong = str((int(sms_code) + 1) % 1_000_000).zfill(6)
    code, message = error_of(
        lambda: idp.admin_respond_to_auth_challenge(
            UserPoolId=pool_id,
            ClientId=client_id,
            ChallengeName="SMS_MFA",
            Session=started["Session"],
            ChallengeResponses={"USERNAME": "cat", "SMS_MFA_CODE": wrong},
        )
    )
    assert (code, message) == ("CodeMismatchException", "Invalid code or auth state for the user.")
    done = idp.admin_respond_to_auth_challenge(
        UserPoolId=pool_id,
        ClientId=client_id,
        ChallengeName="SMS_MFA",
        Session=started["Session"],
        ChallengeResponses={"USERNAME": "cat", "SMS_MFA_CODE": sms_code},
    )
    assert done["AuthenticationResult"]["AccessToken"]

    # Legacy settings switch SMS MFA off again.
    idp.admin_set_user_settings(UserPoolId=pool_id, Username="cat", MFAOptions=[])
    assert "UserMFASettingList" not in idp.admin_get_user(UserPoolId=pool_id, Username="cat")
    assert "AuthenticationResult" in sign_in(idp, client_id, "cat")


def test_email_otp_mfa(server, idp):
    pool_id, client_id = pool_with(idp, "OPTIONAL", EmailMfaConfiguration={})
    user(idp, pool_id, "dan", email="jane@example.com", email_verified="true")
    idp.admin_set_user_mfa_preference(
        UserPoolId=pool_id, Username="dan", EmailMfaSettings={"Enabled": True, "PreferredMfa": True}
    )
    started = sign_in(idp, client_id, "dan")
    assert started["ChallengeName"] == "EMAIL_OTP"
    assert started["ChallengeParameters"]["CODE_DELIVERY_DELIVERY_MEDIUM"] == "EMAIL"
    assert started["ChallengeParameters"]["CODE_DELIVERY_DESTINATION"] == "j***@e***"
    done = answer(
        idp, client_id, started, "dan", "EMAIL_OTP_CODE", latest_code(server, "jane@example.com")
    )
    assert done["AuthenticationResult"]["AccessToken"]


def test_several_factors_without_a_preference_are_chosen_from(server, idp):
    pool_id, client_id = pool_with(
        idp, "OPTIONAL", SmsMfaConfiguration={"SmsConfiguration": SNS}, **TOTP_ON
    )
    user(idp, pool_id, "eve", phone_number=PHONE)
    access = sign_in(idp, client_id, "eve")["AuthenticationResult"]["AccessToken"]
    totp = pyotp.TOTP(idp.associate_software_token(AccessToken=access)["SecretCode"])
    idp.verify_software_token(AccessToken=access, UserCode=totp.now())
    code, message = error_of(
        lambda: idp.set_user_mfa_preference(
            AccessToken=access,
            SMSMfaSettings={"Enabled": True, "PreferredMfa": True},
            SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True},
        )
    )
    assert code == "InvalidParameterException"
    idp.set_user_mfa_preference(
        AccessToken=access,
        SMSMfaSettings={"Enabled": True},
        SoftwareTokenMfaSettings={"Enabled": True},
    )
    me = idp.get_user(AccessToken=access)
    assert me["UserMFASettingList"] == ["SMS_MFA", "SOFTWARE_TOKEN_MFA"]
    assert "PreferredMfaSetting" not in me

    started = sign_in(idp, client_id, "eve")
    assert started["ChallengeName"] == "SELECT_MFA_TYPE"
    choices = json.loads(started["ChallengeParameters"]["MFAS_CAN_CHOOSE"])
    assert choices == ["SMS_MFA", "SOFTWARE_TOKEN_MFA"]
    chosen = answer(idp, client_id, started, "eve", "ANSWER", "SMS_MFA")
    assert chosen["ChallengeName"] == "SMS_MFA"
    done = answer(idp, client_id, chosen, "eve", "SMS_MFA_CODE", latest_code(server, PHONE))
    assert done["AuthenticationResult"]["AccessToken"]


def test_totp_needs_verification_before_it_can_be_enabled(idp):
    pool_id, client_id = pool_with(idp, "OPTIONAL", **TOTP_ON)
    user(idp, pool_id, "fay")
    access = sign_in(idp, client_id, "fay")["AuthenticationResult"]["AccessToken"]
    idp.associate_software_token(AccessToken=access)
    code, message = error_of(
        lambda: idp.set_user_mfa_preference(
            AccessToken=access, SoftwareTokenMfaSettings={"Enabled": True}
        )
    )
    assert (code, message) == ("InvalidParameterException", "User has not verified software token mfa")


def test_guessing_codes_kills_the_session_and_locks_the_user(idp):
    pool_id, client_id = pool_with(idp, "OPTIONAL", **TOTP_ON)
    totp, _ = totp_user(idp, pool_id, client_id, "gus")
    # Both sessions first, so the lock below is observed right after the fifth failure
    # (R1's first lock lasts one second; no sign-in runs in between).
    first = sign_in(idp, client_id, "gus")
    second = sign_in(idp, client_id, "gus")
    good = next_step_code(totp)
    wrong = str((int(good) + 1) % 1_000_000).zfill(6)
    for _ in range(5):
        code, _ = error_of(
            lambda: answer(idp, client_id, first, "gus", "SOFTWARE_TOKEN_MFA_CODE", wrong)
        )
        assert code == "CodeMismatchException"
    # Five answers spent the session: even the right code is refused now.
    code, message = error_of(
        lambda: answer(idp, client_id, first, "gus", "SOFTWARE_TOKEN_MFA_CODE", good)
    )
    assert (code, message) == ("NotAuthorizedException", "Invalid session for the user.")
    # And the user's MFA counter is locked for every session.
    code, message = error_of(
        lambda: answer(idp, client_id, second, "gus", "SOFTWARE_TOKEN_MFA_CODE", good)
    )
    assert (code, message) == ("NotAuthorizedException", "Password attempts exceeded")
