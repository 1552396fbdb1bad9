// An unknown identifier must not answer measurably faster than a known one with a wrong password
// (docs/wire/login.md §11.1.5: Atrium verifies against a dummy hash instead of Kratos' random
// sleep). Median of alternating attempts, each against a fresh API flow, with the default argon2
// parameters so that the hash dominates the request.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { api, startAtrium } from '../lib/harness.mjs';

const PASSWORD = 'l3f9toh1uaf81n21';
const ROUNDS = 35; // ≥ 30 attempts of each kind
const WARMUP = 2;
const TOLERANCE = 0.1;

let srv;
let throttleOff = true;
before(async () => {
  const config = {
    selfservice: { flows: { registration: { style: 'unified' } } },
    // The OWASP defaults Atrium uses when nothing is configured (the harness lowers them).
    hashers: { algorithm: 'argon2', argon2: { memory: '19MB', iterations: 2, parallelism: 1 } },
  };
  try {
    srv = await startAtrium({ config: { ...config, atrium: { login_throttling: { enabled: false } } } });
  } catch (e) {
    // A binary that does not know the key: every attempt below uses its own identifier and there
    // are fewer failures than the per-address limit, so the throttle cannot interfere either.
    throttleOff = false;
    console.log(`login_throttling.enabled refused (${String(e.message).split('\n')[0]}); relying on distinct identifiers`);
    srv = await startAtrium({ config });
  }
});
after(async () => srv && (await srv.stop()));

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function timedAttempt(identifier, password) {
  const flow = (await api(srv.base).get('self-service/login/api')).json;
  const t0 = process.hrtime.bigint();
  const r = await api(srv.base).post(`self-service/login?flow=${flow.id}`, { json: { method: 'password', identifier, password } });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  assert.equal(r.status, 400, r.text);
  assert.equal(r.json.ui.messages[0].id, 4000006);
  return ms;
}

test('unknown identifier and wrong password answer within 10 % of each other (medians)', async (t) => {
  // One known identity per attempt: no identifier is ever counted twice by a throttle.
  const known = [];
  for (let i = 0; i < ROUNDS + WARMUP; i++) {
    const email = `timing-known-${process.pid}-${i}@example.com`;
    const flow = (await api(srv.base).get('self-service/registration/api')).json;
    const r = await api(srv.base).post(`self-service/registration?flow=${flow.id}`, {
      json: { method: 'password', password: PASSWORD, traits: { email } },
    });
    assert.equal(r.status, 200, r.text);
    known.push(email);
  }
  const unknown = (i) => `timing-unknown-${process.pid}-${i}@example.com`;
  for (let i = 0; i < WARMUP; i++) {
    await timedAttempt(unknown(`w${i}`), 'wrong-password-123');
    await timedAttempt(known[ROUNDS + i], 'wrong-password-123');
  }
  const k = [];
  const u = [];
  for (let i = 0; i < ROUNDS; i++) {
    // Alternate which kind goes first, so that drift in the machine's load hits both alike.
    if (i % 2 === 0) {
      k.push(await timedAttempt(known[i], 'wrong-password-123'));
      u.push(await timedAttempt(unknown(i), 'wrong-password-123'));
    } else {
      u.push(await timedAttempt(unknown(i), 'wrong-password-123'));
      k.push(await timedAttempt(known[i], 'wrong-password-123'));
    }
  }
  const mk = median(k);
  const mu = median(u);
  const diff = Math.abs(mk - mu) / Math.max(mk, mu);
  const line =
    `median over ${ROUNDS} attempts each: known identifier + wrong password ${mk.toFixed(1)} ms, ` +
    `unknown identifier ${mu.toFixed(1)} ms, difference ${(diff * 100).toFixed(1)} % ` +
    `(min/max known ${Math.min(...k).toFixed(1)}/${Math.max(...k).toFixed(1)}, ` +
    `unknown ${Math.min(...u).toFixed(1)}/${Math.max(...u).toFixed(1)}; throttle ${throttleOff ? 'off' : 'on'})`;
  t.diagnostic(line);
  console.log(line);
  assert.ok(diff <= TOLERANCE, line);
});
