// The courier against a real SMTP server (tests/lib/smtp_sink.mjs): what a delivered message
// looks like, retries with backoff when the server is down, refuses, stalls or drops the
// connection, abandonment, restarts after kill -9, and two instances sharing one PostgreSQL
// outbox. Messages are queued by writing outbox rows directly (the flows that queue them are
// built elsewhere); the admin API shows what became of them.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { execSql } from '../lib/db.mjs';
import { BIN, deepMerge, startAtrium } from '../lib/harness.mjs';
import { startSmtpSink } from '../lib/smtp_sink.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Short waits and budgets, so that retries happen within seconds.
function courierConfig(sink, extra = {}) {
  return {
    courier: {
      smtp: {
        connection_uri: sink.uri(),
        from_address: 'no-reply@atrium.test',
        from_name: 'Atrium Tests',
        headers: { 'X-Atrium-Test': 'courier' },
        local_name: 'atrium.test',
      },
      message_retries: 10,
      worker: { pull_wait: '100ms', pull_count: 10 },
      ...extra,
    },
    atrium: { courier: { send_timeout: '1s', lease: '3s', backoff: '200ms', backoff_max: '800ms' } },
  };
}

const sqlText = (s) => `'${String(s).replaceAll("'", "''")}'`;

// Queues messages by inserting outbox rows; returns their ids.
async function queue(target, recipients, { subject = 'Use code 482916', html = '<p>482916</p>' } = {}) {
  const now = BigInt(Date.now()) * 1000000n;
  const rows = recipients.map((to, i) => {
    const id = randomUUID();
    const at = String(now + BigInt(i));
    return {
      id,
      values: [
        sqlText(id), "'email'", "'queued'", sqlText(to), sqlText(subject),
        sqlText('Complete your account registration with the following code:\n\n482916\n'),
        sqlText(html), "'registration_code_valid'", sqlText('{"RegistrationCode":"482916"}'),
        '0', at, 'NULL', 'NULL', "''", at, at,
      ].join(', '),
    };
  });
  await execSql(
    target,
    'INSERT INTO courier_messages (id, type, status, recipient, subject, body, html_body, template_type, ' +
      'template_data, send_count, next_attempt_at, lease_owner, lease_expires_at, last_error, created_at, updated_at) VALUES ' +
      rows.map((r) => `(${r.values})`).join(', '),
  );
  return rows.map((r) => r.id);
}

async function message(srv, id) {
  const r = await fetch(`${srv.admin}admin/courier/messages/${id}`);
  assert.equal(r.status, 200);
  return r.json();
}

// Polls the admin API until `pred(message)` holds.
async function until(srv, id, pred, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = await message(srv, id);
    if (pred(m)) return m;
    if (Date.now() > deadline) throw new Error(`message ${id} never got there: ${JSON.stringify(m)}`);
    await sleep(50);
  }
}

const dbOf = (srv) => path.join(srv.dir, 'atrium.db');
const unique = (name) => `${name}-${randomUUID().slice(0, 8)}@example.com`;

describe('courier over SMTP (SQLite)', () => {
  let sink;
  let srv;
  before(async () => {
    sink = await startSmtpSink();
    srv = await startAtrium({ config: courierConfig(sink) });
  });
  after(async () => {
    await srv?.stop();
    await sink?.close();
  });

  test('consecutive messages share one SMTP connection', async () => {
    // smtp-server greets a new connection only after 100 ms (its early-talker check), as real
    // servers cost a connect, a greeting, EHLO and often TLS and AUTH: one connection per
    // message would bound delivery at ~10 messages a second here.
    const recipients = Array.from({ length: 8 }, () => unique('reuse'));
    const before = sink.connections;
    const t0 = Date.now();
    await queue(dbOf(srv), recipients);
    for (const to of recipients) await sink.waitFor(to);
    assert.equal(sink.connections - before, 1, 'one connection for all eight messages');
    assert.ok(Date.now() - t0 < 3000, `delivered in ${Date.now() - t0} ms`);
  });

  test('a queued message is delivered with its subject, bodies, sender and headers', async () => {
    const to = unique('ann');
    const [id] = await queue(dbOf(srv), [to], { subject: 'Bestätigung: code 482916' });
    const [mail] = await sink.waitFor(to);
    assert.equal(mail.subject, 'Bestätigung: code 482916');
    assert.equal(mail.text.trim(), 'Complete your account registration with the following code:\n\n482916');
    assert.equal(mail.html, '<p>482916</p>');
    assert.equal(mail.from, 'no-reply@atrium.test');
    assert.match(mail.headers.from, /Atrium Tests/);
    assert.equal(mail.headers['x-atrium-test'], 'courier');
    assert.match(mail.headers['message-id'], /@atrium\.test>$/);
    const m = await until(srv, id, (x) => x.status === 'sent');
    assert.equal(m.send_count, 1);
    assert.equal(m.type, 'email');
    assert.equal(m.channel, 'email');
    assert.equal(m.recipient, to);
    assert.equal(m.template_type, 'registration_code_valid');
    assert.deepEqual(m.dispatches.map((d) => d.status), ['success']);
  });

  test('a server that is down is retried with backoff; delivered once it is back', async () => {
    await sink.setMode('down');
    const to = unique('down');
    const [id] = await queue(dbOf(srv), [to]);
    const failed = await until(srv, id, (x) => x.send_count >= 2 && x.status === 'queued');
    assert.ok(failed.dispatches.every((d) => d.status === 'failed'));
    assert.match(failed.dispatches[0].error.message, /smtp:\/\/127\.0\.0\.1:\d+/);
    await sink.setMode('ok');
    await sink.waitFor(to);
    const sent = await until(srv, id, (x) => x.status === 'sent');
    assert.equal(sent.dispatches[0].status, 'success');
    await sleep(500);
    assert.equal(sink.to(to).length, 1, 'delivered exactly once');
  });

  test('a refused recipient (550) is abandoned with the error, visible through the admin API', async () => {
    await sink.setMode('reject-rcpt');
    const to = unique('refused');
    const [id] = await queue(dbOf(srv), [to]);
    const m = await until(srv, id, (x) => x.status === 'abandoned');
    await sink.setMode('ok');
    assert.equal(m.send_count, 1, 'a permanent refusal is not retried');
    assert.match(m.dispatches[0].error.message, /550/);
    const list = await fetch(`${srv.admin}admin/courier/messages?status=abandoned&recipient=${encodeURIComponent(to)}`);
    assert.equal(list.status, 200);
    const body = await list.json();
    assert.deepEqual(body.map((x) => x.id), [id]);
    assert.equal(sink.to(to).length, 0);
  });

  for (const mode of ['tempfail', 'drop']) {
    test(`${mode} during DATA is retried, then delivered exactly once`, async () => {
      await sink.setMode(mode);
      const before = sink.attempts;
      const to = unique(mode);
      const [id] = await queue(dbOf(srv), [to]);
      const failed = await until(srv, id, (x) => x.send_count >= 1 && x.status === 'queued');
      assert.ok(sink.attempts > before, 'DATA was reached');
      assert.equal(failed.dispatches[0].status, 'failed');
      await sink.setMode('ok');
      await sink.waitFor(to);
      await until(srv, id, (x) => x.status === 'sent');
      await sleep(500);
      assert.equal(sink.to(to).length, 1);
    });
  }

  test('a server slower than the time budget is given up on and retried', async () => {
    await sink.setMode('slow', 2500);
    const to = unique('slow');
    const [id] = await queue(dbOf(srv), [to]);
    const failed = await until(srv, id, (x) => x.send_count >= 1 && x.status === 'queued');
    assert.match(failed.dispatches[0].error.message, /time budget/);
    await sink.setMode('ok');
    const sent = await until(srv, id, (x) => x.status === 'sent');
    assert.ok(sent.send_count >= 2);
  });

  test('messages and their list are paged newest first; unknown ids answer 404', async () => {
    const to = unique('paged');
    await sink.setMode('down');
    const ids = await queue(dbOf(srv), [to, to, to]);
    const first = await fetch(`${srv.admin}admin/courier/messages?page_size=2&recipient=${encodeURIComponent(to)}`);
    assert.equal(first.status, 200);
    assert.deepEqual((await first.json()).map((m) => m.id), [ids[2], ids[1]]);
    const next = /<([^>]+)>; rel="next"/.exec(first.headers.get('link'));
    assert.ok(next, first.headers.get('link'));
    const second = await fetch(new URL(next[1], srv.admin));
    assert.deepEqual((await second.json()).map((m) => m.id), [ids[0]]);
    const missing = await fetch(`${srv.admin}admin/courier/messages/${randomUUID()}`);
    assert.equal(missing.status, 404);
    assert.equal((await missing.json()).error.message, 'Unable to locate the resource');
    const bad = await fetch(`${srv.admin}admin/courier/messages/not-a-uuid`);
    assert.equal(bad.status, 400);
    await sink.setMode('ok');
    await sink.waitFor(to, { count: 3 });
  });
});

describe('courier over TLS with authentication', () => {
  const auth = { user: 'atrium', pass: 'p@ss:w/rd-s3cret' };
  for (const tls of ['starttls', 'implicit']) {
    test(`${tls}: delivered encrypted and authenticated; the password is never logged`, async () => {
      const sink = await startSmtpSink({ tls, auth });
      const srv = await startAtrium({ config: courierConfig(sink) });
      try {
        const to = unique(tls);
        const [id] = await queue(dbOf(srv), [to]);
        const [mail] = await sink.waitFor(to);
        assert.equal(mail.secure, true);
        assert.equal(mail.user, 'atrium');
        await until(srv, id, (x) => x.status === 'sent');
      } finally {
        await srv.stop();
        await sink.close();
      }
      assert.doesNotMatch(srv.logs(), /s3cret/);
    });
  }

  test('smtp:// requires STARTTLS: a server without it gets nothing, and the error says why', async () => {
    const sink = await startSmtpSink();
    const uri = sink.uri().replace('?disable_starttls=true', '');
    const srv = await startAtrium({ config: deepMerge(courierConfig(sink), { courier: { smtp: { connection_uri: uri } } }) });
    try {
      const to = unique('plain');
      const [id] = await queue(dbOf(srv), [to]);
      const m = await until(srv, id, (x) => x.send_count >= 1 && x.status === 'queued');
      assert.match(m.dispatches[0].error.message, /SSL|TLS/i);
      assert.equal(sink.to(to).length, 0);
    } finally {
      await srv.stop();
      await sink.close();
    }
  });
});

test('after kill -9 with messages queued, a restart delivers every message exactly once', async () => {
  const sink = await startSmtpSink();
  await sink.setMode('down');
  const first = await startAtrium({ config: courierConfig(sink) });
  const db = dbOf(first);
  const recipients = Array.from({ length: 10 }, () => unique('crash'));
  await queue(db, recipients);
  await sleep(600); // some attempts fail while the sink is down
  const exited = new Promise((r) => first.proc.on('exit', r));
  first.proc.kill('SIGKILL');
  await exited;
  await sink.setMode('ok');
  const second = await startAtrium({ config: { ...courierConfig(sink), dsn: `sqlite://${db}` } });
  try {
    for (const to of recipients) await sink.waitFor(to, { timeoutMs: 15000 });
    await sleep(1000);
    for (const to of recipients) assert.equal(sink.to(to).length, 1, to);
  } finally {
    await second.stop();
    await first.stop();
    await sink.close();
  }
});

test('without SMTP, serve leaves messages queued; `atrium courier watch` delivers them and stops on SIGTERM', async () => {
  const sink = await startSmtpSink();
  const srv = await startAtrium();
  const file = path.join(srv.dir, 'watch.yml');
  writeFileSync(file, JSON.stringify({ ...srv.config, ...courierConfig(sink) }));
  let watcher;
  try {
    const to = unique('watch');
    const [id] = await queue(dbOf(srv), [to]);
    await sleep(500);
    assert.equal((await message(srv, id)).status, 'queued', 'serve has no courier configured');
    assert.match(srv.logs(), /no SMTP server configured/);
    watcher = spawn(BIN, ['courier', 'watch', '-c', file, '--dev'], { cwd: srv.dir, stdio: 'ignore' });
    const exited = new Promise((r) => watcher.on('exit', (code, signal) => r({ code, signal })));
    await sink.waitFor(to);
    await until(srv, id, (x) => x.status === 'sent');
    watcher.kill('SIGTERM');
    assert.deepEqual(await exited, { code: 0, signal: null });
  } finally {
    await srv.stop();
    await sink.close();
  }
});

test('the http delivery strategy posts the Jsonnet-rendered body with basic auth, retrying 503', async () => {
  const received = [];
  let status = 503;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ method: req.method, url: req.url, auth: req.headers.authorization, body, status });
      res.writeHead(status).end();
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const jsonnet = 'function(ctx) { to: ctx.recipient, subject: ctx.subject, code: ctx.template_data.registration_code }';
  const srv = await startAtrium({
    config: {
      courier: {
        delivery_strategy: 'http',
        http: {
          request_config: {
            url: `http://127.0.0.1:${server.address().port}/mail`,
            method: 'PUT',
            body: `base64://${Buffer.from(jsonnet).toString('base64')}`,
            auth: { type: 'basic_auth', config: { user: 'courier', password: 'hunter2' } },
          },
        },
        worker: { pull_wait: '100ms' },
      },
      atrium: { courier: { send_timeout: '1s', backoff: '200ms', backoff_max: '400ms' } },
    },
  });
  try {
    const to = unique('http');
    const [id] = await queue(dbOf(srv), [to], { subject: 'Use code 482916' });
    await until(srv, id, (x) => x.send_count >= 1 && x.status === 'queued');
    status = 200;
    const sent = await until(srv, id, (x) => x.status === 'sent');
    assert.ok(sent.send_count >= 2);
    const ok = received.find((r) => r.status === 200);
    assert.equal(ok.method, 'PUT');
    assert.equal(ok.url, '/mail');
    assert.equal(ok.auth, `Basic ${Buffer.from('courier:hunter2').toString('base64')}`);
    assert.deepEqual(JSON.parse(ok.body), { code: '482916', subject: 'Use code 482916', to });
  } finally {
    await srv.stop();
    server.close();
  }
});

const DSN = process.env.ATRIUM_TEST_PG_DSN;
test('two instances on one PostgreSQL deliver 50 queued messages exactly once', async () => {
  // Never skipped: without a server this test fails (tools/test.sh starts one).
  assert.ok(DSN, 'ATRIUM_TEST_PG_DSN must name a PostgreSQL server (run the tests through tools/test.sh)');
  const sink = await startSmtpSink();
  const database = `atrium_courier_${process.pid}`;
  await execSql(DSN, `DROP DATABASE IF EXISTS ${database}`);
  await execSql(DSN, `CREATE DATABASE ${database}`);
  const psql = DSN.replace(/\/postgres\?/, `/${database}?`);
  const config = { ...courierConfig(sink), dsn: `${psql}&statement_timeout=2000&acquire_timeout=2000` };
  const one = await startAtrium({ dev: false, config });
  const two = await startAtrium({ dev: false, config });
  try {
    const recipients = Array.from({ length: 50 }, (_, i) => `pg-${i}-${process.pid}@example.com`);
    await queue(psql, recipients);
    for (const to of recipients) await sink.waitFor(to, { timeoutMs: 20000 });
    await sleep(1000);
    for (const to of recipients) assert.equal(sink.to(to).length, 1, to);
  } finally {
    await one.stop();
    await two.stop();
    await sink.close();
    await execSql(DSN, `DROP DATABASE IF EXISTS ${database}`);
  }
});
