// Issue 9, items 4 and 5: the breach check when its neighbour fails (hangs, resets, answers
// slowly, answers garbage, is down and comes back), the offline corpus and the built-in list of
// common passwords. See docs/compat.md ("Breach check").
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { api, freePort, node, startAtrium } from '../lib/harness.mjs';
import { sha1Upper, startHibp } from '../lib/hibp.mjs';

const BUDGET_MS = 1500; // atrium.breach_check.timeout in these tests
const FAST_MS = 500; // "far less than the budget": an open breaker must not wait at all
const BREACHED = 'correct horse battery'; // 3 breaches in the stub, above max_breaches 1
let counter = 0;
const email = () => `breach-${process.pid}-${++counter}@example.com`;
const uniquePassword = () => `l3f9toh1uaf81n21-${process.pid}-${++counter}`;

const cleanup = [];
after(async () => {
  for (const f of cleanup.reverse()) await f();
});

async function atriumWith(passwordConfig, breachCheck = {}) {
  const srv = await startAtrium({
    config: {
      selfservice: {
        flows: { registration: { style: 'unified' } },
        methods: { password: { config: { haveibeenpwned_enabled: true, max_breaches: 1, ...passwordConfig } } },
      },
      atrium: { breach_check: { timeout: `${BUDGET_MS}ms`, ...breachCheck } },
    },
  });
  cleanup.push(() => srv.stop());
  return srv;
}

// One API registration; `ms` is the time of the submission alone.
async function register(srv, password) {
  const c = api(srv.base);
  const flow = (await c.get('self-service/registration/api')).json;
  const started = performance.now();
  const r = await c.post(`self-service/registration?flow=${flow.id}`, {
    json: { method: 'password', password, traits: { email: email() } },
  });
  return { r, ms: performance.now() - started };
}

async function assertAlive(srv) {
  const r = await fetch(srv.base + 'health/alive');
  assert.equal(r.status, 200, 'the server is alive');
  assert.equal(srv.exited(), null);
}

function breachMessages(r) {
  return node(r.json, 'password')?.messages ?? [];
}

// The breach service fails in `mode`: the first registrations wait at most one budget each and
// succeed (ignore_network_errors), then the breaker opens and registrations no longer wait.
async function failingNeighbour(mode, delayMs = 0) {
  const hibp = await startHibp({ [BREACHED]: 3 }, { mode, delayMs });
  cleanup.push(() => hibp.close());
  const srv = await atriumWith({ haveibeenpwned_host: hibp.url });
  for (let i = 0; i < 3; i++) {
    const { r, ms } = await register(srv, uniquePassword());
    assert.equal(r.status, 200, `${mode} #${i}: ${r.text}`);
    assert.ok(ms < BUDGET_MS + 1500, `${mode} #${i}: the budget bounds the wait (${ms.toFixed(0)} ms)`);
  }
  const requests = hibp.requests();
  for (let i = 0; i < 5; i++) {
    const { r, ms } = await register(srv, uniquePassword());
    assert.equal(r.status, 200, r.text);
    assert.ok(ms < FAST_MS, `${mode}: with the breaker open a registration takes ${ms.toFixed(0)} ms`);
  }
  assert.equal(hibp.requests(), requests, 'an open breaker does not call the service');
  assert.match(srv.logs(), /circuit breaker open/);
  assert.doesNotMatch(srv.logs(), /range\/|correct horse|l3f9to/, 'no password or hash prefix in logs');
  await assertAlive(srv);
}

describe('the range API fails (ignore_network_errors: true, the default)', () => {
  test('a service that accepts and never answers', () => failingNeighbour('hang'));
  test('a service that resets the connection', () => failingNeighbour('reset'));
  test('a service that answers after the budget', () => failingNeighbour('slow', 3000));
  test('a service that answers garbage', () => failingNeighbour('garbage'));

  test('a service that answers slowly but within the budget is still used', async () => {
    const hibp = await startHibp({ [BREACHED]: 3 }, { mode: 'slow', delayMs: 300 });
    cleanup.push(() => hibp.close());
    const srv = await atriumWith({ haveibeenpwned_host: hibp.url });
    const { r, ms } = await register(srv, BREACHED);
    assert.equal(r.status, 400, r.text);
    assert.deepEqual(breachMessages(r).map((m) => [m.id, m.context]), [[4000034, { breaches: 3 }]]);
    assert.ok(ms >= 300, `waited for the answer (${ms.toFixed(0)} ms)`);
    await assertAlive(srv);
  });

  // libcurl (and the two dozen libraries it pulls in) is loaded by the first outbound call, not
  // at start: a server that never calls out stays without it (issue 16, idle memory).
  test('libcurl is loaded by the first call out, not before', async () => {
    const hibp = await startHibp({ [BREACHED]: 3 });
    cleanup.push(() => hibp.close());
    const srv = await atriumWith({ haveibeenpwned_host: hibp.url });
    const maps = () => readFileSync(`/proc/${srv.proc.pid}/maps`, 'utf8');
    assert.match(maps(), /libsqlite3/, 'the maps of the server are read');
    assert.doesNotMatch(maps(), /libcurl/, 'libcurl is not loaded at start');
    const { r } = await register(srv, BREACHED);
    assert.equal(r.status, 400, r.text);
    assert.deepEqual(breachMessages(r).map((m) => m.id), [4000034]);
    assert.match(maps(), /libcurl/, 'the breach check loaded libcurl');
  });

  test('a service that is down and comes back: breached passwords are refused again', async () => {
    const hibp = await startHibp({ [BREACHED]: 3 }, { mode: 'down' });
    cleanup.push(() => hibp.close());
    const cooldownMs = 3000; // long enough that the checks below run inside it, even under load
    const srv = await atriumWith({ haveibeenpwned_host: hibp.url }, { cooldown: `${cooldownMs}ms` });
    for (let i = 0; i < 3; i++) {
      const { r } = await register(srv, uniquePassword());
      assert.equal(r.status, 200, r.text);
    }
    assert.match(srv.logs(), /circuit breaker open/);
    await hibp.setMode('ok');
    const during = await register(srv, uniquePassword());
    assert.equal(during.r.status, 200);
    assert.ok(during.ms < FAST_MS);
    assert.equal(hibp.requests(), 0, 'no call during the cool-down');
    await new Promise((r) => setTimeout(r, cooldownMs + 100));
    const { r } = await register(srv, BREACHED);
    assert.equal(r.status, 400, r.text);
    assert.deepEqual(breachMessages(r).map((m) => m.id), [4000034]);
    assert.match(srv.logs(), /reachable again: circuit breaker closed/);
    const fine = await register(srv, uniquePassword());
    assert.equal(fine.r.status, 200);
    await assertAlive(srv);
  });
});

describe('the range API fails with ignore_network_errors: false', () => {
  test('registrations fail with the upstream error and create nothing', async () => {
    const hibp = await startHibp({ [BREACHED]: 3 }, { mode: 'down' });
    cleanup.push(() => hibp.close());
    const srv = await atriumWith({ haveibeenpwned_host: hibp.url, ignore_network_errors: false }, { cooldown: '1s' });
    const c = api(srv.base);
    const addr = email();
    const attempts = [];
    for (let i = 0; i < 5; i++) {
      const flow = (await c.get('self-service/registration/api')).json;
      const started = performance.now();
      const r = await c.post(`self-service/registration?flow=${flow.id}`, {
        json: { method: 'password', password: 'l3f9toh1uaf81n21', traits: { email: addr } },
      });
      attempts.push({ r, ms: performance.now() - started });
    }
    for (const { r } of attempts) {
      assert.equal(r.status, 502, r.text);
      assert.equal(r.json.error.code, 502);
      assert.equal(r.json.error.message, 'Upstream error');
      assert.match(r.json.error.reason, /^Leaked password server unavailable: /);
    }
    assert.ok(attempts.slice(3).every((a) => a.ms < FAST_MS), 'the open breaker answers at once');
    // Nothing was written: once the service is back, the same address registers fine.
    await hibp.setMode('ok');
    await new Promise((r) => setTimeout(r, 1100));
    const flow = (await c.get('self-service/registration/api')).json;
    const r = await c.post(`self-service/registration?flow=${flow.id}`, {
      json: { method: 'password', password: 'l3f9toh1uaf81n21', traits: { email: addr } },
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.identity.traits.email, addr);
    await assertAlive(srv);
  });
});

describe('offline: local corpus and built-in list', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'atrium-corpus-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  function writeCorpus(name, passwords, { unsorted = false } = {}) {
    const lines = Object.entries(passwords).map(([pw, n]) => `${sha1Upper(pw)}:${n}`);
    for (let i = 0; i < 5000; i++) lines.push(`${sha1Upper(`filler ${i}`)}:${(i % 50) + 1}`);
    lines.sort();
    if (unsorted) lines.reverse();
    const file = path.join(dir, name);
    writeFileSync(file, lines.join('\r\n') + '\r\n');
    return file;
  }

  test('a breached password from the corpus is refused with no network server at all', async () => {
    const corpus = writeCorpus('sorted.txt', { [BREACHED]: 7, 'troubador42x!': 1 });
    const nothing = `http://127.0.0.1:${await freePort()}`;
    const srv = await atriumWith({ haveibeenpwned_host: nothing, ignore_network_errors: false }, { corpus });
    assert.match(srv.logs(), /local corpus/);
    const { r, ms } = await register(srv, BREACHED);
    assert.equal(r.status, 400, r.text);
    assert.deepEqual(breachMessages(r).map((m) => [m.id, m.context]), [[4000034, { breaches: 7 }]]);
    assert.ok(ms < FAST_MS, `no network wait (${ms.toFixed(0)} ms)`);
    const once = await register(srv, 'troubador42x!');
    assert.equal(once.r.status, 200, 'a count equal to max_breaches passes');
    const fine = await register(srv, uniquePassword());
    assert.equal(fine.r.status, 200, 'strict mode: the range API is never called');
    await assertAlive(srv);
  });

  test('an unsorted corpus stops the start', async () => {
    const corpus = writeCorpus('unsorted.txt', {}, { unsorted: true });
    await assert.rejects(
      startAtrium({
        config: {
          selfservice: { methods: { password: { config: { haveibeenpwned_enabled: true } } } },
          atrium: { breach_check: { corpus } },
        },
      }),
      /atrium\.breach_check\.corpus: breach corpus .*not sorted by hash/,
    );
  });

  test('password123 is refused with the range API unreachable (built-in list)', async () => {
    const nothing = `http://127.0.0.1:${await freePort()}`;
    const srv = await atriumWith({ haveibeenpwned_host: nothing, max_breaches: 100 });
    for (const pw of ['password123', 'qwerty123', '12345678', 'password', 'Password123']) {
      const { r } = await register(srv, pw);
      assert.equal(r.status, 400, `${pw}: ${r.text}`);
      assert.deepEqual(breachMessages(r).map((m) => [m.id, m.context]), [[4000034, { breaches: 1000000 }]], pw);
    }
    await assertAlive(srv);
  });
});
