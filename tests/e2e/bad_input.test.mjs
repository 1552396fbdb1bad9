// Bad input (issue "Foundation", non-negotiable 3): every case gets the documented error, nothing
// is written, and the server keeps serving.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { api, node, spa, csrfOf, startAtrium } from '../lib/harness.mjs';

let srv;
before(async () => {
  srv = await startAtrium({ config: { selfservice: { flows: { registration: { style: 'unified' } } } } });
});
after(async () => srv && (await srv.stop()));

async function alive() {
  const r = await fetch(srv.base + 'health/alive');
  assert.equal(r.status, 200);
  assert.equal(srv.exited(), null);
}

async function apiFlow() {
  return (await api(srv.base).get('self-service/registration/api')).json;
}

function raw(bytes) {
  return new Promise((resolve, reject) => {
    const port = Number(new URL(srv.base).port);
    const sock = connect(port, '127.0.0.1', () => sock.end(bytes));
    let data = '';
    sock.on('data', (d) => (data += d));
    sock.on('end', () => resolve(data));
    sock.on('error', reject);
  });
}

test('a body over 5 MiB is refused with 413', async () => {
  const flow = await apiFlow();
  const r = await api(srv.base).post(`self-service/registration?flow=${flow.id}`, {
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: 'traits.email=' + 'a'.repeat(5 * 1024 * 1024 + 10),
  });
  assert.equal(r.status, 413);
  await alive();
});

test('malformed JSON, JSON of the wrong shape and 10,000 levels of nesting are 400s', async () => {
  const flow = await apiFlow();
  const url = `self-service/registration?flow=${flow.id}`;
  const cases = [
    ['{"method":', 'Unable to decode form as JSON.'],
    ['"string"', 'Expected JSON sent in request body to be an object but got: String'],
    ['null', 'Expected JSON sent in request body to be an object but got: Null'],
    // Kratos decodes the first JSON value and ignores the rest of the body.
    ['5 garbage', 'Expected JSON sent in request body to be an object but got: Number'],
    ['[' .repeat(10000) + ']'.repeat(10000), null],
    ['{"a":'.repeat(10000) + '1' + '}'.repeat(10000), null],
  ];
  for (const [body, text] of cases) {
    const r = await api(srv.base).post(url, { headers: { 'Content-Type': 'application/json' }, body });
    assert.equal(r.status, 400, body.slice(0, 20));
    assert.equal(r.json.ui.messages[0].id, 4000001);
    if (text) assert.equal(r.json.ui.messages[0].text, text);
  }
  await alive();
});

// Issue 9, item 1: JSON inside string values and form fields is parsed with the same limits as
// the body. About 2 MB of nesting used to take the process down.
test('deeply nested JSON inside string fields is a 400, never a crash, and creates nothing', async () => {
  const deep = '{"a":'.repeat(350000) + '1' + '}'.repeat(350000);
  const deepArray = '['.repeat(700000) + ']'.repeat(700000);
  // Percent-encoding triples the form variant: keep it under the 5 MiB body limit.
  const deepForm = '{"a":'.repeat(150000) + '1' + '}'.repeat(150000);
  const email = `nested-${Date.now()}@example.com`;
  const bodies = [
    { json: { method: 'password', password: 'l3f9toh1uaf81n21', traits: deep } },
    { json: { method: 'password', password: 'l3f9toh1uaf81n21', traits: { email }, transient_payload: deep } },
    { json: { method: 'password', password: 'l3f9toh1uaf81n21', traits: deepArray } },
    { form: { method: 'password', password: 'l3f9toh1uaf81n21', traits: deepForm } },
    { form: { method: 'password', password: 'l3f9toh1uaf81n21', 'traits.email': email, transient_payload: deepArray } },
    { form: { method: 'profile', traits: deepForm } },
  ];
  for (const body of bodies) {
    const flow = await apiFlow();
    const r = await api(srv.base).post(`self-service/registration?flow=${flow.id}`, body);
    assert.equal(r.status, 400, JSON.stringify(body).slice(0, 80));
    assert.equal(r.json.id, flow.id, 'the flow with its messages');
    await alive();
  }
  // Nothing was created for the address used above.
  const flow = await apiFlow();
  const ok = await api(srv.base).post(`self-service/registration?flow=${flow.id}`, {
    json: { method: 'password', password: 'l3f9toh1uaf81n21', traits: { email } },
  });
  assert.equal(ok.status, 200, ok.text);
});

test('wrong and missing content types', async () => {
  const flow = await apiFlow();
  const url = `self-service/registration?flow=${flow.id}`;
  for (const ct of ['text/plain', 'application/xml', 'multipart/form-data; boundary=', 'application/jsonx']) {
    const r = await api(srv.base).post(url, { headers: { 'Content-Type': ct }, body: 'x=1' });
    assert.equal(r.status, 400, ct);
    assert.equal(r.json.ui.messages[0].id, 4000001);
  }
  await alive();
});

test('invalid UUIDs and invalid UTF-8 in the query and the body', async () => {
  for (const id of ['x', '123', "'; drop table flows; --", '%ff%fe', '00000000-0000-0000-0000-00000000000g']) {
    const r = await api(srv.base).get(`self-service/registration/flows?id=${id}`);
    assert.equal(r.status, 404, id);
  }
  const flow = await apiFlow();
  const bad = Buffer.concat([Buffer.from('{"method":"password","password":"'), Buffer.from([0xff, 0xfe]), Buffer.from('","traits":{"email":"a@b.c"}}')]);
  const r = await fetch(srv.base + `self-service/registration?flow=${flow.id}`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: bad,
  });
  assert.equal(r.status, 400);
  const form = await fetch(srv.base + `self-service/registration?flow=${flow.id}`, {
    method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' }, body: 'method=password&traits.email=%ff%fe&password=x',
  });
  assert.equal(form.status, 400);
  await alive();
});

test('a 1 MB trait value is a validation error, not a crash, and creates nothing', async () => {
  const c = spa(srv.base);
  const flow = (await c.get('self-service/registration/browser')).json;
  const big = 'a'.repeat(1024 * 1024) + '@example.com';
  const r = await c.post(`self-service/registration?flow=${flow.id}`, {
    json: { method: 'password', csrf_token: csrfOf(flow), password: 'l3f9toh1uaf81n21', traits: { email: big, name: 'x'.repeat(1024 * 1024) } },
  });
  assert.equal(r.status, 400);
  assert.ok(node(r.json, 'traits.email').messages.length >= 1);
  await alive();
});

test('garbage on the socket gets a 400 and the server keeps serving', async () => {
  const answer = await raw('NOT A REQUEST\r\n\r\n');
  assert.match(answer, /^HTTP\/1\.1 400/);
  const header = await raw('GET /health/alive HTTP/1.1\r\nHost: x\r\nX-Big: ' + 'a'.repeat(100 * 1024) + '\r\n\r\n');
  assert.match(header, /^HTTP\/1\.1 4\d\d/);
  await alive();
});

test('unknown paths and methods', async () => {
  const r = await api(srv.base).get('no/such/path');
  assert.equal(r.status, 404);
  assert.equal(r.json.error.code, 404);
  const m = await api(srv.base).request('DELETE', 'self-service/registration/api');
  assert.equal(m.status, 405);
  await alive();
});
