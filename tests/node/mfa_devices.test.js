// amazon-cognito-identity-js, unmodified: sign up, confirm, SRP sign-in, TOTP set up and
// used as MFA, the device it confirmed remembered, and the next sign-in answered by device
// SRP (DEVICE_SRP_AUTH → DEVICE_PASSWORD_VERIFIER) instead of MFA. TOTP codes are computed
// here with node:crypto (RFC 6238).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import {
  AdminListDevicesCommand,
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  SetUserPoolMfaConfigCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { ACCESS_KEY, SECRET_KEY, latestCode, startCognate } from "./server.js";
import cognito from "amazon-cognito-identity-js";

const { AuthenticationDetails, CognitoUser, CognitoUserAttribute, CognitoUserPool } = cognito;

const PASSWORD = "Correct-Horse-9";

let cognate;

before(async () => {
  cognate = await startCognate("cognate-node-mfa-");
});

after(() => cognate?.stop());

// RFC 6238 with SHA-1, six digits, 30-second steps; `offset` steps from now.
function totp(secretBase32, offset = 0) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of secretBase32.replace(/=+$/, "").toUpperCase()) {
    bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
  }
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 1000 / 30) + offset));
  const mac = createHmac("sha1", key).update(counter).digest();
  const start = mac[mac.length - 1] & 0x0f;
  const word = mac.readUInt32BE(start) & 0x7fffffff;
  return String(word % 1_000_000).padStart(6, "0");
}

test("the TOTP helper reproduces RFC 6238's first SHA-1 vector", () => {
  // T = 59 s: step 1; secret "12345678901234567890" (base32 GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ).
  const realNow = Date.now;
  Date.now = () => 59_000;
  try {
    assert.equal(totp("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"), "287082");
  } finally {
    Date.now = realNow;
  }
});

// Signs in with the library's default flow; `events` records the callbacks it went through,
// and `onTotp` gives the code when a software token is asked for.
function signIn(userPool, username, events, onTotp) {
  const user = new CognitoUser({ Username: username, Pool: userPool });
  const details = new AuthenticationDetails({ Username: username, Password: PASSWORD });
  return new Promise((resolve, reject) => {
    const done = (session, userConfirmationNecessary) => {
      events.push(userConfirmationNecessary ? "success:confirmation-necessary" : "success");
      resolve({ user, session });
    };
    user.authenticateUser(details, {
      onSuccess: done,
      onFailure: reject,
      totpRequired: (challengeName) => {
        events.push(challengeName);
        user.sendMFACode(onTotp(), { onSuccess: done, onFailure: reject }, "SOFTWARE_TOKEN_MFA");
      },
      mfaRequired: () => reject(new Error("unexpected SMS_MFA")),
      newPasswordRequired: () => reject(new Error("unexpected NEW_PASSWORD_REQUIRED")),
    });
  });
}

const promised = (fn) => new Promise((resolve, reject) => fn((err, result) => (err ? reject(err) : resolve(result))));

test("TOTP MFA, then a remembered device signs in without MFA through device SRP", async () => {
  const url = cognate.url;
  const idp = new CognitoIdentityProviderClient({
    region: "us-east-1",
    endpoint: url,
    credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
    maxAttempts: 1,
  });
  const pool = await idp.send(
    new CreateUserPoolCommand({
      PoolName: "node-mfa",
      AutoVerifiedAttributes: ["email"],
      DeviceConfiguration: { ChallengeRequiredOnNewDevice: true, DeviceOnlyRememberedOnUserPrompt: true },
    }),
  );
  const poolId = pool.UserPool.Id;
  await idp.send(
    new SetUserPoolMfaConfigCommand({
      UserPoolId: poolId,
      MfaConfiguration: "OPTIONAL",
      SoftwareTokenMfaConfiguration: { Enabled: true },
    }),
  );
  const appClient = await idp.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: "web" }));
  const userPool = new CognitoUserPool({ UserPoolId: poolId, ClientId: appClient.UserPoolClient.ClientId, endpoint: url });

  // Sign up and confirm.
  const email = "hana@example.com";
  await promised((cb) =>
    userPool.signUp("hana", PASSWORD, [new CognitoUserAttribute({ Name: "email", Value: email })], null, cb),
  );
  const fresh = new CognitoUser({ Username: "hana", Pool: userPool });
  const code = await latestCode(url, email);
  await promised((cb) => fresh.confirmRegistration(code, true, cb));

  // First sign-in: no MFA yet; the pool tracks devices, so the library confirms the new
  // device (ConfirmDevice) and is told the user must choose to remember it.
  const events = [];
  const first = await signIn(userPool, "hana", events, () => assert.fail("no MFA expected"));
  assert.deepEqual(events, ["success:confirmation-necessary"]);
  const { user } = first;

  // Set up a software token and make it the preferred MFA.
  const secret = await new Promise((resolve, reject) =>
    user.associateSoftwareToken({ associateSecretCode: resolve, onFailure: reject }),
  );
  assert.match(secret, /^[A-Z2-7]{32}$/);
  await new Promise((resolve, reject) =>
    user.verifySoftwareToken(totp(secret), "node-authenticator", { onSuccess: resolve, onFailure: reject }),
  );
  await promised((cb) => user.setUserMfaPreference(null, { Enabled: true, PreferredMfa: true }, cb));

  // Second sign-in: the device is known but not remembered, so TOTP is asked for. The code
  // of the next step (still accepted) differs from the one spent verifying the token.
  const second = [];
  const signedIn = await signIn(userPool, "hana", second, () => totp(secret, 1));
  assert.deepEqual(second, ["SOFTWARE_TOKEN_MFA", "success"]);

  // Remember the device.
  const devices = await new Promise((resolve, reject) =>
    signedIn.user.listDevices(10, null, { onSuccess: resolve, onFailure: reject }),
  );
  assert.equal(devices.Devices.length, 1);
  const deviceKey = devices.Devices[0].DeviceKey;
  await new Promise((resolve, reject) =>
    signedIn.user.setDeviceStatusRemembered({ onSuccess: resolve, onFailure: reject }),
  );
  const listed = await idp.send(new AdminListDevicesCommand({ UserPoolId: poolId, Username: "hana" }));
  const status = listed.Devices[0].DeviceAttributes.find((a) => a.Name === "dev:device_remembered_status");
  assert.equal(status.Value, "remembered");

  // Third sign-in: device SRP stands in for MFA; the access token names the device.
  const third = [];
  const remembered = await signIn(userPool, "hana", third, () => assert.fail("MFA after a remembered device"));
  assert.deepEqual(third, ["success"]);
  assert.equal(remembered.session.getAccessToken().decodePayload().device_key, deviceKey);

  // Refreshing sends the device key, as the token is bound to the device.
  const renewed = await promised((cb) =>
    remembered.user.refreshSession(remembered.session.getRefreshToken(), cb),
  );
  assert.equal(renewed.getAccessToken().decodePayload().device_key, deviceKey);
});
