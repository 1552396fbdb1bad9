// The whole way through the mail: sign-up by code and verification after a password sign-up,
// with the code read from the message a real SMTP sink on loopback received (the courier
// delivering over SMTP), never from the database.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { EMAIL_SCHEMA, api, base64Schema, browser, csrfOf, spa, startAtrium } from '../lib/harness.mjs';
import { codeIn, startSmtpSink } from '../lib/smtp_sink.mjs';

const PASSWORD = 'l3f9toh1uaf81n21';
const SCHEMA = structuredClone(EMAIL_SCHEMA);
SCHEMA.properties.traits.properties.email['ory.sh/kratos'].credentials = {
  password: { identifier: true },
  code: { identifier: true, via: 'email' },
};

function config(sink, style) {
  return {
    identity: { schemas: [{ id: 'default', url: base64Schema(SCHEMA) }] },
    selfservice: {
      flows: {
        registration: {
          style,
          after: {
            code: { hooks: [{ hook: 'session' }] },
            password: { hooks: [{ hook: 'session' }, { hook: 'show_verification_ui' }] },
          },
        },
        verification: { enabled: true, ui_url: 'http://127.0.0.1:4455/verification' },
      },
      methods: { code: { passwordless_enabled: true } },
    },
    courier: { smtp: { connection_uri: sink.uri(), from_address: 'no-reply@atrium.test', from_name: 'Atrium' } },
  };
}

let sink;
let unified;
let twoStep;
let linked; // verification by link (use: link)
before(async () => {
  sink = await startSmtpSink();
  const byLink = config(sink, 'unified');
  byLink.selfservice.flows.verification.use = 'link';
  [unified, twoStep, linked] = await Promise.all([
    startAtrium({ config: config(sink, 'unified') }),
    startAtrium({ config: config(sink, 'profile_first') }),
    startAtrium({ config: byLink }),
  ]);
});
after(async () => {
  for (const s of [unified, twoStep, linked]) if (s) await s.stop();
  await sink?.close();
});

let seq = 0;
const unique = (tag) => `${tag}-${process.pid}-${++seq}@example.com`;

// The code in the one message the sink received for `address`, checked as a registration mail.
async function registrationCode(address) {
  const [mail] = await sink.waitFor(address);
  assert.equal(sink.to(address).length, 1, 'exactly one message');
  assert.match(mail.subject, /^Use code \d{6} to complete your account registration$/);
  assert.equal(mail.from, 'no-reply@atrium.test');
  const code = codeIn(mail);
  assert.ok(mail.subject.includes(code));
  assert.ok(mail.html.includes(code), 'the HTML alternative carries the code too');
  assert.match(mail.text, /This code expires in 10 minutes\./);
  return code;
}

describe('sign-up by code through the mail', () => {
  test('API flow', async () => {
    const email = unique('api');
    const c = api(unified.base);
    const flow = (await c.get('self-service/registration/api')).json;
    const url = `self-service/registration?flow=${flow.id}`;
    assert.equal((await c.post(url, { json: { method: 'code', traits: { email } } })).status, 400);
    const done = await c.post(url, { json: { method: 'code', code: await registrationCode(email), traits: { email } } });
    assert.equal(done.status, 200, done.text);
    assert.match(done.json.session_token, /^ory_st_/);
    assert.equal(done.json.identity.verifiable_addresses[0].verified, true);
  });

  test('SPA flow', async () => {
    const email = unique('spa');
    const c = spa(unified.base);
    const flow = (await c.get('self-service/registration/browser')).json;
    const url = `self-service/registration?flow=${flow.id}`;
    const sent = await c.post(url, { json: { method: 'code', csrf_token: csrfOf(flow), traits: { email } } });
    assert.equal(sent.json.state, 'sent_email', sent.text);
    const done = await c.post(url, {
      json: { method: 'code', csrf_token: csrfOf(sent.json), code: await registrationCode(email), traits: { email } },
    });
    assert.equal(done.status, 200, done.text);
    assert.equal((await c.get('sessions/whoami')).json.identity.traits.email, email);
  });

  test('classic browser flow', async () => {
    const email = unique('browser');
    const c = browser(unified.base);
    const id = new URL((await c.get('self-service/registration/browser')).location).searchParams.get('flow');
    const url = `self-service/registration?flow=${id}`;
    const csrf = csrfOf((await c.get(`self-service/registration/flows?id=${id}`, { accept: 'application/json' })).json);
    assert.equal((await c.post(url, { form: { method: 'code', csrf_token: csrf, 'traits.email': email } })).status, 303);
    const code = await registrationCode(email);
    const done = await c.post(url, { form: { method: 'code', csrf_token: csrf, 'traits.email': email, code } });
    assert.equal(done.status, 303, done.text);
    assert.equal(done.location, 'http://127.0.0.1:4455/welcome');
    assert.ok(done.setCookies.some((x) => x.startsWith('ory_kratos_session=')));
  });

  test('two-step API flow', async () => {
    const email = unique('two-step');
    const c = api(twoStep.base);
    const flow = (await c.get('self-service/registration/api')).json;
    const url = `self-service/registration?flow=${flow.id}`;
    assert.equal((await c.post(url, { json: { method: 'profile', traits: { email } } })).status, 400);
    assert.equal((await c.post(url, { json: { method: 'code', traits: { email } } })).json.state, 'sent_email');
    const done = await c.post(url, { json: { method: 'code', code: await registrationCode(email), traits: { email } } });
    assert.equal(done.status, 200, done.text);
  });
});

// An API sign-up with a password; its answer and the show_verification_ui item it carries.
async function signUpForVerification(c, email) {
  const flow = (await c.get('self-service/registration/api')).json;
  const r = await c.post(`self-service/registration?flow=${flow.id}`, {
    json: { method: 'password', password: PASSWORD, traits: { email } },
  });
  assert.equal(r.status, 200, r.text);
  const item = r.json.continue_with.find((x) => x.action === 'show_verification_ui');
  assert.ok(item, JSON.stringify(r.json.continue_with));
  return { r, item };
}

describe('verification through the mail', () => {
  test('a password sign-up hands over a verification flow; the mailed code verifies the address', async () => {
    const email = unique('verify');
    const c = api(unified.base);
    const { r, item } = await signUpForVerification(c, email);
    const [mail] = await sink.waitFor(email);
    assert.match(mail.subject, /^Use code \d{6} to verify your account$/);
    const done = await c.post(`self-service/verification?flow=${item.flow.id}`, { json: { method: 'code', code: codeIn(mail) } });
    assert.equal(done.status, 200, done.text);
    assert.equal(done.json.state, 'passed_challenge');
    const whoami = await c.get('sessions/whoami', { headers: { 'X-Session-Token': r.json.session_token } });
    assert.equal(whoami.json.identity.verifiable_addresses[0].verified, true);
    assert.equal(sink.to(email).length, 1, 'one verification message, sent once');
  });

  test('use: link — the mailed link verifies the address once, in another browser', async () => {
    const email = unique('link');
    const c = api(linked.base);
    const { r, item } = await signUpForVerification(c, email);
    const started = (await c.get(`self-service/verification/flows?id=${item.flow.id}`)).json;
    assert.equal(started.active, 'link');
    assert.equal(started.state, 'sent_email');

    const [mail] = await sink.waitFor(email);
    assert.equal(mail.subject, 'Please verify your email address');
    const link = mail.text.match(/https?:\/\/\S+\/self-service\/verification\?flow=[0-9a-f-]{36}&token=[A-Za-z0-9]{32}/)?.[0];
    assert.ok(link, mail.text);
    assert.ok(link.startsWith(`${linked.base}self-service/verification?flow=${item.flow.id}&token=`));
    assert.ok(mail.html.includes(link.replaceAll('&', '&amp;')) || mail.html.includes(link), 'the HTML part links too');

    // Opened in the mail client's browser: no cookies of the sign-up.
    const other = browser(linked.base);
    const followed = await other.get(link);
    assert.equal(followed.status, 303, followed.text);
    assert.equal(followed.location, `http://127.0.0.1:4455/verification?flow=${item.flow.id}`);
    const done = (await c.get(`self-service/verification/flows?id=${item.flow.id}`)).json;
    assert.equal(done.state, 'passed_challenge');
    assert.equal(done.ui.messages[0].id, 1080002);
    const whoami = await c.get('sessions/whoami', { headers: { 'X-Session-Token': r.json.session_token } });
    assert.equal(whoami.json.identity.verifiable_addresses[0].verified, true);
    assert.equal(whoami.json.identity.verifiable_addresses[0].status, 'completed');

    // The same link again: a new browser flow that says so, bound to a new CSRF cookie.
    const again = await other.get(link);
    assert.equal(again.status, 303);
    const replacement = new URL(again.location).searchParams.get('flow');
    assert.notEqual(replacement, item.flow.id);
    const shown = await other.get(`self-service/verification/flows?id=${replacement}`, { accept: 'application/json' });
    assert.equal(shown.status, 200, shown.text);
    assert.equal(shown.json.type, 'browser');
    assert.equal(shown.json.ui.messages[0].id, 4070001);
    assert.equal(sink.to(email).length, 1, 'one verification message, sent once');
  });
});
