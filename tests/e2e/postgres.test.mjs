// Many stateless instances on one PostgreSQL (issue "PostgreSQL backend"): flows, CSRF cookies and
// sessions cross instances; concurrent duplicate sign-ups; the database going away and coming back.
// Needs ATRIUM_TEST_PG_DSN (tools/test.sh starts a throw-away server and sets it).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EMAIL_SCHEMA, api, base64Schema, csrfOf, spa, startAtrium } from '../lib/harness.mjs';

const DSN = process.env.ATRIUM_TEST_PG_DSN;
const PG = path.resolve('../tools/pg.sh');
const PASSWORD = 'l3f9toh1uaf81n21';
let one;
let two;

// The test schema with the e-mail address as a code identifier too (sign-up by code).
const CODE_SCHEMA = structuredClone(EMAIL_SCHEMA);
CODE_SCHEMA.properties.traits.properties.email['ory.sh/kratos'].credentials = {
  password: { identifier: true },
  code: { identifier: true, via: 'email' },
};

function config(database) {
  return {
    // One public URL for both, as behind a load balancer: same CSRF cookie name, same links.
    serve: { public: { base_url: 'http://lb.atrium.test/' } },
    dsn: `${DSN.replace(/\/postgres\?/, `/${database}?`)}&statement_timeout=2000&acquire_timeout=2000&connect_timeout=2`,
    identity: { schemas: [{ id: 'default', url: base64Schema(CODE_SCHEMA) }] },
    selfservice: {
      flows: { registration: { style: 'unified', after: { password: { hooks: [{ hook: 'session' }] } } } },
      methods: { code: { passwordless_enabled: true } },
    },
  };
}

before(async () => {
  assert.ok(DSN, 'ATRIUM_TEST_PG_DSN must name a PostgreSQL server (run the tests through tools/test.sh)');
  // The fault test stops and restarts the server tools/pg.sh names by ATRIUM_PG_DIR and
  // ATRIUM_PG_PORT: they must name the server of the DSN, or it would stop (and start) another.
  assert.ok(process.env.ATRIUM_PG_DIR, 'ATRIUM_PG_DIR must name the data directory of the DSN\'s server');
  assert.equal(new URL(DSN).port, process.env.ATRIUM_PG_PORT, 'ATRIUM_PG_PORT must be the DSN\'s port');
  const database = `atrium_${process.pid}`;
  execFileSync('psql', [DSN, '-q', '-c', `DROP DATABASE IF EXISTS ${database}`, '-c', `CREATE DATABASE ${database}`]);
  // Both instances migrate at the same time: the advisory lock serializes them.
  [one, two] = await Promise.all([
    startAtrium({ dev: false, config: config(database) }),
    startAtrium({ dev: false, config: config(database) }),
  ]);
});
after(async () => {
  for (const s of [one, two]) if (s) await s.stop();
});

// The same public base URL on both instances, as behind a load balancer: cookies carry over.
function other(client, srv) {
  client.base = srv.base;
  return client;
}

describe('two instances on one database', () => {
  test('an API flow created on one is fetched and completed on the other', async () => {
    const a = api(one.base);
    const flow = (await a.get('self-service/registration/api')).json;
    const b = other(api(one.base), two);
    const fetched = await b.get(`self-service/registration/flows?id=${flow.id}`);
    assert.equal(fetched.status, 200);
    // A native app keeps no cookies: submit with a fresh client.
    const done = await other(api(one.base), two).post(`self-service/registration?flow=${flow.id}`, {
      json: { method: 'password', password: PASSWORD, traits: { email: `cross-${process.pid}@example.com` } },
    });
    assert.equal(done.status, 200, done.text);
    // The session from instance two works on instance one.
    const w = await api(one.base).get('sessions/whoami', { headers: { 'X-Session-Token': done.json.session_token } });
    assert.equal(w.status, 200);
    assert.equal(w.json.identity.id, done.json.identity.id);
  });

  test('a browser flow with its CSRF cookie crosses instances', async () => {
    const c = spa(one.base);
    const flow = (await c.get('self-service/registration/browser')).json;
    other(c, two);
    const done = await c.post(`self-service/registration?flow=${flow.id}`, {
      json: { method: 'password', csrf_token: csrfOf(flow), password: PASSWORD, traits: { email: `browser-${process.pid}@example.com` } },
    });
    assert.equal(done.status, 200, done.text);
    other(c, one);
    const w = await c.get('sessions/whoami');
    assert.equal(w.status, 200, 'the session cookie sealed by two opens on one');
  });

  test('concurrent fetches, read in batches, each get their own flow; the rest is decoded as before', async () => {
    const ids = await Promise.all(
      Array.from({ length: 30 }, async () => (await api(one.base).get('self-service/registration/api')).json.id),
    );
    const asked = Array.from({ length: 120 }, (_, i) => ids[i % ids.length]);
    const fetched = await Promise.all(asked.map((id) => api(two.base).get(`self-service/registration/flows?id=${id}`)));
    fetched.forEach((r, i) => {
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.id, asked[i]);
    });
    // What cannot be sent as stored is answered as decoded: an unknown flow, a browser flow
    // fetched without its CSRF cookie.
    const unknown = await api(two.base).get('self-service/registration/flows?id=00000000-0000-4000-8000-000000000000');
    assert.equal(unknown.status, 404, unknown.text);
    const c = spa(one.base);
    const browser = (await c.get('self-service/registration/browser')).json;
    const stranger = await api(two.base).get(`self-service/registration/flows?id=${browser.id}`);
    assert.equal(stranger.status, 403, stranger.text);
    assert.equal(stranger.json.error.id, 'security_csrf_violation');
    const owner = await other(c, two).get(`self-service/registration/flows?id=${browser.id}`);
    assert.equal(owner.status, 200, owner.text);
    assert.deepEqual(owner.json.ui, browser.ui);
  });

  test('200 concurrent sign-ups over 20 identifiers: exactly 20 identities, no 5xx', async () => {
    const flows = await Promise.all([one, two].map(async (s) => (await api(s.base).get('self-service/registration/api')).json.id));
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => {
        const srv = i % 2 ? two : one;
        return api(srv.base).post(`self-service/registration?flow=${flows[i % 2]}`, {
          json: { method: 'password', password: PASSWORD, traits: { email: `race-${process.pid}-${i % 20}@example.com` } },
        });
      }),
    );
    const ok = results.filter((r) => r.status === 200);
    const dup = results.filter((r) => r.status === 400 && r.json?.ui?.messages?.[0]?.id === 4000007);
    assert.equal(ok.length, 20, JSON.stringify(results.filter((r) => r.status >= 500).map((r) => r.text).slice(0, 3)));
    assert.equal(dup.length, 180);
    assert.equal(new Set(ok.map((r) => r.json.identity.traits.email)).size, 20);
  });
});

describe('sign-in throttling across instances', () => {
  test('failures spread over both instances add up: the sixth attempt is 429 on either', async () => {
    const email = `throttled-${process.pid}@example.com`;
    const reg = (await api(one.base).get('self-service/registration/api')).json;
    assert.equal(
      (await api(one.base).post(`self-service/registration?flow=${reg.id}`, { json: { method: 'password', password: PASSWORD, traits: { email } } })).status,
      200,
    );
    const attempt = async (srv, password) => {
      const flow = (await api(srv.base).get('self-service/login/api')).json;
      return api(srv.base).post(`self-service/login?flow=${flow.id}`, { json: { method: 'password', identifier: email, password } });
    };
    // Five failures (the default limit per identifier), alternating and partly concurrent.
    const failures = await Promise.all([one, two, one, two, one].map((s) => attempt(s, 'wrong-password')));
    assert.deepEqual(failures.map((r) => r.status), [400, 400, 400, 400, 400]);
    for (const srv of [one, two]) {
      const refused = await attempt(srv, PASSWORD);
      assert.equal(refused.status, 429, refused.text);
      assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    }
  });
});

describe('sign-up by code across instances', () => {
  // The code of the newest message queued to `address`, read from the shared outbox.
  const codeSentTo = (address) => {
    const db = one.config.dsn.split('&statement_timeout')[0];
    const body = execFileSync('psql', [db, '-tAc', `SELECT body FROM courier_messages WHERE recipient = '${address}' ORDER BY created_at DESC LIMIT 1`], { encoding: 'utf8' });
    return /\b(\d{6})\b/.exec(body)[1];
  };
  const verify = (srv, id, email, code) => api(srv.base).post(`self-service/registration?flow=${id}`, { json: { method: 'code', code, traits: { email } } });

  test('the code sent by one instance is entered on the other', async () => {
    const email = `code-${process.pid}@example.com`;
    const flow = (await api(one.base).get('self-service/registration/api')).json;
    const sent = await api(one.base).post(`self-service/registration?flow=${flow.id}`, { json: { method: 'code', traits: { email } } });
    assert.equal(sent.status, 400, sent.text);
    assert.equal(sent.json.state, 'sent_email');
    const done = await verify(two, flow.id, email, codeSentTo(email));
    assert.equal(done.status, 200, done.text);
    assert.equal(done.json.identity.verifiable_addresses[0].verified, true);
    const replay = await verify(one, flow.id, email, codeSentTo(email));
    assert.equal(replay.json.ui.messages[0].id, 4040003, 'used once, whichever instance sees it again');
  });

  test('guesses spread over both instances count together', async () => {
    const email = `code-guess-${process.pid}@example.com`;
    const flow = (await api(two.base).get('self-service/registration/api')).json;
    assert.equal((await api(two.base).post(`self-service/registration?flow=${flow.id}`, { json: { method: 'code', traits: { email } } })).status, 400);
    const code = codeSentTo(email);
    const wrong = code === '000000' ? '111111' : '000000';
    const answers = await Promise.all([one, two, one, two, one, two, one, two].map((srv) => verify(srv, flow.id, email, wrong)));
    // Each guess is counted and gets its own count in one atomic step, so exactly the first five
    // are checked (4040003) and the other three refused (4000001), however they interleave.
    const ids = answers.map((r) => `${r.status}:${r.json?.ui?.messages?.map((m) => m.id).join('+') ?? r.text}`);
    assert.deepEqual([...ids].sort(), [...Array(3).fill('400:4000001'), ...Array(5).fill('400:4040003')], ids.join(' '));
    assert.equal((await verify(one, flow.id, email, code)).json.ui.messages[0].id, 4000001);
  });
});

describe('database faults', () => {
  test('PostgreSQL down: fast 503 envelopes without internals and not ready; back: recovers without a restart', async () => {
    // A session issued before the outage: whoami must not call it invalid while the store is down.
    const flow0 = (await api(one.base).get('self-service/registration/api')).json;
    const signed = await api(one.base).post(`self-service/registration?flow=${flow0.id}`, {
      json: { method: 'password', password: PASSWORD, traits: { email: `before-${process.pid}@example.com` } },
    });
    assert.equal(signed.status, 200, signed.text);
    const token = signed.json.session_token;
    execFileSync(PG, ['stop']);
    try {
      const started = Date.now();
      const r = await api(one.base).get('self-service/registration/api');
      assert.equal(r.status, 503, r.text);
      assert.ok(r.json.error, 'an error envelope');
      assert.ok(Date.now() - started < 5000, 'no hang');
      // Issue 9, item 6: the envelope names no internal detail, but a request id for the log.
      assert.equal(r.json.error.reason, undefined, r.text);
      assert.doesNotMatch(r.text, /127\.0\.0\.1|5543|postgres|connection|libpq|server/i);
      assert.ok(r.json.error.request, 'a request id to find the cause in the log');
      assert.ok(one.logs().includes(r.json.error.request), 'the log names the request id');
      const whoami = await api(one.base).get('sessions/whoami', { headers: { 'X-Session-Token': token } });
      assert.equal(whoami.status, 503, `whoami while the store is down: ${whoami.text}`);
      const fetched = await api(two.base).get(`self-service/registration/flows?id=${flow0.id}`);
      assert.equal(fetched.status, 503, `a flow fetch while the store is down: ${fetched.text}`);
      const tagged = await api(one.base).get('sessions/whoami', {
        headers: { 'X-Session-Token': token, 'X-Request-ID': 'probe-42' },
      });
      assert.equal(tagged.json.error.request, 'probe-42');
      const ready = await fetch(one.base + 'health/ready');
      assert.equal(ready.status, 503);
      assert.doesNotMatch(await ready.text(), /127\.0\.0\.1|5543|libpq/);
      const alive = await fetch(one.base + 'health/alive');
      assert.equal(alive.status, 200);
      const half = await api(two.base).post('self-service/registration?flow=00000000-0000-4000-8000-000000000000', { json: {} });
      assert.equal(half.status, 503, half.text);
    } finally {
      execFileSync(PG, ['restart']);
    }
    let ready;
    for (let i = 0; i < 50; i++) {
      ready = await fetch(one.base + 'health/ready');
      if (ready.status === 200) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(ready.status, 200);
    const flow = (await api(one.base).get('self-service/registration/api')).json;
    const done = await api(two.base).post(`self-service/registration?flow=${flow.id}`, {
      json: { method: 'password', password: PASSWORD, traits: { email: `after-${process.pid}@example.com` } },
    });
    assert.equal(done.status, 200, done.text);
    const back = await api(two.base).get('sessions/whoami', { headers: { 'X-Session-Token': token } });
    assert.equal(back.status, 200, 'the session survived the outage');
    // Nothing half-written: every identity has its credential, address and session.
    const db = one.config.dsn.split('&statement_timeout')[0];
    const orphans = execFileSync('psql', [db, '-tAc', `SELECT count(*) FROM identities i WHERE
      NOT EXISTS (SELECT 1 FROM sessions s WHERE s.identity_id = i.id) OR
      NOT EXISTS (SELECT 1 FROM identity_credentials c WHERE c.identity_id = i.id) OR
      NOT EXISTS (SELECT 1 FROM identity_verifiable_addresses a WHERE a.identity_id = i.id)`], { encoding: 'utf8' });
    assert.equal(orphans.trim(), '0');
  });
});
