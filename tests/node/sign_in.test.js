// The AWS SDK for JavaScript v3 signs up, confirms and signs in against a real Cognate, and
// aws-jwt-verify checks both tokens against the pool's JWKS.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";
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

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const BIN =
  process.env.COGNATE_BIN ??
  join(process.env.CARGO_TARGET_DIR ?? join(ROOT, "target"), "debug", "cognate");
const ACCESS_KEY = "AKIDNODETEST";
const SECRET_KEY = "node-test-secret";

let server;
let dataDir;
let url;

before(async () => {
  assert.ok(existsSync(BIN), `${BIN} does not exist: build it with cargo build -p cognate-server`);
  dataDir = mkdtempSync(join(tmpdir(), "cognate-node-"));
  server = spawn(BIN, ["serve", "--listen", "127.0.0.1:0", "--data-dir", dataDir], {
    env: { ...process.env, COGNATE_ADMIN_CREDENTIALS: `${ACCESS_KEY}:${SECRET_KEY}`, RUST_LOG: "warn" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("cognate did not start in 60 s")), 60_000);
    const lines = createInterface({ input: server.stdout });
    lines.on("line", (line) => {
      if (line.startsWith("cognate listening on ")) {
        clearTimeout(timer);
        resolve(line.slice("cognate listening on ".length).trim());
      }
    });
    server.on("exit", (code) => reject(new Error(`cognate exited early (${code})`)));
  });
});

after(() => {
  server?.kill("SIGTERM");
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

function client() {
  return new CognitoIdentityProviderClient({
    region: "us-east-1",
    endpoint: url,
    credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
    maxAttempts: 1,
  });
}

async function latestCode(destination) {
  const response = await fetch(`${url}/_cognate/messages?destination=${encodeURIComponent(destination)}&limit=1`);
  assert.equal(response.status, 200);
  const { messages } = await response.json();
  assert.equal(messages.length, 1, `no message to ${destination}`);
  return messages[0].code;
}

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
