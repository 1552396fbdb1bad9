// docs/wire/login.md §14: logout for browsers (logout URL, then the logout link) and for native
// apps (DELETE /self-service/logout/api), against the real binary.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { api, browser, csrfOf, spa, startAtrium } from '../lib/harness.mjs';

const PASSWORD = 'l3f9toh1uaf81n21';
const UI = 'http://127.0.0.1:4455';

let srv;
before(async () => {
  srv = await startAtrium({ config: { selfservice: { flows: { registration: { style: 'unified' }, login: { ui_url: `${UI}/login` } } } } });
});
after(async () => srv && (await srv.stop()));

let seq = 0;
const unique = (tag) => `${tag}-${process.pid}-${++seq}@example.com`;

async function register(email) {
  const flow = (await api(srv.base).get('self-service/registration/api')).json;
  const r = await api(srv.base).post(`self-service/registration?flow=${flow.id}`, {
    json: { method: 'password', password: PASSWORD, traits: { email } },
  });
  assert.equal(r.status, 200, r.text);
}

// A signed-in SPA client (cookie jar) for a fresh identity.
async function signedInSpa() {
  const email = unique('logout');
  await register(email);
  const c = spa(srv.base);
  const flow = (await c.get('self-service/login/browser')).json;
  const r = await c.post(`self-service/login?flow=${flow.id}`, {
    json: { method: 'password', identifier: email, password: PASSWORD, csrf_token: csrfOf(flow) },
  });
  assert.equal(r.status, 200, r.text);
  return { c, session: r.json.session, email };
}

async function nativeToken() {
  const email = unique('native-logout');
  await register(email);
  const flow = (await api(srv.base).get('self-service/login/api')).json;
  const r = await api(srv.base).post(`self-service/login?flow=${flow.id}`, { json: { method: 'password', identifier: email, password: PASSWORD } });
  assert.equal(r.status, 200, r.text);
  return r.json.session_token;
}

const whoami = (headers) => api(srv.base).get('sessions/whoami', { headers });
const SESSION_INACTIVE = {
  error: {
    id: 'session_inactive', code: 401, status: 'Unauthorized',
    reason: 'No active session was found in this request.', message: 'request does not have a valid authentication session',
  },
};

describe('GET /self-service/logout/browser (§14.1)', () => {
  test('200 {logout_url, logout_token} in that order; the same token every time', async () => {
    const { c } = await signedInSpa();
    const r = await c.get('self-service/logout/browser');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(Object.keys(r.json), ['logout_url', 'logout_token']);
    assert.match(r.json.logout_token, /^ory_lo_[A-Za-z0-9]{32}$/);
    assert.equal(r.json.logout_url, `${srv.base}self-service/logout?token=${r.json.logout_token}`);
    const again = await c.get('self-service/logout/browser');
    assert.equal(again.json.logout_token, r.json.logout_token);
    // JSON whatever the Accept header says.
    const html = await c.get('self-service/logout/browser', { accept: 'text/html' });
    assert.equal(html.status, 200);
    assert.equal(html.json.logout_token, r.json.logout_token);
  });

  test('return_to: allowed → in the URL (sorted before token); refused → 400', async () => {
    const { c } = await signedInSpa();
    const target = `${UI}/bye?x=1`;
    const r = await c.get('self-service/logout/browser?return_to=' + encodeURIComponent(target));
    assert.equal(r.status, 200);
    assert.equal(r.json.logout_url, `${srv.base}self-service/logout?return_to=${encodeURIComponent(target)}&token=${r.json.logout_token}`);
    const bad = await c.get('self-service/logout/browser?return_to=' + encodeURIComponent('https://evil.example/'));
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.id, 'self_service_flow_return_to_forbidden');
    assert.equal(bad.json.error.reason, 'Requested return_to URL "https://evil.example/" is not allowed.');
    assert.equal((await c.get('sessions/whoami')).status, 200, 'nothing happened to the session');
  });

  test('401 session_inactive without a session (JSON), error UI for classic browsers', async () => {
    const r = await spa(srv.base).get('self-service/logout/browser');
    assert.equal(r.status, 401);
    assert.deepEqual(r.json, SESSION_INACTIVE);
    const b = await browser(srv.base).get('self-service/logout/browser');
    assert.equal(b.status, 303);
    assert.ok(b.location.startsWith(`${UI}/error?id=`), b.location);
  });

  test('a session token works too (any source of §9.1)', async () => {
    const token = await nativeToken();
    const r = await api(srv.base).get('self-service/logout/browser', { headers: { 'X-Session-Token': token } });
    assert.equal(r.status, 200);
    assert.match(r.json.logout_token, /^ory_lo_/);
  });
});

describe('GET /self-service/logout?token= (§14.2)', () => {
  test('classic browser: 303 to the return URL, session cookie expired, CSRF rotated, whoami 401', async () => {
    const { c } = await signedInSpa();
    const b = browser(srv.base);
    b.cookies = new Map(c.cookies);
    const csrfBefore = [...b.cookies].find(([k]) => k.startsWith('csrf_token_'));
    const target = `${UI}/goodbye`;
    const { logout_url: url } = (await b.get('self-service/logout/browser?return_to=' + encodeURIComponent(target), { accept: 'application/json' })).json;
    const cookieHeader = b.cookieHeader();
    const r = await b.get(url);
    assert.equal(r.status, 303, r.text);
    assert.equal(r.location, target);
    const cleared = r.setCookies.find((x) => x.startsWith('ory_kratos_session='));
    assert.ok(cleared, r.setCookies.join(' | '));
    const attrs = cleared.split(';').map((a) => a.trim());
    assert.ok(attrs.includes('Max-Age=0'), cleared);
    assert.ok(attrs.includes('Expires=Thu, 01 Jan 1970 00:00:01 GMT'), cleared);
    assert.ok(attrs.includes('Path=/'), cleared);
    assert.ok(attrs.includes('HttpOnly'), cleared);
    const csrf = r.setCookies.find((x) => x.startsWith(csrfBefore[0] + '='));
    assert.ok(csrf, 'the CSRF cookie is rotated');
    assert.notEqual(csrf.split(';')[0].slice(csrfBefore[0].length + 1), csrfBefore[1]);
    assert.equal(b.cookies.has('ory_kratos_session'), false);
    // The old cookie no longer works either: the session itself was revoked.
    assert.equal((await whoami({ Cookie: cookieHeader })).status, 401);
  });

  // With an own login UI (also in dev mode, which the harness always uses) the unset
  // selfservice.flows.logout.after.default_browser_return_url is, as in Kratos (driver/config
  // SelfServiceFlowLogoutRedirectURL, §14.2 step 6), selfservice.default_browser_return_url;
  // only the built-in sign-in page as login UI makes it <public>/ui/login.
  test('without return_to: 303 to the default; a JSON request gets 204 without a body', async () => {
    const one = await signedInSpa();
    const b = browser(srv.base);
    b.cookies = new Map(one.c.cookies);
    const { logout_url: url } = (await b.get('self-service/logout/browser', { accept: 'application/json' })).json;
    const r = await b.get(url);
    assert.equal(r.status, 303);
    assert.equal(r.location, `${UI}/welcome`);

    const two = await signedInSpa();
    const { logout_url: url2 } = (await two.c.get('self-service/logout/browser')).json;
    const old = two.c.cookieHeader();
    const j = await two.c.get(url2);
    assert.equal(j.status, 204);
    assert.equal(j.text, '');
    assert.equal(j.headers.get('content-type'), null);
    assert.ok(j.setCookies.some((x) => x.startsWith('ory_kratos_session=') && /Max-Age=0/.test(x)));
    assert.equal((await whoami({ Cookie: old })).status, 401);
  });

  test('a reused logout token: 401 session_inactive', async () => {
    const { c } = await signedInSpa();
    const { logout_url: url } = (await c.get('self-service/logout/browser')).json;
    const old = c.cookieHeader();
    assert.equal((await c.get(url)).status, 204);
    // Replaying with the old (now revoked) cookie, and with no cookie at all.
    const replay = await api(srv.base).get(url, { headers: { Cookie: old } });
    assert.equal(replay.status, 401);
    assert.deepEqual(replay.json, SESSION_INACTIVE);
    const bare = await c.get(url);
    assert.equal(bare.status, 401);
  });

  test('the logout token of another session: 403, and neither session is revoked', async () => {
    const alice = await signedInSpa();
    const bob = await signedInSpa();
    const bobToken = (await bob.c.get('self-service/logout/browser')).json.logout_token;
    const r = await alice.c.get(`self-service/logout?token=${bobToken}`);
    assert.equal(r.status, 403);
    assert.deepEqual(r.json, {
      error: {
        code: 403, status: 'Forbidden',
        reason: 'Unable to log out because the logout token in the URL query does not match the session cookie.',
        message: 'The requested action was forbidden',
      },
    });
    assert.equal(r.setCookies.some((x) => x.startsWith('ory_kratos_session=')), false);
    assert.equal((await alice.c.get('sessions/whoami')).status, 200);
    assert.equal((await bob.c.get('sessions/whoami')).status, 200);
    // A made-up token as well.
    const forged = await alice.c.get(`self-service/logout?token=ory_lo_${'A'.repeat(32)}`);
    assert.equal(forged.status, 403);
  });

  test('the logout link with X-Session-Token revokes that session (docs/compat.md, unlike Kratos Quirk 12)', async () => {
    const token = await nativeToken();
    const headers = { 'X-Session-Token': token };
    const { logout_url: url } = (await api(srv.base).get('self-service/logout/browser', { headers })).json;
    const r = await api(srv.base).get(url, { headers });
    assert.equal(r.status, 204, r.text);
    assert.equal((await whoami(headers)).status, 401, '"signed out" means signed out');
  });

  test('missing token: 400 "Please include a token in the URL query."', async () => {
    const { c } = await signedInSpa();
    for (const q of ['', '?token=']) {
      const r = await c.get('self-service/logout' + q);
      assert.equal(r.status, 400, q);
      assert.equal(r.json.error.reason, 'Please include a token in the URL query.');
    }
    const b = browser(srv.base);
    b.cookies = new Map(c.cookies);
    const rb = await b.get('self-service/logout');
    assert.equal(rb.status, 303);
    assert.ok(rb.location.startsWith(`${UI}/error?id=`));
    assert.equal((await c.get('sessions/whoami')).status, 200, 'still signed in');
  });

  test('a refused return_to on the logout link: 400 return_to_forbidden', async () => {
    const { c } = await signedInSpa();
    const { logout_token: token } = (await c.get('self-service/logout/browser')).json;
    const r = await c.get(`self-service/logout?token=${token}&return_to=${encodeURIComponent('https://evil.example/')}`);
    assert.equal(r.status, 400);
    assert.equal(r.json.error.id, 'self_service_flow_return_to_forbidden');
    // Kratos checks the return URL only after revoking the session (§14.2 step 6); Atrium checks it
    // first, on purpose (docs/compat.md "Logout return URL"): the session is untouched.
    assert.equal(r.setCookies.some((x) => x.startsWith('ory_kratos_session=')), false);
    assert.equal((await c.get('sessions/whoami')).status, 200, 'a refused return_to leaves the session as it was');
  });
});

describe('DELETE /self-service/logout/api (§14.3)', () => {
  const del = (opts) => api(srv.base).request('DELETE', 'self-service/logout/api', opts);

  test('204 for a live token, whoami 401 afterwards; 204 again for the revoked token (idempotent)', async () => {
    const token = await nativeToken();
    assert.equal((await whoami({ 'X-Session-Token': token })).status, 200);
    const r = await del({ json: { session_token: token } });
    assert.equal(r.status, 204, r.text);
    assert.equal(r.text, '');
    assert.equal(r.setCookies.length, 0, 'no cookies are touched');
    const w = await whoami({ 'X-Session-Token': token });
    assert.equal(w.status, 401);
    assert.equal(w.json.error.id, undefined, 'whoami 401 has no error id');
    const again = await del({ json: { session_token: token } });
    assert.equal(again.status, 204);
  });

  test('403 for unknown, empty or absent tokens', async () => {
    const expected = {
      error: {
        code: 403, status: 'Forbidden',
        reason: 'The provided Ory Session Token could not be found, is invalid, or otherwise malformed.',
        message: 'The requested action was forbidden',
      },
    };
    for (const body of [{ session_token: `ory_st_${'x'.repeat(32)}` }, { session_token: '' }, {}]) {
      const r = await del({ json: body });
      assert.equal(r.status, 403, JSON.stringify(body));
      assert.deepEqual(r.json, expected);
    }
  });

  test('400 for a wrong Content-Type, an empty body, unparsable JSON', async () => {
    const token = await nativeToken();
    const ct = await del({ headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: `session_token=${token}` });
    assert.equal(ct.status, 400);
    assert.equal(ct.json.error.reason, 'HTTP DELETE Request used unknown HTTP Header "Content-Type: application/x-www-form-urlencoded", only [application/json] are supported.');
    const empty = await del({ headers: { 'Content-Type': 'application/json' }, body: '' });
    assert.equal(empty.status, 400);
    assert.equal(empty.json.error.reason, 'Unable to decode HTTP Request Body because its HTTP Header "Content-Length" is zero.');
    const garbage = await del({ headers: { 'Content-Type': 'application/json' }, body: '{"session_token":' });
    assert.equal(garbage.status, 400);
    assert.match(garbage.json.error.reason, /^Unable to decode JSON payload: /);
    const wrongType = await del({ json: { session_token: 42 } });
    assert.equal(wrongType.status, 400);
    assert.match(wrongType.json.error.reason, /^Unable to decode JSON payload: /);
    // Content-Type parameters are fine; none of the refusals above revoked anything.
    assert.equal((await whoami({ 'X-Session-Token': token })).status, 200);
    const ok = await del({ headers: { 'Content-Type': 'application/json; charset=utf-8' }, body: JSON.stringify({ session_token: token }) });
    assert.equal(ok.status, 204);
  });

  test('revoking one native session leaves the identity\'s other sessions alone', async () => {
    const { c, email } = await signedInSpa();
    const flow = (await api(srv.base).get('self-service/login/api')).json;
    const token = (await api(srv.base).post(`self-service/login?flow=${flow.id}`, { json: { method: 'password', identifier: email, password: PASSWORD } })).json.session_token;
    assert.equal((await del({ json: { session_token: token } })).status, 204);
    assert.equal((await c.get('sessions/whoami')).status, 200);
  });
});
