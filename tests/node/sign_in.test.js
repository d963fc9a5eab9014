// The AWS SDK for JavaScript v3 signs up, confirms and signs in against a real Cognate, and
// aws-jwt-verify checks both tokens against the pool's JWKS.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  CognitoIdentityProviderClient,
  CreateUserPoolCommand,
  CreateUserPoolClientCommand,
  SignUpCommand,
  ConfirmSignUpCommand,
  InitiateAuthCommand,
  GetUserCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { JwtVerifier } from "aws-jwt-verify";
import { ACCESS_KEY, SECRET_KEY, latestCode as outboxCode, startCognate } from "./server.js";

let cognate;
let url;

before(async () => {
  cognate = await startCognate("cognate-node-");
  url = cognate.url;
});

after(() => cognate?.stop());

function client() {
  return new CognitoIdentityProviderClient({
    region: "us-east-1",
    endpoint: url,
    credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
    maxAttempts: 1,
  });
}

const latestCode = (destination) => outboxCode(url, destination);

test("sign up, confirm, sign in, and verify both tokens against the JWKS", async () => {
  const idp = client();
  const pool = await idp.send(
    new CreateUserPoolCommand({ PoolName: "node", AutoVerifiedAttributes: ["email"] }),
  );
  const poolId = pool.UserPool.Id;
  const appClient = await idp.send(
    new CreateUserPoolClientCommand({
      UserPoolId: poolId,
      ClientName: "web",
      ExplicitAuthFlows: ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    }),
  );
  const clientId = appClient.UserPoolClient.ClientId;

  const email = "ada@example.com";
  const password = "Correct-Horse-9";
  const signedUp = await idp.send(
    new SignUpCommand({
      ClientId: clientId,
      Username: "ada",
      Password: password,
      UserAttributes: [{ Name: "email", Value: email }],
    }),
  );
  assert.equal(signedUp.UserConfirmed, false);
  assert.equal(signedUp.CodeDeliveryDetails.DeliveryMedium, "EMAIL");

  await idp.send(
    new ConfirmSignUpCommand({ ClientId: clientId, Username: "ada", ConfirmationCode: await latestCode(email) }),
  );

  const signedIn = await idp.send(
    new InitiateAuthCommand({
      ClientId: clientId,
      AuthFlow: "USER_PASSWORD_AUTH",
      AuthParameters: { USERNAME: "ada", PASSWORD: password },
    }),
  );
  const tokens = signedIn.AuthenticationResult;
  assert.equal(tokens.TokenType, "Bearer");
  assert.equal(tokens.ExpiresIn, 3600);

  const issuer = `${url}/${poolId}`;
  const jwks = await (await fetch(`${issuer}/.well-known/jwks.json`)).json();
  const idVerifier = JwtVerifier.create({ issuer, audience: clientId, jwksUri: `${issuer}/.well-known/jwks.json` });
  idVerifier.cacheJwks(jwks);
  const idClaims = await idVerifier.verify(tokens.IdToken);
  assert.equal(idClaims.token_use, "id");
  assert.equal(idClaims["cognito:username"], "ada");
  assert.equal(idClaims.email, email);
  assert.equal(idClaims.email_verified, true);

  // Access tokens carry client_id instead of aud.
  const accessVerifier = JwtVerifier.create({ issuer, audience: null, jwksUri: `${issuer}/.well-known/jwks.json` });
  accessVerifier.cacheJwks(jwks);
  const accessClaims = await accessVerifier.verify(tokens.AccessToken);
  assert.equal(accessClaims.token_use, "access");
  assert.equal(accessClaims.client_id, clientId);
  assert.equal(accessClaims.scope, "aws.cognito.signin.user.admin");
  assert.equal(accessClaims.origin_jti, idClaims.origin_jti);

  // A token with a changed payload fails verification.
  const [header, payload, signature] = tokens.AccessToken.split(".");
  const forged = JSON.parse(Buffer.from(payload, "base64url").toString());
  forged.username = "mallory";
  const tampered = [header, Buffer.from(JSON.stringify(forged)).toString("base64url"), signature].join(".");
  await assert.rejects(accessVerifier.verify(tampered));

  const me = await idp.send(new GetUserCommand({ AccessToken: tokens.AccessToken }));
  assert.equal(me.Username, "ada");
});
