// docs/wire/registration.md §7.3 password rows, §17.2 (password strategy and policy), §18 (session hook, responses),
// §18.4 duplicates, §12 existing sessions, §20 sessions and whoami.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { EMAIL_SCHEMA, api, base64Schema, browser, csrfOf, node, spa, startAtrium } from '../lib/harness.mjs';
import { startHibp } from '../lib/hibp.mjs';

const SESSION_HOOK = { hooks: [{ hook: 'session' }] };
const PASSWORD = 'l3f9toh1uaf81n21';
let unified; // one-step, session hook
let twoStep; // default style, session hook
let noHook; // production mode, no hooks
let hints; // login_hints + bcrypt
let hibp;
let breach;

before(async () => {
  hibp = await startHibp({ 'correct horse battery': 3, 'troubador42x!': 1 });
  unified = await startAtrium({
    config: { selfservice: { flows: { registration: { style: 'unified', after: { password: SESSION_HOOK } } } } },
  });
  twoStep = await startAtrium({ config: { selfservice: { flows: { registration: { after: { password: SESSION_HOOK } } } } } });
  noHook = await startAtrium({ dev: false, config: { selfservice: { flows: { registration: { style: 'unified' } } } } });
  hints = await startAtrium({
    config: {
      hashers: { algorithm: 'bcrypt', bcrypt: { cost: 4 } },
      selfservice: { flows: { registration: { style: 'unified', login_hints: true, after: { password: SESSION_HOOK } } } },
    },
  });
  breach = await startAtrium({
    config: {
      selfservice: {
        flows: { registration: { style: 'unified', after: { password: SESSION_HOOK } } },
        methods: { password: { config: { haveibeenpwned_enabled: true, haveibeenpwned_host: hibp.url, max_breaches: 1 } } },
      },
    },
  });
});
after(async () => {
  for (const s of [unified, twoStep, noHook, hints, breach]) if (s) await s.stop();
  await hibp?.close();
});

let counter = 0;
const email = (tag = 'user') => `${tag}-${process.pid}-${++counter}@example.com`;

async function apiRegister(srv, body, headers = {}) {
  const c = api(srv.base);
  const flow = (await c.get('self-service/registration/api')).json;
  const r = await c.post(`self-service/registration?flow=${flow.id}`, { headers, json: { method: 'password', ...body } });
  return { c, flow, r };
}

describe('API flows', () => {
  test('one-step sign-up returns the session token, session, identity and continue_with', async () => {
    const addr = email();
    const { r } = await apiRegister(unified, { password: PASSWORD, traits: { email: addr, name: 'Ann' } }, { 'User-Agent': 'okhttp/4.12.0' });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(Object.keys(r.json), ['session_token', 'session', 'identity', 'continue_with']);
    assert.match(r.json.session_token, /^ory_st_[A-Za-z0-9]{32}$/);
    assert.deepEqual(r.json.continue_with, [{ action: 'set_ory_session_token', ory_session_token: r.json.session_token }]);
    const id = r.json.identity;
    assert.deepEqual(Object.keys(id), ['id', 'schema_id', 'schema_url', 'state', 'state_changed_at', 'traits', 'verifiable_addresses', 'recovery_addresses', 'metadata_public', 'created_at', 'updated_at', 'organization_id']);
    assert.equal(id.schema_url, `${unified.base}schemas/ZGVmYXVsdA`);
    assert.deepEqual(id.traits, { email: addr, name: 'Ann' });
    assert.equal(id.verifiable_addresses[0].value, addr);
    assert.equal(id.verifiable_addresses[0].status, 'pending');
    assert.equal(id.credentials, undefined, 'credentials never leave the server');
    const s = r.json.session;
    assert.deepEqual(Object.keys(s), ['id', 'active', 'expires_at', 'authenticated_at', 'authenticator_assurance_level', 'authentication_methods', 'issued_at', 'identity', 'devices']);
    assert.equal(s.active, true);
    assert.equal(s.authentication_methods[0].method, 'password');
    assert.deepEqual(s.identity, id);
    assert.equal(s.devices[0].user_agent, 'okhttp/4.12.0');
    assert.match(s.devices[0].ip_address, /^127\.0\.0\.1/);
    assert.equal(Date.parse(s.expires_at) - Date.parse(s.issued_at), 24 * 3600_000);

    // The token works with both header styles, and creates no new flow while signed in.
    for (const headers of [{ 'X-Session-Token': r.json.session_token }, { Authorization: `Bearer ${r.json.session_token}` }]) {
      const w = await api(unified.base).get('sessions/whoami', { headers });
      assert.equal(w.status, 200);
      assert.equal(w.json.id, s.id);
      assert.equal(w.headers.get('x-kratos-authenticated-identity-id'), id.id);
      const again = await api(unified.base).get('self-service/registration/api', { headers });
      assert.equal(again.status, 400);
      assert.equal(again.json.error.id, 'session_already_available');
    }
  });

  test('two-step: profile first, then the password', async () => {
    const c = api(twoStep.base);
    const flow = (await c.get('self-service/registration/api')).json;
    const addr = email();
    const step = await c.post(`self-service/registration?flow=${flow.id}`, { json: { method: 'profile', traits: { email: addr } } });
    assert.equal(step.status, 400);
    assert.ok(node(step.json, 'password'));
    const done = await c.post(`self-service/registration?flow=${flow.id}`, { json: { method: 'password', password: PASSWORD, traits: { email: addr } } });
    assert.equal(done.status, 200, done.text);
    assert.equal(done.json.identity.traits.email, addr);
  });

  test('without the session hook: identity only and continue_with null', async () => {
    const { r } = await apiRegister(noHook, { password: PASSWORD, traits: { email: email() } });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(Object.keys(r.json), ['identity', 'continue_with']);
    assert.equal(r.json.continue_with, null);
  });

  test('whoami without credentials is a 401 envelope', async () => {
    const r = await api(unified.base).get('sessions/whoami');
    assert.equal(r.status, 401);
    assert.deepEqual(r.json, {
      error: { code: 401, status: 'Unauthorized', reason: 'No valid session credentials found in the request.', message: 'The request could not be authorized' },
    });
    const bogus = await api(unified.base).get('sessions/whoami', { headers: { 'X-Session-Token': 'ory_st_nope' } });
    assert.equal(bogus.status, 401);
  });
});

describe('browser flows', () => {
  test('SPA: 200 with session, redirect_browser_to and a session cookie', async () => {
    const c = spa(unified.base);
    const flow = (await c.get('self-service/registration/browser?return_to=' + encodeURIComponent('http://127.0.0.1:4455/after'))).json;
    const r = await c.post(`self-service/registration?flow=${flow.id}`, {
      json: { method: 'password', csrf_token: csrfOf(flow), password: PASSWORD, traits: { email: email() } },
    });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(Object.keys(r.json), ['session', 'identity', 'continue_with']);
    assert.deepEqual(r.json.continue_with, [{ action: 'redirect_browser_to', redirect_browser_to: 'http://127.0.0.1:4455/after' }]);
    const sessionCookie = r.setCookies.find((x) => x.startsWith('ory_kratos_session='));
    assert.match(sessionCookie, /; Path=\/; Expires=[^;]+; Max-Age=\d+; HttpOnly; SameSite=Lax$/);
    assert.ok(r.setCookies.some((x) => x.startsWith('csrf_token_')), 'the CSRF token is regenerated');
    const w = await c.get('sessions/whoami');
    assert.equal(w.status, 200);
    assert.equal(w.json.identity.id, r.json.identity.id);
    // Signed in: submit and init refuse.
    const init = await c.get('self-service/registration/browser');
    assert.equal(init.status, 400);
    assert.equal(init.json.error.id, 'session_already_available');
    const again = await c.post(`self-service/registration?flow=${flow.id}`, { json: { method: 'password' } });
    assert.equal(again.status, 400);
    assert.equal(again.json.error.id, 'session_already_available');
  });

  test('classic browser: 303 to the return URL with the session cookie', async () => {
    const c = browser(unified.base);
    const init = await c.get('self-service/registration/browser');
    const id = new URL(init.location).searchParams.get('flow');
    const flow = (await c.get(`self-service/registration/flows?id=${id}`, { accept: 'application/json' })).json;
    const r = await c.post(`self-service/registration?flow=${id}`, {
      form: { method: 'password', csrf_token: csrfOf(flow), password: PASSWORD, 'traits.email': email() },
    });
    assert.equal(r.status, 303, r.text);
    assert.equal(r.location, 'http://127.0.0.1:4455/welcome');
    assert.ok(r.setCookies.some((x) => x.startsWith('ory_kratos_session=')));
    const signedIn = await c.get('self-service/registration/browser');
    assert.equal(signedIn.status, 303);
    assert.equal(signedIn.location, 'http://127.0.0.1:4455/welcome');
    const submit = await c.post(`self-service/registration?flow=${id}`, { form: { method: 'password' } });
    assert.equal(submit.status, 302);
  });

  test('classic browser: a too-short password redirects back with 302 and keeps the e-mail', async () => {
    const c = browser(unified.base);
    const init = await c.get('self-service/registration/browser');
    const id = new URL(init.location).searchParams.get('flow');
    const flow = (await c.get(`self-service/registration/flows?id=${id}`, { accept: 'application/json' })).json;
    const addr = email();
    const r = await c.post(`self-service/registration?flow=${id}`, { form: { method: 'password', csrf_token: csrfOf(flow), password: 'short', 'traits.email': addr } });
    assert.equal(r.status, 302);
    const f = (await c.get(`self-service/registration/flows?id=${id}`, { accept: 'application/json' })).json;
    assert.equal(node(f, 'traits.email').attributes.value, addr);
    assert.equal(node(f, 'password').attributes.value, undefined, 'passwords are never echoed');
    assert.equal(node(f, 'password').messages[0].id, 4000032);
  });
});

describe('password policy (§17.2.1)', () => {
  const cases = [
    ['', 4000002],
    ['1234', 4000032],
    ['hello@example.com12345', 4000031],
    ['HELLO@EXAMPLE.COM', 4000031],
    ['h3ll0@example', 4000031],
  ];
  for (const [password, id] of cases) {
    test(`"${password}" for hello@example.com is refused with ${id}`, async () => {
      const { r } = await apiRegister(unified, { password, traits: { email: 'hello@example.com' } });
      assert.equal(r.status, 400);
      assert.equal(node(r.json, 'password').messages[0].id, id, JSON.stringify(r.json.ui));
    });
  }

  test('the minimum length counts bytes and reports both lengths', async () => {
    const { r } = await apiRegister(unified, { password: '1234567', traits: { email: email() } });
    assert.deepEqual(node(r.json, 'password').messages, [
      { id: 4000032, text: 'The password must be at least 8 characters long, but got 7.', type: 'error', context: { actual_length: 7, min_length: 8 } },
    ]);
  });

  test('breached passwords are refused above max_breaches, using the range API and a cache', async () => {
    const { r } = await apiRegister(breach, { password: 'correct horse battery', traits: { email: email() } });
    assert.equal(r.status, 400);
    assert.deepEqual(node(r.json, 'password').messages, [
      { id: 4000034, text: 'The password has been found in data breaches and must no longer be used.', type: 'error', context: { breaches: 3 } },
    ]);
    const once = await apiRegister(breach, { password: 'troubador42x!', traits: { email: email() } });
    assert.equal(once.r.status, 200, 'a count equal to max_breaches passes');
    const prefixHits = [...hibp.hits.values()].reduce((a, b) => a + b, 0);
    await apiRegister(breach, { password: 'correct horse battery', traits: { email: email() } });
    assert.equal([...hibp.hits.values()].reduce((a, b) => a + b, 0), prefixHits, 'the second lookup is cached');
  });

  test('bcrypt refuses passwords over 72 bytes with 4000033', async () => {
    const { r } = await apiRegister(hints, { password: 'x'.repeat(60) + 'ö'.repeat(7), traits: { email: email() } });
    assert.equal(r.status, 400);
    assert.deepEqual(node(r.json, 'password').messages, [
      { id: 4000033, text: 'The password must be at most 72 characters long, but got 74.', type: 'error', context: { actual_length: 74, max_length: 72 } },
    ]);
  });

  test('a schema without password identifier gives 4000009', async () => {
    const schema = structuredClone(EMAIL_SCHEMA);
    delete schema.properties.traits.properties.email['ory.sh/kratos'];
    const srv = await startAtrium({ config: { identity: { schemas: [{ id: 'default', url: base64Schema(schema) }] }, selfservice: { flows: { registration: { style: 'unified' } } } } });
    try {
      const { r } = await apiRegister(srv, { password: PASSWORD, traits: { email: email() } });
      assert.equal(r.status, 400);
      assert.equal(r.json.ui.messages[0].id, 4000009);
    } finally {
      await srv.stop();
    }
  });
});

describe('duplicates (§18.4)', () => {
  test('case and leading whitespace variants collide: 4000007', async () => {
    const addr = email('dup');
    assert.equal((await apiRegister(unified, { password: PASSWORD, traits: { email: addr } })).r.status, 200);
    // Trailing whitespace never gets this far with format "email": like ory/jsonschema, the
    // format check refuses it (4000040). Leading whitespace passes the check (Go's mail parser
    // skips it) and is trimmed by normalization.
    const trailing = await apiRegister(unified, { password: PASSWORD, traits: { email: `${addr}  ` } });
    assert.equal(trailing.r.status, 400);
    assert.equal(node(trailing.r.json, 'traits.email').messages[0].id, 4000040);
    for (const variant of [addr, addr.toUpperCase(), `  ${addr}`, `  ${addr.toUpperCase()}`]) {
      const { r } = await apiRegister(unified, { password: PASSWORD, traits: { email: variant } });
      assert.equal(r.status, 400, variant);
      assert.deepEqual(r.json.ui.messages, [
        { id: 4000007, text: 'An account with the same identifier (email, phone, username, ...) exists already.', type: 'error' },
      ]);
      assert.equal(node(r.json, 'traits.email').attributes.value, variant);
    }
  });

  test('with login_hints: 4000028 naming the identifier and the password method', async () => {
    const addr = email('hint');
    assert.equal((await apiRegister(hints, { password: PASSWORD, traits: { email: addr } })).r.status, 200);
    const { r } = await apiRegister(hints, { password: PASSWORD, traits: { email: addr } });
    assert.deepEqual(r.json.ui.messages, [
      {
        id: 4000028,
        text: `You tried signing in with ${addr} which is already in use by another account. You can sign in using your password.`,
        type: 'error',
        context: { available_credential_types: ['password'], available_oidc_providers: [], credential_identifier_hint: addr },
      },
    ]);
  });

  test('concurrent sign-ups with one identifier: exactly one succeeds, no 5xx', async () => {
    const addr = email('race');
    const results = await Promise.all(
      Array.from({ length: 12 }, () => apiRegister(unified, { password: PASSWORD, traits: { email: addr } }).then((x) => x.r)),
    );
    const statuses = results.map((r) => r.status).sort();
    assert.deepEqual(statuses, [200, ...Array(11).fill(400)]);
    for (const r of results.filter((x) => x.status === 400)) assert.equal(r.json.ui.messages[0].id, 4000007);
  });
});

describe('CSRF and expiry on password submit', () => {
  test('SPA with a wrong CSRF token: 403 and nothing is created', async () => {
    const c = spa(unified.base);
    const flow = (await c.get('self-service/registration/browser')).json;
    const addr = email('csrf');
    const r = await c.post(`self-service/registration?flow=${flow.id}`, { json: { method: 'password', csrf_token: 'x', password: PASSWORD, traits: { email: addr } } });
    assert.equal(r.status, 403);
    const ok = await apiRegister(unified, { password: PASSWORD, traits: { email: addr } });
    assert.equal(ok.r.status, 200, 'the identifier is still free');
  });

  test('expired flow on submit: 410 with use_flow_id, and the replacement works', async () => {
    const srv = await startAtrium({ config: { selfservice: { flows: { registration: { style: 'unified', lifespan: '100ms', after: { password: SESSION_HOOK } } } } } });
    try {
      const c = api(srv.base);
      const flow = (await c.get('self-service/registration/api')).json;
      await new Promise((r) => setTimeout(r, 150));
      const r = await c.post(`self-service/registration?flow=${flow.id}`, { json: { method: 'password', password: PASSWORD, traits: { email: email() } } });
      assert.equal(r.status, 410);
      assert.ok(r.json.use_flow_id);
      const next = await c.post(`self-service/registration?flow=${r.json.use_flow_id}`, { json: { method: 'password', password: PASSWORD, traits: { email: email() } } });
      assert.equal(next.status, 200, next.text);
    } finally {
      await srv.stop();
    }
  });
});
