// Sign-in throttling (issue 11, item 4): failed sign-ins are counted per identifier and per
// client address; over the limit the answer is 429 with the error envelope and Retry-After,
// before any password is checked. Two instances on one PostgreSQL agree: see postgres.test.mjs.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { api, browser, csrfOf, spa, startAtrium } from '../lib/harness.mjs';

const PASSWORD = 'l3f9toh1uaf81n21';
let srv;

before(async () => {
  srv = await startAtrium({
    config: {
      selfservice: { flows: { registration: { after: { password: { hooks: [{ hook: 'session' }] } } } } },
      atrium: {
        login_throttling: { max_failures_per_identifier: 3, max_failures_per_address: 50, window: '1m', lockout: '2s', max_lockout: '4s' },
      },
    },
  });
});
after(async () => {
  await srv?.stop();
});

async function register(email) {
  const flow = (await api(srv.base).get('self-service/registration/api')).json;
  const r = await api(srv.base).post(`self-service/registration?flow=${flow.id}`, {
    json: { method: 'password', password: PASSWORD, traits: { email } },
  });
  assert.equal(r.status, 200, r.text);
}

async function signIn(identifier, password, { ip } = {}) {
  const headers = ip ? { 'X-Forwarded-For': ip } : {};
  const flow = (await api(srv.base).get('self-service/login/api')).json;
  return api(srv.base).post(`self-service/login?flow=${flow.id}`, {
    headers,
    json: { method: 'password', identifier, password },
  });
}

describe('per identifier', () => {
  test('the fourth attempt after three failures is 429 with Retry-After, even with the right password', async () => {
    const email = `locked-${process.pid}@example.com`;
    await register(email);
    for (let i = 0; i < 3; i++) {
      const r = await signIn(email, 'wrong-password');
      assert.equal(r.status, 400);
      assert.equal(r.json.ui.messages[0].id, 4000006);
    }
    const refused = await signIn(email, PASSWORD);
    assert.equal(refused.status, 429);
    assert.equal(refused.json.error.id, 'self_service_login_throttled');
    assert.equal(refused.json.error.code, 429);
    assert.equal(refused.json.error.status, 'Too Many Requests');
    const retry = Number(refused.headers.get('retry-after'));
    assert.ok(retry >= 1 && retry <= 2, `Retry-After ${retry}`);
    assert.equal(refused.json.session_token, undefined);

    // The same identifier typed differently is the same key.
    assert.equal((await signIn(`  ${email.toUpperCase()} `, PASSWORD)).status, 429);
    // Another identifier is not affected.
    const other = `free-${process.pid}@example.com`;
    await register(other);
    assert.equal((await signIn(other, PASSWORD)).status, 200);

    // After the lockout the right password signs in, and the count starts over.
    await new Promise((r) => setTimeout(r, 2100));
    const ok = await signIn(email, PASSWORD);
    assert.equal(ok.status, 200, ok.text);
    assert.equal((await signIn(email, 'wrong-password')).status, 400);
    assert.equal((await signIn(email, PASSWORD)).status, 200);
  });

  test('unknown identifiers are counted too', async () => {
    const ghost = `ghost-${process.pid}@example.com`;
    for (let i = 0; i < 3; i++) assert.equal((await signIn(ghost, 'x')).status, 400);
    assert.equal((await signIn(ghost, 'x')).status, 429);
  });

  test('a classic browser form is sent to the error page, which shows the throttling error', async () => {
    const email = `form-${process.pid}@example.com`;
    await register(email);
    const b = browser(srv.base);
    const init = await b.get('self-service/login/browser', { accept: 'application/json' });
    const flow = init.json;
    for (let i = 0; i < 3; i++) {
      const r = await b.post(`self-service/login?flow=${flow.id}`, {
        form: { method: 'password', identifier: email, password: 'nope', csrf_token: csrfOf(flow) },
      });
      assert.equal(r.status, 303);
      assert.match(r.location, /login\?flow=/);
    }
    const r = await b.post(`self-service/login?flow=${flow.id}`, {
      form: { method: 'password', identifier: email, password: PASSWORD, csrf_token: csrfOf(flow) },
    });
    assert.equal(r.status, 303);
    const id = new URL(r.location).searchParams.get('id');
    assert.ok(id, r.location);
    const shown = await api(srv.base).get(`self-service/errors?id=${id}`);
    assert.equal(shown.json.error.id, 'self_service_login_throttled');
    assert.ok(!b.cookies.has('ory_kratos_session'));
  });
});

describe('per address', () => {
  test('many identifiers from one address lock the address, not other addresses', async () => {
    // X-Forwarded-For is not believed without trusted proxies: every request here comes from
    // 127.0.0.1, so this test uses its own server with a fresh count.
    const one = await startAtrium({
      config: { atrium: { login_throttling: { max_failures_per_identifier: 100, max_failures_per_address: 4, lockout: '10s' } } },
    });
    try {
      const attempt = async (identifier) => {
        const flow = (await api(one.base).get('self-service/login/api')).json;
        return api(one.base).post(`self-service/login?flow=${flow.id}`, { json: { method: 'password', identifier, password: 'x' } });
      };
      for (let i = 0; i < 4; i++) assert.equal((await attempt(`spray-${i}@example.com`)).status, 400);
      const refused = await attempt('spray-new@example.com');
      assert.equal(refused.status, 429);
    } finally {
      await one.stop();
    }
  });

  test('disabled: no 429 however many failures', async () => {
    const off = await startAtrium({ config: { atrium: { login_throttling: { enabled: false } } } });
    try {
      for (let i = 0; i < 8; i++) {
        const flow = (await api(off.base).get('self-service/login/api')).json;
        const r = await api(off.base).post(`self-service/login?flow=${flow.id}`, {
          json: { method: 'password', identifier: 'same@example.com', password: 'x' },
        });
        assert.equal(r.status, 400);
      }
    } finally {
      await off.stop();
    }
  });
});
