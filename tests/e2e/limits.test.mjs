// Issue 9, items 3 and 8: slow and hostile clients (slowloris, slow drain after a 413) are cut
// off by deadlines and connection caps while a normal client keeps its normal latency; TLS
// termination with Kratos' serve.<side>.tls keys.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { httpsGet, startAtrium } from '../lib/harness.mjs';

const REQUEST_TIMEOUT_MS = 3000;
const DRAIN_BUDGET_MS = 5000; // fixed in http::ServerOptions
const PER_IP_CAP = 128; // the default atrium.limits.max_connections_per_ip
const TRICKLE_MS = 1000;
const GIVE_UP_MS = 15000; // a slow client still open by then was never cut off by the server

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

// A client from `localAddress` that sends `head`, then one byte of `drip` every TRICKLE_MS until
// the server closes the connection. With `allowHalfOpen` it keeps sending after the server's FIN,
// as a slow-drain attacker would. Resolves with timestamps and what it received.
function slowClient(port, localAddress, head, drip, { allowHalfOpen = false } = {}) {
  return new Promise((resolve) => {
    const out = { connectedAt: 0, answeredAt: 0, closedAt: 0, data: '', error: null, gaveUp: false };
    const sock = connect({ host: '127.0.0.1', port, localAddress, allowHalfOpen });
    let timer;
    const giveUp = setTimeout(() => {
      out.gaveUp = true;
      sock.destroy();
    }, GIVE_UP_MS);
    sock.on('connect', () => {
      out.connectedAt = Date.now();
      sock.write(head);
      timer = setInterval(() => sock.writable && sock.write(drip), TRICKLE_MS);
    });
    sock.on('data', (d) => {
      if (!out.data) out.answeredAt = Date.now();
      out.data += d;
    });
    sock.on('error', (e) => (out.error = e.code));
    sock.on('close', () => {
      clearInterval(timer);
      clearTimeout(giveUp);
      out.closedAt = Date.now();
      resolve(out);
    });
  });
}

describe('hostile clients', () => {
  let srv;
  before(async () => {
    srv = await startAtrium({ config: { atrium: { limits: { request_timeout: `${REQUEST_TIMEOUT_MS}ms` } } } });
  });
  after(async () => srv && (await srv.stop()));

  test('slowloris and slow drains are cut off while a normal client keeps its latency', async (t) => {
    const port = Number(new URL(srv.base).port);
    const slowloris = Array.from({ length: 200 }, () =>
      slowClient(port, '127.0.0.2', 'GET /health/alive HTTP/1.1\r\nHost: x\r\nX-Slow: ', 'a'),
    );
    const drainHead =
      'POST /self-service/registration?flow=00000000-0000-0000-0000-000000000000 HTTP/1.1\r\n' +
      'Host: x\r\nContent-Type: application/json\r\nContent-Length: 10000000\r\n\r\n';
    const drains = Array.from({ length: 20 }, () => slowClient(port, '127.0.0.3', drainHead, 'a', { allowHalfOpen: true }));
    let attackOver = false;
    const attack = Promise.all([Promise.all(slowloris), Promise.all(drains)]).finally(() => (attackOver = true));

    // The normal client, from 127.0.0.1, for as long as the attack lasts.
    await new Promise((r) => setTimeout(r, 200));
    const latencies = [];
    const started = Date.now();
    while (!attackOver && Date.now() - started < GIVE_UP_MS + 1000) {
      for (const [url, accept] of [['health/alive', '*/*'], ['self-service/registration/api', 'application/json']]) {
        const t0 = performance.now();
        const r = await fetch(srv.base + url, { headers: { Accept: accept } });
        await r.arrayBuffer();
        latencies.push(performance.now() - t0);
        assert.equal(r.status, 200, url);
      }
    }
    const [loris, drained] = await attack;

    latencies.sort((a, b) => a - b);
    const p50 = percentile(latencies, 50);
    const p99 = percentile(latencies, 99);
    const summary =
      `normal client during the attack: ${latencies.length} requests, p50 ${p50.toFixed(1)} ms, ` +
      `p99 ${p99.toFixed(1)} ms, max ${latencies.at(-1).toFixed(1)} ms`;
    t.diagnostic(summary);
    console.log(summary);
    assert.ok(latencies.length >= 20, `only ${latencies.length} normal requests completed`);
    assert.ok(p99 < 500, summary);

    // Slowloris: at most the per-address cap got in; the rest were refused at once (503, or a
    // reset when their request bytes were still unread at the close). Those that got in never
    // received an answer and were closed at the request deadline, not kept alive by their bytes.
    const lived = (c) => c.closedAt - c.connectedAt;
    const isRefused = (c) => c.data.startsWith('HTTP/1.1 503') || lived(c) < 1000;
    const admitted = loris.filter((c) => !isRefused(c));
    const refused = loris.filter(isRefused);
    const answered503 = refused.filter((c) => c.data.startsWith('HTTP/1.1 503')).length;
    t.diagnostic(`slowloris: ${admitted.length} admitted, ${refused.length} refused (${answered503} saw the 503)`);
    assert.ok(admitted.length <= PER_IP_CAP, `${admitted.length} slow connections from one address were admitted`);
    assert.ok(admitted.length >= PER_IP_CAP / 2, `only ${admitted.length} slow connections got in: the test did not load the server`);
    for (const c of refused) {
      assert.ok(c.data === '' || c.data.startsWith('HTTP/1.1 503 Service Unavailable'), c.data);
    }
    for (const c of admitted) {
      assert.equal(c.gaveUp, false, 'a slowloris connection was never closed by the server');
      assert.equal(c.data, '');
      assert.ok(lived(c) >= REQUEST_TIMEOUT_MS - 300, `closed early after ${lived(c)} ms`);
      assert.ok(lived(c) <= REQUEST_TIMEOUT_MS + 2 * TRICKLE_MS + 1000, `lived ${lived(c)} ms`);
    }

    // Slow drain: each got its 413, and the drain ended within its fixed budget although the
    // client kept sending a byte a second.
    for (const c of drained) {
      assert.match(c.data, /^HTTP\/1\.1 413 /);
      assert.equal(c.gaveUp, false, 'a slow drain was never closed by the server');
      const drainedFor = c.closedAt - c.answeredAt;
      assert.ok(drainedFor <= DRAIN_BUDGET_MS + 2 * TRICKLE_MS + 1000, `drained for ${drainedFor} ms`);
    }

    const alive = await fetch(srv.base + 'health/alive');
    assert.equal(alive.status, 200);
    assert.equal(srv.exited(), null);
  });
});

describe('TLS', () => {
  let dir;
  let ca;
  let certPath;
  let keyPath;

  // A throw-away CA and a server certificate for IP 127.0.0.1 signed by it.
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'atrium-tls-'));
    const openssl = (...args) => {
      const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
      assert.equal(r.status, 0, `openssl ${args.join(' ')}:\n${r.stderr}`);
    };
    writeFileSync(path.join(dir, 'ca.cnf'), [
      '[req]', 'distinguished_name = dn', 'x509_extensions = ca', 'prompt = no',
      '[dn]', 'CN = Atrium test CA',
      '[ca]', 'basicConstraints = critical,CA:TRUE', 'keyUsage = critical,keyCertSign,cRLSign',
      'subjectKeyIdentifier = hash', '',
    ].join('\n'));
    writeFileSync(path.join(dir, 'server.cnf'), [
      '[req]', 'distinguished_name = dn', 'prompt = no', '[dn]', 'CN = 127.0.0.1',
      '[server]', 'basicConstraints = CA:FALSE', 'keyUsage = critical,digitalSignature',
      'extendedKeyUsage = serverAuth', 'subjectAltName = IP:127.0.0.1', '',
    ].join('\n'));
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
    openssl('req', '-x509', ...ec, '-config', 'ca.cnf', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1');
    openssl('req', ...ec, '-config', 'server.cnf', '-keyout', 'server.key', '-out', 'server.csr');
    openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', '2',
      '-days', '1', '-extfile', 'server.cnf', '-extensions', 'server', '-out', 'server.pem');
    ca = readFileSync(path.join(dir, 'ca.pem'), 'utf8');
    certPath = path.join(dir, 'server.pem');
    keyPath = path.join(dir, 'server.key');
  });
  after(() => dir && rmSync(dir, { recursive: true, force: true }));

  test('the public listener speaks HTTPS with the configured certificate', async () => {
    // The admin listener takes its material as (unpadded) base64, as Kratos documents it.
    const b64 = (file) => readFileSync(file).toString('base64').replace(/=+$/, '');
    const srv = await startAtrium({
      https: { ca },
      config: {
        serve: {
          public: { tls: { cert: { path: certPath }, key: { path: keyPath } } },
          admin: { tls: { cert: { base64: b64(certPath) }, key: { base64: b64(keyPath) } } },
        },
      },
    });
    try {
      assert.match(srv.base, /^https:/);
      const r = await httpsGet(srv.base + 'health/alive', { ca });
      assert.equal(r.status, 200);
      assert.deepEqual(JSON.parse(r.text), { status: 'ok' });

      const adminPort = new URL(srv.admin).port;
      const admin = await httpsGet(`https://127.0.0.1:${adminPort}/health/alive`, { ca });
      assert.equal(admin.status, 200);

      // A client that does not trust the CA refuses the server.
      await assert.rejects(httpsGet(srv.base + 'health/alive'), (e) => {
        assert.match(e.code ?? '', /UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED|CERT/);
        return true;
      });
      // HTTPS only: plain HTTP on the TLS port gets no HTTP answer.
      await assert.rejects(fetch(srv.base.replace('https:', 'http:') + 'health/alive'));
      assert.equal(srv.exited(), null);
    } finally {
      await srv.stop();
    }
  });

  test('a certificate without a key refuses to start, naming the missing key', async () => {
    await assert.rejects(
      startAtrium({ config: { serve: { public: { tls: { cert: { path: certPath } } } } } }),
      /serve\.public\.tls\.key: missing/,
    );
  });

  test('a key that is not a key refuses to start, naming the listener', async () => {
    await assert.rejects(
      startAtrium({ config: { serve: { public: { tls: { cert: { path: certPath }, key: { path: certPath } } } } } }),
      /serve\.public\.tls: TLS: cannot use the private key/,
    );
  });
});
