// Web hooks before and after registration (docs/wire/registration.md §18.7-§18.9), against the
// real binary and a local HTTP receiver started here. A parsing hook runs before anything is
// written: its veto, failure, garbage, oversized answer or silence leaves no identity and no
// queued notification behind. Notifying hooks are queued in the identity's transaction and
// delivered after the commit: a slow receiver delays nobody and a kill -9 loses nothing.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { query } from '../lib/db.mjs';
import { api, browser, csrfOf, startAtrium } from '../lib/harness.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const b64 = (s) => 'base64://' + Buffer.from(s).toString('base64');

// The receiver: what it got, per path, and what it answers. The parsing hook's answer depends on
// the local part of the e-mail address it is sent (veto-, change-, s500-, ...).
function startReceiver() {
  const got = [];
  const state = { notify: 'ok', slowMs: 0 };
  const sockets = new Set();
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', async () => {
      let json;
      try {
        json = JSON.parse(body);
      } catch {}
      const entry = { path: req.url, method: req.method, headers: req.headers, body, json };
      got.push(entry);
      const send = (status, payload, type = 'application/json') => {
        res.writeHead(status, { 'Content-Type': type });
        res.end(typeof payload === 'string' ? payload : JSON.stringify(payload));
      };
      if (req.url === '/before') {
        return json?.ua?.[0] === 'fail-before' ? send(500, 'down') : send(204, '');
      }
      if (req.url.startsWith('/notify')) {
        if (state.slowMs) await sleep(state.slowMs);
        if (state.notify !== 'ok') return send(503, 'try later');
        entry.delivered = true;
        return send(200, '{}');
      }
      const email = json?.email ?? '';
      const kind = email.split('-')[0];
      switch (kind) {
        case 'veto':
          return send(400, {
            messages: [
              { instance_ptr: '#/traits/email', messages: [{ id: 4711, text: 'This domain is not welcome.', type: 'error', context: { domain: 'example.com' } }] },
              { instance_ptr: '#/', messages: [{ id: 4712, text: 'Sign-ups are paused.', type: 'info' }] },
            ],
          });
        case 'change':
          return send(200, {
            identity: { traits: { email, name: 'Set By Hook' }, metadata_public: { plan: 'pro' }, metadata_admin: { crm: 42 } },
          });
        case 'invalid':
          return send(200, { identity: { traits: { email: 'not an address' } } });
        case 's403':
          return send(403, 'forbidden', 'text/plain');
        case 's500':
          return send(500, { messages: [] });
        case 'garbage':
          return send(200, '{"identity": {"traits": [1, 2', 'application/json');
        case 'huge':
          return send(200, JSON.stringify({ identity: { metadata_public: { pad: 'x'.repeat(6 << 20) } } }));
        case 'hang':
          return; // never answers; the hook's budget runs out
        default:
          return send(204, '');
      }
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const url = `http://127.0.0.1:${server.address().port}`;
      resolve({
        url,
        got,
        state,
        at: (p) => got.filter((g) => g.path === p),
        close: () => {
          for (const s of sockets) s.destroy();
          return new Promise((r) => server.close(r));
        },
      });
    });
  });
}

const PRE_BODY = `function(ctx) {
  email: ctx.identity.traits.email,
  flow_id: ctx.flow.id,
  transient: if std.objectHas(ctx.flow, 'transient_payload') then ctx.flow.transient_payload else null,
  method: ctx.request_method,
  url: ctx.request_url,
  headers: ctx.request_headers,
  cookies: ctx.request_cookies,
}`;
const BEFORE_BODY = `function(ctx) {
  ua: if std.objectHas(ctx.request_headers, 'User-Agent') then ctx.request_headers['User-Agent'] else null,
  flow_id: ctx.flow.id,
  method: ctx.request_method,
  has_identity: std.objectHas(ctx, 'identity'),
}`;
const NOTIFY_BODY = `function(ctx) { identity_id: ctx.identity.id, email: ctx.identity.traits.email }`;

// Short budgets and retries, so that timeouts and redeliveries happen within seconds.
function hookConfig(rx, { pre = true, preBody = PRE_BODY, notifyPath = '/notify' } = {}) {
  const hooks = [];
  if (pre) {
    hooks.push({
      hook: 'web_hook',
      config: {
        url: `${rx.url}/pre`,
        method: 'POST',
        body: b64(preBody),
        headers: { 'X-Tenant': 't1' },
        auth: { type: 'api_key', config: { name: 'X-Api-Key', value: 'secret-key-1', in: 'header' } },
        response: { parse: true },
      },
    });
  }
  hooks.push({
    hook: 'web_hook',
    config: {
      url: `${rx.url}${notifyPath}`,
      body: b64(NOTIFY_BODY),
      auth: { type: 'basic_auth', config: { user: 'hookuser', password: 'hookpass' } },
      response: { ignore: true },
    },
  });
  hooks.push({ hook: 'session' });
  return {
    selfservice: {
      flows: {
        registration: {
          before: {
            hooks: [
              {
                hook: 'web_hook',
                config: { url: `${rx.url}/before`, body: b64(BEFORE_BODY), auth: { type: 'api_key', config: { name: 'hook_key', value: 'cookie-secret', in: 'cookie' } } },
              },
            ],
          },
          after: { password: { hooks } },
        },
      },
    },
    courier: { message_retries: 10, worker: { pull_wait: '100ms' } },
    atrium: {
      web_hooks: { timeout: '1s' },
      courier: { send_timeout: '2s', lease: '5s', backoff: '200ms', backoff_max: '400ms' },
    },
  };
}

let counter = 0;
const email = (kind) => `${kind}-${process.pid}-${++counter}@example.com`;
const dbFile = (srv) => path.join(srv.dir, 'atrium.db');
const identitiesWith = (srv, addr) =>
  query(dbFile(srv), "SELECT count(*) AS n FROM identities WHERE json_extract(traits, '$.email') = ?", [addr])[0].n;
const queuedNotifications = (srv) => query(dbFile(srv), "SELECT count(*) AS n FROM courier_messages WHERE type = 'webhook'")[0].n;

async function register(srv, addr, { transient, headers } = {}) {
  const c = api(srv.base);
  const flow = await c.get('self-service/registration/api', { headers });
  assert.equal(flow.status, 200, flow.text);
  const res = await c.post(`self-service/registration?flow=${flow.json.id}`, {
    json: { method: 'password', password: 'a-Very-long-passphrase-42', traits: { email: addr }, ...(transient ? { transient_payload: transient } : {}) },
    headers,
  });
  return { flow: flow.json, res };
}

async function until(fn, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await sleep(50);
  }
}

let rx;
let srv;
before(async () => {
  rx = await startReceiver();
  srv = await startAtrium({ config: hookConfig(rx) });
});
after(async () => {
  if (srv) await srv.stop();
  if (rx) await rx.close();
});

describe('parsing hooks run before anything is written', () => {
  test('the hook gets ctx with auth; a neutral answer lets the registration through and the notification follows', async () => {
    const addr = email('ok');
    const { flow, res } = await register(srv, addr, { transient: { invite: 'abc' } });
    assert.equal(res.status, 200, res.text);
    const pre = rx.at('/pre').find((g) => g.json?.email === addr);
    assert.ok(pre, 'the parsing hook was called');
    assert.equal(pre.headers['x-api-key'], 'secret-key-1');
    assert.equal(pre.headers['x-tenant'], 't1');
    assert.equal(pre.headers['content-type'], 'application/json');
    assert.equal(pre.headers['ory-webhook-trigger-id'], flow.id);
    assert.ok(pre.headers['ory-webhook-request-id']);
    assert.equal(pre.json.flow_id, flow.id);
    assert.deepEqual(pre.json.transient, { invite: 'abc' });
    assert.equal(pre.json.method, 'POST');
    assert.match(pre.json.url, /\/self-service\/registration\?flow=/);
    assert.deepEqual(pre.json.headers['Content-Type'], ['application/json'], 'allow-listed headers are passed');
    assert.ok(!('Cookie' in pre.json.headers) && !('Authorization' in pre.json.headers), 'others are not');
    const note = await until(() => rx.at('/notify').find((g) => g.json?.email === addr && g.delivered));
    assert.equal(note.json.identity_id, res.json.identity.id);
    assert.equal(note.headers.authorization, 'Basic ' + Buffer.from('hookuser:hookpass').toString('base64'));
    assert.equal(note.headers['ory-webhook-trigger-id'], flow.id);
    // The before hook ran at flow creation, with its api key as a cookie and the flow in ctx.
    const pre_flow = rx.at('/before').find((g) => g.json?.flow_id === flow.id);
    assert.ok(pre_flow, 'the before hook saw the flow');
    assert.equal(pre_flow.headers.cookie, 'hook_key=cookie-secret');
    assert.equal(pre_flow.json.method, 'GET');
    assert.equal(pre_flow.json.has_identity, false);
  });

  test('a veto with field and global messages creates nothing', async () => {
    const addr = email('veto');
    const { res } = await register(srv, addr);
    assert.equal(res.status, 400, res.text);
    const field = res.json.ui.nodes.find((n) => n.attributes.name === 'traits.email');
    assert.deepEqual(field.messages, [{ id: 4711, text: 'This domain is not welcome.', type: 'error', context: { domain: 'example.com' } }]);
    assert.deepEqual(res.json.ui.messages, [{ id: 4712, text: 'Sign-ups are paused.', type: 'info' }]);
    assert.equal(field.attributes.value, addr, 'the submitted value stays in the form');
    assert.equal(identitiesWith(srv, addr), 0);
  });

  test('a classic browser is sent back to the form, which shows the veto', async () => {
    const c = browser(srv.base);
    const init = await c.get('self-service/registration/browser');
    assert.equal(init.status, 303, init.text);
    const id = new URL(init.location).searchParams.get('flow');
    const flow = (await c.get(`self-service/registration/flows?id=${id}`, { accept: 'application/json' })).json;
    const addr = email('veto');
    const res = await c.post(`self-service/registration?flow=${id}`, {
      form: { method: 'password', csrf_token: csrfOf(flow), password: 'a-Very-long-passphrase-42', 'traits.email': addr },
    });
    assert.equal(res.status, 302, res.text);
    assert.match(res.location, /\/registration\?flow=/);
    const shown = (await c.get(`self-service/registration/flows?id=${id}`, { accept: 'application/json' })).json;
    assert.deepEqual(shown.ui.messages.map((m) => m.id), [4712]);
    assert.deepEqual(shown.ui.nodes.find((n) => n.attributes.name === 'traits.email').messages.map((m) => m.id), [4711]);
    assert.equal(identitiesWith(srv, addr), 0);
  });

  test('trait and metadata changes are applied and validated again', async () => {
    const addr = email('change');
    const { res } = await register(srv, addr);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json.identity.traits, { email: addr, name: 'Set By Hook' });
    assert.deepEqual(res.json.identity.metadata_public, { plan: 'pro' });
    const [row] = query(dbFile(srv), 'SELECT metadata_admin FROM identities WHERE id = ?', [res.json.identity.id]);
    assert.deepEqual(JSON.parse(row.metadata_admin), { crm: 42 });

    const bad = email('invalid');
    const refused = await register(srv, bad);
    assert.equal(refused.res.status, 400, refused.res.text);
    const node = refused.res.json.ui.nodes.find((n) => n.attributes.name === 'traits.email');
    assert.ok(node.messages.some((m) => m.type === 'error'), JSON.stringify(node));
    assert.equal(identitiesWith(srv, bad), 0);
    assert.equal(identitiesWith(srv, 'not an address'), 0);
  });

  for (const [kind, status, message] of [
    ['s403', 502, /webhook failed with status code 403/],
    ['s500', 502, /webhook failed with status code 500/],
    ['garbage', 502, /not JSON/],
    ['huge', 502, /could not be read/],
    ['hang', 504, /did not answer in time/],
  ]) {
    test(`a hook that answers ${kind} is a clear error and creates nothing`, async () => {
      const before = queuedNotifications(srv);
      const addr = email(kind);
      const started = Date.now();
      const { res } = await register(srv, addr);
      assert.equal(res.status, status, res.text);
      assert.equal(res.json.error.code, status);
      assert.match(res.json.error.reason, /A third-party upstream service (could not be reached|responded improperly)/);
      assert.match(res.json.error.message, message);
      assert.equal(identitiesWith(srv, addr), 0);
      assert.equal(queuedNotifications(srv), before, 'no notification queued');
      if (kind === 'hang') assert.ok(Date.now() - started < 5000, 'the per-hook budget bounds the wait');
    });
  }

  test('a failing before hook aborts flow creation', async () => {
    const res = await api(srv.base).get('self-service/registration/api', { headers: { 'User-Agent': 'fail-before' } });
    assert.equal(res.status, 502, res.text);
    assert.match(res.json.error.message, /webhook failed with status code 500/);
  });
});

describe('notifications', () => {
  test('a slow receiver never delays the user; it gets the notification afterwards', async () => {
    rx.state.slowMs = 3000;
    try {
      const addr = email('slow');
      const started = Date.now();
      const { res } = await register(srv, addr);
      assert.equal(res.status, 200, res.text);
      assert.ok(Date.now() - started < 2500, `answered after ${Date.now() - started} ms`);
      await until(() => rx.at('/notify').find((g) => g.json?.email === addr && g.delivered), 15000);
    } finally {
      rx.state.slowMs = 0;
    }
  });

  test('a failing Jsonnet template is a clear error and creates nothing', async () => {
    const local = await startAtrium({ config: hookConfig(rx, { preBody: "function(ctx) error 'no such thing: ' + ctx.identity.traits.email" }) });
    try {
      const addr = email('tpl');
      const { res } = await register(local, addr);
      assert.equal(res.status, 500, res.text);
      assert.match(res.json.error.message, /body template failed/);
      assert.doesNotMatch(res.text, new RegExp(addr), 'what the template saw is logged, not answered');
      assert.equal(identitiesWith(local, addr), 0);
    } finally {
      await local.stop();
    }
  });

  test('a kill -9 right after the answer loses no notification; it arrives exactly once after the restart', async () => {
    const notifyPath = `/notify-crash-${process.pid}`;
    const first = await startAtrium({ config: hookConfig(rx, { pre: false, notifyPath }) });
    rx.state.notify = 'down';
    let second;
    try {
      const addr = email('crash');
      const { res } = await register(first, addr);
      assert.equal(res.status, 200, res.text);
      const exited = new Promise((r) => first.proc.on('exit', r));
      first.proc.kill('SIGKILL');
      await exited;
      const delivered = () => rx.at(notifyPath).filter((g) => g.json?.email === addr && g.delivered);
      assert.equal(delivered().length, 0);
      const [row] = query(dbFile(first), "SELECT status, recipient FROM courier_messages WHERE type = 'webhook'");
      assert.ok(row && row.status !== 'sent', 'queued with the identity');
      assert.ok(!JSON.stringify(row).includes('hookpass'), 'no credential in the outbox');
      rx.state.notify = 'ok';
      second = await startAtrium({ config: { ...hookConfig(rx, { pre: false, notifyPath }), dsn: `sqlite://${dbFile(first)}` } });
      await until(() => delivered().length > 0, 20000);
      await sleep(1500);
      assert.equal(delivered().length, 1, 'exactly once');
      assert.equal(delivered()[0].json.identity_id, res.json.identity.id);
      const [sent] = query(dbFile(first), "SELECT status FROM courier_messages WHERE type = 'webhook'");
      assert.equal(sent.status, 'sent');
    } finally {
      rx.state.notify = 'ok';
      if (second) await second.stop();
      await first.stop();
    }
  });
});

describe('on PostgreSQL', () => {
  test('a veto creates nothing; a notification is committed with its identity and survives a kill -9', async () => {
    const DSN = process.env.ATRIUM_TEST_PG_DSN;
    assert.ok(DSN, 'ATRIUM_TEST_PG_DSN must name a PostgreSQL server (run the tests through tools/test.sh)');
    const database = `atrium_hooks_${process.pid}`;
    execFileSync('psql', [DSN, '-q', '-c', `DROP DATABASE IF EXISTS ${database}`, '-c', `CREATE DATABASE ${database}`]);
    const db = DSN.replace(/\/[^/?]*(\?|$)/, `/${database}$1`);
    const psql = (sql) => execFileSync('psql', [db, '-tAc', sql], { encoding: 'utf8' }).trim();
    const notifyPath = `/notify-pg-${process.pid}`;
    const config = { ...hookConfig(rx, { notifyPath }), dsn: db };
    const first = await startAtrium({ config });
    let second;
    try {
      const vetoed = email('veto');
      assert.equal((await register(first, vetoed)).res.status, 400);
      assert.equal(psql(`SELECT count(*) FROM identities WHERE traits::jsonb->>'email' = '${vetoed}'`), '0');
      assert.equal(psql("SELECT count(*) FROM courier_messages WHERE type = 'webhook'"), '0');

      rx.state.notify = 'down';
      const addr = email('pg');
      const { res } = await register(first, addr);
      assert.equal(res.status, 200, res.text);
      const exited = new Promise((r) => first.proc.on('exit', r));
      first.proc.kill('SIGKILL');
      await exited;
      assert.equal(psql(`SELECT count(*) FROM courier_messages WHERE type = 'webhook' AND body LIKE '%${res.json.identity.id}%'`), '1');
      rx.state.notify = 'ok';
      second = await startAtrium({ config });
      const delivered = () => rx.at(notifyPath).filter((g) => g.json?.email === addr && g.delivered);
      await until(() => delivered().length > 0, 20000);
      await sleep(1500);
      assert.equal(delivered().length, 1, 'exactly once');
      assert.equal(psql("SELECT status FROM courier_messages WHERE type = 'webhook'"), 'sent');
    } finally {
      rx.state.notify = 'ok';
      if (second) await second.stop();
      await first.stop();
      execFileSync('psql', [DSN, '-q', '-c', `DROP DATABASE IF EXISTS ${database}`]);
    }
  });
});
