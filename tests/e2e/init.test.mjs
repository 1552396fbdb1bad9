// docs/wire/registration.md §4, §5, §6, §12 (without sessions), §13, §15, §16: creating and fetching flows as the
// three client kinds (api, spa, classic browser).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { EMAIL_SCHEMA, api, base64Schema, browser, csrfOf, node, nodeNames, spa, startAtrium } from '../lib/harness.mjs';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

const PHONE_SCHEMA = {
  ...EMAIL_SCHEMA,
  properties: {
    traits: {
      type: 'object',
      properties: {
        phone: { type: 'string', format: 'tel', title: 'Phone', 'ory.sh/kratos': { credentials: { password: { identifier: true } } } },
      },
    },
  },
};

let srv;
before(async () => {
  srv = await startAtrium({
    config: {
      identity: {
        schemas: [
          { id: 'default', url: base64Schema(EMAIL_SCHEMA) },
          { id: 'phone', url: base64Schema(PHONE_SCHEMA), selfservice_selectable: true },
          { id: 'internal', url: base64Schema(PHONE_SCHEMA) },
        ],
      },
    },
  });
});
after(async () => srv && (await srv.stop()));

describe('GET /self-service/registration/api', () => {
  test('creates an api flow with the two-step profile form and an empty csrf value', async () => {
    const r = await api(srv.base).get('self-service/registration/api');
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.equal(r.headers.get('cache-control'), 'private, no-cache, no-store, must-revalidate');
    assert.deepEqual(r.setCookies, [], 'no cookies for api flows');
    const f = r.json;
    assert.match(f.id, UUID);
    assert.deepEqual(Object.keys(f), ['id', 'type', 'expires_at', 'issued_at', 'request_url', 'ui', 'organization_id', 'state']);
    assert.equal(f.type, 'api');
    assert.equal(f.state, 'choose_method');
    assert.equal(f.organization_id, null);
    assert.match(f.issued_at, RFC3339);
    assert.equal(Date.parse(f.expires_at) - Date.parse(f.issued_at), 3600_000);
    assert.equal(f.request_url, `${srv.base}self-service/registration/api`);
    assert.equal(f.ui.action, `${srv.base}self-service/registration?flow=${f.id}`);
    assert.equal(f.ui.method, 'POST');
    assert.equal(f.ui.messages, undefined);
    assert.deepEqual(nodeNames(f), ['default:csrf_token', 'default:traits.email', 'default:traits.name', 'profile:method=profile']);
    assert.deepEqual(node(f, 'csrf_token'), {
      type: 'input', group: 'default',
      attributes: { name: 'csrf_token', type: 'hidden', value: '', required: true, disabled: false, node_type: 'input' },
      messages: [], meta: {},
    });
    assert.deepEqual(node(f, 'traits.email'), {
      type: 'input', group: 'default',
      attributes: { name: 'traits.email', type: 'email', required: true, autocomplete: 'email', disabled: false, node_type: 'input' },
      messages: [],
      meta: { label: { id: 1070002, text: 'E-Mail', type: 'info', context: { name: 'traits.email', title: 'E-Mail' } } },
    });
    assert.deepEqual(node(f, 'method').meta.label, { id: 1040001, text: 'Sign up', type: 'info' });
  });

  test('return_to on the allow list is kept, others are refused with the documented error', async () => {
    const ok = await api(srv.base).get('self-service/registration/api?return_to=' + encodeURIComponent('http://127.0.0.1:4455/after'));
    assert.equal(ok.status, 200);
    assert.equal(ok.json.return_to, 'http://127.0.0.1:4455/after');
    const bad = await api(srv.base).get('self-service/registration/api?return_to=' + encodeURIComponent('https://evil.example/'));
    assert.equal(bad.status, 400);
    assert.equal(bad.headers.get('ory-error-id'), 'self_service_flow_return_to_forbidden');
    assert.equal(bad.headers.get('content-type'), 'application/json');
    assert.deepEqual(bad.json, {
      error: {
        id: 'self_service_flow_return_to_forbidden', code: 400, status: 'Bad Request',
        reason: 'Requested return_to URL "https://evil.example/" is not allowed.',
        message: 'The request was malformed or contained invalid parameters',
      },
    });
    // The public base URL's /self-service is always allowed.
    const self = await api(srv.base).get('self-service/registration/api?return_to=' + encodeURIComponent(srv.base + 'self-service/x'));
    assert.equal(self.status, 200);
    // A path outside the allowed prefix is refused.
    const other = await api(srv.base).get('self-service/registration/api?return_to=' + encodeURIComponent('http://127.0.0.1:4456/'));
    assert.equal(other.status, 400);
  });

  test('identity_schema selects a selectable schema and refuses the rest', async () => {
    const r = await api(srv.base).get('self-service/registration/api?identity_schema=phone');
    assert.equal(r.status, 200);
    assert.equal(r.json.identity_schema, 'phone');
    assert.deepEqual(nodeNames(r.json), ['default:csrf_token', 'default:traits.phone', 'profile:method=profile']);
    assert.equal(node(r.json, 'traits.phone').attributes.type, 'tel');
    const d = await api(srv.base).get('self-service/registration/api?identity_schema=default');
    assert.equal(d.status, 200);
    const hidden = await api(srv.base).get('self-service/registration/api?identity_schema=internal');
    assert.equal(hidden.status, 400);
    assert.equal(hidden.json.error.reason, 'Requested identity schema "internal" is not enabled for self-service flows.');
    const missing = await api(srv.base).get('self-service/registration/api?identity_schema=nope');
    assert.equal(missing.status, 400);
    assert.equal(missing.json.error.reason, 'Requested identity schema "nope" does not exist.');
  });

  test('return_session_token_exchange_code adds a code on creation only', async () => {
    const r = await api(srv.base).get('self-service/registration/api?return_session_token_exchange_code=true');
    assert.equal(r.status, 200);
    assert.match(r.json.session_token_exchange_code, /^\w{16,}$/);
    const again = await api(srv.base).get(`self-service/registration/flows?id=${r.json.id}`);
    assert.equal(again.json.session_token_exchange_code, undefined);
  });

  test('organization is stored and leaves the form without nodes', async () => {
    const org = '3f4a7a0e-0f4b-4bde-8a6f-1c2d3e4f5a6b';
    const r = await api(srv.base).get(`self-service/registration/api?organization=${org}`);
    assert.equal(r.status, 200);
    assert.equal(r.json.organization_id, org);
    assert.equal(r.json.ui.nodes, null);
    const ignored = await api(srv.base).get('self-service/registration/api?organization=not-a-uuid');
    assert.equal(ignored.json.organization_id, null);
  });

  test('the admin port redirects to the public port with 307', async () => {
    const r = await fetch(srv.admin + 'admin/self-service/registration/api?x=1', { redirect: 'manual' });
    assert.equal(r.status, 307);
    assert.equal(r.headers.get('location'), srv.base + 'self-service/registration/api?x=1');
  });
});

describe('GET /self-service/registration/browser', () => {
  test('classic browser: 303 to the UI with the flow id and a CSRF cookie', async () => {
    const c = browser(srv.base);
    const r = await c.get('self-service/registration/browser');
    assert.equal(r.status, 303);
    assert.match(r.location, /^http:\/\/127\.0\.0\.1:4455\/registration\?flow=[0-9a-f-]{36}$/);
    assert.equal(r.setCookies.length, 1);
    const cookie = r.setCookies[0];
    assert.match(cookie, /^csrf_token_[0-9a-f]{64}=[A-Za-z0-9+/]{43}=; Path=\/; Max-Age=31536000; HttpOnly; SameSite=Lax$/);
    assert.equal(r.headers.get('vary'), 'Cookie');
    // The CSRF cookie name hashes the public base URL.
    const { createHash } = await import('node:crypto');
    assert.ok(cookie.startsWith('csrf_token_' + createHash('sha256').update(srv.base).digest('hex') + '='));
    // Fetching the flow with the cookie works and the csrf node carries a masked token.
    const id = new URL(r.location).searchParams.get('flow');
    const f = await c.get(`self-service/registration/flows?id=${id}`, { accept: 'application/json' });
    assert.equal(f.status, 200);
    assert.equal(f.json.type, 'browser');
    assert.equal(Buffer.from(csrfOf(f.json), 'base64').length, 64);
    assert.deepEqual(f.setCookies, [], 'a valid cookie is not replaced');
  });

  test('SPA: 200 with the flow as JSON and a CSRF cookie', async () => {
    const c = spa(srv.base);
    const r = await c.get('self-service/registration/browser?return_to=' + encodeURIComponent('http://127.0.0.1:4455/x'));
    assert.equal(r.status, 200);
    assert.equal(r.json.type, 'browser');
    assert.equal(r.json.return_to, 'http://127.0.0.1:4455/x');
    assert.equal(r.setCookies.length, 1);
    assert.equal(Buffer.from(csrfOf(r.json), 'base64').length, 64);
  });

  test('Accept negotiation follows gddo: */* and no Accept are HTML, axios default is JSON', async () => {
    const cases = [
      [undefined, 303],
      ['*/*', 303],
      ['application/json, text/plain, */*', 200],
      ['text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 303],
      ['application/json', 200],
    ];
    for (const [accept, status] of cases) {
      const headers = accept === undefined ? {} : { Accept: accept };
      const r = await fetch(srv.base + 'self-service/registration/browser', { headers, redirect: 'manual' });
      assert.equal(r.status, status, `Accept: ${accept}`);
    }
  });

  test('a forbidden return_to: JSON error for SPAs, error UI for classic browsers', async () => {
    const q = '?return_to=' + encodeURIComponent('https://evil.example/');
    const s = await spa(srv.base).get('self-service/registration/browser' + q);
    assert.equal(s.status, 400);
    assert.equal(s.json.error.id, 'self_service_flow_return_to_forbidden');
    const c = browser(srv.base);
    const b = await c.get('self-service/registration/browser' + q);
    assert.equal(b.status, 303);
    assert.match(b.location, /^http:\/\/127\.0\.0\.1:4455\/error\?id=[0-9a-f-]{36}$/);
    const id = new URL(b.location).searchParams.get('id');
    const e = await api(srv.base).get(`self-service/errors?id=${id}`);
    assert.equal(e.status, 200);
    assert.deepEqual(Object.keys(e.json), ['id', 'error', 'created_at', 'updated_at']);
    assert.equal(e.json.error.id, 'self_service_flow_return_to_forbidden');
    assert.equal(e.json.error.code, 400);
    const unknown = await api(srv.base).get('self-service/errors?id=00000000-0000-4000-8000-000000000000');
    assert.equal(unknown.status, 404);
  });
});

describe('GET /self-service/registration/flows', () => {
  test('unknown and malformed ids are 404 envelopes', async () => {
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid', '']) {
      const r = await browser(srv.base).get(`self-service/registration/flows?id=${id}`);
      assert.equal(r.status, 404, id);
      assert.deepEqual(r.json, { error: { code: 404, status: 'Not Found', message: 'Unable to locate the resource' } });
    }
  });

  test('browser flows require the CSRF cookie: the four variants', async () => {
    const c = spa(srv.base);
    const created = await c.get('self-service/registration/browser');
    const id = created.json.id;
    // 1. No Cookie header at all.
    const none = await fetch(srv.base + `self-service/registration/flows?id=${id}`);
    assert.equal(none.status, 403);
    const noneBody = await none.json();
    assert.equal(noneBody.error.id, 'security_csrf_violation');
    assert.equal(noneBody.error.details.reject_reason, 'The HTTP Cookie Header is empty or not set.');
    assert.equal(noneBody.error.details.docs, 'https://www.ory.com/docs/troubleshooting/csrf');
    assert.equal(none.headers.getSetCookie().length, 1, 'a fresh CSRF cookie comes with the error');
    // 2. A cookie header without the CSRF cookie; AJAX hint.
    const other = await fetch(srv.base + `self-service/registration/flows?id=${id}`, {
      headers: { Cookie: 'foo=bar', 'Sec-Fetch-Mode': 'cors' },
    });
    const otherBody = await other.json();
    assert.equal(otherBody.error.details.reject_reason, 'The HTTP Cookie Header was set but did not include the anti-CSRF cookie.');
    assert.match(otherBody.error.details.hint, /^We detected an AJAX call/);
    // 3. A different (valid) CSRF cookie: "token not sent" variant on GET.
    const stranger = spa(srv.base);
    await stranger.get('self-service/registration/browser');
    const wrong = await stranger.get(`self-service/registration/flows?id=${id}`);
    assert.equal(wrong.status, 403);
    assert.equal(wrong.json.error.details.reject_reason, undefined);
    assert.match(wrong.json.error.details.hint, /^The anti-CSRF cookie was found but the CSRF token was not included/);
    // API flows are not checked.
    const apiFlow = await api(srv.base).get('self-service/registration/api');
    const fetched = await fetch(srv.base + `self-service/registration/flows?id=${apiFlow.json.id}`);
    assert.equal(fetched.status, 200);
  });
});

describe('GET /schemas', () => {
  test('lists schemas and serves each by its base64url id', async () => {
    const list = await api(srv.base).get('schemas');
    assert.equal(list.status, 200);
    assert.deepEqual(list.json.map((s) => s.id), ['default', 'phone', 'internal']);
    const one = await api(srv.base).get('schemas/' + Buffer.from('default').toString('base64url'));
    assert.equal(one.status, 200);
    assert.equal(one.json.$id, EMAIL_SCHEMA.$id);
    const none = await api(srv.base).get('schemas/' + Buffer.from('nope').toString('base64url'));
    assert.equal(none.status, 404);
  });

  test('health endpoints answer on both ports', async () => {
    for (const url of [srv.base + 'health/alive', srv.base + 'health/ready', srv.admin + 'health/ready']) {
      const r = await fetch(url);
      assert.equal(r.status, 200, url);
      assert.deepEqual(await r.json(), { status: 'ok' });
    }
  });
});
