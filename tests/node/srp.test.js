// amazon-cognito-identity-js, unmodified, signs in with its default flow (USER_SRP_AUTH →
// PASSWORD_VERIFIER) against a real Cognate; aws-jwt-verify checks the tokens it gets.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  CognitoIdentityProviderClient,
  CreateUserPoolCommand,
  CreateUserPoolClientCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { JwtVerifier } from "aws-jwt-verify";
import { ACCESS_KEY, SECRET_KEY, latestCode as outboxCode, startCognate } from "./server.js";
// CommonJS: its named exports are read off the default export.
import cognito from "amazon-cognito-identity-js";

const { AuthenticationDetails, CognitoUser, CognitoUserAttribute, CognitoUserPool } = cognito;

const PASSWORD = "Correct-Horse-9";

let cognate;
let url;

before(async () => {
  cognate = await startCognate("cognate-node-srp-");
  url = cognate.url;
});

after(() => cognate?.stop());

const latestCode = (destination) => outboxCode(url, destination);

// The library's callback API as promises.
function signUp(userPool, username, password, attributes) {
  return new Promise((resolve, reject) =>
    userPool.signUp(username, password, attributes, null, (err, result) => (err ? reject(err) : resolve(result))),
  );
}

function confirm(user, code) {
  return new Promise((resolve, reject) =>
    user.confirmRegistration(code, true, (err, result) => (err ? reject(err) : resolve(result))),
  );
}

function authenticate(user, password) {
  const details = new AuthenticationDetails({ Username: user.getUsername(), Password: password });
  return new Promise((resolve, reject) =>
    user.authenticateUser(details, {
      onSuccess: resolve,
      onFailure: reject,
      newPasswordRequired: () => reject(new Error("unexpected NEW_PASSWORD_REQUIRED")),
    }),
  );
}

test("amazon-cognito-identity-js signs up, confirms and signs in with SRP", async () => {
  const idp = new CognitoIdentityProviderClient({
    region: "us-east-1",
    endpoint: url,
    credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
    maxAttempts: 1,
  });
  const pool = await idp.send(new CreateUserPoolCommand({ PoolName: "node-srp", AutoVerifiedAttributes: ["email"] }));
  const poolId = pool.UserPool.Id;
  // No ExplicitAuthFlows: the defaults include ALLOW_USER_SRP_AUTH.
  const appClient = await idp.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: "web" }));
  const clientId = appClient.UserPoolClient.ClientId;

  const userPool = new CognitoUserPool({ UserPoolId: poolId, ClientId: clientId, endpoint: url });
  const email = "grace@example.com";
  const signedUp = await signUp(userPool, "grace", PASSWORD, [
    new CognitoUserAttribute({ Name: "email", Value: email }),
  ]);
  assert.equal(signedUp.userConfirmed, false);
  const user = new CognitoUser({ Username: "grace", Pool: userPool });
  await confirm(user, await latestCode(email));

  // The library's default flow is USER_SRP_AUTH.
  const session = await authenticate(user, PASSWORD);
  assert.ok(session.isValid());
  const issuer = `${url}/${poolId}`;
  const jwksUri = `${issuer}/.well-known/jwks.json`;
  const jwks = await (await fetch(jwksUri)).json();
  const idVerifier = JwtVerifier.create({ issuer, audience: clientId, jwksUri });
  idVerifier.cacheJwks(jwks);
  const idClaims = await idVerifier.verify(session.getIdToken().getJwtToken());
  assert.equal(idClaims["cognito:username"], "grace");
  assert.equal(idClaims.email, email);
  const accessVerifier = JwtVerifier.create({ issuer, audience: null, jwksUri });
  accessVerifier.cacheJwks(jwks);
  const accessClaims = await accessVerifier.verify(session.getAccessToken().getJwtToken());
  assert.equal(accessClaims.token_use, "access");
  assert.equal(accessClaims.client_id, clientId);
  assert.ok(session.getRefreshToken().getToken());

  // A wrong password fails the claim with Cognito's error.
  const other = new CognitoUser({ Username: "grace", Pool: userPool });
  await assert.rejects(authenticate(other, "Wrong-Password-1"), (err) => {
    assert.equal(err.code, "NotAuthorizedException");
    assert.equal(err.message, "Incorrect username or password.");
    return true;
  });
});
