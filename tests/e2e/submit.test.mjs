// docs/wire/registration.md §7 (submit) without a credential method: the profile step of two-step registration,
// validation errors, CSRF on submit, API-flow browser enforcement, expiry, disabled, not found.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { api, browser, csrfOf, node, nodeNames, spa, startAtrium } from '../lib/harness.mjs';

let srv;
let expiring;
let disabled;
before(async () => {
  srv = await startAtrium();
  expiring = await startAtrium({ config: { selfservice: { flows: { registration: { lifespan: '1ms' } } } } });
  disabled = await startAtrium({ config: { selfservice: { flows: { registration: { enabled: false } } } } });
});
after(async () => {
  for (const s of [srv, expiring, disabled]) if (s) await s.stop();
});

async function spaFlow(base, query = '') {
  const c = spa(base);
  const r = await c.get('self-service/registration/browser' + query);
  assert.equal(r.status, 200);
  return { c, flow: r.json };
}

describe('two-step registration (profile first)', () => {
  test('SPA: profile step moves to credential selection, Back returns to the profile form', async () => {
    const { c, flow } = await spaFlow(srv.base);
    const step = await c.post(`self-service/registration?flow=${flow.id}`, {
      json: { method: 'profile', csrf_token: csrfOf(flow), traits: { email: 'ann@example.com', name: 'Ann' } },
    });
    assert.equal(step.status, 400);
    const f = step.json;
    assert.equal(f.id, flow.id);
    assert.equal(f.state, 'choose_method');
    assert.deepEqual(f.ui.messages, [{ id: 1040009, text: 'Please choose a credential to authenticate yourself with.', type: 'info' }]);
    assert.equal(node(f, 'traits.email').attributes.type, 'hidden');
    assert.equal(node(f, 'traits.email').attributes.value, 'ann@example.com');
    assert.equal(node(f, 'traits.name').attributes.value, 'Ann');
    assert.ok(node(f, 'password'), 'the password method offers its input now');
    assert.ok(f.ui.nodes.some((n) => n.attributes.name === 'screen' && n.attributes.value === 'previous'));
    assert.ok(!f.ui.nodes.some((n) => n.attributes.name === 'method' && n.attributes.value === 'profile'));
    assert.deepEqual(f.transient_payload, {});

    const back = await c.post(`self-service/registration?flow=${flow.id}`, {
      json: { screen: 'previous', csrf_token: csrfOf(f), traits: { email: 'ann@example.com', name: 'Ann' } },
    });
    assert.equal(back.status, 400);
    assert.equal(back.json.ui.messages, undefined);
    assert.equal(node(back.json, 'traits.email').attributes.type, 'email');
    assert.equal(node(back.json, 'traits.email').attributes.value, 'ann@example.com');
    assert.equal(node(back.json, 'password'), undefined);
    // What was persisted is what GET returns.
    const got = await c.get(`self-service/registration/flows?id=${flow.id}`);
    assert.deepEqual(nodeNames(got.json), nodeNames(back.json));
  });

  test('classic browser: the profile step answers 303 to the UI', async () => {
    const c = browser(srv.base);
    const init = await c.get('self-service/registration/browser');
    const id = new URL(init.location).searchParams.get('flow');
    const flow = (await c.get(`self-service/registration/flows?id=${id}`, { accept: 'application/json' })).json;
    const r = await c.post(`self-service/registration?flow=${id}`, {
      form: { method: 'profile', csrf_token: csrfOf(flow), 'traits.email': 'bob@example.com' },
    });
    assert.equal(r.status, 303);
    assert.equal(r.location, `http://127.0.0.1:4455/registration?flow=${id}`);
  });

  test('validation errors: 400 flow with node messages, values kept, csrf refreshed', async () => {
    const { c, flow } = await spaFlow(srv.base);
    const r = await c.post(`self-service/registration?flow=${flow.id}`, {
      json: { method: 'profile', csrf_token: csrfOf(flow), traits: { email: 'not-an-email', name: 'Ann' } },
    });
    assert.equal(r.status, 400);
    const email = node(r.json, 'traits.email');
    assert.equal(email.attributes.value, 'not-an-email');
    assert.deepEqual(email.messages, [{ id: 4000040, text: 'Enter a valid email address', type: 'error', context: { value: 'not-an-email' } }]);
    assert.equal(node(r.json, 'traits.name').attributes.value, 'Ann');
    assert.notEqual(csrfOf(r.json), csrfOf(flow));
    const missing = await c.post(`self-service/registration?flow=${flow.id}`, {
      json: { method: 'profile', csrf_token: csrfOf(flow), traits: {} },
    });
    assert.equal(missing.status, 400);
    assert.deepEqual(node(missing.json, 'traits.email').messages, [
      { id: 4000002, text: 'Property email is missing.', type: 'error', context: { property: 'email' } },
    ]);
  });

  test('classic browser validation errors redirect with 302 to the UI', async () => {
    const c = browser(srv.base);
    const init = await c.get('self-service/registration/browser');
    const id = new URL(init.location).searchParams.get('flow');
    const flow = (await c.get(`self-service/registration/flows?id=${id}`, { accept: 'application/json' })).json;
    const r = await c.post(`self-service/registration?flow=${id}`, {
      form: { method: 'profile', csrf_token: csrfOf(flow), 'traits.email': '' },
    });
    assert.equal(r.status, 302);
    assert.equal(r.location, `http://127.0.0.1:4455/registration?flow=${id}`);
  });

  test('no responsible strategy: 4010003 in ui.messages', async () => {
    const { c, flow } = await spaFlow(srv.base);
    const r = await c.post(`self-service/registration?flow=${flow.id}`, { json: { method: 'nope', csrf_token: csrfOf(flow) } });
    assert.equal(r.status, 400);
    assert.deepEqual(r.json.ui.messages, [
      { id: 4010003, text: 'Could not find a strategy to sign you up with. Did you fill out the form correctly?', type: 'error' },
    ]);
  });
});

describe('CSRF on submit', () => {
  test('SPA: a wrong token is a 403 envelope, a missing cookie variant 1', async () => {
    const { c, flow } = await spaFlow(srv.base);
    const wrong = await c.post(`self-service/registration?flow=${flow.id}`, {
      json: { method: 'profile', csrf_token: 'AAAA' + csrfOf(flow).slice(4), traits: { email: 'x@example.com' } },
    });
    assert.equal(wrong.status, 403);
    assert.equal(wrong.json.error.id, 'security_csrf_violation');
    assert.match(wrong.json.error.details.reject_reason, /do not match/);
    const bare = await fetch(srv.base + `self-service/registration?flow=${flow.id}`, {
      method: 'POST',
      headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
      body: JSON.stringify({ method: 'profile', csrf_token: csrfOf(flow), traits: { email: 'x@example.com' } }),
    });
    assert.equal(bare.status, 403);
    assert.equal((await bare.json()).error.details.reject_reason, 'The HTTP Cookie Header is empty or not set.');
  });

  test('classic browser: a forged token sends the browser to the error UI', async () => {
    const c = browser(srv.base);
    const init = await c.get('self-service/registration/browser');
    const id = new URL(init.location).searchParams.get('flow');
    const r = await c.post(`self-service/registration?flow=${id}`, {
      form: { method: 'profile', csrf_token: 'forged', 'traits.email': 'x@example.com' },
    });
    assert.equal(r.status, 303);
    assert.match(r.location, /^http:\/\/127\.0\.0\.1:4455\/error\?id=/);
    const e = await api(srv.base).get(`self-service/errors?id=${new URL(r.location).searchParams.get('id')}`);
    assert.equal(e.json.error.id, 'security_csrf_violation');
    assert.equal(e.json.error.code, 403);
  });
});

describe('API flows refuse browser traits (§11.6)', () => {
  test('an Origin header or a cookie turns into a 400 flow with 4000001', async () => {
    const flow = (await api(srv.base).get('self-service/registration/api')).json;
    const origin = await api(srv.base).post(`self-service/registration?flow=${flow.id}`, {
      headers: { Origin: 'http://evil.example' },
      json: { method: 'profile', traits: { email: 'x@example.com' } },
    });
    assert.equal(origin.status, 400);
    assert.equal(origin.json.ui.messages[0].id, 4000001);
    assert.match(origin.json.ui.messages[0].text, /included the "Origin" key/);
    const cookie = await api(srv.base).post(`self-service/registration?flow=${flow.id}`, {
      headers: { Cookie: 'session=1' },
      json: { method: 'profile', traits: { email: 'x@example.com' } },
    });
    assert.match(cookie.json.ui.messages[0].text, /included the "Cookie" key/);
    const cloudflare = await api(srv.base).post(`self-service/registration?flow=${flow.id}`, {
      headers: { Cookie: '__cf_bm=1' },
      json: { method: 'nope' },
    });
    assert.equal(cloudflare.json.ui.messages[0].id, 4010003, 'Cloudflare cookies are allowed');
  });
});

describe('flow lookup on submit', () => {
  test('missing or malformed flow parameter, unknown flow', async () => {
    const m = await api(srv.base).post('self-service/registration', { json: { method: 'profile' } });
    assert.equal(m.status, 400);
    assert.equal(m.json.error.reason, 'The flow query parameter is missing or malformed.');
    const u = await api(srv.base).post('self-service/registration?flow=00000000-0000-4000-8000-000000000000', { json: {} });
    assert.equal(u.status, 404);
    const b = await browser(srv.base).post('self-service/registration?flow=x', { form: { a: 'b' } });
    assert.equal(b.status, 303);
    assert.match(b.location, /\/error\?id=/);
  });

  test('decoder errors surface as 4000001 in a 400 flow', async () => {
    const flow = (await api(srv.base).get('self-service/registration/api')).json;
    const url = `self-service/registration?flow=${flow.id}`;
    const ct = await api(srv.base).post(url, { headers: { 'Content-Type': 'text/plain' }, body: 'x' });
    assert.equal(ct.status, 400);
    assert.equal(ct.json.ui.messages[0].id, 4000001);
    assert.match(ct.json.ui.messages[0].text, /unknown HTTP Header "Content-Type: text\/plain"/);
    const empty = await api(srv.base).post(url, { headers: { 'Content-Type': 'application/json' }, body: '' });
    assert.match(empty.json.ui.messages[0].text, /"Content-Length" is zero/);
    const notObject = await api(srv.base).post(url, { json: '[1]' });
    assert.equal(notObject.json.ui.messages[0].text, 'Expected JSON sent in request body to be an object but got: Array');
  });
});

describe('expiry (§14)', () => {
  test('GET on an expired flow is 410 with redirect details; no replacement', async () => {
    const c = spa(expiring.base);
    const flow = (await c.get('self-service/registration/browser?return_to=' + encodeURIComponent('http://127.0.0.1:4455/x'))).json;
    await new Promise((r) => setTimeout(r, 5));
    const r = await c.get(`self-service/registration/flows?id=${flow.id}`);
    assert.equal(r.status, 410);
    assert.equal(r.json.error.id, 'self_service_flow_expired');
    assert.equal(r.json.error.details.redirect_to, `${expiring.base}self-service/registration/browser?return_to=http%3A%2F%2F127.0.0.1%3A4455%2Fx`);
    const a = (await api(expiring.base).get('self-service/registration/api')).json;
    const ra = await api(expiring.base).get(`self-service/registration/flows?id=${a.id}`);
    assert.equal(ra.status, 410);
    assert.equal(ra.json.error.details.api, `${expiring.base}self-service/registration/api`);
  });

  test('submit on an expired flow: 410 with use_flow_id for API/SPA, 303 for browsers', async () => {
    const a = (await api(expiring.base).get('self-service/registration/api')).json;
    await new Promise((r) => setTimeout(r, 5));
    const r = await api(expiring.base).post(`self-service/registration?flow=${a.id}`, { json: { method: 'profile' } });
    assert.equal(r.status, 410);
    assert.deepEqual(Object.keys(r.json), ['error', 'expired_at', 'since', 'use_flow_id']);
    assert.notEqual(r.json.use_flow_id, a.id);
    assert.match(r.json.error.reason, /^The self-service flow expired \d+\.\d\d minutes ago, initialize a new one\.$/);
    assert.equal(r.json.expired_at, a.expires_at);

    const c = browser(expiring.base);
    const init = await c.get('self-service/registration/browser');
    const id = new URL(init.location).searchParams.get('flow');
    await new Promise((res) => setTimeout(res, 5));
    const b = await c.post(`self-service/registration?flow=${id}`, { form: { method: 'profile' } });
    assert.equal(b.status, 303);
    const next = new URL(b.location).searchParams.get('flow');
    assert.notEqual(next, id);
    // The replacement carries message 4040001 (it is itself already expired with a 1ms lifespan,
    // so read it through the API-type check below instead of GET).
    const s = await api(expiring.base).post(`self-service/registration?flow=${id}`, {
      headers: { Cookie: c.cookieHeader() },
      json: { method: 'profile' },
    });
    assert.equal(s.status, 410);
  });
});

describe('registration disabled (§15)', () => {
  test('init and fetch answer self_service_flow_disabled', async () => {
    const a = await api(disabled.base).get('self-service/registration/api');
    assert.equal(a.status, 400);
    assert.deepEqual(a.json, {
      error: {
        id: 'self_service_flow_disabled', code: 400, status: 'Bad Request',
        reason: 'Registration is not allowed because it was disabled.', message: 'registration flow disabled',
      },
    });
    const s = await spa(disabled.base).get('self-service/registration/browser');
    assert.equal(s.status, 400);
    const b = await browser(disabled.base).get('self-service/registration/browser');
    assert.equal(b.status, 303);
    assert.match(b.location, /\/error\?id=/);
    const g = await spa(disabled.base).get('self-service/registration/flows?id=00000000-0000-4000-8000-000000000000');
    assert.equal(g.status, 400);
    assert.equal(g.json.error.id, 'self_service_flow_disabled');
  });
});
