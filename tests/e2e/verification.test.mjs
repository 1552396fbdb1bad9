// docs/wire/verification.md: the verification flow against the real binary. A password sign-up
// starts a verification flow (the verification hook) that show_verification_ui hands to the
// client (API, SPA, classic browser); the code is read from the server's outbox
// (lib/outbox.mjs) and submitted; the address becomes verified. Also: the return URL after
// verification, wrong, expired and replayed codes, and the 429 of too many sends.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { api, browser, csrfOf, deepMerge, nodeNames, spa, startAtrium } from '../lib/harness.mjs';
import { latestCode, queuedTo } from '../lib/outbox.mjs';
import { query } from '../lib/db.mjs';

const PASSWORD = 'l3f9toh1uaf81n21';
const UI = 'http://127.0.0.1:4455';
const CONFIG = {
  atrium: { login_throttling: { enabled: false }, code_send_limits: { per_flow: 4, per_address: 6 } },
  selfservice: {
    flows: {
      registration: {
        style: 'unified',
        after: { password: { hooks: [{ hook: 'session' }, { hook: 'show_verification_ui' }] } },
      },
      verification: { enabled: true, ui_url: `${UI}/verification` },
    },
  },
};

let srv;
before(async () => {
  srv = await startAtrium({ config: CONFIG });
});
after(async () => srv && (await srv.stop()));

let seq = 0;
const unique = (tag) => `${tag}-${process.pid}-${++seq}@example.com`;
const dbFile = (server) => path.join(server.dir, 'atrium.db');
const addressRow = (server, email) =>
  query(dbFile(server), 'SELECT verified, status, verified_at FROM identity_verifiable_addresses WHERE value = ?', [email])[0];

async function registerApi(server, email, query = '') {
  const flow = (await api(server.base).get(`self-service/registration/api${query}`)).json;
  const r = await api(server.base).post(`self-service/registration?flow=${flow.id}`, {
    json: { method: 'password', password: PASSWORD, traits: { email } },
  });
  assert.equal(r.status, 200, r.text);
  return r.json;
}

function verificationItem(body) {
  const items = body.continue_with.filter((c) => c.action === 'show_verification_ui');
  assert.equal(items.length, 1, JSON.stringify(body.continue_with));
  return items[0];
}

async function submitCode(client, server, flowId, code, extra = {}) {
  return client.post(`self-service/verification?flow=${flowId}`, { json: { method: 'code', code, ...extra } });
}

describe('after a sign-up', () => {
  test('api: continue_with names the flow (no url), the code verifies the address', async () => {
    const email = unique('api');
    const body = await registerApi(srv, email);
    assert.deepEqual(
      body.continue_with.map((c) => c.action),
      ['show_verification_ui', 'set_ory_session_token'],
    );
    const item = verificationItem(body);
    assert.deepEqual(Object.keys(item.flow), ['id', 'verifiable_address']);
    assert.equal(item.flow.verifiable_address, email);
    assert.equal(body.identity.verifiable_addresses[0].status, 'sent');
    assert.equal(addressRow(srv, email).status, 'sent');

    const c = api(srv.base);
    const fetched = await c.get(`self-service/verification/flows?id=${item.flow.id}`);
    assert.equal(fetched.status, 200, fetched.text);
    assert.equal(fetched.json.state, 'sent_email');
    assert.equal(fetched.json.type, 'api');
    assert.equal(fetched.json.ui.messages[0].id, 1080003);
    assert.deepEqual(nodeNames(fetched.json), ['code:method', 'code:code', 'code:method=code', `code:email=${email}`]);
    assert.equal(queuedTo(dbFile(srv), email)[0].template_type, 'verification_code_valid');

    const done = await submitCode(c, srv, item.flow.id, latestCode(dbFile(srv), email));
    assert.equal(done.status, 200, done.text);
    assert.equal(done.json.state, 'passed_challenge');
    assert.deepEqual(done.json.ui.messages, [
      { id: 1080002, text: 'You successfully verified your email address.', type: 'success' },
    ]);
    const link = done.json.ui.nodes.find((n) => n.attributes.id === 'continue');
    assert.equal(link.attributes.href, `${UI}/welcome`);
    const row = addressRow(srv, email);
    assert.equal(row.verified, 1);
    assert.equal(row.status, 'completed');
    assert.ok(row.verified_at > 0);

    const whoami = await api(srv.base).get('sessions/whoami', { headers: { 'X-Session-Token': body.session_token } });
    assert.equal(whoami.json.identity.verifiable_addresses[0].verified, true);
    assert.equal(whoami.json.identity.verifiable_addresses[0].status, 'completed');

    const replay = await submitCode(c, srv, item.flow.id, latestCode(dbFile(srv), email));
    assert.equal(replay.status, 410, replay.text);
    assert.equal(replay.json.error.id, 'self_service_flow_replaced');
    const replacement = await c.get(`self-service/verification/flows?id=${replay.json.use_flow_id}`);
    assert.equal(replacement.json.ui.messages[0].id, 4070002);
  });

  test('spa: the item carries the UI url and the flow is bound to the new CSRF cookie', async () => {
    const email = unique('spa');
    const c = spa(srv.base);
    const flow = (await c.get('self-service/registration/browser')).json;
    const r = await c.post(`self-service/registration?flow=${flow.id}`, {
      json: { method: 'password', password: PASSWORD, traits: { email }, csrf_token: csrfOf(flow) },
    });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.continue_with.map((i) => i.action), ['redirect_browser_to', 'show_verification_ui']);
    const item = verificationItem(r.json);
    assert.equal(item.flow.url, `${UI}/verification?flow=${item.flow.id}`);
    assert.equal(r.setCookies.filter((s) => s.startsWith('csrf_token_')).length, 1, r.setCookies.join(' | '));

    const fetched = await c.get(`self-service/verification/flows?id=${item.flow.id}`);
    assert.equal(fetched.status, 200, fetched.text);
    assert.equal(fetched.json.type, 'browser');
    const done = await submitCode(c, srv, item.flow.id, latestCode(dbFile(srv), email));
    assert.equal(done.status, 200, done.text);
    assert.equal(done.json.state, 'passed_challenge');
    assert.equal(addressRow(srv, email).verified, 1);
  });

  test('classic browser: the form post ends at the verification UI, the code form too', async () => {
    const email = unique('browser');
    const c = browser(srv.base);
    const init = await c.get('self-service/registration/browser');
    assert.equal(init.status, 303);
    const flowId = new URL(init.location).searchParams.get('flow');
    const flow = (await c.get(`self-service/registration/flows?id=${flowId}`, { accept: 'application/json' })).json;
    const r = await c.post(`self-service/registration?flow=${flowId}`, {
      form: { method: 'password', password: PASSWORD, 'traits.email': email, csrf_token: csrfOf(flow) },
    });
    assert.equal(r.status, 303, r.text);
    assert.match(r.location, new RegExp(`^${UI}/verification\\?flow=`));
    const vid = new URL(r.location).searchParams.get('flow');

    const vflow = (await c.get(`self-service/verification/flows?id=${vid}`, { accept: 'application/json' })).json;
    assert.equal(vflow.state, 'sent_email');
    const posted = await c.post(`self-service/verification?flow=${vid}`, {
      form: { method: 'code', code: latestCode(dbFile(srv), email), csrf_token: csrfOf(vflow) },
    });
    assert.equal(posted.status, 303, posted.text);
    assert.equal(posted.location, `${UI}/verification?flow=${vid}`);
    const after = (await c.get(`self-service/verification/flows?id=${vid}`, { accept: 'application/json' })).json;
    assert.equal(after.state, 'passed_challenge');
    assert.equal(addressRow(srv, email).verified, 1);
  });

  test('after_verification_return_to becomes the return_to and the Continue link; a foreign one is refused', async () => {
    const email = unique('return');
    const target = `${UI}/after-verification`;
    const body = await registerApi(srv, email, `?after_verification_return_to=${encodeURIComponent(target)}`);
    const item = verificationItem(body);
    const c = api(srv.base);
    const fetched = (await c.get(`self-service/verification/flows?id=${item.flow.id}`)).json;
    assert.equal(fetched.return_to, target);
    const done = await submitCode(c, srv, item.flow.id, latestCode(dbFile(srv), email));
    assert.equal(done.json.ui.action, target);

    const refused = await api(srv.base).get(
      `self-service/registration/api?after_verification_return_to=${encodeURIComponent('https://evil.example/')}`,
    );
    assert.equal(refused.status, 400, refused.text);
    assert.equal(refused.json.error.id, 'self_service_flow_return_to_forbidden');
  });
});

describe('the code', () => {
  test('a wrong code is 4070006 five times, then the flow is replaced', async () => {
    const email = unique('wrong');
    const item = verificationItem(await registerApi(srv, email));
    const code = latestCode(dbFile(srv), email);
    const wrong = code === '000000' ? '111111' : '000000';
    const c = api(srv.base);
    for (let i = 0; i < 5; i++) {
      const r = await submitCode(c, srv, item.flow.id, wrong);
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.json.ui.messages, [
        { id: 4070006, text: 'The verification code is invalid or has already been used. Please try again.', type: 'error' },
      ]);
    }
    const sixth = await submitCode(c, srv, item.flow.id, code);
    assert.equal(sixth.status, 410, sixth.text);
    assert.equal(sixth.json.error.id, 'self_service_flow_replaced');
    assert.equal(addressRow(srv, email).verified, 0);
  });

  test('parallel guesses cannot slip past max_submissions', async () => {
    const email = unique('parallel');
    const item = verificationItem(await registerApi(srv, email));
    const code = latestCode(dbFile(srv), email);
    const guesses = Array.from({ length: 20 }, (_, i) => String((Number(code) + 1 + i) % 1000000).padStart(6, '0'));
    const answers = await Promise.all(guesses.map((g) => submitCode(api(srv.base), srv, item.flow.id, g)));
    const counted = answers.filter((r) => r.status === 200).length;
    assert.equal(counted, 5, answers.map((r) => r.status).join(','));
    assert.ok(answers.every((r) => r.status === 200 || r.status === 410));
    const late = await submitCode(api(srv.base), srv, item.flow.id, code);
    assert.equal(late.status, 410, 'the right code comes too late');
    assert.equal(addressRow(srv, email).verified, 0);
  });

  test('an unknown address is answered like a known one and gets nothing', async () => {
    const c = api(srv.base);
    const flow = (await c.get('self-service/verification/api')).json;
    assert.equal(flow.state, 'choose_method');
    const email = unique('nobody');
    const r = await c.post(`self-service/verification?flow=${flow.id}`, { json: { method: 'code', email } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.state, 'sent_email');
    assert.equal(r.json.ui.messages[0].id, 1080003);
    assert.equal(queuedTo(dbFile(srv), email).length, 0);
  });

  test('a resend storm is refused with 429', async () => {
    const email = unique('storm');
    await registerApi(srv, email); // one code sent by the hook
    const c = api(srv.base);
    const statuses = [];
    for (let i = 0; i < 4; i++) {
      const flow = (await c.get('self-service/verification/api')).json;
      for (let j = 0; j < 2; j++) {
        const r = await c.post(`self-service/verification?flow=${flow.id}`, { json: { method: 'code', email } });
        statuses.push(r.status);
        if (r.status === 429) {
          assert.equal(r.json.error.code, 429);
          assert.ok(Number(r.headers.get('retry-after')) > 0);
        }
      }
    }
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429, 429]);
    assert.equal(queuedTo(dbFile(srv), email).length, 6, 'per_address: 6 codes in the window');
  });

  test('a browser resend needs the CSRF token', async () => {
    const c = browser(srv.base);
    const init = await c.get('self-service/verification/browser');
    assert.equal(init.status, 303);
    assert.match(init.location, new RegExp(`^${UI}/verification\\?flow=`));
    const id = new URL(init.location).searchParams.get('flow');
    const flow = (await c.get(`self-service/verification/flows?id=${id}`, { accept: 'application/json' })).json;
    const forged = await c.post(`self-service/verification?flow=${id}`, {
      form: { method: 'code', email: unique('csrf'), csrf_token: 'forged' },
      accept: 'application/json',
    });
    assert.equal(forged.status, 403, forged.text);
    assert.equal(forged.json.error.id, 'security_csrf_violation');
    const ok = await c.post(`self-service/verification?flow=${id}`, {
      form: { method: 'code', email: unique('csrf'), csrf_token: csrfOf(flow) },
    });
    assert.equal(ok.status, 303, ok.text);
  });
});

describe('expiry', () => {
  let short;
  before(async () => {
    short = await startAtrium({
      config: deepMerge(CONFIG, { selfservice: { methods: { code: { config: { lifespan: '1s' } } } } }),
    });
  });
  after(async () => short && (await short.stop()));

  test('an expired code is 4070006 and leaves the address unverified', async () => {
    const email = unique('expired');
    const item = verificationItem(await registerApi(short, email));
    const code = latestCode(dbFile(short), email);
    await new Promise((r) => setTimeout(r, 1500));
    const r = await submitCode(api(short.base), short, item.flow.id, code);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.ui.messages[0].id, 4070006);
    assert.equal(addressRow(short, email).verified, 0);
  });
});
