// Four wire details where Atrium used to differ from Kratos (issue 10, item 11), checked against
// the real binary.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, test } from 'node:test';
import { api, browser, csrfOf, spa, startAtrium } from '../lib/harness.mjs';

const PASSWORD = 'l3f9toh1uaf81n21';
const servers = [];
after(async () => {
  for (const s of servers) await s.stop();
});

test('the CSRF cookie is named after the public base URL exactly as configured', async () => {
  let base;
  const srv = await startAtrium({
    config: ({ publicPort }) => {
      base = `http://127.0.0.1:${publicPort}/bar`; // a path, and no trailing slash
      return { serve: { public: { base_url: base } } };
    },
  });
  servers.push(srv);
  const r = await browser(srv.base).get('self-service/registration/browser');
  const expected = 'csrf_token_' + createHash('sha256').update(base).digest('hex');
  assert.ok(r.setCookies.some((c) => c.startsWith(expected + '=')), r.setCookies.join('\n'));
});

test('a signed-in browser submit goes to a self-service return_to, any other to the default', async () => {
  const srv = await startAtrium({ config: { selfservice: { flows: { registration: { style: 'unified' } } } } });
  servers.push(srv);
  const c = spa(srv.base);
  const flow = (await c.get('self-service/registration/browser')).json;
  const signed = await c.post(`self-service/registration?flow=${flow.id}`, {
    json: { method: 'password', password: PASSWORD, csrf_token: csrfOf(flow), traits: { email: 'signed-in@example.com' } },
  });
  assert.equal(signed.status, 200, signed.text);
  const next = (await c.get('self-service/registration/browser')).status; // still signed in
  assert.equal(next, 400);
  const classic = browser(srv.base);
  classic.cookies = c.cookies;
  const selfService = srv.base + 'self-service/login/browser';
  const there = await classic.post(`self-service/registration?flow=${flow.id}&return_to=${encodeURIComponent(selfService)}`, {
    form: { method: 'password' },
  });
  assert.equal(there.status, 302);
  assert.equal(there.location, selfService);
  const elsewhere = await classic.post(
    `self-service/registration?flow=${flow.id}&return_to=${encodeURIComponent('http://127.0.0.1:4455/next')}`,
    { form: { method: 'password' } },
  );
  assert.equal(elsewhere.status, 302);
  assert.equal(elsewhere.location, 'http://127.0.0.1:4455/welcome');
});

test('a JSON body that is not an object names the type of its first value', async () => {
  const srv = await startAtrium();
  servers.push(srv);
  const flow = (await api(srv.base).get('self-service/registration/api')).json;
  const r = await api(srv.base).post(`self-service/registration?flow=${flow.id}`, {
    headers: { 'Content-Type': 'application/json' },
    body: '42 and then garbage',
  });
  assert.equal(r.status, 400);
  assert.equal(r.json.ui.messages[0].text, 'Expected JSON sent in request body to be an object but got: Number');
});

test('/.well-known/ory/webauthn.js is served with passkeys and security keys switched off', async () => {
  // The reference self-service UI loads it on every page (Kratos serves it always).
  const srv = await startAtrium();
  servers.push(srv);
  const js = await fetch(`${srv.base}.well-known/ory/webauthn.js`);
  assert.equal(js.status, 200);
  assert.match(js.headers.get('content-type'), /javascript/);
  assert.match(await js.text(), /oryPasskeyRegistration/);
});

test('the stub:500 error answers a fresh UUID as its id', async () => {
  const srv = await startAtrium();
  servers.push(srv);
  const first = await api(srv.base).get('self-service/errors?id=stub:500');
  const second = await api(srv.base).get('self-service/errors?id=stub:500');
  assert.equal(first.status, 200);
  assert.match(first.json.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.notEqual(first.json.id, second.json.id);
  assert.equal(first.json.error.code, 500);
});
