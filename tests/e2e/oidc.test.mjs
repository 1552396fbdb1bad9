// docs/wire/registration.md §17.6: social sign-up with OpenID Connect against a real provider
// (npm oidc-provider, tests/lib/oidc_provider.mjs) in the three client kinds, the missing-traits
// form, an existing subject signing in, key rotation at the provider; and every hostile answer a
// provider (tests/lib/oidc_provider.mjs startForger) or a browser can give: after each refusal the
// database holds no new identity.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { api, browser, csrfOf, freePort, node, spa, startAtrium, Client } from '../lib/harness.mjs';
import { query } from '../lib/db.mjs';
import { hs256, newKey, signRs256, startForger, startProvider, unsignedToken, walkProvider } from '../lib/oidc_provider.mjs';

const MAPPER = `
local claims = std.extVar('claims');
{
  identity: {
    traits: {
      [if 'email' in claims then 'email' else null]: claims.email,
      name: claims.name,
    },
    verified_addresses: if 'email' in claims && claims.email_verified then [{ value: claims.email, via: 'email' }] else [],
    metadata_public: { sub: claims.sub },
    metadata_admin: { iss: claims.iss },
  },
}`;
const b64 = (s) => 'base64://' + Buffer.from(s).toString('base64');

function oidcConfig(providers) {
  return {
    selfservice: {
      flows: { registration: { style: 'unified', after: { oidc: { hooks: [{ hook: 'session' }] } } } },
      methods: { oidc: { enabled: true, config: { providers } } },
    },
  };
}
const provider = (id, issuer, extra = {}) => ({
  id,
  provider: 'generic',
  client_id: 'atrium',
  client_secret: 'atrium-secret',
  issuer_url: issuer,
  mapper_url: b64(MAPPER),
  scope: ['email', 'profile'],
  ...extra,
});

const KINDS = ['google', 'gitlab', 'auth0', 'keycloak'];
let srv; // atrium with the real provider `idp`, the forger `forged`, a dead one and a broken mapper
let idp; // the real provider
let forger;
let idpPort;
let deadPort;
let key1;
before(async () => {
  key1 = newKey('key-1');
  idpPort = await freePort();
  deadPort = await freePort();
  forger = await startForger({ key: newKey('forger-1') });
  const idpIssuer = `http://127.0.0.1:${idpPort}`;
  srv = await startAtrium({
    config: oidcConfig([
      provider('idp', idpIssuer, { label: 'Test IdP' }),
      provider('forged', forger.issuer),
      provider('dead', `http://127.0.0.1:${deadPort}`),
      provider('badmapper', forger.issuer, { mapper_url: b64("error 'the mapper refuses'") }),
      // Provider kinds that find their endpoints by discovery, pointed at the same real provider.
      ...KINDS.map((kind) => provider(`kind-${kind}`, idpIssuer, { provider: kind })),
    ]),
  });
  idp = await startProvider({
    port: idpPort,
    key: key1,
    redirectUris: ['idp', ...KINDS.map((k) => `kind-${k}`)].map((id) => `${srv.base}self-service/methods/oidc/callback/${id}`),
  });
});
after(async () => {
  if (srv) await srv.stop();
  if (idp) await idp.stop();
  if (forger) await forger.stop();
});

let counter = 0;
const user = (tag = 'u') => `${tag}-${process.pid}-${++counter}`;
const dbFile = () => path.join(srv.dir, 'atrium.db');
const identities = () => query(dbFile(), 'SELECT count(*) AS n FROM identities')[0].n;
const identityOf = (providerId, sub) =>
  query(
    dbFile(),
    `SELECT i.id, i.traits, i.metadata_public, i.metadata_admin FROM identities i JOIN identity_credential_identifiers c ON c.identity_id = i.id
     WHERE c.type = 'oidc' AND c.identifier = ?`,
    [`${providerId}:${sub}`],
  );

// A refused callback: no session, not sent on to the return URL.
function assertRefused(r, c, what = '') {
  assert.ok(!c.cookies.has('ory_kratos_session'), `${what}: a session was issued`);
  assert.ok(r.status >= 300, `${what}: ${r.status}`);
  assert.notEqual(r.location, 'http://127.0.0.1:4455/welcome', `${what} was accepted`);
}

// A browser flow and its CSRF token.
async function browserFlow(c) {
  const init = await c.get('self-service/registration/browser');
  assert.equal(init.status, 303);
  const id = new URL(init.location).searchParams.get('flow');
  const flow = (await c.get(`self-service/registration/flows?id=${id}`, { accept: 'application/json' })).json;
  return flow;
}

// Starts a sign-up with `providerId` in a classic browser; returns the provider URL.
async function browserStart(c, providerId, sub, extra = {}) {
  const flow = await browserFlow(c);
  const res = await c.post(`self-service/registration?flow=${flow.id}`, {
    form: { csrf_token: csrfOf(flow), provider: providerId, 'upstream_parameters.login_hint': sub, ...extra },
  });
  assert.equal(res.status, 303, res.text);
  return { flow, url: res.location, res };
}

// The whole classic browser sign-up: the callback's answer.
async function browserSignUp(c, providerId, sub) {
  const { flow, url } = await browserStart(c, providerId, sub);
  const back = await walkProvider(url, srv.base);
  return { flow, back, res: await c.get(back) };
}

describe('sign-up with a real provider', () => {
  test('the provider kinds that use discovery (google, gitlab, auth0, keycloak) sign up like generic', async () => {
    for (const kind of KINDS) {
      const sub = user(kind);
      const c = browser(srv.base);
      const { res } = await browserSignUp(c, `kind-${kind}`, sub);
      assert.equal(res.status, 303, `${kind}: ${res.text}`);
      assert.equal(res.location, 'http://127.0.0.1:4455/welcome', kind);
      assert.equal(identityOf(`kind-${kind}`, sub).length, 1, `${kind}: one identity with the oidc credential`);
    }
  });

  test('the flow offers the provider buttons', async () => {
    const flow = await browserFlow(browser(srv.base));
    const b = flow.ui.nodes.find((n) => n.group === 'oidc' && n.attributes.value === 'idp');
    assert.deepEqual(b.attributes, { name: 'provider', type: 'submit', value: 'idp', disabled: false, node_type: 'input' });
    assert.deepEqual(b.meta.label, {
      id: 1040002,
      text: 'Sign up with Test IdP',
      type: 'info',
      context: { provider: 'Test IdP', provider_id: 'idp' },
    });
    assert.equal(flow.ui.nodes[0].group, 'oidc'); // oidc buttons sort first
  });

  test('classic browser: 303 to the provider with state, nonce and PKCE; back to the return URL with a session', async () => {
    const c = browser(srv.base);
    const sub = user('browser');
    const { url, res: started } = await browserStart(c, 'idp', sub);
    const auth = new URL(url);
    assert.equal(auth.origin, idp.issuer);
    assert.equal(auth.searchParams.get('client_id'), 'atrium');
    assert.equal(auth.searchParams.get('redirect_uri'), `${srv.base}self-service/methods/oidc/callback/idp`);
    assert.equal(auth.searchParams.get('scope'), 'openid email profile');
    assert.equal(auth.searchParams.get('code_challenge_method'), 'S256');
    assert.equal(auth.searchParams.get('login_hint'), sub);
    assert.ok(auth.searchParams.get('nonce').length >= 32);
    assert.ok(started.setCookies.some((s) => s.startsWith('ory_kratos_continuity=') && /HttpOnly/.test(s) && /SameSite=Lax/.test(s)));
    const back = await walkProvider(url, srv.base);
    const res = await c.get(back);
    assert.equal(res.status, 303, res.text);
    assert.equal(res.location, 'http://127.0.0.1:4455/welcome');
    assert.ok(c.cookies.has('ory_kratos_session'));
    // The round trip is over: its continuity cookie is deleted (same path, HttpOnly, Lax).
    const cleared = res.setCookies.filter((s) => s.startsWith('ory_kratos_continuity='));
    assert.equal(cleared.length, 1, res.setCookies.join('\n'));
    assert.match(cleared[0], /^ory_kratos_continuity=;/);
    assert.match(cleared[0], /Max-Age=0/);
    assert.match(cleared[0], /Path=\//);
    assert.ok(!c.cookies.has('ory_kratos_continuity'), 'the browser dropped the continuity cookie');
    const [row] = identityOf('idp', sub);
    assert.deepEqual(JSON.parse(row.traits), { email: `${sub}@example.com`, name: `User ${sub}` });
    assert.deepEqual(JSON.parse(row.metadata_public), { sub });
    assert.deepEqual(JSON.parse(row.metadata_admin), { iss: idp.issuer });
    const [addr] = query(dbFile(), 'SELECT verified, status FROM identity_verifiable_addresses WHERE identity_id = ?', [row.id]);
    assert.equal(addr.verified, 1);
    assert.equal(addr.status, 'completed');
    const who = await c.get('sessions/whoami', { accept: 'application/json' });
    assert.equal(who.status, 200);
    assert.equal(who.json.identity.id, row.id);
    assert.equal(who.json.authentication_methods[0].method, 'oidc');
  });

  test('spa: 422 browser_location_change_required, then the callback signs in', async () => {
    const c = spa(srv.base);
    const sub = user('spa');
    const flow = (await c.get('self-service/registration/browser')).json;
    const res = await c.post(`self-service/registration?flow=${flow.id}`, {
      json: { csrf_token: csrfOf(flow), provider: 'idp', upstream_parameters: { login_hint: sub } },
    });
    assert.equal(res.status, 422, res.text);
    assert.equal(res.json.error.id, 'browser_location_change_required');
    const url = res.json.redirect_browser_to;
    assert.ok(url.startsWith(idp.issuer + '/auth?'));
    const back = await walkProvider(url, srv.base);
    const done = await c.get(back, { accept: 'text/html' });
    assert.equal(done.status, 303, done.text);
    assert.ok(c.cookies.has('ory_kratos_session'));
    assert.equal(identityOf('idp', sub).length, 1);
  });

  test('api: 422 with the provider URL, then the callback answers the session token', async () => {
    const c = api(srv.base);
    const sub = user('api');
    const flow = (await c.get('self-service/registration/api')).json;
    const res = await c.post(`self-service/registration?flow=${flow.id}`, {
      json: { method: 'oidc', provider: 'idp', upstream_parameters: { login_hint: sub } },
    });
    assert.equal(res.status, 422, res.text);
    assert.equal(c.cookies.size, 0); // no continuity cookie for API flows
    const back = await walkProvider(res.json.redirect_browser_to, srv.base);
    const done = await api(srv.base).get(back);
    assert.equal(done.status, 200, done.text);
    assert.match(done.json.session_token, /^ory_st_/);
    assert.equal(done.json.identity.traits.email, `${sub}@example.com`);
    assert.equal(done.json.identity.verifiable_addresses[0].verified, true);
  });

  test('a subject that is registered already signs in; nothing new is created', async () => {
    const sub = user('again');
    const first = await browserSignUp(browser(srv.base), 'idp', sub);
    assert.equal(first.res.status, 303);
    const before = identities();
    const c = browser(srv.base);
    const second = await browserSignUp(c, 'idp', sub);
    assert.equal(second.res.status, 303, second.res.text);
    assert.ok(c.cookies.has('ory_kratos_session'));
    assert.equal(identities(), before);
    const who = await c.get('sessions/whoami', { accept: 'application/json' });
    assert.equal(who.json.identity.id, identityOf('idp', sub)[0].id);
  });

  test('missing traits: the form asks for them with the provider button "Continue", then the sign-up completes', async () => {
    const c = browser(srv.base);
    const sub = user('noemail');
    const before = identities();
    const { flow, res } = await browserSignUp(c, 'idp', sub);
    assert.equal(res.status, 302, res.text);
    assert.equal(res.location, `http://127.0.0.1:4455/registration?flow=${flow.id}`);
    assert.equal(identities(), before);
    const shown = (await c.get(`self-service/registration/flows?id=${flow.id}`, { accept: 'application/json' })).json;
    const names = shown.ui.nodes.map((n) => `${n.group}:${n.attributes.name}`);
    assert.deepEqual(names.sort(), ['default:csrf_token', 'default:traits.email', 'default:traits.name', 'oidc:provider'].sort());
    assert.equal(node(shown, 'traits.name').attributes.value, `User ${sub}`);
    assert.equal(node(shown, 'traits.email').messages[0].id, 4000002);
    assert.deepEqual(node(shown, 'provider').meta.label, { id: 1040003, text: 'Continue', type: 'info' });
    assert.equal(node(shown, 'provider').attributes.value, 'idp');

    // The user gives the address and goes round again.
    const res2 = await c.post(`self-service/registration?flow=${flow.id}`, {
      form: { csrf_token: csrfOf(shown), provider: 'idp', 'traits.email': `${sub}@mail.example`, 'traits.name': 'x', 'upstream_parameters.login_hint': sub },
    });
    assert.equal(res2.status, 303, res2.text);
    const back = await walkProvider(res2.location, srv.base);
    const done = await c.get(back);
    assert.equal(done.status, 303, done.text);
    const [row] = identityOf('idp', sub);
    // The provider's name wins over the submitted one; the address it did not give is kept.
    assert.deepEqual(JSON.parse(row.traits), { email: `${sub}@mail.example`, name: `User ${sub}` });
    const [addr] = query(dbFile(), 'SELECT verified FROM identity_verifiable_addresses WHERE identity_id = ?', [row.id]);
    assert.equal(addr.verified, 0); // nobody vouched for it
  });

  test('an unverified e-mail claim: the identity is created with the address unverified', async () => {
    const sub = user('unverified');
    const { res } = await browserSignUp(browser(srv.base), 'idp', sub);
    assert.equal(res.status, 303, res.text);
    const [row] = identityOf('idp', sub);
    const [addr] = query(dbFile(), 'SELECT verified, status FROM identity_verifiable_addresses WHERE identity_id = ?', [row.id]);
    assert.equal(addr.verified, 0);
    assert.equal(addr.status, 'pending');
  });

  test('an address that belongs to another account: the duplicate message, nothing linked or created', async () => {
    const sub = user('dup');
    const first = await browserSignUp(browser(srv.base), 'idp', sub);
    assert.equal(first.res.status, 303);
    // The same person at another provider, with the same address.
    const c = browser(srv.base);
    const before = identities();
    const { flow, res } = await browserSignUp(c, 'forged', sub);
    assert.equal(res.status, 302, res.text);
    assert.equal(res.location, `http://127.0.0.1:4455/registration?flow=${flow.id}`);
    assert.ok(!c.cookies.has('ory_kratos_session'));
    assert.equal(identities(), before);
    assert.equal(identityOf('forged', sub).length, 0);
    const shown = (await c.get(`self-service/registration/flows?id=${flow.id}`, { accept: 'application/json' })).json;
    assert.equal(shown.ui.messages[0].id, 4000007);
  });

  test('key rotation at the provider between two sign-ups', async () => {
    const a = await browserSignUp(browser(srv.base), 'idp', user('rot'));
    assert.equal(a.res.status, 303);
    await idp.stop();
    idp = await startProvider({ port: idpPort, key: newKey('key-2'), redirectUris: [`${srv.base}self-service/methods/oidc/callback/idp`] });
    await new Promise((r) => setTimeout(r, 1100)); // the key set may be refetched once a second
    const sub = user('rot');
    const b = await browserSignUp(browser(srv.base), 'idp', sub);
    assert.equal(b.res.status, 303, b.res.text);
    assert.equal(identityOf('idp', sub).length, 1);
  });
});

describe('refusals: nothing is created', () => {
  test('unknown provider: 404', async () => {
    const c = spa(srv.base);
    const flow = (await c.get('self-service/registration/browser')).json;
    const res = await c.post(`self-service/registration?flow=${flow.id}`, { json: { csrf_token: csrfOf(flow), provider: 'nope' } });
    assert.equal(res.status, 404, res.text);
    assert.equal(res.json.error.reason, 'OpenID Connect Provider "nope" is unknown or has not been configured');
  });

  test('forged, foreign and replayed state', async () => {
    const c = browser(srv.base);
    const sub = user('state');
    const { flow, url } = await browserStart(c, 'idp', sub);
    const back = new URL(await walkProvider(url, srv.base));
    const before = identities();
    for (const state of [`${flow.id}.forged`, 'no-dot-at-all', `00000000-0000-4000-8000-000000000000.x`, '']) {
      const forged = new URL(back);
      forged.searchParams.set('state', state);
      const r = await c.get(forged.toString());
      assertRefused(r, c, `state ${state}`);
    }
    // The real state still works once, then never again.
    const ok = await c.get(back.toString());
    assert.equal(ok.status, 303, ok.text);
    assert.equal(identities(), before + 1);
    assert.ok(ok.setCookies.some((s) => /^ory_kratos_continuity=;.*Max-Age=0/.test(s)), 'continuity cookie cleared');
    const replay = await browser(srv.base).get(back.toString(), { headers: { Cookie: c.cookieHeader() } });
    assert.equal(replay.status, 302); // back to the form, with the message
    assert.equal(replay.location, `http://127.0.0.1:4455/registration?flow=${flow.id}`);
    // (The sign-in rotated the CSRF cookie, so the flow is read from the database.)
    const [stored] = query(dbFile(), 'SELECT answer FROM selfservice_registration_flows WHERE id = ?', [flow.id]);
    const shown = JSON.parse(stored.answer);
    assert.match(JSON.stringify(shown.ui.messages), /state parameter is invalid/);
    assert.equal(identities(), before + 1);
  });

  test('a callback without the continuity cookie', async () => {
    const c = browser(srv.base);
    const sub = user('nocookie');
    const { flow, url } = await browserStart(c, 'idp', sub);
    const back = await walkProvider(url, srv.base);
    c.cookies.delete('ory_kratos_continuity');
    const r = await c.get(back);
    assert.equal(r.status, 302, r.text);
    assert.equal(identityOf('idp', sub).length, 0);
    const shown = (await c.get(`self-service/registration/flows?id=${flow.id}`, { accept: 'application/json' })).json;
    assert.match(shown.ui.messages[0].text, /does not match the state parameter from the session cookie/);
  });

  test('a POST callback (form_post) is sent on as a GET', async () => {
    const r = await browser(srv.base).post('self-service/methods/oidc/callback/idp', { form: { state: 'a.b', code: 'c' } });
    assert.equal(r.status, 303);
    assert.equal(r.location, '/self-service/methods/oidc/callback/idp?state=a.b&code=c');
  });

  const forgeries = {
    'a wrong nonce': ({ claims, key }) => signRs256(key, { ...claims, nonce: 'another' }),
    'no nonce': ({ claims, key }) => signRs256(key, { ...claims, nonce: undefined }),
    'an expired token': ({ claims, key }) => signRs256(key, { ...claims, exp: Math.floor(Date.now() / 1000) - 600 }),
    'a token issued in the future': ({ claims, key }) => signRs256(key, { ...claims, iat: Math.floor(Date.now() / 1000) + 3600 }),
    'a token not valid yet': ({ claims, key }) => signRs256(key, { ...claims, nbf: Math.floor(Date.now() / 1000) + 3600 }),
    'an unknown key': ({ claims }) => signRs256(newKey('forger-1'), claims),
    'an unknown key id': ({ claims }) => signRs256(newKey('stranger'), claims),
    'alg none': ({ claims }) => unsignedToken(claims, { kid: 'forger-1' }),
    'HS256 with the public key as secret': ({ claims, key }) => hs256(key.pem, claims, { kid: 'forger-1' }),
    'a wrong audience': ({ claims, key }) => signRs256(key, { ...claims, aud: 'someone-else' }),
    'several audiences without azp': ({ claims, key }) => signRs256(key, { ...claims, aud: ['atrium', 'other'] }),
    'a wrong issuer': ({ claims, key }) => signRs256(key, { ...claims, iss: 'http://evil.example' }),
    'no id_token at all': () => undefined,
    'garbage': () => 'not.a.token',
  };
  for (const [what, forge] of Object.entries(forgeries)) {
    test(`an ID token with ${what}`, async () => {
      forger.state.forge = forge;
      try {
        const c = browser(srv.base);
        const sub = user('forged');
        const { url } = await browserStart(c, 'forged', sub);
        const back = await walkProvider(url, srv.base);
        const r = await c.get(back);
        assertRefused(r, c, what);
        assert.equal(identityOf('forged', sub).length, 0);
      } finally {
        forger.state.forge = null;
      }
    });
  }

  test('the forger itself is honest when asked to be (the refusals above are not an accident)', async () => {
    const c = browser(srv.base);
    const sub = user('honest');
    const { url } = await browserStart(c, 'forged', sub);
    const r = await c.get(await walkProvider(url, srv.base));
    assert.equal(r.status, 303, r.text);
    assert.equal(identityOf('forged', sub).length, 1);
  });

  test('a provider that is down: an upstream error, nothing created', async () => {
    const c = spa(srv.base);
    const flow = (await c.get('self-service/registration/browser')).json;
    const before = identities();
    const res = await c.post(`self-service/registration?flow=${flow.id}`, { json: { csrf_token: csrfOf(flow), provider: 'dead' } });
    assert.ok([502, 503].includes(res.status), `${res.status} ${res.text}`);
    assert.equal(identities(), before);
  });

  test('a provider whose token endpoint fails or is slow', async () => {
    for (const setup of [() => (forger.state.tokenStatus = 500), () => (forger.state.delayMs = 7000)]) {
      setup();
      try {
        const c = browser(srv.base);
        const sub = user('slow');
        const { url } = await browserStart(c, 'forged', sub);
        const started = Date.now();
        const r = await c.get(await walkProvider(url, srv.base));
        assertRefused(r, c, 'token endpoint');
        assert.ok(Date.now() - started < 6900, 'the time budget held');
        assert.equal(identityOf('forged', sub).length, 0);
      } finally {
        forger.state.tokenStatus = 200;
        forger.state.delayMs = 0;
      }
    }
  });

  test('a mapper that fails: a clear error, nothing created', async () => {
    const c = spa(srv.base);
    const sub = user('mapper');
    const flow = (await c.get('self-service/registration/browser')).json;
    const res = await c.post(`self-service/registration?flow=${flow.id}`, {
      json: { csrf_token: csrfOf(flow), provider: 'badmapper', upstream_parameters: { login_hint: sub } },
    });
    assert.equal(res.status, 422);
    const back = await walkProvider(res.json.redirect_browser_to, srv.base);
    const r = await c.get(back, { accept: 'application/json' });
    assert.equal(r.status, 500, r.text);
    // 500s carry only the request id; the cause is logged under it.
    assert.match(srv.logs(), /mapper of OpenID Connect provider \"badmapper\" failed[^\n]*the mapper refuses/);
    assert.ok(srv.logs().includes(r.json.error.request ?? r.json.error.id ?? 'no request id'));
    assert.equal(identityOf('badmapper', sub).length, 0);
  });

  test('secrets never reach the logs', () => {
    assert.ok(!srv.logs().includes('atrium-secret'));
  });
});

describe('native apps: the session token exchange', () => {
  const returnTo = 'http://127.0.0.1:4455/app-callback';

  async function nativeSignUp(sub) {
    const c = api(srv.base);
    const flow = (await c.get(`self-service/registration/api?return_session_token_exchange_code=true&return_to=${encodeURIComponent(returnTo)}`)).json;
    const init = flow.session_token_exchange_code;
    assert.match(init, /^[A-Za-z0-9]{32}$/);
    const started = await c.post(`self-service/registration?flow=${flow.id}`, {
      json: { method: 'oidc', provider: 'idp', upstream_parameters: { login_hint: sub } },
    });
    assert.equal(started.status, 422, started.text);
    const back = await walkProvider(started.json.redirect_browser_to, srv.base);
    // The app's in-app browser comes back and is sent to the app's return_to with the code.
    const done = await new Client(srv.base).get(back, { accept: 'text/html' });
    return { init, done };
  }

  test('303 to return_to?code=, then both codes trade for the session token exactly once', async () => {
    const sub = user('native');
    const { init, done } = await nativeSignUp(sub);
    assert.equal(done.status, 303, done.text);
    const target = new URL(done.location);
    assert.equal(target.origin + target.pathname, returnTo);
    const code = target.searchParams.get('code');
    assert.match(code, /^[A-Za-z0-9]{32}$/);
    assert.equal(identityOf('idp', sub).length, 1);

    const c = api(srv.base);
    const missing = await c.get(`sessions/token-exchange?init_code=${init}`);
    assert.equal(missing.status, 400);
    assert.equal(missing.json.error.reason, '"init_code" and "return_to_code" query params must be set');
    for (const [i, r] of [[init, 'x'.repeat(32)], ['x'.repeat(32), code], [code, init]]) {
      const wrong = await c.get(`sessions/token-exchange?init_code=${i}&return_to_code=${r}`);
      assert.equal(wrong.status, 404, wrong.text);
      assert.equal(wrong.json.error.reason, 'no session yet for this "code"');
    }
    const ok = await c.get(`sessions/token-exchange?init_code=${init}&return_to_code=${code}`);
    assert.equal(ok.status, 200, ok.text);
    assert.match(ok.json.session_token, /^ory_st_/);
    assert.equal(ok.json.session.identity.id, identityOf('idp', sub)[0].id);
    const who = await c.get('sessions/whoami', { headers: { 'X-Session-Token': ok.json.session_token } });
    assert.equal(who.status, 200);
    assert.equal(who.json.identity.id, identityOf('idp', sub)[0].id);
    const again = await c.get(`sessions/token-exchange?init_code=${init}&return_to_code=${code}`);
    assert.equal(again.status, 404);
    // Nothing readable is left at rest.
    assert.equal(query(dbFile(), 'SELECT count(*) AS n FROM session_token_exchanges WHERE return_to_code_digest <> ""')[0].n, 0);
  });

  test('an existing subject signing in through a native app gets a code too', async () => {
    const sub = user('native-again');
    const first = await nativeSignUp(sub);
    assert.equal(first.done.status, 303);
    const { init, done } = await nativeSignUp(sub);
    assert.equal(done.status, 303, done.text);
    const code = new URL(done.location).searchParams.get('code');
    const ok = await api(srv.base).get(`sessions/token-exchange?init_code=${init}&return_to_code=${code}`);
    assert.equal(ok.status, 200, ok.text);
    assert.equal(identityOf('idp', sub).length, 1);
  });

  test('without the exchange the API flow answers the session token itself', async () => {
    const c = api(srv.base);
    const flow = (await c.get(`self-service/registration/api?return_to=${encodeURIComponent(returnTo)}`)).json;
    assert.equal(flow.session_token_exchange_code, undefined);
    const started = await c.post(`self-service/registration?flow=${flow.id}`, {
      json: { method: 'oidc', provider: 'idp', upstream_parameters: { login_hint: user('native-plain') } },
    });
    const done = await api(srv.base).get(await walkProvider(started.json.redirect_browser_to, srv.base));
    assert.equal(done.status, 200, done.text);
    assert.match(done.json.session_token, /^ory_st_/);
  });
});

describe('id_token submissions (native SDKs)', () => {
  const token = (sub, nonce, extra = {}) => {
    const now = Math.floor(Date.now() / 1000);
    return signRs256(forger.state.key, {
      iss: forger.issuer, aud: 'atrium', iat: now, exp: now + 300, nonce, sub,
      email: `${sub}@example.com`, email_verified: true, name: `User ${sub}`, ...extra,
    });
  };
  async function submit(body) {
    const c = api(srv.base);
    const flow = (await c.get('self-service/registration/api')).json;
    return c.post(`self-service/registration?flow=${flow.id}`, { json: { method: 'oidc', provider: 'forged', ...body } });
  }

  test('a valid ID token with its nonce registers at once', async () => {
    const sub = user('sdk');
    const res = await submit({ id_token: token(sub, 'sdk-nonce-1'), id_token_nonce: 'sdk-nonce-1' });
    assert.equal(res.status, 200, res.text);
    assert.match(res.json.session_token, /^ory_st_/);
    assert.equal(identityOf('forged', sub).length, 1);
  });

  test('a wrong or missing nonce, another audience, or a token of another key: refused, nothing created', async () => {
    const sub = user('sdk-bad');
    for (const body of [
      { id_token: token(sub, 'n1'), id_token_nonce: 'n2' },
      { id_token: token(sub, 'n1') },
      { id_token: token(sub, 'n1', { aud: 'other-app' }), id_token_nonce: 'n1' },
      { id_token: signRs256(newKey('forger-1'), { sub, nonce: 'n1' }), id_token_nonce: 'n1' },
      { id_token: unsignedToken({ sub, nonce: 'n1', iss: forger.issuer, aud: 'atrium' }), id_token_nonce: 'n1' },
    ]) {
      const res = await submit(body);
      assert.ok(res.status >= 400, `${res.status} ${res.text}`);
      assert.equal(res.json.session_token, undefined);
    }
    assert.equal(identityOf('forged', sub).length, 0);
  });
});
