// docs/wire/registration.md §17.6: sign-up with the plain OAuth2 providers GitHub and Discord
// (no ID token: the claims come from their user APIs), against a local stand-in speaking their
// authorize/token endpoints and user APIs (tests/lib/oauth2_fake.mjs), reached through the
// providers' `auth_url`/`token_url` and Atrium's `atrium.oidc.api_urls`. GitHub's address is the
// primary one of its e-mail API, verified as GitHub says (Kratos' provider_github.go); Discord's
// user is mapped as Kratos' provider_discord.go maps it. An API that is down, slow or answers
// garbage, or a scope that was not granted: a clear error and nothing created.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { browser, csrfOf, spa, startAtrium } from '../lib/harness.mjs';
import { query } from '../lib/db.mjs';
import { startOAuth2Fake } from '../lib/oauth2_fake.mjs';
import { walkProvider } from '../lib/oidc_provider.mjs';

// Copies every claim it gets into metadata_public so that the tests can see the mapping.
const MAPPER = `
local claims = std.extVar('claims');
{
  identity: {
    traits: {
      [if 'email' in claims && claims.email != '' then 'email' else null]: claims.email,
    },
    verified_addresses: if 'email' in claims && claims.email_verified then [{ value: claims.email, via: 'email' }] else [],
    metadata_public: { [k]: claims[k] for k in std.objectFields(claims) if k != 'raw_claims' },
  },
}`;
const b64 = (s) => 'base64://' + Buffer.from(s).toString('base64');

let fake;
let srv;
before(async () => {
  fake = await startOAuth2Fake();
  const common = { client_id: 'atrium', client_secret: 'atrium-secret', mapper_url: b64(MAPPER), token_url: `${fake.base}/token` };
  srv = await startAtrium({
    config: {
      selfservice: {
        flows: { registration: { after: { oidc: { hooks: [{ hook: 'session' }] } } } },
        methods: {
          oidc: {
            enabled: true,
            config: {
              providers: [
                { id: 'github', provider: 'github', auth_url: `${fake.base}/github/authorize`, scope: ['user:email'], ...common },
                { id: 'discord', provider: 'discord', auth_url: `${fake.base}/discord/authorize`, scope: ['identify', 'email'], ...common },
                // No user:email scope: GitHub's e-mail API is not asked.
                { id: 'github-noemail', provider: 'github', auth_url: `${fake.base}/github/authorize`, scope: ['read:user'], ...common },
              ],
            },
          },
        },
      },
      atrium: {
        oidc: {
          api_urls: { github: `${fake.base}/github-api`, discord: `${fake.base}/discord-api/`, 'github-noemail': `${fake.base}/github-api` },
        },
      },
    },
  });
});
after(async () => {
  if (srv) await srv.stop();
  if (fake) await fake.stop();
});

let counter = 0;
const hint = (tag) => `${tag}-${process.pid}-${++counter}`;
const dbFile = () => path.join(srv.dir, 'atrium.db');
const identities = () => query(dbFile(), 'SELECT count(*) AS n FROM identities')[0].n;
const identityOf = (identifier) =>
  query(
    dbFile(),
    `SELECT i.id, i.traits, i.metadata_public FROM identities i JOIN identity_credential_identifiers c ON c.identity_id = i.id
     WHERE c.type = 'oidc' AND c.identifier = ?`,
    [identifier],
  );
const addressesOf = (identityId) =>
  query(dbFile(), 'SELECT value, verified FROM identity_verifiable_addresses WHERE identity_id = ? ORDER BY value', [identityId]);

function githubAccount(id, emails, extra = {}) {
  return {
    user: {
      id,
      login: `octo${id}`,
      name: `Octo Cat ${id}`,
      blog: 'https://blog.example',
      avatar_url: `https://avatars.example/${id}`,
      html_url: `https://github.example/octo${id}`,
      updated_at: '2024-05-06T07:08:09Z',
      email: null,
      ...extra,
    },
    emails,
  };
}

// A classic browser sign-up through the fake; the answer of Atrium's callback.
async function signUp(providerId, account) {
  const c = browser(srv.base);
  const init = await c.get('self-service/registration/browser');
  const flowId = new URL(init.location).searchParams.get('flow');
  const flow = (await c.get(`self-service/registration/flows?id=${flowId}`, { accept: 'application/json' })).json;
  const start = await c.post(`self-service/registration?flow=${flow.id}`, {
    form: { csrf_token: csrfOf(flow), provider: providerId, 'upstream_parameters.login_hint': account },
  });
  assert.equal(start.status, 303, start.text);
  const back = await walkProvider(start.location, srv.base);
  return { c, flow, authorize: new URL(start.location), res: await c.get(back) };
}

// The same as a SPA: the callback's JSON answer.
async function spaSignUp(providerId, account) {
  const c = spa(srv.base);
  const flow = (await c.get('self-service/registration/browser')).json;
  const start = await c.post(`self-service/registration?flow=${flow.id}`, {
    json: { csrf_token: csrfOf(flow), provider: providerId, upstream_parameters: { login_hint: account } },
  });
  assert.equal(start.status, 422, start.text);
  const back = await walkProvider(start.json.redirect_browser_to, srv.base);
  return { c, flow, res: await c.get(back, { accept: 'application/json' }) };
}

describe('GitHub', () => {
  test('signs up with the primary e-mail address of the e-mail API, verified', async () => {
    const account = hint('gh');
    const ghId = 1000 + counter;
    fake.state.accounts.set(account, {
      github: githubAccount(ghId, [
        { email: `other-${account}@example.com`, primary: false, verified: true, visibility: null },
        { email: `main-${account}@example.com`, primary: true, verified: true, visibility: 'private' },
        { email: `old-${account}@example.com`, primary: false, verified: false, visibility: null },
      ]),
    });
    const calls = fake.state.apiCalls.length;
    const { authorize, res } = await signUp('github', account);
    assert.equal(authorize.origin + authorize.pathname, `${fake.base}/github/authorize`);
    assert.equal(authorize.searchParams.get('scope'), 'user:email', 'no openid scope for plain OAuth2');
    assert.equal(authorize.searchParams.get('nonce'), null);
    assert.equal(res.status, 303, res.text);
    assert.equal(res.location, 'http://127.0.0.1:4455/welcome');
    const [identity] = identityOf(`github:${ghId}`);
    assert.ok(identity, 'the credential is keyed by the GitHub user id');
    assert.equal(JSON.parse(identity.traits).email, `main-${account}@example.com`);
    assert.deepEqual(addressesOf(identity.id), [{ value: `main-${account}@example.com`, verified: 1 }]);
    assert.deepEqual(JSON.parse(identity.metadata_public), {
      sub: String(ghId),
      iss: 'https://github.com/login/oauth/access_token',
      name: `Octo Cat ${ghId}`,
      nickname: `octo${ghId}`,
      website: 'https://blog.example',
      picture: `https://avatars.example/${ghId}`,
      profile: `https://github.example/octo${ghId}`,
      updated_at: Date.parse('2024-05-06T07:08:09Z') / 1000,
      email: `main-${account}@example.com`,
      email_verified: true,
    });
    assert.deepEqual(fake.state.apiCalls.slice(calls), ['GET /github-api/user', 'GET /github-api/user/emails']);
  });

  test('a primary address that GitHub has not verified is taken but stays unverified', async () => {
    const account = hint('gh-unverified');
    const ghId = 2000 + counter;
    fake.state.accounts.set(account, {
      github: githubAccount(ghId, [
        { email: `a-${account}@example.com`, primary: false, verified: false },
        { email: `b-${account}@example.com`, primary: true, verified: false },
      ]),
    });
    const { res } = await signUp('github', account);
    assert.equal(res.status, 303, res.text);
    const [identity] = identityOf(`github:${ghId}`);
    assert.equal(JSON.parse(identity.traits).email, `b-${account}@example.com`);
    assert.deepEqual(addressesOf(identity.id), [{ value: `b-${account}@example.com`, verified: 0 }], 'no verified address');
    assert.equal(JSON.parse(identity.metadata_public).email_verified, false);
  });

  test('a verified address that is not the primary one is not taken: the form asks for the e-mail', async () => {
    const account = hint('gh-noprimary');
    const ghId = 3000 + counter;
    fake.state.accounts.set(account, {
      github: githubAccount(ghId, [{ email: `x-${account}@example.com`, primary: false, verified: true }]),
    });
    const before = identities();
    const { res } = await spaSignUp('github', account);
    assert.equal(res.status, 400, res.text);
    const email = res.json.ui.nodes.find((n) => n.attributes.name === 'traits.email');
    assert.ok(email, 'the missing-traits form asks for the e-mail');
    assert.equal(email.attributes.value ?? '', '');
    assert.equal(identities(), before);
  });

  test('without the user:email scope only /user is asked (its public e-mail is not used)', async () => {
    const account = hint('gh-scope');
    const ghId = 4000 + counter;
    fake.state.accounts.set(account, {
      scope: 'read:user',
      github: githubAccount(ghId, [{ email: `p-${account}@example.com`, primary: true, verified: true }], { email: `public-${account}@example.com` }),
    });
    const calls = fake.state.apiCalls.length;
    const { res } = await spaSignUp('github-noemail', account);
    assert.equal(res.status, 400, res.text); // the schema requires an e-mail: the form asks for it
    assert.deepEqual(fake.state.apiCalls.slice(calls), ['GET /github-api/user']);
    assert.equal(identityOf(`github-noemail:${ghId}`).length, 0);
  });

  test('a configured scope the user did not grant: a clear error, nothing created', async () => {
    const account = hint('gh-denied');
    const ghId = 5000 + counter;
    fake.state.accounts.set(account, { scope: 'read:user', github: githubAccount(ghId, [{ email: `d-${account}@example.com`, primary: true, verified: true }]) });
    const before = identities();
    const calls = fake.state.apiCalls.length;
    const { res } = await spaSignUp('github', account);
    assert.equal(res.status, 400, res.text);
    assert.match(JSON.stringify(res.json.ui.messages), /one or more permissions were not granted/);
    assert.equal(fake.state.apiCalls.length, calls, 'the API is not asked');
    assert.equal(identities(), before);
  });

  test('the user or e-mail API down, slow or answering garbage: a clear error, nothing created', async () => {
    const cases = [
      ['/github-api/user', { status: 500, body: '{"message":"boom"}' }, 502, /returned a 500 status code/],
      ['/github-api/user', { status: 200, body: 'not json {' }, 502, /not JSON/],
      ['/github-api/user', { status: 200, body: '{"login":"no-id"}' }, 502, /no user id/],
      ['/github-api/user/emails', { status: 503, body: '' }, 502, /returned a 503 status code/],
      ['/github-api/user/emails', { status: 200, body: '{"email":"not-a-list@example.com"}' }, 502, /not a list/],
      ['/github-api/user/emails', { status: 200, body: '[{"email":' }, 502, /not JSON/],
      ['/github-api/user/emails', { delayMs: 6500, status: 200, body: '[]' }, 504, null],
    ];
    for (const [where, fault, status, reason] of cases) {
      const account = hint('gh-down');
      const ghId = 6000 + counter;
      fake.state.accounts.set(account, { github: githubAccount(ghId, [{ email: `e-${account}@example.com`, primary: true, verified: true }]) });
      fake.state.faults.set(where, fault);
      try {
        const before = identities();
        const started = Date.now();
        const { c, res } = await spaSignUp('github', account);
        const what = `${where} ${JSON.stringify(fault)}`;
        assert.equal(res.status, status, `${what}: ${res.text}`);
        if (reason) assert.match(JSON.stringify(res.json), reason, what);
        assert.ok(Date.now() - started < 6400, `${what}: the time budget held`);
        assert.equal(identities(), before, what);
        assert.equal(identityOf(`github:${ghId}`).length, 0, what);
        assert.ok(!c.cookies.has('ory_kratos_session'), what);
      } finally {
        fake.state.faults.delete(where);
      }
    }
  });
});

describe('Discord', () => {
  test('signs up with the user API mapped to claims', async () => {
    const account = hint('dc');
    const id = String(80351110224678912n + BigInt(counter));
    fake.state.accounts.set(account, {
      discord: {
        user: { id, username: 'nelly', discriminator: '1337', avatar: '8342729096ea3675442027381ff50dfe', verified: true, email: `${account}@example.com`, locale: 'en-US', flags: 64 },
      },
    });
    const { authorize, res } = await signUp('discord', account);
    assert.equal(authorize.origin + authorize.pathname, `${fake.base}/discord/authorize`);
    assert.equal(authorize.searchParams.get('prompt'), 'none', 'as Kratos: no consent screen when it can be skipped');
    assert.equal(authorize.searchParams.get('scope'), 'identify email');
    assert.equal(res.status, 303, res.text);
    const [identity] = identityOf(`discord:${id}`);
    assert.ok(identity, 'the credential is keyed by the Discord user id');
    assert.deepEqual(addressesOf(identity.id), [{ value: `${account}@example.com`, verified: 1 }]);
    assert.deepEqual(JSON.parse(identity.metadata_public), {
      sub: id,
      iss: 'https://discord.com/api/oauth2/',
      name: 'nelly#1337',
      nickname: 'nelly',
      preferred_username: 'nelly',
      picture: `https://cdn.discordapp.com/avatars/${id}/8342729096ea3675442027381ff50dfe.png`,
      email: `${account}@example.com`,
      email_verified: true,
      locale: 'en-US',
    });
  });

  test('an unverified Discord address gives no verified address; no avatar gives the default one', async () => {
    const account = hint('dc-unverified');
    const id = String(90000000000000000n + BigInt(counter));
    fake.state.accounts.set(account, {
      discord: { user: { id, username: 'nova', discriminator: '0', avatar: null, verified: false, email: `${account}@example.com` } },
    });
    const { res } = await signUp('discord', account);
    assert.equal(res.status, 303, res.text);
    const [identity] = identityOf(`discord:${id}`);
    assert.deepEqual(addressesOf(identity.id), [{ value: `${account}@example.com`, verified: 0 }]);
    const claims = JSON.parse(identity.metadata_public);
    assert.equal(claims.email_verified, false);
    assert.equal(claims.picture, `https://cdn.discordapp.com/embed/avatars/${Number((BigInt(id) >> 22n) % 6n)}.png`);
  });

  test('a prompt passed as an upstream parameter wins over prompt=none', async () => {
    const c = browser(srv.base);
    const init = await c.get('self-service/registration/browser');
    const flowId = new URL(init.location).searchParams.get('flow');
    const flow = (await c.get(`self-service/registration/flows?id=${flowId}`, { accept: 'application/json' })).json;
    const start = await c.post(`self-service/registration?flow=${flow.id}`, {
      form: { csrf_token: csrfOf(flow), provider: 'discord', 'upstream_parameters.prompt': 'consent' },
    });
    assert.equal(start.status, 303, start.text);
    assert.deepEqual(new URL(start.location).searchParams.getAll('prompt'), ['consent']);
  });

  test('a scope not granted, the user API down or answering garbage: a clear error, nothing created', async () => {
    const cases = [
      [{ scope: 'identify' }, null, 400, /one or more permissions were not granted/],
      [{}, { status: 401, body: '{"message":"401: Unauthorized"}' }, 502, /returned a 401 status code/],
      [{}, { status: 200, body: '<html>' }, 502, /not JSON/],
      [{}, { status: 200, body: '[1,2]' }, 502, /not a JSON object/],
      [{}, { status: 200, body: '{"username":"no-id"}' }, 502, /no user id/],
    ];
    for (const [extra, fault, status, reason] of cases) {
      const account = hint('dc-down');
      const id = String(70000000000000000n + BigInt(counter));
      fake.state.accounts.set(account, {
        ...extra,
        discord: { user: { id, username: 'x', discriminator: '1', verified: true, email: `${account}@example.com` } },
      });
      if (fault) fake.state.faults.set('/discord-api/users/@me', fault);
      try {
        const before = identities();
        const { res } = await spaSignUp('discord', account);
        const what = `${JSON.stringify(extra)} ${JSON.stringify(fault)}`;
        assert.equal(res.status, status, `${what}: ${res.text}`);
        assert.match(JSON.stringify(res.json), reason, what);
        assert.equal(identities(), before, what);
        assert.equal(identityOf(`discord:${id}`).length, 0, what);
      } finally {
        fake.state.faults.delete('/discord-api/users/@me');
      }
    }
  });
});

test('the access token and client secret never reach the logs', () => {
  assert.ok(!srv.logs().includes('atrium-secret'));
  assert.ok(!/gho_[0-9a-f]{24}/.test(srv.logs()));
});
