// The whoami cache (docs/compat.md "Session cache"): whoami is served from a cache of recently
// presented sessions, and never serves a revoked or expired session, or one of an identity whose
// sessions were taken away, once the write committed: logout, admin revocation, admin deletion of
// an identity's sessions and expiry answer 401 at once, even with a TTL of an hour. A write made
// behind the server's back (straight into the database) is seen within the TTL. With PostgreSQL,
// two instances: a revocation on one reaches the other's cache through LISTEN/NOTIFY within
// 200 ms. Needs ATRIUM_TEST_PG_DSN for the PostgreSQL part (tools/test.sh sets it).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { api, startAtrium } from '../lib/harness.mjs';

const PASSWORD = 'l3f9toh1uaf81n21';
const SESSION_HOOK = { hooks: [{ hook: 'session' }] };
const DSN = process.env.ATRIUM_TEST_PG_DSN;
const BACKENDS = ['sqlite', ...(DSN ? ['postgres'] : [])];

let counter = 0;
const email = (tag) => `${tag}-${process.pid}-${++counter}@example.com`;

function config(extra = {}) {
  return {
    selfservice: { flows: { registration: { style: 'unified', after: { password: SESSION_HOOK } } } },
    // An hour: whatever goes 401 at once below was invalidated, not aged out.
    atrium: { session_cache: { ttl: '1h' } },
    ...extra,
  };
}

function pgDatabase(tag) {
  const database = `atrium_cache_${tag}_${process.pid}`;
  execFileSync('psql', [DSN, '-q', '-c', `DROP DATABASE IF EXISTS ${database}`, '-c', `CREATE DATABASE ${database}`]);
  return { database, dsn: DSN.replace(/\/postgres\?/, `/${database}?`) };
}

// A new identity signed in by its sign-up: {id, token, sessionId}.
async function register(srv, tag) {
  const c = api(srv.base);
  const flow = (await c.get('self-service/registration/api')).json;
  const r = await c.post(`self-service/registration?flow=${flow.id}`, {
    json: { method: 'password', password: PASSWORD, traits: { email: email(tag) } },
  });
  assert.equal(r.status, 200, r.text);
  return { id: r.json.identity.id, token: r.json.session_token, sessionId: r.json.session.id };
}

const whoami = (srv, token) => api(srv.base).get('sessions/whoami', { headers: { 'X-Session-Token': token } });
const admin = (srv, method, path) => api(srv.admin).request(method, path);

// whoami twice: the second answer comes from the cache and is the same document.
async function cached(srv, token) {
  const first = await whoami(srv, token);
  assert.equal(first.status, 200, first.text);
  const second = await whoami(srv, token);
  assert.equal(second.status, 200);
  assert.equal(second.text, first.text);
  assert.equal(second.headers.get('x-kratos-authenticated-identity-id'), first.json.identity.id);
  return first;
}

async function refused(srv, token, why) {
  const w = await whoami(srv, token);
  assert.equal(w.status, 401, `${why}: ${w.text}`);
  assert.equal(w.json.error.reason, 'No valid session credentials found in the request.');
}

// Polls whoami until it answers `status`; the milliseconds that took (or fails after `limit`).
async function untilStatus(srv, token, status, limit) {
  const start = performance.now();
  for (;;) {
    const w = await whoami(srv, token);
    const elapsed = performance.now() - start;
    if (w.status === status) return elapsed;
    if (elapsed > limit) assert.fail(`whoami still ${w.status} after ${Math.round(elapsed)} ms`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

for (const backend of BACKENDS) {
  describe(`one instance on ${backend}`, () => {
    let srv;
    let db;
    before(async () => {
      const extra = {};
      if (backend === 'postgres') {
        db = pgDatabase('one');
        extra.dsn = db.dsn;
      }
      srv = await startAtrium({ config: config(extra) });
    });
    after(async () => {
      if (srv) await srv.stop();
    });

    // A statement straight into the database, behind the server's back.
    function outOfBand(sql) {
      if (backend === 'postgres') execFileSync('psql', [db.dsn, '-q', '-c', sql]);
      else execFileSync('sqlite3', [`${srv.dir}/atrium.db`, sql]);
    }

    test('the whoami JSON is served unchanged from the cache', async () => {
      const ann = await register(srv, 'same');
      const w = await cached(srv, ann.token);
      assert.equal(w.json.id, ann.sessionId);
      assert.equal(w.json.active, true);
      assert.equal(w.headers.get('content-type'), 'application/json; charset=utf-8');
      assert.equal(w.headers.get('cache-control'), 'private, no-cache, no-store, must-revalidate');
    });

    test('logout (DELETE /self-service/logout/api): whoami 401 at once', async () => {
      const ann = await register(srv, 'logout');
      await cached(srv, ann.token);
      const r = await api(srv.base).request('DELETE', 'self-service/logout/api', { json: { session_token: ann.token } });
      assert.equal(r.status, 204, r.text);
      await refused(srv, ann.token, 'after logout');
    });

    test('admin DELETE /admin/sessions/{id}: whoami 401 at once', async () => {
      const ann = await register(srv, 'admin-revoke');
      await cached(srv, ann.token);
      assert.equal((await admin(srv, 'DELETE', `admin/sessions/${ann.sessionId}`)).status, 204);
      await refused(srv, ann.token, 'after an admin revocation');
    });

    test("admin DELETE /admin/identities/{id}/sessions: every session of the identity 401 at once", async () => {
      const ann = await register(srv, 'admin-identity');
      await cached(srv, ann.token);
      assert.equal((await admin(srv, 'DELETE', `admin/identities/${ann.id}/sessions`)).status, 204);
      await refused(srv, ann.token, "after deleting the identity's sessions");
    });

    test('revoking my other sessions (DELETE /sessions) takes them out of the cache at once', async () => {
      const ann = await register(srv, 'others');
      const c = api(srv.base);
      const flow = (await c.get('self-service/login/api')).json;
      const second = await c.post(`self-service/login?flow=${flow.id}`, {
        json: { method: 'password', identifier: (await whoami(srv, ann.token)).json.identity.traits.email, password: PASSWORD },
      });
      assert.equal(second.status, 200, second.text);
      await cached(srv, second.json.session_token);
      const r = await api(srv.base).request('DELETE', 'sessions', { headers: { 'X-Session-Token': ann.token } });
      assert.equal(r.status, 200, r.text);
      await refused(srv, second.json.session_token, 'after revoke-others');
      await cached(srv, ann.token);
    });

    test('a write behind the server\'s back is seen within the TTL, not before', async () => {
      // This instance's TTL is an hour: the cache keeps serving what the database no longer says.
      const ann = await register(srv, 'behind');
      await cached(srv, ann.token);
      outOfBand(`UPDATE identities SET state = 'inactive' WHERE id = '${ann.id}'`);
      assert.equal((await whoami(srv, ann.token)).status, 200, 'served from the cache (TTL 1h)');
    });
  });

  describe(`expiry and a short TTL on ${backend}`, () => {
    let srv;
    let db;
    before(async () => {
      const extra = { session: { lifespan: '2s' }, atrium: { session_cache: { ttl: '300ms' } } };
      if (backend === 'postgres') {
        db = pgDatabase('ttl');
        extra.dsn = db.dsn;
      }
      srv = await startAtrium({ config: config(extra) });
    });
    after(async () => {
      if (srv) await srv.stop();
    });

    test('an expired session is never served from the cache', async () => {
      const ann = await register(srv, 'expiry');
      await cached(srv, ann.token);
      // Kept warm until it expires: the hits must stop at the expiry itself.
      const waited = await untilStatus(srv, ann.token, 401, 4000);
      assert.ok(waited > 1000, `401 only once the 2 s lifespan ran out (${Math.round(waited)} ms)`);
    });

    test('a write behind the server\'s back is seen within the TTL (300 ms)', async () => {
      const ann = await register(srv, 'ttl');
      await cached(srv, ann.token);
      const sql = `UPDATE identities SET state = 'inactive' WHERE id = '${ann.id}'`;
      if (backend === 'postgres') execFileSync('psql', [db.dsn, '-q', '-c', sql]);
      else execFileSync('sqlite3', [`${srv.dir}/atrium.db`, sql]);
      const waited = await untilStatus(srv, ann.token, 401, 1500);
      assert.ok(waited < 400, `stale for ${Math.round(waited)} ms`);
    });
  });

  describe(`no cache (ttl 0) on ${backend}`, () => {
    let srv;
    let db;
    before(async () => {
      const extra = { atrium: { session_cache: { ttl: '0s' } } };
      if (backend === 'postgres') {
        db = pgDatabase('off');
        extra.dsn = db.dsn;
      }
      srv = await startAtrium({ config: config(extra) });
    });
    after(async () => {
      if (srv) await srv.stop();
    });

    test('every whoami reads the database', async () => {
      const ann = await register(srv, 'off');
      await cached(srv, ann.token);
      const sql = `UPDATE sessions SET active = false WHERE id = '${ann.sessionId}'`;
      if (backend === 'postgres') execFileSync('psql', [db.dsn, '-q', '-c', sql]);
      else execFileSync('sqlite3', [`${srv.dir}/atrium.db`, sql.replace('false', '0')]);
      await refused(srv, ann.token, 'no cache: the database says revoked');
    });
  });
}

describe('two instances on one PostgreSQL', { skip: DSN ? false : 'ATRIUM_TEST_PG_DSN is not set' }, () => {
  let a;
  let b;
  let dsn;
  before(async () => {
    ({ dsn } = pgDatabase('two'));
    const cfg = config({ dsn });
    a = await startAtrium({ config: cfg });
    b = await startAtrium({ config: cfg });
  });
  after(async () => {
    for (const s of [a, b]) if (s) await s.stop();
  });

  test('B serves from its cache, and a notification alone takes the entry out within 200 ms', async (t) => {
    // Proof that B caches (a write behind its back, without a notification, stays unseen for
    // the hour-long TTL) and that what drops the entry is the LISTEN/NOTIFY path.
    const ann = await register(a, 'notify');
    await cached(b, ann.token);
    execFileSync('psql', [dsn, '-q', '-c', `UPDATE sessions SET active = false WHERE id = '${ann.sessionId}'`]);
    assert.equal((await whoami(b, ann.token)).status, 200, 'served from B\'s cache');
    const start = performance.now();
    execFileSync('psql', [dsn, '-q', '-c', `NOTIFY atrium_sessions, 's:${ann.sessionId}'`]);
    const delay = performance.now() - start + (await untilStatus(b, ann.token, 401, 2000));
    t.diagnostic(`stale on B for ${delay.toFixed(1)} ms after the NOTIFY was sent (psql start-up included)`);
    assert.ok(delay < 200, `B served the revoked session for ${Math.round(delay)} ms`);
  });

  for (const [what, revoke] of [
    ['admin DELETE /admin/sessions/{id} on A', (ann) => admin(a, 'DELETE', `admin/sessions/${ann.sessionId}`)],
    ['logout on A', (ann) => api(a.base).request('DELETE', 'self-service/logout/api', { json: { session_token: ann.token } })],
    ["admin DELETE /admin/identities/{id}/sessions on A", (ann) => admin(a, 'DELETE', `admin/identities/${ann.id}/sessions`)],
  ]) {
    test(`${what}: whoami on B (cached, TTL 1h) answers 401 within 200 ms`, async (t) => {
      const ann = await register(a, 'two');
      await cached(b, ann.token);
      const start = performance.now();
      const r = await revoke(ann);
      assert.equal(r.status, 204, r.text);
      const delay = performance.now() - start + (await untilStatus(b, ann.token, 401, 2000));
      t.diagnostic(`stale on B for ${delay.toFixed(1)} ms from the revocation request on A`);
      assert.ok(delay < 200, `B served the revoked session for ${Math.round(delay)} ms`);
    });
  }
});
