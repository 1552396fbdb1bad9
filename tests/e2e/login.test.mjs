// docs/wire/login.md §2-§12: self-service login with the password method for the three client
// kinds (native/API, SPA, classic browser), against the real binary. Every failure case also
// proves that no session was issued: no session cookie, no token, whoami 401 and no session row
// for the identity in the server's SQLite database (read with the sqlite3 CLI, lib/db.mjs).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { api, browser, csrfOf, deepMerge, node, nodeNames, spa, startAtrium } from '../lib/harness.mjs';
import { query } from '../lib/db.mjs';

const PASSWORD = 'l3f9toh1uaf81n21';
const UI = 'http://127.0.0.1:4455';
const INVALID_CREDENTIALS = {
  id: 4000006,
  text: 'The provided credentials are invalid, check for spelling mistakes in your password or username, email address, or phone number.',
  type: 'error',
};
const ALREADY_REASON = 'A valid session was detected and thus login is not possible. Did you forget to set `?refresh=true`?';

// Registration in one step, a login UI URL of our own, and no sign-in throttling: one server sees
// many failures from 127.0.0.1 here (throttle.test.mjs is about the throttle).
const COMMON = {
  atrium: { login_throttling: { enabled: false } },
  selfservice: {
    flows: {
      registration: { style: 'unified' },
      login: { ui_url: `${UI}/login` },
    },
  },
};
const withCommon = (extra) => deepMerge(COMMON, extra);

let srv;
before(async () => {
  srv = await startAtrium({ config: COMMON });
});
after(async () => srv && (await srv.stop()));

let seq = 0;
const unique = (tag) => `${tag}-${process.pid}-${++seq}@example.com`;

// Dev mode adds the `session` hook to registration (docs/compat.md): the session it issues is
// remembered here so that sessionRows() counts sign-in sessions only.
const registrationSession = new Map(); // identity id -> session id

async function register(base, email, password = PASSWORD) {
  const flow = (await api(base).get('self-service/registration/api')).json;
  const r = await api(base).post(`self-service/registration?flow=${flow.id}`, {
    json: { method: 'password', password, traits: { email } },
  });
  assert.equal(r.status, 200, r.text);
  if (r.json.session) registrationSession.set(r.json.identity.id, r.json.session.id);
  return r.json.identity;
}

const dbFile = (server) => path.join(server.dir, 'atrium.db');
// How many session rows the identity has, besides the one its registration issued.
function sessionRows(server, identityId) {
  const sql = 'SELECT count(*) AS n FROM sessions WHERE identity_id = ? AND id <> ?';
  return query(dbFile(server), sql, [identityId, registrationSession.get(identityId) ?? ''])[0].n;
}

const sessionCookieOf = (r) => r.setCookies.find((c) => c.startsWith('ory_kratos_session='));
const csrfCookieOf = (r) => r.setCookies.find((c) => c.startsWith('csrf_token_'));

async function whoamiStatus(base, { cookies, token } = {}) {
  const headers = {};
  if (cookies) headers.Cookie = cookies;
  if (token) headers['X-Session-Token'] = token;
  return (await api(base).get('sessions/whoami', { headers })).status;
}

// No session came out of `r` (the answer to a failed submit by client `c`).
async function assertNoSession(server, r, c, identityId) {
  assert.equal(sessionCookieOf(r), undefined, `no session cookie: ${r.setCookies.join(' | ')}`);
  assert.equal(r.json?.session_token, undefined);
  assert.equal(r.json?.session, undefined);
  if (c) assert.equal(await whoamiStatus(server.base, { cookies: c.cookieHeader() }), 401);
  if (identityId) assert.equal(sessionRows(server, identityId), 0, 'no session row for the identity');
}

async function apiLogin(base, identifier, password = PASSWORD, headers = {}) {
  const flow = (await api(base).get('self-service/login/api')).json;
  const r = await api(base).post(`self-service/login?flow=${flow.id}`, { headers, json: { method: 'password', identifier, password } });
  return { ...r, flowId: flow.id };
}

async function spaFlow(base, query = '') {
  const c = spa(base);
  const r = await c.get('self-service/login/browser' + query);
  assert.equal(r.status, 200, r.text);
  return { c, flow: r.json };
}

async function classicFlow(base, query = '', c = browser(base)) {
  const init = await c.get('self-service/login/browser' + query);
  assert.equal(init.status, 303);
  const id = new URL(init.location).searchParams.get('flow');
  const flow = (await c.get(`self-service/login/flows?id=${id}`, { accept: 'application/json' })).json;
  return { c, flow, init };
}

// The four nodes of §5.1, in order and with their attributes in Kratos' key order.
const csrfNode = (value) => ({
  type: 'input', group: 'default',
  attributes: { name: 'csrf_token', type: 'hidden', value, required: true, disabled: false, node_type: 'input' },
  messages: [], meta: {},
});
const IDENTIFIER_NODE = {
  type: 'input', group: 'default',
  attributes: { name: 'identifier', type: 'text', value: '', required: true, disabled: false, node_type: 'input' },
  messages: [],
  meta: { label: { id: 1070002, text: 'E-Mail', type: 'info', context: { name: 'traits.email', title: 'E-Mail' } } },
};
const PASSWORD_NODE = {
  type: 'input', group: 'password',
  attributes: { name: 'password', type: 'password', required: true, autocomplete: 'current-password', disabled: false, node_type: 'input' },
  messages: [], meta: { label: { id: 1070001, text: 'Password', type: 'info' } },
};
const methodNode = (label) => ({
  type: 'input', group: 'password',
  attributes: { name: 'method', type: 'submit', value: 'password', disabled: false, node_type: 'input' },
  messages: [], meta: { label },
});
const SIGN_IN_WITH_PASSWORD = { id: 1010022, text: 'Sign in with password', type: 'info' };

const FLOW_KEYS = ['id', 'organization_id', 'type', 'expires_at', 'issued_at', 'request_url', 'return_to', 'ui', 'created_at', 'updated_at', 'refresh', 'requested_aal', 'state'];
const RFC3339_MICROS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$/;

describe('the login flow object (§2-§5)', () => {
  test('browser flow (SPA init, then GET /flows): keys, nodes and attributes in Kratos order', async () => {
    const returnTo = `${UI}/dashboard`;
    const { c, flow } = await spaFlow(srv.base, '?return_to=' + encodeURIComponent(returnTo));
    assert.deepEqual(Object.keys(flow), FLOW_KEYS);
    assert.match(flow.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(flow.organization_id, null);
    assert.equal(flow.type, 'browser');
    assert.equal(flow.request_url, `${srv.base}self-service/login/browser?return_to=${encodeURIComponent(returnTo)}`);
    assert.equal(flow.return_to, returnTo);
    for (const k of ['expires_at', 'issued_at', 'created_at', 'updated_at']) assert.match(flow[k], RFC3339_MICROS, k);
    assert.equal(Date.parse(flow.expires_at) - Date.parse(flow.issued_at), 3600_000, 'default lifespan 1h');
    assert.equal(flow.refresh, false);
    assert.equal(flow.requested_aal, 'aal1');
    assert.equal(flow.state, 'choose_method');
    assert.deepEqual(Object.keys(flow.ui), ['action', 'method', 'nodes'], 'no messages key when empty');
    assert.equal(flow.ui.action, `${srv.base}self-service/login?flow=${flow.id}`);
    assert.equal(flow.ui.method, 'POST');
    const csrf = csrfOf(flow);
    assert.ok(csrf && csrf.length > 20, 'a masked CSRF token');
    // JSON.stringify compares key order too.
    assert.equal(
      JSON.stringify(flow.ui.nodes),
      JSON.stringify([csrfNode(csrf), IDENTIFIER_NODE, PASSWORD_NODE, methodNode(SIGN_IN_WITH_PASSWORD)]),
    );
    const got = await c.get(`self-service/login/flows?id=${flow.id}`);
    assert.equal(got.status, 200);
    assert.deepEqual(Object.keys(got.json), FLOW_KEYS);
    const { ui: gotUi, ...gotRest } = got.json;
    const { ui: flowUi, ...flowRest } = flow;
    assert.deepEqual(gotRest, flowRest, 'what was stored is what was answered');
    assert.equal(JSON.stringify(gotUi.nodes.slice(1)), JSON.stringify(flowUi.nodes.slice(1)));
  });

  test('API flow: same shape, type api, csrf node with an empty value, no return_to key', async () => {
    const r = await api(srv.base).get('self-service/login/api');
    assert.equal(r.status, 200);
    const flow = r.json;
    assert.deepEqual(Object.keys(flow), FLOW_KEYS.filter((k) => k !== 'return_to'));
    assert.equal(flow.type, 'api');
    assert.equal(flow.request_url, `${srv.base}self-service/login/api`);
    assert.equal(r.setCookies.length, 0, 'API init sets no cookie');
    assert.equal(
      JSON.stringify(flow.ui.nodes),
      JSON.stringify([csrfNode(''), IDENTIFIER_NODE, PASSWORD_NODE, methodNode(SIGN_IN_WITH_PASSWORD)]),
    );
  });

  test('classic browser init: 303 to the login UI with the flow id, and the CSRF cookie', async () => {
    const { init, flow } = await classicFlow(srv.base);
    assert.equal(init.location, `${UI}/login?flow=${flow.id}`);
    assert.ok(csrfCookieOf(init), 'the CSRF cookie is set on init');
    assert.equal(flow.type, 'browser');
    assert.deepEqual(nodeNames(flow), ['default:csrf_token', 'default:identifier', 'password:password', 'password:method=password']);
  });
});

describe('successful sign-in for the three client kinds (§6.5, §12)', () => {
  test('native: 200 {session_token, session, continue_with: null}, no cookie, token works at whoami', async () => {
    const email = unique('native');
    const identity = await register(srv.base, email);
    const r = await apiLogin(srv.base, email);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(Object.keys(r.json), ['session_token', 'session', 'continue_with']);
    assert.match(r.json.session_token, /^ory_st_[A-Za-z0-9]{32}$/);
    assert.equal(r.json.continue_with, null);
    const s = r.json.session;
    assert.deepEqual(Object.keys(s), ['id', 'active', 'expires_at', 'authenticated_at', 'authenticator_assurance_level', 'authentication_methods', 'issued_at', 'identity', 'devices']);
    assert.equal(s.active, true);
    assert.equal(s.authenticator_assurance_level, 'aal1');
    assert.equal(s.authentication_methods.length, 1);
    assert.deepEqual(Object.keys(s.authentication_methods[0]), ['method', 'aal', 'completed_at']);
    assert.equal(s.authentication_methods[0].method, 'password');
    assert.equal(s.identity.id, identity.id);
    assert.equal(s.identity.traits.email, email);
    assert.equal(s.identity.credentials, undefined, 'credentials never leave the server');
    assert.equal(r.setCookies.length, 0);
    const who = await api(srv.base).get('sessions/whoami', { headers: { 'X-Session-Token': r.json.session_token } });
    assert.equal(who.status, 200);
    assert.equal(who.json.id, s.id);
    // The flow was persisted with the method that signed in (§5, §11.1 step 10).
    const stored = await api(srv.base).get(`self-service/login/flows?id=${r.flowId}`);
    assert.equal(stored.status, 200);
    assert.equal(stored.json.active, 'password');
  });

  test('SPA: 200 {session, continue_with:[redirect_browser_to]}, session cookie, CSRF rotated', async () => {
    const email = unique('spa');
    await register(srv.base, email);
    const { c, flow } = await spaFlow(srv.base);
    const csrfBefore = [...c.cookies].find(([k]) => k.startsWith('csrf_token_'));
    assert.ok(csrfBefore, 'the SPA got a CSRF cookie on init');
    const r = await c.post(`self-service/login?flow=${flow.id}`, {
      json: { method: 'password', identifier: email, password: PASSWORD, csrf_token: csrfOf(flow) },
    });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(Object.keys(r.json), ['session', 'continue_with']);
    assert.deepEqual(r.json.continue_with, [{ action: 'redirect_browser_to', redirect_browser_to: `${UI}/welcome` }]);
    assert.equal(r.json.session.identity.traits.email, email);
    const cookie = sessionCookieOf(r);
    assert.ok(cookie, 'session cookie set');
    const attrs = cookie.split(';').map((a) => a.trim());
    assert.ok(attrs.includes('Path=/'), cookie);
    assert.ok(attrs.includes('HttpOnly'), cookie);
    assert.ok(attrs.includes('SameSite=Lax'), cookie);
    const maxAge = Number(attrs.find((a) => a.startsWith('Max-Age=')).split('=')[1]);
    assert.ok(maxAge > 86000 && maxAge <= 86400, `Max-Age ${maxAge}`);
    const rotated = csrfCookieOf(r);
    assert.ok(rotated, 'a new CSRF cookie');
    assert.ok(rotated.startsWith(csrfBefore[0] + '='), 'same cookie name');
    assert.notEqual(rotated.split(';')[0].split('=').slice(1).join('='), csrfBefore[1], 'new value');
    const who = await c.get('sessions/whoami');
    assert.equal(who.status, 200);
    assert.equal(who.json.id, r.json.session.id);
  });

  test('classic browser: form post answers 303 to the return URL with the session cookie', async () => {
    const email = unique('classic');
    await register(srv.base, email);
    const returnTo = `${UI}/after-login`;
    const { c, flow } = await classicFlow(srv.base, '?return_to=' + encodeURIComponent(returnTo));
    const r = await c.post(`self-service/login?flow=${flow.id}`, {
      form: { method: 'password', identifier: email, password: PASSWORD, csrf_token: csrfOf(flow) },
    });
    assert.equal(r.status, 303, r.text);
    assert.equal(r.location, returnTo);
    assert.ok(sessionCookieOf(r));
    assert.ok(csrfCookieOf(r), 'CSRF rotated for the new principal');
    const who = await c.get('sessions/whoami', { accept: 'application/json' });
    assert.equal(who.status, 200);
    assert.equal(who.json.identity.traits.email, email);
    // The stored flow's CSRF token belongs to the old CSRF cookie: after the rotation GET /flows
    // refuses the browser flow (§4 step 2, Kratos issue 1282).
    const stored = await c.get(`self-service/login/flows?id=${flow.id}`, { accept: 'application/json' });
    assert.equal(stored.status, 403, stored.text);
    assert.equal(stored.json.error.id, 'security_csrf_violation');
  });
});

describe('bad input and failures: the documented error, and no session', () => {
  test('wrong password and unknown identifier: 4000006, identical flow shape (API)', async () => {
    const email = unique('wrongpw');
    const identity = await register(srv.base, email);
    const wrong = await apiLogin(srv.base, email, 'not-the-password-at-all');
    const unknownId = unique('nobody');
    const unknown = await apiLogin(srv.base, unknownId, PASSWORD);
    for (const [r, submitted] of [[wrong, email], [unknown, unknownId]]) {
      assert.equal(r.status, 400, r.text);
      assert.deepEqual(r.json.ui.messages, [INVALID_CREDENTIALS]);
      assert.equal(node(r.json, 'identifier').attributes.value, submitted, 'identifier echoed as submitted');
      assert.equal(node(r.json, 'password').attributes.value, undefined, 'password never echoed');
      assert.equal(r.json.active, undefined);
      assert.equal(r.json.ui.nodes.length, 4);
      await assertNoSession(srv, r, null, null);
    }
    // Same shape: only the echoed identifier differs.
    const shape = (f, id) => JSON.stringify({ ...f, id: 'x', expires_at: 'x', issued_at: 'x', created_at: 'x', updated_at: 'x', ui: { ...f.ui, action: 'x' } }).replaceAll(id, 'ID');
    assert.equal(shape(wrong.json, email), shape(unknown.json, unknownId));
    assert.equal(sessionRows(srv, identity.id), 0);
  });

  test('wrong password (SPA): 400 flow with a fresh CSRF token; classic: 303 to the login UI', async () => {
    const email = unique('wrongpw-browser');
    const identity = await register(srv.base, email);
    const { c, flow } = await spaFlow(srv.base);
    const r = await c.post(`self-service/login?flow=${flow.id}`, {
      json: { method: 'password', identifier: email, password: 'wrong-password-123', csrf_token: csrfOf(flow) },
    });
    assert.equal(r.status, 400, r.text);
    assert.deepEqual(r.json.ui.messages, [INVALID_CREDENTIALS]);
    assert.ok(csrfOf(r.json));
    assert.notEqual(csrfOf(r.json), csrfOf(flow), 'freshly masked');
    assert.equal(csrfCookieOf(r), undefined, 'no CSRF rotation without a sign-in');
    await assertNoSession(srv, r, c, identity.id);

    const b = await classicFlow(srv.base);
    const rb = await b.c.post(`self-service/login?flow=${b.flow.id}`, {
      form: { method: 'password', identifier: email, password: 'wrong-password-123', csrf_token: csrfOf(b.flow) },
    });
    assert.equal(rb.status, 303);
    assert.equal(rb.location, `${UI}/login?flow=${b.flow.id}`);
    await assertNoSession(srv, rb, b.c, identity.id);
    const shown = (await b.c.get(`self-service/login/flows?id=${b.flow.id}`, { accept: 'application/json' })).json;
    assert.deepEqual(shown.ui.messages, [INVALID_CREDENTIALS]);
    assert.equal(node(shown, 'identifier').attributes.value, email);
  });

  test('the identifier upper-cased or with surrounding spaces signs in', async () => {
    const email = unique('norm');
    const identity = await register(srv.base, email);
    for (const variant of [email.toUpperCase(), `  ${email}  `, ` ${email.toUpperCase()}\t`]) {
      const r = await apiLogin(srv.base, variant);
      assert.equal(r.status, 200, `${JSON.stringify(variant)}: ${r.text}`);
      assert.equal(r.json.session.identity.id, identity.id);
    }
  });

  test('missing identifier and/or password: 4000002 on the nodes (4 nodes)', async () => {
    const flow = (await api(srv.base).get('self-service/login/api')).json;
    const url = `self-service/login?flow=${flow.id}`;
    const missingId = { id: 4000002, text: 'Property identifier is missing.', type: 'error', context: { property: 'identifier' } };
    const missingPw = { id: 4000002, text: 'Property password is missing.', type: 'error', context: { property: 'password' } };
    const both = await api(srv.base).post(url, { json: { method: 'password' } });
    assert.equal(both.status, 400);
    assert.equal(both.json.ui.nodes.length, 4);
    assert.equal(both.json.ui.messages, undefined);
    assert.deepEqual(node(both.json, 'identifier').messages, [missingId]);
    assert.deepEqual(node(both.json, 'password').messages, [missingPw]);

    const email = unique('missing');
    await register(srv.base, email);
    const noPw = await api(srv.base).post(url, { json: { method: 'password', identifier: email } });
    assert.equal(noPw.status, 400);
    assert.deepEqual(node(noPw.json, 'identifier').messages, []);
    assert.equal(node(noPw.json, 'identifier').attributes.value, email);
    assert.deepEqual(node(noPw.json, 'password').messages, [missingPw]);
    await assertNoSession(srv, noPw, null, null);

    const noId = await api(srv.base).post(url, { json: { method: 'password', password: PASSWORD } });
    assert.equal(noId.status, 400);
    assert.deepEqual(node(noId.json, 'identifier').messages, [missingId]);
    assert.deepEqual(node(noId.json, 'password').messages, []);
    // An empty string counts as missing (decoderx drops it).
    const empty = await api(srv.base).post(url, { json: { method: 'password', identifier: '', password: '' } });
    assert.deepEqual(node(empty.json, 'identifier').messages, [missingId]);
    assert.deepEqual(node(empty.json, 'password').messages, [missingPw]);
    // The form is not left with stale messages after a valid submission fails otherwise.
    const wrong = await api(srv.base).post(url, { json: { method: 'password', identifier: email, password: 'wrong-password-123' } });
    assert.deepEqual(wrong.json.ui.messages, [INVALID_CREDENTIALS]);
    assert.deepEqual(node(wrong.json, 'identifier').messages, []);
    assert.deepEqual(node(wrong.json, 'password').messages, []);
  });

  test('disabled identity: 4010011 for the right password, 4000006 for a wrong one', async () => {
    // There is no admin identity API yet: the state is set in the database directly.
    const email = unique('disabled');
    const identity = await register(srv.base, email);
    query(dbFile(srv), "UPDATE identities SET state = 'inactive' WHERE id = ?", [identity.id]);
    const r = await apiLogin(srv.base, email);
    assert.equal(r.status, 400, r.text);
    assert.deepEqual(r.json.ui.messages, [{ id: 4010011, text: 'This account has been disabled. Please contact support for assistance.', type: 'error' }]);
    await assertNoSession(srv, r, null, identity.id);
    const wrong = await apiLogin(srv.base, email, 'wrong-password-123');
    assert.deepEqual(wrong.json.ui.messages, [INVALID_CREDENTIALS]);
    const { c, flow } = await spaFlow(srv.base);
    const s = await c.post(`self-service/login?flow=${flow.id}`, {
      json: { method: 'password', identifier: email, password: PASSWORD, csrf_token: csrfOf(flow) },
    });
    assert.equal(s.status, 400);
    assert.equal(s.json.ui.messages[0].id, 4010011);
    await assertNoSession(srv, s, c, identity.id);
  });

  test('forged CSRF token on a browser flow: 403 security_csrf_violation (SPA), error UI (classic)', async () => {
    const email = unique('csrf');
    const identity = await register(srv.base, email);
    const { c, flow } = await spaFlow(srv.base);
    const forged = Buffer.alloc(64, 7).toString('base64');
    const r = await c.post(`self-service/login?flow=${flow.id}`, {
      json: { method: 'password', identifier: email, password: PASSWORD, csrf_token: forged },
    });
    assert.equal(r.status, 403, r.text);
    assert.equal(r.json.error.id, 'security_csrf_violation');
    assert.equal(r.json.error.code, 403);
    await assertNoSession(srv, r, c, identity.id);
    // The right token without the cookie is refused as well.
    const noCookie = await spa(srv.base).post(`self-service/login?flow=${flow.id}`, {
      json: { method: 'password', identifier: email, password: PASSWORD, csrf_token: csrfOf(flow) },
    });
    assert.equal(noCookie.status, 403);
    assert.equal(noCookie.json.error.id, 'security_csrf_violation');
    await assertNoSession(srv, noCookie, null, identity.id);

    const b = await classicFlow(srv.base);
    const rb = await b.c.post(`self-service/login?flow=${b.flow.id}`, {
      form: { method: 'password', identifier: email, password: PASSWORD, csrf_token: forged },
    });
    assert.equal(rb.status, 303);
    assert.ok(rb.location.startsWith(`${UI}/error?id=`), rb.location);
    await assertNoSession(srv, rb, b.c, identity.id);
    const errId = new URL(rb.location).searchParams.get('id');
    const shown = await api(srv.base).get(`self-service/errors?id=${errId}`);
    assert.equal(shown.json.error.id, 'security_csrf_violation');
  });

  test('API flow posted with a browser Origin or Cookie: 400 flow with 4000001, no session', async () => {
    const email = unique('apibrowser');
    const identity = await register(srv.base, email);
    for (const [headers, pattern] of [
      [{ Origin: 'http://127.0.0.1:4455' }, /included the "Origin" key/],
      [{ Cookie: 'some_session=1' }, /included the "Cookie" key/],
    ]) {
      const r = await apiLogin(srv.base, email, PASSWORD, headers);
      assert.equal(r.status, 400, r.text);
      assert.equal(r.json.type, 'api');
      assert.equal(r.json.ui.messages.length, 1);
      assert.equal(r.json.ui.messages[0].id, 4000001);
      assert.match(r.json.ui.messages[0].text, pattern);
      await assertNoSession(srv, r, null, identity.id);
    }
    const cloudflare = await apiLogin(srv.base, email, PASSWORD, { Cookie: '__cf_bm=1' });
    assert.equal(cloudflare.status, 200, 'Cloudflare cookies are allowed');
  });

  test('unknown method and unknown flow', async () => {
    const flow = (await api(srv.base).get('self-service/login/api')).json;
    const r = await api(srv.base).post(`self-service/login?flow=${flow.id}`, { json: { method: 'magic', identifier: 'a@b.c', password: 'x' } });
    assert.equal(r.status, 400);
    assert.deepEqual(r.json.ui.messages, [{ id: 4010002, text: 'Could not find a strategy to log you in with. Did you fill out the form correctly?', type: 'error' }]);
    const missing = await api(srv.base).post('self-service/login', { json: { method: 'password' } });
    assert.equal(missing.status, 400);
    assert.equal(missing.json.error.reason, 'The flow query parameter is missing or malformed.');
    const notFound = await api(srv.base).post('self-service/login?flow=00000000-0000-4000-8000-000000000000', { json: { method: 'password' } });
    assert.equal(notFound.status, 404);
  });
});

describe('expired flows (§10)', () => {
  let short;
  before(async () => {
    short = await startAtrium({ config: withCommon({ selfservice: { flows: { login: { lifespan: '1s' } } } }) });
  });
  after(async () => short && (await short.stop()));

  test('submit after expiry: 410 with use_flow_id (API, SPA), 303 to the new flow (classic); no session', async () => {
    const email = unique('expired');
    const identity = await register(short.base, email);
    const apiFlow = (await api(short.base).get('self-service/login/api')).json;
    const s = await spaFlow(short.base, '?return_to=' + encodeURIComponent(`${UI}/kept`));
    const b = await classicFlow(short.base);
    await new Promise((r) => setTimeout(r, 1200));

    const a = await api(short.base).post(`self-service/login?flow=${apiFlow.id}`, { json: { method: 'password', identifier: email, password: PASSWORD } });
    assert.equal(a.status, 410, a.text);
    assert.deepEqual(Object.keys(a.json), ['error', 'expired_at', 'since', 'use_flow_id']);
    assert.equal(a.json.error.id, 'self_service_flow_expired');
    assert.match(a.json.error.reason, /^The self-service flow expired \d+\.\d\d minutes ago, initialize a new one\.$/);
    assert.equal(a.json.expired_at, apiFlow.expires_at);
    assert.notEqual(a.json.use_flow_id, apiFlow.id);
    await assertNoSession(short, a, null, identity.id);
    // The replacement exists (still fresh), is an API flow and says why.
    const replacement = await api(short.base).get(`self-service/login/flows?id=${a.json.use_flow_id}`);
    assert.equal(replacement.status, 200);
    assert.equal(replacement.json.type, 'api');
    assert.equal(replacement.json.ui.messages[0].id, 4010001);
    assert.match(replacement.json.ui.messages[0].text, /^The login flow expired \d+\.\d\d minutes ago, please try again\.$/);

    const sr = await s.c.post(`self-service/login?flow=${s.flow.id}`, {
      json: { method: 'password', identifier: email, password: PASSWORD, csrf_token: csrfOf(s.flow) },
    });
    assert.equal(sr.status, 410);
    assert.notEqual(sr.json.use_flow_id, s.flow.id);
    await assertNoSession(short, sr, s.c, identity.id);
    const sNew = (await s.c.get(`self-service/login/flows?id=${sr.json.use_flow_id}`)).json;
    assert.equal(sNew.type, 'browser');
    assert.equal(sNew.return_to, `${UI}/kept`, 'the replacement keeps the old return_to');

    const br = await b.c.post(`self-service/login?flow=${b.flow.id}`, {
      form: { method: 'password', identifier: email, password: PASSWORD, csrf_token: csrfOf(b.flow) },
    });
    assert.equal(br.status, 303);
    const next = new URL(br.location);
    assert.equal(`${next.origin}${next.pathname}`, `${UI}/login`);
    assert.notEqual(next.searchParams.get('flow'), b.flow.id);
    await assertNoSession(short, br, b.c, identity.id);
  });

  test('GET on an expired flow: 410 with redirect details, no replacement', async () => {
    const { c, flow } = await spaFlow(short.base);
    const a = (await api(short.base).get('self-service/login/api')).json;
    await new Promise((r) => setTimeout(r, 1200));
    const r = await c.get(`self-service/login/flows?id=${flow.id}`);
    assert.equal(r.status, 410);
    assert.equal(r.json.error.id, 'self_service_flow_expired');
    assert.equal(r.json.error.details.redirect_to, `${short.base}self-service/login/browser`);
    const ra = await api(short.base).get(`self-service/login/flows?id=${a.id}`);
    assert.equal(ra.status, 410);
    assert.equal(ra.json.error.details.api, `${short.base}self-service/login/api`);
  });
});

describe('already signed in (§2, §6.1 step 3) and refresh (§9)', () => {
  const ALREADY = { error: { id: 'session_already_available', code: 400, status: 'Bad Request', reason: ALREADY_REASON, message: 'you are already logged in' } };

  test('init: 400 session_already_available (API, SPA), 303 to the return URL (classic)', async () => {
    const email = unique('already');
    await register(srv.base, email);
    const token = (await apiLogin(srv.base, email)).json.session_token;
    const a = await api(srv.base).get('self-service/login/api', { headers: { 'X-Session-Token': token } });
    assert.equal(a.status, 400);
    assert.deepEqual(a.json, ALREADY);

    const { c, flow } = await spaFlow(srv.base);
    const signed = await c.post(`self-service/login?flow=${flow.id}`, {
      json: { method: 'password', identifier: email, password: PASSWORD, csrf_token: csrfOf(flow) },
    });
    assert.equal(signed.status, 200);
    const s = await c.get('self-service/login/browser');
    assert.equal(s.status, 400);
    assert.deepEqual(s.json, ALREADY);

    const b = browser(srv.base);
    b.cookies = new Map(c.cookies);
    const classic = await b.get('self-service/login/browser');
    assert.equal(classic.status, 303);
    assert.equal(classic.location, `${UI}/welcome`);
    const toAllowed = await b.get('self-service/login/browser?return_to=' + encodeURIComponent(`${UI}/elsewhere`));
    assert.equal(toAllowed.status, 303);
    assert.equal(toAllowed.location, `${UI}/elsewhere`);
  });

  test('submit while signed in: 400 flow with 4000001 (API, SPA), 303 to the default URL (classic); no new session', async () => {
    const email = unique('already-submit');
    const identity = await register(srv.base, email);
    const apiFlow = (await api(srv.base).get('self-service/login/api')).json;
    const { c, flow } = await spaFlow(srv.base);
    const b = await classicFlow(srv.base, '?return_to=' + encodeURIComponent(`${UI}/ignored`));
    // Sign the three clients in through other flows.
    const token = (await apiLogin(srv.base, email)).json.session_token;
    const other = (await c.get('self-service/login/browser')).json; // not signed in yet: a flow
    await c.post(`self-service/login?flow=${other.id}`, { json: { method: 'password', identifier: email, password: PASSWORD, csrf_token: csrfOf(other) } });
    const { flow: other2 } = await classicFlow(srv.base, '', b.c);
    const bs = await b.c.post(`self-service/login?flow=${other2.id}`, { form: { method: 'password', identifier: email, password: PASSWORD, csrf_token: csrfOf(other2) } });
    assert.equal(bs.status, 303);
    assert.equal(sessionRows(srv, identity.id), 3);

    const expected = [{ id: 4000001, text: ALREADY_REASON, type: 'error', context: { reason: ALREADY_REASON } }];
    const a = await api(srv.base).post(`self-service/login?flow=${apiFlow.id}`, {
      headers: { 'X-Session-Token': token },
      json: { method: 'password', identifier: email, password: PASSWORD },
    });
    assert.equal(a.status, 400, a.text);
    assert.equal(a.json.id, apiFlow.id);
    assert.deepEqual(a.json.ui.messages, expected);
    assert.equal(a.json.session_token, undefined);

    const s = await c.post(`self-service/login?flow=${flow.id}`, {
      json: { method: 'password', identifier: email, password: PASSWORD, csrf_token: csrfOf(flow) },
    });
    assert.equal(s.status, 400, s.text);
    assert.deepEqual(s.json.ui.messages, expected);
    assert.equal(sessionCookieOf(s), undefined);

    const cl = await b.c.post(`self-service/login?flow=${b.flow.id}`, {
      form: { method: 'password', identifier: email, password: PASSWORD, csrf_token: csrfOf(b.flow) },
    });
    assert.equal(cl.status, 303);
    assert.equal(cl.location, `${UI}/welcome`, 'the flow return_to is ignored here');
    assert.equal(sessionCookieOf(cl), undefined);
    assert.equal(sessionRows(srv, identity.id), 3, 'no session was added');
  });

  test('refresh=true (API): refresh form, same session id and token, one more method', async () => {
    const email = unique('refresh');
    const identity = await register(srv.base, email);
    const first = (await apiLogin(srv.base, email)).json;
    const headers = { 'X-Session-Token': first.session_token };
    const init = await api(srv.base).get('self-service/login/api?refresh=true', { headers });
    assert.equal(init.status, 200, init.text);
    const flow = init.json;
    assert.equal(flow.refresh, true);
    assert.deepEqual(flow.ui.messages, [{ id: 1010003, text: 'Please confirm this action by verifying that it is you.', type: 'info' }]);
    assert.equal(
      JSON.stringify(flow.ui.nodes),
      JSON.stringify([
        csrfNode(''),
        { type: 'input', group: 'default', attributes: { name: 'identifier', type: 'hidden', value: email, disabled: false, node_type: 'input' }, messages: [], meta: {} },
        PASSWORD_NODE,
        methodNode({ id: 1010001, text: 'Sign in', type: 'info' }),
      ]),
    );
    const r = await api(srv.base).post(`self-service/login?flow=${flow.id}`, { headers, json: { method: 'password', identifier: email, password: PASSWORD } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.session.id, first.session.id);
    assert.equal(r.json.session_token, first.session_token);
    assert.equal(r.json.session.authentication_methods.length, 2);
    assert.equal(sessionRows(srv, identity.id), 1);
    // Without a session, refresh is forced to false.
    const anon = await api(srv.base).get('self-service/login/api?refresh=true');
    assert.equal(anon.json.refresh, false);
    assert.equal(anon.json.ui.messages, undefined);
  });

  test('refresh=true (SPA): same session id, cookie re-issued, CSRF not rotated', async () => {
    const email = unique('refresh-spa');
    await register(srv.base, email);
    const { c, flow } = await spaFlow(srv.base);
    const first = await c.post(`self-service/login?flow=${flow.id}`, {
      json: { method: 'password', identifier: email, password: PASSWORD, csrf_token: csrfOf(flow) },
    });
    assert.equal(first.status, 200);
    const refresh = (await c.get('self-service/login/browser?refresh=true')).json;
    assert.equal(refresh.refresh, true);
    const r = await c.post(`self-service/login?flow=${refresh.id}`, {
      json: { method: 'password', identifier: email, password: PASSWORD, csrf_token: csrfOf(refresh) },
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.session.id, first.json.session.id);
    assert.ok(sessionCookieOf(r));
    assert.equal(csrfCookieOf(r), undefined);
    assert.equal((await c.get('sessions/whoami')).json.id, first.json.session.id);
  });

  test('refresh=true by another identity: a brand-new session, the old one stays active', async () => {
    const a = unique('refresh-a');
    const b = unique('refresh-b');
    await register(srv.base, a);
    await register(srv.base, b);
    const first = (await apiLogin(srv.base, a)).json;
    const headers = { 'X-Session-Token': first.session_token };
    const flow = (await api(srv.base).get('self-service/login/api?refresh=true', { headers })).json;
    const r = await api(srv.base).post(`self-service/login?flow=${flow.id}`, { headers, json: { method: 'password', identifier: b, password: PASSWORD } });
    assert.equal(r.status, 200, r.text);
    assert.notEqual(r.json.session.id, first.session.id);
    assert.notEqual(r.json.session_token, first.session_token);
    assert.equal(r.json.session.identity.traits.email, b);
    assert.equal(await whoamiStatus(srv.base, { token: first.session_token }), 200);
  });
});

describe('return_to (§2.1 step 2, §12 step 3)', () => {
  test('allowed return_to is honoured (SPA continue_with, classic 303)', async () => {
    const email = unique('return');
    await register(srv.base, email);
    const target = `${UI}/somewhere?x=1`;
    const { c, flow } = await spaFlow(srv.base, '?return_to=' + encodeURIComponent(target));
    const r = await c.post(`self-service/login?flow=${flow.id}`, {
      json: { method: 'password', identifier: email, password: PASSWORD, csrf_token: csrfOf(flow) },
    });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json.continue_with, [{ action: 'redirect_browser_to', redirect_browser_to: target }]);
  });

  test('a refused return_to: 400 self_service_flow_return_to_forbidden (API, SPA), error UI (classic)', async () => {
    const bad = 'https://evil.example/phish';
    const expected = {
      error: {
        id: 'self_service_flow_return_to_forbidden', code: 400, status: 'Bad Request',
        reason: `Requested return_to URL "${bad}" is not allowed.`, message: 'The request was malformed or contained invalid parameters',
      },
    };
    const q = '?return_to=' + encodeURIComponent(bad);
    const a = await api(srv.base).get('self-service/login/api' + q);
    assert.equal(a.status, 400);
    assert.deepEqual(a.json, expected);
    const s = await spa(srv.base).get('self-service/login/browser' + q);
    assert.equal(s.status, 400);
    assert.deepEqual(s.json, expected);
    const b = await browser(srv.base).get('self-service/login/browser' + q);
    assert.equal(b.status, 303);
    assert.ok(b.location.startsWith(`${UI}/error?id=`), b.location);
  });
});

describe('identifier_first style (§11.2)', () => {
  let idf;
  let mitigated;
  before(async () => {
    idf = await startAtrium({ config: withCommon({ selfservice: { flows: { login: { style: 'identifier_first' } } } }) });
    mitigated = await startAtrium({
      config: withCommon({ selfservice: { flows: { login: { style: 'identifier_first' } } }, security: { account_enumeration: { mitigate: true } } }),
    });
  });
  after(async () => {
    for (const s of [idf, mitigated]) if (s) await s.stop();
  });

  const IDF_IDENTIFIER = {
    type: 'input', group: 'identifier_first',
    attributes: { name: 'identifier', type: 'text', value: '', required: true, autocomplete: 'username webauthn', disabled: false, node_type: 'input' },
    messages: [],
    meta: { label: { id: 1070002, text: 'E-Mail', type: 'info', context: { name: 'traits.email', title: 'E-Mail' } } },
  };
  const IDF_SUBMIT = {
    type: 'input', group: 'identifier_first',
    attributes: { name: 'method', type: 'submit', value: 'identifier_first', disabled: false, node_type: 'input' },
    messages: [], meta: { label: { id: 1070009, text: 'Continue', type: 'info' } },
  };

  test('first screen: identifier, Continue, csrf last', async () => {
    const { flow } = await spaFlow(idf.base);
    assert.equal(JSON.stringify(flow.ui.nodes), JSON.stringify([IDF_IDENTIFIER, IDF_SUBMIT, csrfNode(csrfOf(flow))]));
  });

  test('step 1 with a known identifier: 400 flow with a hidden identifier and the password form; step 2 signs in', async () => {
    const email = unique('idf');
    await register(idf.base, email);
    const { c, flow } = await spaFlow(idf.base);
    const step = await c.post(`self-service/login?flow=${flow.id}`, {
      json: { method: 'identifier_first', identifier: email, csrf_token: csrfOf(flow) },
    });
    assert.equal(step.status, 400, step.text);
    const f = step.json;
    assert.equal(f.active, 'identifier_first');
    assert.deepEqual(f.transient_payload, {});
    assert.equal(f.ui.messages, undefined);
    assert.deepEqual(nodeNames(f), ['identifier_first:identifier', 'default:csrf_token', 'password:password', 'password:method=password']);
    const id = node(f, 'identifier');
    assert.equal(id.attributes.type, 'hidden');
    assert.equal(id.attributes.value, email);
    assert.equal(id.attributes.autocomplete, 'username webauthn');
    assert.deepEqual(id.meta.label, IDF_IDENTIFIER.meta.label);
    assert.equal(JSON.stringify(node(f, 'password')), JSON.stringify(PASSWORD_NODE));
    assert.deepEqual(f.ui.nodes[3].meta.label, SIGN_IN_WITH_PASSWORD);
    assert.equal(sessionCookieOf(step), undefined);
    // What was stored is the second screen (without the transient payload).
    const stored = (await c.get(`self-service/login/flows?id=${flow.id}`)).json;
    assert.deepEqual(nodeNames(stored), nodeNames(f));
    assert.equal(stored.transient_payload, undefined);

    const done = await c.post(`self-service/login?flow=${flow.id}`, {
      json: { method: 'password', identifier: email, password: PASSWORD, csrf_token: csrfOf(f) },
    });
    assert.equal(done.status, 200, done.text);
    assert.equal(done.json.session.identity.traits.email, email);
    assert.ok(sessionCookieOf(done));
  });

  test('step 1 with an unknown identifier: 4000037 on the identifier node; classic 303', async () => {
    const unknown = unique('idf-unknown');
    const { c, flow } = await spaFlow(idf.base);
    const r = await c.post(`self-service/login?flow=${flow.id}`, {
      json: { method: 'identifier_first', identifier: unknown, csrf_token: csrfOf(flow) },
    });
    assert.equal(r.status, 400, r.text);
    const id = node(r.json, 'identifier');
    assert.deepEqual(id.messages, [{ id: 4000037, text: 'This account does not exist or has no login method configured.', type: 'error' }]);
    assert.equal(id.attributes.type, 'text');
    assert.equal(id.attributes.value, unknown);
    assert.equal(node(r.json, 'password'), undefined);
    assert.equal(r.json.active, undefined);
    await assertNoSession(idf, r, c, null);
    // A submission without an identifier at all is step 1 too (Quirk 5).
    const none = await c.post(`self-service/login?flow=${flow.id}`, { json: { method: 'identifier_first', csrf_token: csrfOf(flow) } });
    assert.equal(none.status, 400);
    assert.equal(node(none.json, 'identifier').messages[0]?.id, 4000037);

    const email = unique('idf-classic');
    await register(idf.base, email);
    const b = await classicFlow(idf.base);
    const rb = await b.c.post(`self-service/login?flow=${b.flow.id}`, { form: { method: 'identifier_first', identifier: email, csrf_token: csrfOf(b.flow) } });
    assert.equal(rb.status, 303);
    assert.equal(rb.location, `${UI}/login?flow=${b.flow.id}`);
    const next = (await b.c.get(`self-service/login/flows?id=${b.flow.id}`, { accept: 'application/json' })).json;
    assert.equal(node(next, 'identifier').attributes.type, 'hidden');
    assert.ok(node(next, 'password'));
  });

  test('API flow: step 1 answers the next screen as a 400 flow, step 2 signs in', async () => {
    const email = unique('idf-api');
    await register(idf.base, email);
    const flow = (await api(idf.base).get('self-service/login/api')).json;
    const step = await api(idf.base).post(`self-service/login?flow=${flow.id}`, { json: { method: 'identifier_first', identifier: email } });
    assert.equal(step.status, 400);
    assert.equal(csrfOf(step.json), '');
    assert.ok(node(step.json, 'password'));
    const done = await api(idf.base).post(`self-service/login?flow=${flow.id}`, { json: { method: 'password', identifier: email, password: PASSWORD } });
    assert.equal(done.status, 200, done.text);
    assert.match(done.json.session_token, /^ory_st_/);
  });

  test('account enumeration mitigation: the same second screen for an unknown identifier, 4000006 at step 2', async () => {
    const email = unique('mitigate');
    await register(mitigated.base, email);
    const unknown = unique('mitigate-unknown');
    const screens = [];
    for (const identifier of [email, unknown]) {
      const { c, flow } = await spaFlow(mitigated.base);
      const r = await c.post(`self-service/login?flow=${flow.id}`, { json: { method: 'identifier_first', identifier, csrf_token: csrfOf(flow) } });
      assert.equal(r.status, 400, r.text);
      screens.push({ c, flow: r.json, identifier });
    }
    const shape = ({ flow, identifier }) =>
      JSON.stringify(flow.ui.nodes.map((n) => ({ ...n, attributes: { ...n.attributes, value: n.attributes.name === 'csrf_token' ? 'CSRF' : n.attributes.value } }))).replaceAll(identifier, 'ID');
    assert.equal(shape(screens[0]), shape(screens[1]));
    assert.equal(screens[1].flow.active, 'identifier_first');
    const { c, flow } = screens[1];
    const r = await c.post(`self-service/login?flow=${flow.id}`, { json: { method: 'password', identifier: unknown, password: PASSWORD, csrf_token: csrfOf(flow) } });
    assert.equal(r.status, 400);
    assert.deepEqual(r.json.ui.messages, [INVALID_CREDENTIALS]);
    await assertNoSession(mitigated, r, c, null);
  });
});

describe('revoke_active_sessions hook (§12.1)', () => {
  let revoking;
  before(async () => {
    revoking = await startAtrium({
      config: withCommon({ selfservice: { flows: { login: { after: { password: { hooks: [{ hook: 'revoke_active_sessions' }] } } } } } }),
    });
  });
  after(async () => revoking && (await revoking.stop()));

  test('a new sign-in revokes every older session of the identity, and only of it', async () => {
    const email = unique('revoke');
    const bystander = unique('bystander');
    await register(revoking.base, email);
    await register(revoking.base, bystander);
    const other = (await apiLogin(revoking.base, bystander)).json.session_token;
    const t1 = (await apiLogin(revoking.base, email)).json.session_token;
    assert.equal(await whoamiStatus(revoking.base, { token: t1 }), 200);
    const t2 = (await apiLogin(revoking.base, email)).json.session_token;
    assert.equal(await whoamiStatus(revoking.base, { token: t1 }), 401, 'the first session was revoked');
    assert.equal(await whoamiStatus(revoking.base, { token: t2 }), 200);
    // Browser sign-in: the API session goes too.
    const { c, flow } = await spaFlow(revoking.base);
    const r = await c.post(`self-service/login?flow=${flow.id}`, { json: { method: 'password', identifier: email, password: PASSWORD, csrf_token: csrfOf(flow) } });
    assert.equal(r.status, 200);
    assert.equal(await whoamiStatus(revoking.base, { token: t2 }), 401);
    assert.equal((await c.get('sessions/whoami')).status, 200);
    assert.equal(await whoamiStatus(revoking.base, { token: other }), 200, 'other identities keep their sessions');
    // A failed sign-in revokes nothing.
    await apiLogin(revoking.base, email, 'wrong-password-123');
    assert.equal((await c.get('sessions/whoami')).status, 200);
  });

  test('without the hook, older sessions stay active', async () => {
    const email = unique('norevoke');
    await register(srv.base, email);
    const t1 = (await apiLogin(srv.base, email)).json.session_token;
    const t2 = (await apiLogin(srv.base, email)).json.session_token;
    assert.equal(await whoamiStatus(srv.base, { token: t1 }), 200);
    assert.equal(await whoamiStatus(srv.base, { token: t2 }), 200);
  });
});

describe('password hash upgrade on sign-in (§11.3)', () => {
  test('bcrypt hash from an earlier configuration becomes argon2id at the first sign-in, then follows new argon2 parameters', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'atrium-rehash-'));
    const db = path.join(dir, 'shared.db');
    const dsn = `sqlite://${db}`;
    const hashOf = (id) => JSON.parse(query(db, "SELECT config FROM identity_credentials WHERE identity_id = ? AND type = 'password'", [id])[0].config).hashed_password;
    let s1;
    let s2;
    let s3;
    try {
      s1 = await startAtrium({ config: withCommon({ dsn, hashers: { algorithm: 'bcrypt', bcrypt: { cost: 4 } } }) });
      const email = unique('rehash');
      const identity = await register(s1.base, email);
      const bcrypted = hashOf(identity.id);
      assert.match(bcrypted, /^\$2[aby]\$04\$/, 'registered with bcrypt cost 4');
      assert.equal((await apiLogin(s1.base, email)).status, 200);
      assert.equal(hashOf(identity.id), bcrypted, 'a current hash is left alone');
      await s1.stop();
      s1 = null;

      s2 = await startAtrium({ config: withCommon({ dsn }) }); // argon2 (the harness' parameters)
      const wrong = await apiLogin(s2.base, email, 'wrong-password-123');
      assert.equal(wrong.status, 400);
      assert.equal(hashOf(identity.id), bcrypted, 'a failed sign-in does not re-hash');
      const first = await apiLogin(s2.base, email);
      assert.equal(first.status, 200, first.text);
      const upgraded = hashOf(identity.id);
      assert.match(upgraded, /^\$argon2id\$v=19\$m=1024,t=1,p=1\$/, upgraded);
      const second = await apiLogin(s2.base, email);
      assert.equal(second.status, 200, 'the new hash verifies');
      assert.equal(hashOf(identity.id), upgraded, 'and is not re-hashed again');
      assert.equal((await apiLogin(s2.base, email, 'wrong-password-123')).status, 400, 'the new hash still refuses a wrong password');
      await s2.stop();
      s2 = null;

      // Atrium also upgrades on changed parameters (docs/compat.md "Password hash upgrade").
      s3 = await startAtrium({ config: withCommon({ dsn, hashers: { argon2: { memory: '2MB', iterations: 2 } } }) });
      assert.equal((await apiLogin(s3.base, email)).status, 200);
      const stronger = hashOf(identity.id);
      assert.match(stronger, /^\$argon2id\$v=19\$m=2048,t=2,p=1\$/, stronger);
      assert.equal((await apiLogin(s3.base, email)).status, 200, 'the stronger hash verifies');
    } finally {
      if (s1) await s1.stop();
      if (s2) await s2.stop();
      if (s3) await s3.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
