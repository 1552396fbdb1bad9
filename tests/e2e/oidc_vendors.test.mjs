// docs/wire/registration.md §17.6: the `microsoft` and `apple` provider kinds end to end against
// the real OpenID Provider (npm oidc-provider, tests/lib/oidc_provider.mjs startProvider), mounted
// Microsoft-style at `/<tenant>/v2.0` and pointed at with `issuer_url`:
// - microsoft: the multi-tenant discovery document (`/common/v2.0`) names the issuer
//   `.../{tenantid}/v2.0`; each ID token's issuer must be that template filled with the token's
//   own `tid`, which must be a UUID (Kratos' provider_microsoft.go).
// - apple: `response_mode=form_post` (the provider POSTs the code back), and the client secret is
//   Apple's ES256 JWT signed with the team key, verified by the provider's token endpoint.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { browser, csrfOf, freePort, spa, startAtrium } from '../lib/harness.mjs';
import { query } from '../lib/db.mjs';
import { newKey, startProvider, walkProvider, walkProviderToFormPost } from '../lib/oidc_provider.mjs';

const MAPPER = `
local claims = std.extVar('claims');
{
  identity: {
    traits: { [if 'email' in claims then 'email' else null]: claims.email },
    verified_addresses: if 'email' in claims && claims.email_verified then [{ value: claims.email, via: 'email' }] else [],
    metadata_public: { iss: claims.iss, tid: std.get(claims.raw_claims, 'tid', null) },
  },
}`;
const b64 = (s) => 'base64://' + Buffer.from(s).toString('base64');

const TENANT = '9188040d-6c67-4c5b-b112-36a304b66dad';
const OTHER_TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
// Accounts whose names start with these get another tenant's tid, or a tid that is not a UUID.
const tidOf = (account) =>
  account.startsWith('other') ? OTHER_TENANT : account.startsWith('oddtid') ? `x/../${TENANT}` : account.startsWith('notid') ? undefined : TENANT;

const APPLE = { clientId: 'com.example.atrium', teamId: 'TEAM123456', keyId: 'KEY1234567' };
const appleKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });

let srv;
let idp;
before(async () => {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  srv = await startAtrium({
    config: {
      selfservice: {
        flows: { registration: { after: { oidc: { hooks: [{ hook: 'session' }] } } } },
        methods: {
          oidc: {
            enabled: true,
            config: {
              providers: [
                {
                  id: 'microsoft',
                  provider: 'microsoft',
                  microsoft_tenant: 'common',
                  subject_source: 'userinfo', // a Kratos key Atrium does not read: one warning
                  issuer_url: `${base}/common/v2.0`,
                  client_id: 'atrium',
                  client_secret: 'atrium-secret',
                  mapper_url: b64(MAPPER),
                  scope: ['email', 'profile'],
                },
                {
                  id: 'apple',
                  provider: 'apple',
                  issuer_url: `${base}/${TENANT}/v2.0`,
                  client_id: APPLE.clientId,
                  apple_team_id: APPLE.teamId,
                  apple_private_key_id: APPLE.keyId,
                  apple_private_key: appleKey.privateKey.export({ format: 'pem', type: 'pkcs8' }),
                  mapper_url: b64(MAPPER),
                  scope: ['email'],
                },
              ],
            },
          },
        },
      },
    },
  });
  idp = await startProvider({
    port,
    key: newKey('vendor-key'),
    path: `/${TENANT}/v2.0`,
    tid: tidOf,
    commonDiscovery: '/common/v2.0',
    redirectUris: [`${srv.base}self-service/methods/oidc/callback/microsoft`],
    appleClient: {
      ...APPLE,
      publicKey: appleKey.publicKey.export({ format: 'pem', type: 'spki' }),
      redirectUris: [`${srv.base}self-service/methods/oidc/callback/apple`],
    },
  });
});
after(async () => {
  if (srv) await srv.stop();
  if (idp) await idp.stop();
});

let counter = 0;
const account = (tag) => `${tag}-${process.pid}-${++counter}`;
const dbFile = () => path.join(srv.dir, 'atrium.db');
const identities = () => query(dbFile(), 'SELECT count(*) AS n FROM identities')[0].n;
const identityOf = (identifier) =>
  query(
    dbFile(),
    `SELECT i.id, i.traits, i.metadata_public FROM identities i JOIN identity_credential_identifiers c ON c.identity_id = i.id
     WHERE c.type = 'oidc' AND c.identifier = ?`,
    [identifier],
  );

async function start(c, providerId, who) {
  const init = await c.get('self-service/registration/browser');
  const flowId = init.json?.id ?? new URL(init.location).searchParams.get('flow');
  const flow = (await c.get(`self-service/registration/flows?id=${flowId}`, { accept: 'application/json' })).json;
  const res = await c.post(`self-service/registration?flow=${flow.id}`, {
    form: { csrf_token: csrfOf(flow), provider: providerId, 'upstream_parameters.login_hint': who },
  });
  assert.equal(res.status, 303, res.text);
  return { flow, url: new URL(res.location) };
}

describe('microsoft', () => {
  test('signs up through the multi-tenant discovery document; the issuer is the token tenant\'s', async () => {
    const c = browser(srv.base);
    const who = account('ms');
    const { url } = await start(c, 'microsoft', who);
    assert.equal(url.origin + url.pathname, `${idp.issuer}/auth`, 'the endpoints of the discovered document');
    assert.equal(url.searchParams.get('scope'), 'openid email profile');
    const res = await c.get(await walkProvider(url.toString(), srv.base));
    assert.equal(res.status, 303, res.text);
    assert.equal(res.location, 'http://127.0.0.1:4455/welcome');
    const [row] = identityOf(`microsoft:${who}`);
    assert.ok(row);
    assert.deepEqual(JSON.parse(row.metadata_public), { iss: `${idp.issuer}`, tid: TENANT });
    assert.equal(JSON.parse(row.traits).email, `${who}@example.com`);
  });

  test('a token whose tid names another tenant than its issuer, or no UUID, or none: refused, nothing created', async () => {
    for (const [tag, reason] of [
      ['other', /issued by another issuer/],
      ['oddtid', /tid claim is not a tenant id/],
      ['notid', /tid claim is not a tenant id/],
    ]) {
      const c = spa(srv.base);
      const who = account(tag);
      const flow = (await c.get('self-service/registration/browser')).json;
      const started = await c.post(`self-service/registration?flow=${flow.id}`, {
        json: { csrf_token: csrfOf(flow), provider: 'microsoft', upstream_parameters: { login_hint: who } },
      });
      assert.equal(started.status, 422, started.text);
      const before = identities();
      const res = await c.get(await walkProvider(started.json.redirect_browser_to, srv.base), { accept: 'application/json' });
      assert.equal(res.status, 403, `${tag}: ${res.text}`);
      assert.match(res.json.error.reason, reason, tag);
      assert.equal(identities(), before, tag);
      assert.ok(!c.cookies.has('ory_kratos_session'), tag);
    }
  });
});

describe('apple', () => {
  test('form_post callback and the ES256 client secret: signs up', async () => {
    const c = browser(srv.base);
    const who = account('apple');
    const { url } = await start(c, 'apple', who);
    assert.equal(url.searchParams.get('response_mode'), 'form_post');
    assert.equal(url.searchParams.get('client_id'), APPLE.clientId);
    const { action, fields } = await walkProviderToFormPost(url.toString());
    assert.equal(action, `${srv.base}self-service/methods/oidc/callback/apple`);
    assert.ok(fields.code && fields.state, JSON.stringify(fields));
    // The provider's page posts cross-site: the browser sends no SameSite=Lax cookie with it.
    const posted = await browser(srv.base).post(action, { form: fields });
    assert.equal(posted.status, 303, posted.text);
    const back = new URL(posted.location, srv.base);
    assert.equal(back.pathname, '/self-service/methods/oidc/callback/apple');
    assert.equal(back.searchParams.get('code'), fields.code);
    const seenBefore = idp.appleSecrets.length;
    const res = await c.get(back.toString());
    assert.equal(res.status, 303, res.text);
    assert.equal(res.location, 'http://127.0.0.1:4455/welcome');
    assert.ok(c.cookies.has('ory_kratos_session'));
    assert.equal(identityOf(`apple:${who}`).length, 1);
    // What the provider's token endpoint received as the client secret.
    const [secret] = idp.appleSecrets.slice(seenBefore);
    assert.ok(secret, 'a client secret was sent');
    assert.equal(secret.why, '', JSON.stringify(secret));
    assert.ok(secret.ok);
    assert.equal(secret.via, 'client_secret_post', 'in the body, as Apple (and Kratos) want it');
    assert.deepEqual(secret.header, { alg: 'ES256', kid: APPLE.keyId, typ: 'JWT' });
    assert.equal(secret.claims.iss, APPLE.teamId);
    assert.equal(secret.claims.sub, APPLE.clientId);
    assert.equal(secret.claims.aud, 'https://appleid.apple.com');
    assert.ok(secret.claims.exp - secret.claims.iat <= 15777000, 'at most six months');
  });

  test('a client secret the provider refuses: the sign-up fails, nothing created', async () => {
    // The same flow, but the provider's copy of the team key is another key.
    const c = spa(srv.base);
    const who = account('apple-refused');
    const flow = (await c.get('self-service/registration/browser')).json;
    const started = await c.post(`self-service/registration?flow=${flow.id}`, {
      json: { csrf_token: csrfOf(flow), provider: 'apple', upstream_parameters: { login_hint: who } },
    });
    assert.equal(started.status, 422, started.text);
    const { action, fields } = await walkProviderToFormPost(started.json.redirect_browser_to);
    const posted = await browser(srv.base).post(action, { form: fields });
    const before = identities();
    const seenBefore = idp.appleSecrets.length;
    // Swap the public key the provider checks with: the next secret fails verification.
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const original = idp.setApplePublicKey(other.publicKey.export({ format: 'pem', type: 'spki' }));
    try {
      const res = await c.get(new URL(posted.location, srv.base).toString(), { accept: 'application/json' });
      assert.equal(res.status, 502, res.text);
      assert.equal(idp.appleSecrets.slice(seenBefore)[0]?.why, 'signature');
    } finally {
      idp.setApplePublicKey(original);
    }
    assert.equal(identities(), before);
    assert.equal(identityOf(`apple:${who}`).length, 0);
  });
});

test('a Kratos provider key Atrium ignores draws one warning at start', () => {
  const warning = 'selfservice.methods.oidc.config.providers.0.subject_source: accepted but not implemented by Atrium; ignored';
  assert.equal(srv.logs().split(warning).length - 1, 1, srv.logs().slice(0, 2000));
});

test('the team key and client secrets never reach the logs', () => {
  const logs = srv.logs();
  assert.ok(!logs.includes('PRIVATE KEY'));
  assert.ok(!logs.includes('atrium-secret'));
  assert.ok(!/eyJhbGciOiJFUzI1Ni/.test(logs), 'no client secret JWT');
});
