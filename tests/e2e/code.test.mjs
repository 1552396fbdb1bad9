// docs/wire/registration.md §17.3: sign-up by one-time code in every client kind and both
// registration styles, against the real binary. Codes are read from the server's outbox
// (tests/lib/outbox.mjs); after every refusal the database holds no identity for the address.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EMAIL_SCHEMA, api, base64Schema, browser, csrfOf, node, nodeNames, spa, startAtrium } from '../lib/harness.mjs';
import { query } from '../lib/db.mjs';
import { latestCode, queuedTo } from '../lib/outbox.mjs';

const CODE_SCHEMA = structuredClone(EMAIL_SCHEMA);
CODE_SCHEMA.properties.traits.properties.email['ory.sh/kratos'].credentials = {
  password: { identifier: true },
  code: { identifier: true, via: 'email' },
};

const SENT_TEXT =
  'A code has been sent to the address(es) you provided. If you have not received a message, check the spelling of the address and retry the registration.';
const INVALID = { id: 4040003, text: 'The registration code is invalid or has already been used. Please try again.', type: 'error' };

function codeConfig({ style = 'unified', code = {}, limits = {} } = {}) {
  return {
    identity: { schemas: [{ id: 'default', url: base64Schema(CODE_SCHEMA) }] },
    selfservice: {
      flows: { registration: { style, after: { code: { hooks: [{ hook: 'session' }] } } } },
      methods: { code: { passwordless_enabled: true, config: code } },
    },
    atrium: { code_send_limits: limits },
  };
}

let unified; // one-step
let twoStep; // profile_first
let shortLived; // codes live one second
let limited; // small send limits
before(async () => {
  [unified, twoStep, shortLived, limited] = await Promise.all([
    startAtrium({ config: codeConfig() }),
    startAtrium({ config: codeConfig({ style: 'profile_first' }) }),
    startAtrium({ config: codeConfig({ code: { lifespan: '1s' } }) }),
    startAtrium({ config: codeConfig({ limits: { per_flow: 3, per_address: 3, window: '1h' } }) }),
  ]);
});
after(async () => {
  for (const s of [unified, twoStep, shortLived, limited]) if (s) await s.stop();
});

let counter = 0;
const email = (tag = 'code') => `${tag}-${process.pid}-${++counter}@example.com`;
const dbFile = (srv) => path.join(srv.dir, 'atrium.db');
const identitiesWith = (srv, addr) =>
  query(dbFile(srv), "SELECT count(*) AS n FROM identities WHERE json_extract(traits, '$.email') = ?", [addr])[0].n;

// An API flow with a code sent to `addr`.
async function apiSend(srv, addr, extra = {}) {
  const c = api(srv.base);
  const flow = (await c.get('self-service/registration/api')).json;
  const sent = await c.post(`self-service/registration?flow=${flow.id}`, { json: { method: 'code', traits: { email: addr }, ...extra } });
  return { c, flow, sent };
}
const apiVerify = (c, id, addr, code) => c.post(`self-service/registration?flow=${id}`, { json: { method: 'code', code, traits: { email: addr } } });

describe('sign-up by code', () => {
  test('API, one-step: the code form, then the identity with its address verified', async () => {
    const addr = email();
    const { c, flow, sent } = await apiSend(unified, addr);
    assert.ok(node(flow, 'method') && nodeNames(flow).includes('code:method=code'), 'the send button is offered');
    assert.equal(sent.status, 400, sent.text);
    assert.equal(sent.json.state, 'sent_email');
    assert.equal(sent.json.active, 'code');
    assert.deepEqual(sent.json.ui.messages, [{ id: 1040005, text: SENT_TEXT, type: 'info' }]);
    assert.deepEqual(
      sent.json.ui.nodes.map((n) => [n.group, n.attributes.name, n.attributes.type, n.attributes.value ?? null, n.meta.label?.id ?? null]),
      [
        ['default', 'csrf_token', 'hidden', '', null],
        ['default', 'traits.email', 'hidden', addr, 1070002],
        ['default', 'traits.name', 'hidden', null, 1070002],
        ['code', 'method', 'hidden', 'code', null],
        ['code', 'code', 'text', null, 1070012],
        ['code', 'method', 'submit', 'code', 1070009],
        ['code', 'resend', 'submit', 'code', 1070008],
      ],
    );
    assert.equal(node(sent.json, 'code').attributes.autocomplete, 'one-time-code');
    const messages = queuedTo(dbFile(unified), addr);
    assert.equal(messages.length, 1);
    assert.equal(messages[0].template_type, 'registration_code_valid');
    assert.match(messages[0].subject, /^Use code \d{6} to complete your account registration$/);
    assert.match(messages[0].body, /This code expires in 10 minutes\./);

    const done = await apiVerify(c, flow.id, addr, latestCode(dbFile(unified), addr));
    assert.equal(done.status, 200, done.text);
    assert.match(done.json.session_token, /^ory_st_/);
    assert.equal(done.json.session.authentication_methods[0].method, 'code');
    const [address] = done.json.identity.verifiable_addresses;
    assert.equal(address.value, addr);
    assert.equal(address.verified, true);
    assert.equal(address.status, 'completed');
    assert.ok(Date.parse(address.verified_at) > Date.now() - 60_000);
    const [credential] = query(dbFile(unified), "SELECT config, version FROM identity_credentials WHERE identity_id = ? AND type = 'code'", [done.json.identity.id]);
    assert.deepEqual(JSON.parse(credential.config), { addresses: [{ channel: 'email', address: addr }] });
    assert.equal(credential.version, 1);
  });

  test('SPA, one-step: JSON with the CSRF token, then the session cookie', async () => {
    const addr = email();
    const c = spa(unified.base);
    const flow = (await c.get('self-service/registration/browser')).json;
    const sent = await c.post(`self-service/registration?flow=${flow.id}`, { json: { method: 'code', csrf_token: csrfOf(flow), traits: { email: addr } } });
    assert.equal(sent.status, 400, sent.text);
    assert.equal(sent.json.state, 'sent_email');
    const done = await c.post(`self-service/registration?flow=${flow.id}`, {
      json: { method: 'code', csrf_token: csrfOf(sent.json), code: latestCode(dbFile(unified), addr), traits: { email: addr } },
    });
    assert.equal(done.status, 200, done.text);
    assert.equal(done.json.session_token, undefined);
    assert.equal(done.json.continue_with[0].action, 'redirect_browser_to');
    assert.ok(done.setCookies.some((x) => x.startsWith('ory_kratos_session=')));
    assert.equal((await c.get('sessions/whoami')).json.identity.traits.email, addr);
  });

  test('classic browser, one-step: form posts with cookies, 303s all the way', async () => {
    const addr = email();
    const c = browser(unified.base);
    const init = await c.get('self-service/registration/browser');
    const id = new URL(init.location).searchParams.get('flow');
    const flow = (await c.get(`self-service/registration/flows?id=${id}`, { accept: 'application/json' })).json;
    const forged = await c.post(`self-service/registration?flow=${id}`, { form: { method: 'code', 'traits.email': addr } });
    assert.equal(forged.status, 303);
    assert.match(forged.location, /^http:\/\/127\.0\.0\.1:4455\/error\?id=/);
    assert.equal(queuedTo(dbFile(unified), addr).length, 0, 'no code without the CSRF token');

    const sent = await c.post(`self-service/registration?flow=${id}`, { form: { method: 'code', csrf_token: csrfOf(flow), 'traits.email': addr } });
    assert.equal(sent.status, 303);
    assert.equal(sent.location, `http://127.0.0.1:4455/registration?flow=${id}`);
    const shown = (await c.get(`self-service/registration/flows?id=${id}`, { accept: 'application/json' })).json;
    assert.equal(shown.state, 'sent_email');
    // What the rendered form posts when "Continue" is pressed: every hidden input, the code, the button.
    const form = new URLSearchParams();
    for (const n of shown.ui.nodes.filter((x) => x.attributes.type === 'hidden')) form.append(n.attributes.name, n.attributes.value ?? '');
    form.append('code', latestCode(dbFile(unified), addr));
    form.append('method', 'code');
    const done = await c.post(`self-service/registration?flow=${id}`, { body: form.toString(), headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    assert.equal(done.status, 303, done.text);
    assert.equal(done.location, 'http://127.0.0.1:4455/welcome');
    assert.ok(done.setCookies.some((x) => x.startsWith('ory_kratos_session=')));
    assert.equal(identitiesWith(unified, addr), 1);
  });

  test('two-step, API: traits, the credential screen, the code, Back, and the code again', async () => {
    const addr = email();
    const c = api(twoStep.base);
    const flow = (await c.get('self-service/registration/api')).json;
    assert.ok(!nodeNames(flow).includes('code:method=code'), 'no code button on the traits screen');
    const url = `self-service/registration?flow=${flow.id}`;
    const credentials = await c.post(url, { json: { method: 'profile', traits: { email: addr } } });
    assert.ok(nodeNames(credentials.json).includes('code:method=code'));
    const sent = await c.post(url, { json: { method: 'code', traits: { email: addr } } });
    assert.equal(sent.status, 400);
    assert.deepEqual(nodeNames(sent.json).slice(-2), ['code:resend=code', 'profile:screen=credential-selection']);
    const back = await c.post(url, { json: { method: 'code', screen: 'credential-selection', traits: { email: addr } } });
    assert.equal(back.status, 400);
    assert.equal(back.json.state, 'choose_method');
    assert.equal(node(back.json, 'code'), undefined);
    assert.ok(nodeNames(back.json).includes('code:method=code'));
    assert.ok(nodeNames(back.json).includes('profile:screen=previous'));
    assert.equal((await c.post(url, { json: { method: 'code', traits: { email: addr } } })).status, 400);
    const done = await apiVerify(c, flow.id, addr, latestCode(dbFile(twoStep), addr));
    assert.equal(done.status, 200, done.text);
    assert.equal(done.json.identity.verifiable_addresses[0].verified, true);
  });

  test('two-step, classic browser: every step is a 303 back to the form', async () => {
    const addr = email();
    const c = browser(twoStep.base);
    const id = new URL((await c.get('self-service/registration/browser')).location).searchParams.get('flow');
    const url = `self-service/registration?flow=${id}`;
    const fetchFlow = async () => (await c.get(`self-service/registration/flows?id=${id}`, { accept: 'application/json' })).json;
    const csrf = csrfOf(await fetchFlow());
    assert.equal((await c.post(url, { form: { method: 'profile', csrf_token: csrf, 'traits.email': addr } })).status, 303);
    assert.equal((await c.post(url, { form: { method: 'code', csrf_token: csrf, 'traits.email': addr } })).status, 303);
    assert.equal((await fetchFlow()).state, 'sent_email');
    const done = await c.post(url, { form: { csrf_token: csrf, 'traits.email': addr, method: 'code', code: latestCode(dbFile(twoStep), addr) } });
    assert.equal(done.status, 303, done.text);
    assert.equal(done.location, 'http://127.0.0.1:4455/welcome');
    assert.equal(identitiesWith(twoStep, addr), 1);
  });

  test('resend: a new code, the old one no longer works', async () => {
    const addr = email();
    const { c, flow } = await apiSend(unified, addr);
    const first = latestCode(dbFile(unified), addr);
    const resent = await c.post(`self-service/registration?flow=${flow.id}`, { json: { method: 'code', resend: 'code', traits: { email: addr } } });
    assert.equal(resent.status, 400);
    assert.equal(resent.json.state, 'sent_email');
    assert.equal(queuedTo(dbFile(unified), addr).length, 2);
    const second = latestCode(dbFile(unified), addr);
    if (first !== second) {
      const old = await apiVerify(c, flow.id, addr, first);
      assert.deepEqual(old.json.ui.messages, [INVALID]);
    }
    assert.equal((await apiVerify(c, flow.id, addr, second)).status, 200);
  });
});

describe('refusals (nothing is created)', () => {
  test('a missing code is required', async () => {
    const addr = email();
    const { c, flow } = await apiSend(unified, addr);
    const r = await c.post(`self-service/registration?flow=${flow.id}`, { json: { method: 'code', traits: { email: addr } } });
    assert.equal(r.status, 400);
    assert.deepEqual(node(r.json, 'code').messages, [{ id: 4000002, text: 'Property code is missing.', type: 'error', context: { property: 'code' } }]);
    assert.equal(identitiesWith(unified, addr), 0);
  });

  test('five wrong codes, then even the right one is refused as submitted too often', async () => {
    const addr = email();
    const { c, flow } = await apiSend(unified, addr);
    const code = latestCode(dbFile(unified), addr);
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i++) {
      const r = await apiVerify(c, flow.id, addr, wrong);
      assert.equal(r.status, 400);
      assert.deepEqual(r.json.ui.messages, [INVALID]);
    }
    const r = await apiVerify(c, flow.id, addr, code);
    assert.equal(r.status, 400);
    assert.deepEqual(r.json.ui.messages, [
      {
        id: 4000001,
        text: 'The request was submitted too often. Please request another code.',
        type: 'error',
        context: { reason: 'The request was submitted too often. Please request another code.' },
      },
    ]);
    assert.equal(identitiesWith(unified, addr), 0);
  });

  test('guesses sent at once all count: twenty in parallel, then the right code is refused', async () => {
    const addr = email();
    const { c, flow } = await apiSend(unified, addr);
    const code = latestCode(dbFile(unified), addr);
    const wrong = code === '000000' ? '111111' : '000000';
    const answers = await Promise.all(Array.from({ length: 20 }, () => apiVerify(api(unified.base), flow.id, addr, wrong)));
    assert.ok(answers.every((r) => r.status === 400));
    const checked = answers.filter((r) => r.json.ui.messages[0].id === 4040003).length;
    assert.ok(checked >= 1 && checked <= 5, `${checked} guesses were checked, at most 5 may be`);
    const r = await apiVerify(c, flow.id, addr, code);
    assert.equal(r.json.ui.messages[0].id, 4000001);
    assert.equal(identitiesWith(unified, addr), 0);
  });

  test('an expired code is invalid', async () => {
    const addr = email();
    const { c, flow, sent } = await apiSend(shortLived, addr);
    assert.equal(sent.status, 400);
    const code = latestCode(dbFile(shortLived), addr);
    await new Promise((r) => setTimeout(r, 1500));
    const r = await apiVerify(c, flow.id, addr, code);
    assert.deepEqual(r.json.ui.messages, [INVALID]);
    assert.equal(identitiesWith(shortLived, addr), 0);
  });

  test("another flow's code (another address) is invalid, and swapping the traits is refused", async () => {
    const [a, b] = [email('a'), email('b')];
    const first = await apiSend(unified, a);
    const second = await apiSend(unified, b);
    const codeA = latestCode(dbFile(unified), a);
    const codeB = latestCode(dbFile(unified), b);
    assert.deepEqual((await apiVerify(first.c, first.flow.id, a, codeB)).json.ui.messages, [INVALID]);
    const swapped = await apiVerify(second.c, second.flow.id, a, codeA);
    assert.equal(swapped.json.ui.messages[0].id, 4000036);
    assert.equal(identitiesWith(unified, a) + identitiesWith(unified, b), 0);
  });

  test('traits changed between the steps', async () => {
    const addr = email();
    const { c, flow } = await apiSend(unified, addr);
    const r = await c.post(`self-service/registration?flow=${flow.id}`, {
      json: { method: 'code', code: latestCode(dbFile(unified), addr), traits: { email: addr, name: 'Mallory' } },
    });
    assert.equal(r.status, 400);
    assert.deepEqual(r.json.ui.messages, [
      { id: 4000036, text: 'The provided traits do not match the traits previously associated with this flow.', type: 'error' },
    ]);
    assert.equal(identitiesWith(unified, addr), 0);
  });

  test('a used code cannot be replayed', async () => {
    const addr = email();
    const { c, flow } = await apiSend(unified, addr);
    const code = latestCode(dbFile(unified), addr);
    assert.equal((await apiVerify(c, flow.id, addr, code)).status, 200);
    const replay = await apiVerify(api(unified.base), flow.id, addr, code);
    assert.equal(replay.status, 400);
    assert.deepEqual(replay.json.ui.messages, [INVALID]);
    assert.equal(identitiesWith(unified, addr), 1);
  });

  test('a taken address: the code is sent, the sign-up refused, and the flow ends', async () => {
    const addr = email();
    const first = await apiSend(unified, addr);
    assert.equal((await apiVerify(first.c, first.flow.id, addr, latestCode(dbFile(unified), addr))).status, 200);
    const second = await apiSend(unified, addr);
    const code = latestCode(dbFile(unified), addr);
    const r = await apiVerify(second.c, second.flow.id, addr, code);
    assert.equal(r.status, 400);
    assert.equal(r.json.ui.messages[0].id, 4000007);
    assert.equal(r.json.state, 'passed_challenge');
    assert.equal((await apiVerify(second.c, second.flow.id, addr, code)).json.ui.messages[0].id, 4010003);
    assert.equal(identitiesWith(unified, addr), 1);
  });

  test('resend storm: 429 beyond the per-flow limit', async () => {
    const addr = email();
    const { c, flow } = await apiSend(limited, addr);
    const resend = () => c.post(`self-service/registration?flow=${flow.id}`, { json: { method: 'code', resend: 'code', traits: { email: addr } } });
    assert.equal((await resend()).status, 400);
    assert.equal((await resend()).status, 400);
    const r = await resend();
    assert.equal(r.status, 429, r.text);
    assert.equal(r.json.error.id, 'self_service_code_throttled');
    assert.equal(r.json.error.code, 429);
    assert.equal(r.headers.get('retry-after'), '3600');
    assert.equal(queuedTo(dbFile(limited), addr).length, 3);
    assert.equal(identitiesWith(limited, addr), 0);
  });

  test('resend storm: 429 beyond the per-address limit, over flows and client kinds', async () => {
    const addr = email();
    for (let i = 0; i < 3; i++) assert.equal((await apiSend(limited, addr)).sent.status, 400);
    const r = (await apiSend(limited, addr)).sent;
    assert.equal(r.status, 429, r.text);
    const c = spa(limited.base);
    const flow = (await c.get('self-service/registration/browser')).json;
    const s = await c.post(`self-service/registration?flow=${flow.id}`, { json: { method: 'code', csrf_token: csrfOf(flow), traits: { email: addr } } });
    assert.equal(s.status, 429);
    const b = browser(limited.base);
    const id = new URL((await b.get('self-service/registration/browser')).location).searchParams.get('flow');
    const csrf = csrfOf((await b.get(`self-service/registration/flows?id=${id}`, { accept: 'application/json' })).json);
    const page = await b.post(`self-service/registration?flow=${id}`, { form: { method: 'code', csrf_token: csrf, 'traits.email': addr } });
    assert.equal(page.status, 303);
    assert.match(page.location, /\/error\?id=/, 'classic browsers see the error page');
    assert.equal(queuedTo(dbFile(limited), addr).length, 3);
    assert.equal((await apiSend(limited, email())).sent.status, 400, 'other addresses are not affected');
  });
});
