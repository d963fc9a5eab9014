// Produces the amazon-cognito-identity-js reference values pinned in
// crates/cognate-crypto/src/srp.rs (tests::reference_client_*).
//
// Run outside the repository:
//   mkdir /tmp/srpref && cd /tmp/srpref && npm init -y && npm install amazon-cognito-identity-js@6.3.21
//   NODE_PATH=/tmp/srpref/node_modules node /path/to/js-reference.js
//
// The library's real CognitoUser.authenticateUser runs against a fake transport: a fixed
// small a (by replacing the random generator), a fixed clock (by replacing Date), and a
// server challenge computed here with native BigInt from a fixed b. The library then
// produces SRP_A, the HKDF key and PASSWORD_CLAIM_SIGNATURE with its own code.
'use strict';
const crypto = require('crypto');
const lib = require('amazon-cognito-identity-js');
const AuthenticationHelper = require('amazon-cognito-identity-js/lib/AuthenticationHelper').default;
const BigIntegerJs = require('amazon-cognito-identity-js/lib/BigInteger').default;

const N = BigInt('0x' +
  'FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74' +
  '020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437' +
  '4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED' +
  'EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05' +
  '98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB' +
  '9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B' +
  'E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718' +
  '3995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33' +
  'A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7' +
  'ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864' +
  'D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E2' +
  '08E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF');
const g = 2n;

function modPow(base, exp, m) {
  let r = 1n; base %= m;
  while (exp > 0n) { if (exp & 1n) r = (r * base) % m; base = (base * base) % m; exp >>= 1n; }
  return r;
}
function sha256hex(buf) { return crypto.createHash('sha256').update(buf).digest('hex'); }
function padHex(n) {
  let h = n.toString(16);
  if (h.length % 2) h = '0' + h;
  if ('89abcdef'.includes(h[0])) h = '00' + h;
  return h;
}
const k = BigInt('0x' + sha256hex(Buffer.from(padHex(N) + padHex(g), 'hex')));

const cases = [
  { pool: 'us-west-2_Zx9YwV8uT', user: '6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b', password: 'Corr3ct horse \u2603 battery!',
    salt: 'e3b0c44298fc1c149afbf4c8996fb924', aSeed: 'cognate-ref-a-1', bSeed: 'cognate-ref-b-1',
    secretBlock: Buffer.from('cognate reference secret block for interop tests').toString('base64'),
    date: '2026-12-05T09:05:07Z' },
  { pool: 'eu-central-1_q1W2e3R4t', user: 'Bob.Smith', password: 'pw',
    salt: '0a1b2c3d4e5f60718293a4b5c6d7e8f9', aSeed: 'cognate-ref-a-2', bSeed: 'cognate-ref-b-2',
    secretBlock: Buffer.from([0, 255, 1, 254, 2, 253, 128, 127]).toString('base64'),
    date: '2027-01-31T23:59:59Z' },
];

async function run(c) {
  const poolName = c.pool.split('_')[1];
  const a = BigInt('0x' + sha256hex(Buffer.from(c.aSeed)));
  const b = BigInt('0x' + sha256hex(Buffer.from(c.bSeed)));
  const salt = BigInt('0x' + c.salt);
  const inner = sha256hex(Buffer.from(poolName + c.user + ':' + c.password, 'utf8'));
  const x = BigInt('0x' + sha256hex(Buffer.from(padHex(salt) + inner, 'hex')));
  const v = modPow(g, x, N);
  const B = (k * v + modPow(g, b, N)) % N;

  const origGen = AuthenticationHelper.prototype.generateRandomSmallA;
  AuthenticationHelper.prototype.generateRandomSmallA = function () { return new BigIntegerJs(a.toString(16), 16); };
  let keyHex = null, uHex = null;
  const origKey = AuthenticationHelper.prototype.getPasswordAuthenticationKey;
  AuthenticationHelper.prototype.getPasswordAuthenticationKey = function (u, p, B_, s, cb) {
    const self = this;
    return origKey.call(this, u, p, B_, s, (err, hkdf) => { keyHex = Buffer.from(hkdf).toString('hex'); uHex = self.UValue.toString(16); cb(err, hkdf); });
  };
  const RealDate = Date;
  const fixed = new RealDate(c.date).getTime();
  global.Date = class extends RealDate { constructor(...args) { if (args.length) super(...args); else super(fixed); } static now() { return fixed; } };

  const pool = new lib.CognitoUserPool({ UserPoolId: c.pool, ClientId: '1example23456789' });
  const captured = {};
  pool.client.request = (op, req, cb) => {
    if (op === 'InitiateAuth') {
      captured.SRP_A = req.AuthParameters.SRP_A;
      cb(null, { ChallengeName: 'PASSWORD_VERIFIER', ChallengeParameters: {
        SALT: c.salt, SRP_B: B.toString(16), SECRET_BLOCK: c.secretBlock, USER_ID_FOR_SRP: c.user, USERNAME: c.user } });
    } else {
      captured.responses = req.ChallengeResponses;
      cb({ code: 'Stop', message: 'captured' });
    }
  };
  const user = new lib.CognitoUser({ Username: 'typed-name', Pool: pool });
  user.setAuthenticationFlowType('USER_SRP_AUTH');
  await new Promise((resolve) => user.authenticateUser(
    new lib.AuthenticationDetails({ Username: 'typed-name', Password: c.password }),
    { onSuccess: resolve, onFailure: resolve }));
  global.Date = RealDate;
  AuthenticationHelper.prototype.generateRandomSmallA = origGen;
  AuthenticationHelper.prototype.getPasswordAuthenticationKey = origKey;
  return {
    pool: c.pool, user: c.user, password: c.password, salt: c.salt,
    a: a.toString(16), b: b.toString(16), B: B.toString(16),
    SRP_A: captured.SRP_A, u: uHex, key: keyHex,
    SECRET_BLOCK: captured.responses.PASSWORD_CLAIM_SECRET_BLOCK,
    TIMESTAMP: captured.responses.TIMESTAMP,
    USERNAME: captured.responses.USERNAME,
    PASSWORD_CLAIM_SIGNATURE: captured.responses.PASSWORD_CLAIM_SIGNATURE,
    sha256_padhex_A: sha256hex(padHex(BigInt('0x' + captured.SRP_A))),
    sha256_padhex_v: sha256hex(padHex(v)),
  };
}

(async () => { for (const c of cases) console.log(JSON.stringify(await run(c), null, 1)); })();
