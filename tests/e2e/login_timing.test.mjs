// An unknown identifier must not answer measurably faster than a known one with a wrong password
// (docs/wire/login.md §11.1.5: Atrium verifies against a dummy hash instead of Kratos' random
// sleep). Attempts of the two kinds are interleaved in pairs, each against a fresh API flow, with
// the default argon2 parameters so that the hash dominates the request. The two attempts of a pair
// run back to back under the same machine load (other builds share the cores), so the median of
// the per-pair ratios compares the two medians without the drift between pairs; the plain medians
// are printed beside it. Throttling is off: every attempt here fails.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { api, startAtrium } from '../lib/harness.mjs';

const PASSWORD = 'l3f9toh1uaf81n21';
const ROUNDS = 40; // attempts of each kind
const WARMUP = 3;
const TOLERANCE = 0.1;

let srv;
before(async () => {
  srv = await startAtrium({
    config: {
      atrium: { login_throttling: { enabled: false } },
      selfservice: { flows: { registration: { style: 'unified' } } },
      // The OWASP defaults Atrium uses when nothing is configured (the harness lowers them).
      hashers: { algorithm: 'argon2', argon2: { memory: '19MB', iterations: 2, parallelism: 1 } },
    },
  });
});
after(async () => srv && (await srv.stop()));

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

// Only the submission is timed; the flow is created before the clock starts.
async function timedAttempt(identifier) {
  const flow = (await api(srv.base).get('self-service/login/api')).json;
  const t0 = process.hrtime.bigint();
  const r = await api(srv.base).post(`self-service/login?flow=${flow.id}`, {
    json: { method: 'password', identifier, password: 'wrong-password-123' },
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  assert.equal(r.status, 400, r.text);
  assert.equal(r.json.ui.messages[0].id, 4000006);
  return ms;
}

test('unknown identifier and wrong password answer within 10 % of each other (medians)', async (t) => {
  const known = `timing-known-${process.pid}@example.com`;
  const flow = (await api(srv.base).get('self-service/registration/api')).json;
  const reg = await api(srv.base).post(`self-service/registration?flow=${flow.id}`, {
    json: { method: 'password', password: PASSWORD, traits: { email: known } },
  });
  assert.equal(reg.status, 200, reg.text);
  const unknown = (i) => `timing-unknown-${process.pid}-${i}@example.com`;
  for (let i = 0; i < WARMUP; i++) {
    await timedAttempt(unknown(`w${i}`));
    await timedAttempt(known);
  }
  const k = [];
  const u = [];
  for (let i = 0; i < ROUNDS; i++) {
    // Alternate which kind goes first, so that drift in the machine's load hits both alike.
    if (i % 2 === 0) {
      k.push(await timedAttempt(known));
      u.push(await timedAttempt(unknown(i)));
    } else {
      u.push(await timedAttempt(unknown(i)));
      k.push(await timedAttempt(known));
    }
  }
  const mk = median(k);
  const mu = median(u);
  // Per pair: how much slower (>1) or faster (<1) the unknown identifier was.
  const ratio = median(k.map((x, i) => u[i] / x));
  const diff = Math.abs(ratio - 1);
  const line =
    `${ROUNDS} pairs: median ratio unknown/known ${ratio.toFixed(3)} (difference ${(diff * 100).toFixed(1)} %); ` +
    `medians: known identifier + wrong password ${mk.toFixed(1)} ms, unknown identifier ${mu.toFixed(1)} ms ` +
    `(min/max known ${Math.min(...k).toFixed(1)}/${Math.max(...k).toFixed(1)}, ` +
    `unknown ${Math.min(...u).toFixed(1)}/${Math.max(...u).toFixed(1)})`;
  t.diagnostic(line);
  assert.ok(diff <= TOLERANCE, line);
});
