// Issue 16 item 5: GET /metrics/prometheus on the admin port (Prometheus text format, checked by
// promtool, the parser Prometheus itself uses) and the request log (`log.format: json`): one JSON
// object per line, the request id of each answer, and no secret ever written.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { api, startAtrium } from '../lib/harness.mjs';

const PASSWORD = 'Zq8!metrics-pass-7731';
let srv;
let stdout = '';

before(async () => {
  srv = await startAtrium({
    config: {
      log: { level: 'info', format: 'json' },
      selfservice: { flows: { registration: { after: { password: { hooks: [{ hook: 'session' }] } } } } },
    },
  });
  srv.proc.stdout.on('data', (d) => (stdout += d));
});
after(async () => {
  await srv?.stop();
});

async function scrape() {
  const r = await fetch(srv.admin + 'metrics/prometheus');
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  return r.text();
}

// name{labels} value -> [{name, labels, value}] (label values unescaped).
function samples(text) {
  const out = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `unparsable sample line: ${line}`);
    const labels = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[k] = v.replace(/\\(.)/g, (_, c) => (c === 'n' ? '\n' : c));
    }
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

function value(all, name, labels = {}) {
  const hit = all.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return hit.length ? hit.reduce((a, s) => a + s.value, 0) : undefined;
}

function promtool(text) {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (r.error?.code === 'ENOENT') return null;
  return r;
}

describe('GET /metrics/prometheus (admin port)', () => {
  test('is valid Prometheus text format as promtool parses and lints it', async (t) => {
    await fetch(srv.base + 'health/alive');
    const r = promtool(await scrape());
    if (r === null) return t.skip('promtool not installed (tools/setup-deps.sh --test installs prometheus)');
    assert.equal(r.status, 0, `promtool check metrics:\n${r.stdout}${r.stderr}`);
  });

  test('is not served on the public port', async () => {
    assert.equal((await fetch(srv.base + 'metrics/prometheus')).status, 404);
  });

  test('counts requests per route pattern, method and status; the histogram moves with them', async () => {
    const before = samples(await scrape());
    const alive = { code: '200', method: 'GET', endpoint: '/health/alive' };
    const unknown = { code: '404', method: 'GET', endpoint: 'unknown' };
    for (let i = 0; i < 5; i++) assert.equal((await fetch(srv.base + 'health/alive')).status, 200);
    for (let i = 0; i < 3; i++) assert.equal((await fetch(srv.base + `no/such/path-${i}-${process.pid}`)).status, 404);
    assert.equal((await fetch(srv.base + 'health/alive', { method: 'DELETE' })).status, 405);
    const text = await scrape();
    const now = samples(text);
    const moved = (name, labels) => (value(now, name, labels) ?? 0) - (value(before, name, labels) ?? 0);
    assert.equal(moved('http_requests_total', alive), 5);
    assert.equal(moved('http_requests_duration_seconds_count', alive), 5);
    assert.equal(moved('http_requests_duration_seconds_bucket', { ...alive, le: '+Inf' }), 5);
    assert.equal(moved('http_requests_total', unknown), 3);
    assert.equal(moved('http_requests_total', { code: '405', method: 'DELETE', endpoint: '/health/alive' }), 1);
    // Raw paths never become label values (bounded cardinality).
    assert.ok(!text.includes('no/such/path'), text);
    // Buckets are cumulative and end at the count.
    const buckets = now.filter((s) => s.name === 'http_requests_duration_seconds_bucket' && s.labels.endpoint === '/health/alive' && s.labels.code === '200');
    assert.equal(buckets.length, 12);
    for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i].value >= buckets[i - 1].value);
    assert.equal(buckets.at(-1).labels.le, '+Inf');
    assert.equal(buckets.at(-1).value, value(now, 'http_requests_duration_seconds_count', alive));
  });

  test('reports the hashing pool, the database pool, the outbox and the process', async () => {
    const before = samples(await scrape());
    const c = api(srv.base);
    const flow = (await c.get('self-service/registration/api')).json;
    const r = await c.post(`self-service/registration?flow=${flow.id}`, {
      json: { method: 'password', password: PASSWORD, traits: { email: `m-${process.pid}@example.com` } },
    });
    assert.equal(r.status, 200, r.text);
    const now = samples(await scrape());
    assert.ok(value(now, 'atrium_hash_pool_wait_seconds_count') >= (value(before, 'atrium_hash_pool_wait_seconds_count') ?? 0) + 1);
    assert.equal(value(now, 'atrium_hash_pool_queue_length'), 0);
    assert.ok(value(now, 'atrium_hash_pool_threads') >= 1);
    assert.ok(value(now, 'atrium_db_pool_size') >= 1);
    assert.equal(value(now, 'atrium_db_pool_connections'), value(now, 'atrium_db_pool_size'));
    assert.equal(typeof value(now, 'atrium_db_errors_total'), 'number');
    assert.equal(typeof value(now, 'atrium_courier_outbox_messages', { status: 'queued' }), 'number');
    assert.ok(value(now, 'process_resident_memory_bytes') > 1 << 20);
    assert.ok(value(now, 'process_open_fds') > 3);
    const start = value(now, 'process_start_time_seconds');
    assert.ok(Math.abs(start - Date.now() / 1000) < 600, `start time ${start}`);
  });

  // top -H, perf and bench/run.sh (which finds the hashing threads by name) tell the threads apart
  // by the name each is given at its start; only the main thread keeps the program's name.
  test('every thread the server starts is named after its job', () => {
    const dir = `/proc/${srv.proc.pid}/task`;
    const names = readdirSync(dir).map((tid) => readFileSync(`${dir}/${tid}/comm`, 'utf8').trim());
    const count = (name) => names.filter((n) => n === name).length;
    assert.equal(count('atrium'), 1, `threads: ${names.join(', ')}`);
    assert.ok(count('atrium-work') >= 1 && count('atrium-hash') >= 1 && count('atrium-http') >= 1, names.join(', '));
  });
});

describe('request log (log.format: json)', () => {
  test('every line is JSON; each answer carries the request id its log line has; no secret is logged', async () => {
    const c = api(srv.base);
    const flow = (await c.get('self-service/registration/api')).json;
    const addr = `log-${process.pid}@example.com`;
    const submit = await c.post(`self-service/registration?flow=${flow.id}`, {
      json: { method: 'password', password: PASSWORD, traits: { email: addr } },
    });
    assert.equal(submit.status, 200, submit.text);
    const token = submit.json.session_token;
    assert.ok(token);
    const whoami = await c.get('sessions/whoami', { headers: { 'X-Session-Token': token, 'X-Request-Id': 'client-chosen-id-42' } });
    assert.equal(whoami.status, 200);
    assert.equal(whoami.headers.get('x-request-id'), 'client-chosen-id-42');
    // Secrets in query strings and cookies.
    const cookieSecret = 'cookie-secret-value-0ff1ce';
    const querySecret = 'query-secret-value-5eed';
    const browserInit = await c.get(`self-service/registration/browser?return_to=http%3A%2F%2F127.0.0.1%3A4455%2F${querySecret}&token=${querySecret}`, {
      headers: { Cookie: `ory_kratos_session=${cookieSecret}` },
    });
    assert.ok(browserInit.status < 500);
    const id = submit.headers.get('x-request-id');
    assert.match(id, /^[0-9a-f]{32}$/);
    await new Promise((r) => setTimeout(r, 100)); // let the last lines arrive

    const lines = srv.logs().split('\n').filter((l) => l !== '');
    assert.ok(lines.length > 5);
    const entries = lines.map((l) => {
      try {
        return JSON.parse(l);
      } catch {
        assert.fail(`not a JSON log line: ${l}`);
      }
    });
    for (const e of entries) {
      assert.equal(typeof e.time, 'string');
      assert.equal(typeof e.level, 'string');
      assert.equal(typeof e.msg, 'string');
    }
    const mine = entries.filter((e) => e.request_id === id);
    assert.equal(mine.length, 1, JSON.stringify(mine));
    assert.equal(mine[0].msg, 'completed handling request');
    assert.equal(mine[0].http_request.method, 'POST');
    assert.equal(mine[0].http_request.path, '/self-service/registration');
    assert.equal(mine[0].http_request.query, `flow=${flow.id}`); // flow ids are kept
    assert.equal(mine[0].http_request.route, '/self-service/registration');
    assert.equal(mine[0].http_request.remote, '127.0.0.1');
    assert.equal(mine[0].http_response.status, 200);
    assert.ok(mine[0].http_response.took > 0);
    const chosen = entries.filter((e) => e.request_id === 'client-chosen-id-42');
    assert.equal(chosen.length, 1);
    assert.equal(chosen[0].http_request.path, '/sessions/whoami');

    const all = srv.logs();
    for (const secret of [PASSWORD, token, cookieSecret, querySecret, ...c.cookies.values()]) {
      assert.ok(!all.includes(secret), `a secret was logged: ${secret}`);
    }
    assert.ok(all.includes('token=Value is sensitive and has been redacted.'), 'the redacted query is logged');
    assert.equal(stdout, '', 'logs go to stderr');
  });
});
