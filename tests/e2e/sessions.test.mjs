// docs/wire/login.md §15 (session management): the caller's own sessions on the public port,
// every session on the admin port, the pagination headers, and whoami right after a revocation.
// Sessions come from sign-ups (the session hook) and from password logins of the same identity.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { api, startAtrium } from '../lib/harness.mjs';

const PASSWORD = 'l3f9toh1uaf81n21';
const SESSION_HOOK = { hooks: [{ hook: 'session' }] };
const JSON_TYPE = 'application/json; charset=utf-8';
// Every test runs on SQLite and, when ATRIUM_TEST_PG_DSN names a PostgreSQL server, again on a
// fresh PostgreSQL database.
const DSN = process.env.ATRIUM_TEST_PG_DSN;
const BACKENDS = ['sqlite', ...(DSN ? ['postgres'] : [])];
let srv;
const database = `atrium_sessions_${process.pid}`;

async function start(backend) {
  const config = { selfservice: { flows: { registration: { style: 'unified', after: { password: SESSION_HOOK } } } } };
  if (backend === 'postgres') {
    execFileSync('psql', [DSN, '-q', '-c', `DROP DATABASE IF EXISTS ${database}`, '-c', `CREATE DATABASE ${database}`]);
    config.dsn = DSN.replace(/\/postgres\?/, `/${database}?`);
  }
  return startAtrium({ config });
}

let counter = 0;
const email = (tag) => `${tag}-${process.pid}-${++counter}@example.com`;

// A new identity signed in by its sign-up: {id, token, sessionId}.
async function register(tag) {
  const c = api(srv.base);
  const flow = (await c.get('self-service/registration/api')).json;
  const address = email(tag);
  const r = await c.post(`self-service/registration?flow=${flow.id}`, {
    json: { method: 'password', password: PASSWORD, traits: { email: address } },
  });
  assert.equal(r.status, 200, r.text);
  return { email: address, id: r.json.identity.id, token: r.json.session_token, sessionId: r.json.session.id };
}

// Another session of the same identity through the password login: {token, sessionId}.
async function login(address, agent = 'sessions-e2e/1') {
  const c = api(srv.base);
  const flow = (await c.get('self-service/login/api')).json;
  const r = await c.post(`self-service/login?flow=${flow.id}`, {
    headers: { 'User-Agent': agent },
    json: { method: 'password', identifier: address, password: PASSWORD },
  });
  assert.equal(r.status, 200, r.text);
  return { token: r.json.session_token, sessionId: r.json.session.id };
}

// A request on the public port with a session token (or none).
function pub(method, path, token) {
  return api(srv.base).request(method, path, { headers: token ? { 'X-Session-Token': token } : {} });
}
// A request on the admin port.
function admin(method, path) {
  return api(srv.admin).request(method, path);
}

const offsetToken = (offset) => Buffer.from(`{"offset":"${offset}","v":2}`).toString('base64url');
const pageLink = (path, page, size, rel) =>
  `<${path}?page=${page}&page_size=${size}&page_token=${offsetToken(page * size)}&per_page=${size}>; rel="${rel}"`;
const linkUrls = (header) =>
  Object.fromEntries(header.split(',').map((l) => [l.match(/rel="(\w+)"/)[1], l.slice(1, l.indexOf('>'))]));

for (const backend of BACKENDS) {
  describe(backend, () => {
    before(async () => {
      srv = await start(backend);
    });
    after(async () => {
      if (srv) await srv.stop();
      srv = undefined;
      if (backend === 'postgres') execFileSync('psql', [DSN, '-q', '-c', `DROP DATABASE IF EXISTS ${database}`]);
    });

    describe('the caller\'s own sessions (public port)', () => {
      test('GET /sessions lists the other active sessions, newest first, without the current one', async () => {
        const ann = await register('list');
        const first = await login(ann.email, 'agent-one');
        const second = await login(ann.email, 'agent-two');
        const r = await pub('GET', 'sessions', ann.token);
        assert.equal(r.status, 200, r.text);
        assert.deepEqual(r.json.map((s) => s.id), [second.sessionId, first.sessionId]);
        assert.equal(r.headers.get('x-total-count'), '2');
        assert.equal(r.headers.get('link'), `</sessions?page=0&page_size=2&page_token=${offsetToken(0)}&per_page=2>; rel="first"`);
        const s = r.json[0];
        assert.deepEqual(Object.keys(s), [
          'id', 'active', 'expires_at', 'authenticated_at', 'authenticator_assurance_level',
          'authentication_methods', 'issued_at', 'identity', 'devices',
        ]);
        assert.equal(s.active, true);
        assert.equal(s.identity.id, ann.id);
        assert.equal(s.identity.metadata_admin, undefined, 'public JSON has no admin metadata');
        assert.equal(s.identity.credentials, undefined);
        assert.equal(s.devices[0].user_agent, 'agent-two');

        const none = await pub('GET', 'sessions', second.token);
        assert.deepEqual(none.json.map((x) => x.id).sort(), [ann.sessionId, first.sessionId].sort());
        const anonymous = await pub('GET', 'sessions');
        assert.equal(anonymous.status, 401);
        assert.deepEqual(anonymous.json, {
          error: { code: 401, status: 'Unauthorized', reason: 'No valid session cookie found.', message: 'The request could not be authorized' },
        });
      });

      test('pages count from 0, their Link headers lead through every session exactly once', async () => {
        const ann = await register('pages');
        const others = [];
        for (let i = 0; i < 5; i++) others.unshift((await login(ann.email)).sessionId); // newest first
        const r = await pub('GET', 'sessions?per_page=2&page=0', ann.token);
        assert.equal(r.status, 200);
        assert.equal(r.headers.get('x-total-count'), '5');
        assert.equal(r.headers.get('link'), [pageLink('/sessions', 1, 2, 'next'), pageLink('/sessions', 2, 2, 'last')].join(','));
        const seen = r.json.map((s) => s.id);
        let next = linkUrls(r.headers.get('link')).next;
        while (next) {
          const page = await pub('GET', next.slice(1), ann.token);
          assert.equal(page.status, 200);
          seen.push(...page.json.map((s) => s.id));
          next = linkUrls(page.headers.get('link')).next;
        }
        assert.deepEqual(seen, others, 'Kratos would repeat page one and never show the last session');
        const second = await pub('GET', 'sessions?per_page=2&page=1', ann.token);
        assert.deepEqual(second.json.map((s) => s.id), others.slice(2, 4));
        assert.equal(
          second.headers.get('link'),
          [pageLink('/sessions', 0, 2, 'first'), pageLink('/sessions', 2, 2, 'next'), pageLink('/sessions', 0, 2, 'prev'), pageLink('/sessions', 2, 2, 'last')].join(','),
        );
        const last = await pub('GET', `sessions?page_size=2&page_token=${offsetToken(4)}`, ann.token);
        assert.deepEqual(last.json.map((s) => s.id), others.slice(4));
        assert.equal(last.headers.get('link'), [pageLink('/sessions', 0, 2, 'first'), pageLink('/sessions', 1, 2, 'prev')].join(','));
      });

      test('DELETE /sessions/{id} revokes one other session; whoami refuses it at once', async () => {
        const ann = await register('revoke');
        const other = await login(ann.email);
        assert.equal((await pub('GET', 'sessions/whoami', other.token)).status, 200);
        const r = await pub('DELETE', `sessions/${other.sessionId}`, ann.token);
        assert.equal(r.status, 204);
        assert.equal(r.headers.get('content-type'), JSON_TYPE);
        assert.equal(r.text, '');
        const whoami = await pub('GET', 'sessions/whoami', other.token);
        assert.equal(whoami.status, 401);
        assert.deepEqual(whoami.json.error, {
          code: 401, status: 'Unauthorized', reason: 'No valid session credentials found in the request.', message: 'The request could not be authorized',
        });
        assert.deepEqual((await pub('GET', 'sessions', ann.token)).json, []);
        assert.equal((await pub('GET', 'sessions/whoami', ann.token)).status, 200, 'the caller stays signed in');
      });

      test('DELETE /sessions/{id}: the current session is 400, a bad id 400, no session 401', async () => {
        const ann = await register('current');
        const current = await pub('DELETE', `sessions/${ann.sessionId}`, ann.token);
        assert.equal(current.status, 400);
        assert.deepEqual(current.json, { error: { code: 400, status: 'Bad Request', message: 'cannot revoke current session' } });
        const bad = await pub('DELETE', 'sessions/BADUUID', ann.token);
        assert.equal(bad.status, 400);
        assert.equal(bad.json.error.message, 'uuid: incorrect UUID length 7 in string "BADUUID"');
        assert.equal((await pub('DELETE', `sessions/${ann.sessionId}`)).status, 401);
        assert.equal((await pub('GET', 'sessions/whoami', ann.token)).status, 200);
      });

      test("another identity's session is not revoked (204 all the same, as Kratos)", async () => {
        const ann = await register('mine');
        const bob = await register('theirs');
        const r = await pub('DELETE', `sessions/${bob.sessionId}`, ann.token);
        assert.equal(r.status, 204);
        assert.equal((await pub('GET', 'sessions/whoami', bob.token)).status, 200);
        assert.equal((await admin('GET', `admin/sessions/${bob.sessionId}`)).json.active, true);
      });

      test('DELETE /sessions revokes every other session and counts them', async () => {
        const ann = await register('others');
        const a = await login(ann.email);
        const b = await login(ann.email);
        const r = await pub('DELETE', 'sessions', ann.token);
        assert.equal(r.status, 200);
        assert.equal(r.headers.get('content-type'), JSON_TYPE);
        assert.deepEqual(r.json, { count: 2 });
        for (const s of [a, b]) assert.equal((await pub('GET', 'sessions/whoami', s.token)).status, 401);
        assert.equal((await pub('GET', 'sessions/whoami', ann.token)).status, 200);
        assert.equal((await pub('DELETE', 'sessions')).status, 401);
      });

      test('DELETE /sessions/whoami is whoami', async () => {
        const ann = await register('whoami');
        const r = await pub('DELETE', 'sessions/whoami', ann.token);
        assert.equal(r.status, 200);
        assert.equal(r.json.id, ann.sessionId);
        assert.equal(r.headers.get('x-kratos-authenticated-identity-id'), ann.id);
      });

      test('the admin route on the public port redirects to the admin port', async () => {
        const id = '6c1a6d3c-5b0b-4b0e-9a55-6f1d8b5d2a10';
        for (const path of [`identities/${id}/sessions`, `admin/identities/${id}/sessions`]) {
          const r = await pub('DELETE', `${path}?x=1`);
          assert.equal(r.status, 307);
          assert.equal(r.location, `${srv.admin}admin/identities/${id}/sessions?x=1`);
        }
        assert.equal((await pub('DELETE', `identities/${id}/other`)).status, 404);
      });
    });

    describe('every session (admin port)', () => {
      test('GET /admin/sessions pages by keyset; identity and devices only when expanded, identity last', async () => {
        const ann = await register('admin-list');
        await login(ann.email);
        const all = await admin('GET', 'admin/sessions?expand=identity&expand=Devices');
        assert.equal(all.status, 200, all.text);
        const mine = all.json.find((s) => s.id === ann.sessionId);
        assert.deepEqual(Object.keys(mine), [
          'id', 'active', 'expires_at', 'authenticated_at', 'authenticator_assurance_level',
          'authentication_methods', 'issued_at', 'devices', 'identity',
        ]);
        assert.equal(mine.identity.id, ann.id);
        assert.ok('metadata_admin' in mine.identity, 'admin JSON carries metadata_admin');
        assert.equal(mine.identity.schema_url, `${srv.base}schemas/ZGVmYXVsdA`);
        assert.equal(mine.devices.length, 1);
        assert.equal(all.headers.get('x-total-count'), null);

        const bare = await admin('GET', 'admin/sessions');
        assert.equal(bare.json[0].identity, null);
        assert.equal(bare.json[0].devices, null);

        // Pages of one: the Link header's next token leads through the list in the same order.
        const ids = all.json.map((s) => s.id);
        const seen = [];
        let url = 'admin/sessions?page_size=1';
        while (url) {
          const page = await admin('GET', url);
          assert.equal(page.status, 200);
          seen.push(...page.json.map((s) => s.id));
          const links = linkUrls(page.headers.get('link'));
          assert.ok(links.first.startsWith('/admin/sessions?page_size=1&page_token='));
          url = links.next?.slice(1);
        }
        assert.deepEqual(seen.slice(0, ids.length), ids);
      });

      test('GET /admin/sessions refuses bad parameters with Kratos\' texts', async () => {
        const cases = [
          ['admin/sessions?active=maybe', { message: 'could not parse parameter active' }],
          ['admin/sessions?page_size=ten', { message: 'could not parse parameter page_size' }],
          ['admin/sessions?page_token=!!!', { message: 'could not parse parameter page_size' }],
          [`admin/sessions?page_token=${Buffer.from('x=1').toString('base64')}`, { reason: 'The page token is invalid, do not craft your own page tokens' }],
          ['admin/sessions?expand=everything', { reason: 'Could not parse expand option: everything' }],
        ];
        for (const [url, expected] of cases) {
          const r = await admin('GET', url);
          assert.equal(r.status, 400, url);
          for (const [k, v] of Object.entries(expected)) assert.equal(r.json.error[k], v, url);
        }
      });

      test('GET /admin/sessions/{id}: devices [] and identity null unless expanded; 404, 400, whoami', async () => {
        const ann = await register('admin-get');
        const r = await admin('GET', `admin/sessions/${ann.sessionId}`);
        assert.equal(r.status, 200);
        assert.deepEqual(r.json.devices, []);
        assert.equal(r.json.identity, null);
        const full = await admin('GET', `admin/sessions/${ann.sessionId}?expand=identity&expand=devices`);
        assert.equal(full.json.identity.id, ann.id);
        assert.equal(full.json.devices.length, 1);
        const missing = await admin('GET', 'admin/sessions/6c1a6d3c-5b0b-4b0e-9a55-6f1d8b5d2a10');
        assert.equal(missing.status, 404);
        assert.deepEqual(missing.json, { error: { code: 404, status: 'Not Found', message: 'Unable to locate the resource' } });
        const bad = await admin('GET', 'admin/sessions/BADUUID');
        assert.equal(bad.status, 400);
        assert.equal(bad.json.error.message, 'uuid: incorrect UUID length 7 in string "BADUUID"');
        const whoami = await admin('GET', 'admin/sessions/whoami');
        assert.equal(whoami.status, 307);
        assert.equal(whoami.location, `${srv.base}sessions/whoami`);
      });

      test('PATCH /admin/sessions/{id}/extend moves the expiry and answers the session', async () => {
        const ann = await register('extend');
        const before = (await pub('GET', 'sessions/whoami', ann.token)).json;
        await new Promise((r) => setTimeout(r, 20));
        const r = await admin('PATCH', `admin/sessions/${ann.sessionId}/extend`);
        assert.equal(r.status, 200, r.text);
        assert.ok(Date.parse(r.json.expires_at) > Date.parse(before.expires_at));
        assert.deepEqual(r.json.devices, []);
        assert.equal(r.json.identity.id, ann.id);
        assert.equal(r.json.identity.metadata_admin, undefined);
        assert.deepEqual(Object.keys(r.json).slice(-2), ['identity', 'devices'], 'the public key order');
        assert.equal((await pub('GET', 'sessions/whoami', ann.token)).json.expires_at, r.json.expires_at);
        assert.equal((await admin('PATCH', 'admin/sessions/6c1a6d3c-5b0b-4b0e-9a55-6f1d8b5d2a10/extend')).status, 404);
      });

      test('DELETE /admin/sessions/{id} revokes (the row stays) and whoami refuses the token at once', async () => {
        const ann = await register('disable');
        const r = await admin('DELETE', `admin/sessions/${ann.sessionId}`);
        assert.equal(r.status, 204);
        assert.equal(r.headers.get('content-type'), JSON_TYPE);
        assert.equal((await pub('GET', 'sessions/whoami', ann.token)).status, 401);
        assert.equal((await admin('GET', `admin/sessions/${ann.sessionId}`)).json.active, false);
        assert.equal((await admin('DELETE', `admin/sessions/${ann.sessionId}`)).status, 204, 'again: still matched');
        assert.equal((await admin('DELETE', 'admin/sessions/6c1a6d3c-5b0b-4b0e-9a55-6f1d8b5d2a10')).status, 404);
        assert.equal((await admin('DELETE', 'admin/sessions/BADUUID')).status, 400);
      });

      test('GET and DELETE /admin/identities/{id}/sessions', async () => {
        const ann = await register('identity');
        const other = await login(ann.email);
        await admin('DELETE', `admin/sessions/${other.sessionId}`);
        const all = await admin('GET', `admin/identities/${ann.id}/sessions`);
        assert.equal(all.status, 200);
        assert.deepEqual(all.json.map((s) => s.id), [other.sessionId, ann.sessionId]);
        assert.equal(all.headers.get('x-total-count'), '2');
        assert.deepEqual(Object.keys(all.json[0]).slice(-2), ['devices', 'identity']);
        assert.ok('metadata_admin' in all.json[0].identity);
        const active = await admin('GET', `admin/identities/${ann.id}/sessions?active=true`);
        assert.deepEqual(active.json.map((s) => s.id), [ann.sessionId]);
        const inactive = await admin('GET', `admin/identities/${ann.id}/sessions?active=false`);
        assert.deepEqual(inactive.json.map((s) => s.id), [other.sessionId]);
        assert.equal((await admin('GET', 'admin/identities/BADUUID/sessions')).status, 400);
        assert.equal((await admin('GET', `admin/identities/${ann.id}/sessions?active=x`)).status, 400);

        const deleted = await admin('DELETE', `admin/identities/${ann.id}/sessions`);
        assert.equal(deleted.status, 204);
        assert.equal(deleted.headers.get('content-type'), null);
        assert.deepEqual((await admin('GET', `admin/identities/${ann.id}/sessions`)).json, []);
        assert.equal((await pub('GET', 'sessions/whoami', ann.token)).status, 401);
        const again = await admin('DELETE', `admin/identities/${ann.id}/sessions`);
        assert.equal(again.status, 404);
        assert.equal(again.json.error.message, 'Unable to locate the resource');
      });

      test('DELETE /admin/sessions redirects to the public port', async () => {
        const r = await admin('DELETE', 'admin/sessions?a=b');
        assert.equal(r.status, 307);
        assert.equal(r.location, `${srv.base}sessions?a=b`);
      });
    });
  });
}

describe('feature_flags.faster_session_extend', () => {
  let fast;
  before(async () => {
    fast = await startAtrium({
      config: {
        feature_flags: { faster_session_extend: true },
        selfservice: { flows: { registration: { style: 'unified', after: { password: SESSION_HOOK } } } },
      },
    });
  });
  after(async () => {
    if (fast) await fast.stop();
  });

  test('the extend answers 204 without a body and still moves the expiry', async () => {
    const c = api(fast.base);
    const flow = (await c.get('self-service/registration/api')).json;
    const signUp = await c.post(`self-service/registration?flow=${flow.id}`, {
      json: { method: 'password', password: PASSWORD, traits: { email: email('fast') } },
    });
    assert.equal(signUp.status, 200, signUp.text);
    const { session_token: token, session } = signUp.json;
    await new Promise((r) => setTimeout(r, 20));
    const r = await api(fast.admin).request('PATCH', `admin/sessions/${session.id}/extend`);
    assert.equal(r.status, 204);
    assert.equal(r.text, '');
    const whoami = await api(fast.base).request('GET', 'sessions/whoami', { headers: { 'X-Session-Token': token } });
    assert.ok(Date.parse(whoami.json.expires_at) > Date.parse(session.expires_at));
  });
});
