// docs/wire/registration.md §17.5: sign-up with a passkey, API and browser flows, against the real
// binary. The credential comes from a software authenticator written in the test code
// (tests/lib/soft_authenticator.mjs), the way a native app would send it. Every refusal leaves
// no identity behind and makes the flow show a fresh challenge (each challenge is used once).
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EMAIL_SCHEMA, api, base64Schema, browser, node, spa, startAtrium } from '../lib/harness.mjs';
import { query } from '../lib/db.mjs';
import { CborRaw, EdDSA, ES256, FLAGS, RS256, SoftKey, cbor, createCredential, fromB64url } from '../lib/soft_authenticator.mjs';

const PASSKEY_SCHEMA = structuredClone(EMAIL_SCHEMA);
PASSKEY_SCHEMA.properties.traits.properties.email['ory.sh/kratos'].credentials = {
  password: { identifier: true },
  passkey: { display_name: true },
};

const passkeyConfig = (style) => ({ publicPort }) => ({
  identity: { schemas: [{ id: 'default', url: base64Schema(PASSKEY_SCHEMA) }] },
  selfservice: {
    flows: { registration: { style, after: { passkey: { hooks: [{ hook: 'session' }] } } } },
    methods: {
      passkey: {
        enabled: true,
        config: { rp: { id: 'localhost', display_name: 'Atrium Test', origins: [`http://localhost:${publicPort}`] } },
      },
    },
  },
});

let srv; // one-step
let twoStep; // profile_first
let origin;
before(async () => {
  [srv, twoStep] = await Promise.all([
    startAtrium({ config: passkeyConfig('unified') }),
    startAtrium({ config: passkeyConfig('profile_first') }),
  ]);
  origin = `http://localhost:${new URL(srv.base).port}`;
});
after(async () => {
  for (const s of [srv, twoStep]) if (s) await s.stop();
});

let counter = 0;
const email = (tag = 'pk') => `${tag}-${process.pid}-${++counter}@example.com`;
const dbFile = () => path.join(srv.dir, 'atrium.db');
const identitiesWith = (addr) =>
  query(dbFile(), "SELECT count(*) AS n FROM identities WHERE json_extract(traits, '$.email') = ?", [addr])[0].n;

const createData = (flow) => JSON.parse(node(flow, 'passkey_create_data').attributes.value);
const optionsOf = (flow) => createData(flow).credentialOptions;

async function apiFlow() {
  const c = api(srv.base);
  const flow = (await c.get('self-service/registration/api')).json;
  return { c, flow };
}
const submit = (c, flow, addr, credential) =>
  c.post(`self-service/registration?flow=${flow.id}`, {
    json: { traits: { email: addr }, passkey_register: typeof credential === 'string' ? credential : JSON.stringify(credential) },
  });

// A refusal: 400 with the flow, one global error message, no identity, a fresh challenge.
function assertRefused(res, flow, addr, { id = 4000001, text } = {}) {
  assert.equal(res.status, 400, res.text);
  assert.equal(res.json.id, flow.id, res.text);
  const errors = res.json.ui.messages.filter((m) => m.type === 'error');
  assert.equal(errors.length, 1, JSON.stringify(res.json.ui.messages));
  assert.equal(errors[0].id, id, JSON.stringify(errors[0]));
  if (text instanceof RegExp) assert.match(errors[0].text, text);
  else if (text) assert.equal(errors[0].text, text);
  assert.equal(identitiesWith(addr), 0, 'nothing was created');
  assert.notEqual(optionsOf(res.json).publicKey.challenge, optionsOf(flow).publicKey.challenge, 'a fresh challenge');
  return errors[0];
}

describe('passkey sign-up, API flows', () => {
  test('the form carries creation options as §17.5 describes', async () => {
    const { flow } = await apiFlow();
    const nodes = flow.ui.nodes.filter((n) => n.group === 'passkey');
    assert.deepEqual(
      nodes
        .map((n) => [n.attributes.name, n.attributes.type, n.attributes.onclick ?? null, n.attributes.onclickTrigger ?? null, n.meta.label?.id ?? null])
        .sort((a, b) => a[0].localeCompare(b[0])),
      [
        ['passkey_create_data', 'hidden', null, null, null],
        ['passkey_register', 'hidden', null, null, null],
        ['passkey_register_trigger', 'button', null, 'oryPasskeyRegistration', 1040007],
      ],
    );
    assert.equal(node(flow, 'passkey_register').attributes.value, undefined);
    assert.equal(node(flow, 'passkey_register_trigger').attributes.value, undefined);
    assert.equal(flow.ui.nodes.filter((n) => n.type === 'script').length, 0, 'API flows get no script');
    const data = createData(flow);
    assert.equal(data.displayNameFieldName, 'traits.email');
    assert.deepEqual(data.displayNameFieldNames, ['traits.email']);
    const pk = data.credentialOptions.publicKey;
    assert.deepEqual(pk.rp, { name: 'Atrium Test', id: 'localhost' });
    assert.match(fromB64url(pk.user.id).toString(), /^[A-Za-z0-9]{64}$/);
    assert.ok(fromB64url(pk.challenge).length >= 16);
    assert.deepEqual(pk.pubKeyCredParams, [
      { type: 'public-key', alg: -7 },
      { type: 'public-key', alg: -8 },
      { type: 'public-key', alg: -257 },
    ]);
    assert.deepEqual(pk.authenticatorSelection, { requireResidentKey: true, residentKey: 'required', userVerification: 'preferred' });
    assert.equal(pk.attestation, 'none');
    // Another flow, other randomness; the same flow, the same options.
    const other = (await apiFlow()).flow;
    assert.notEqual(optionsOf(other).publicKey.challenge, pk.challenge);
    assert.notEqual(optionsOf(other).publicKey.user.id, pk.user.id);
    const again = (await api(srv.base).get(`self-service/registration/flows?id=${flow.id}`)).json;
    assert.equal(optionsOf(again).publicKey.challenge, pk.challenge);
  });

  for (const [name, alg, fmt] of [['ES256', ES256, 'none'], ['EdDSA', EdDSA, 'packed'], ['RS256', RS256, 'packed']]) {
    test(`sign-up with an ${name} passkey (${fmt} attestation): identity, session, stored credential`, async () => {
      const { c, flow } = await apiFlow();
      const addr = email();
      const key = new SoftKey(alg);
      const credentialId = crypto.randomBytes(24);
      const cred = createCredential(optionsOf(flow), { origin, key, fmt, credentialId, flags: FLAGS.UP | FLAGS.UV | FLAGS.AT | FLAGS.BE });
      const res = await submit(c, flow, addr, cred);
      assert.equal(res.status, 200, res.text);
      assert.match(res.json.session_token, /^ory_st_/);
      assert.equal(res.json.identity.traits.email, addr);
      const [row] = query(dbFile(), "SELECT c.config, c.version FROM identity_credentials c JOIN identities i ON i.id = c.identity_id WHERE c.type = 'passkey' AND json_extract(i.traits, '$.email') = ?", [addr]);
      const config = JSON.parse(row.config);
      assert.equal(config.credentials.length, 1);
      const stored = config.credentials[0];
      assert.equal(Buffer.from(stored.id, 'base64').toString('hex'), credentialId.toString('hex'));
      assert.equal(stored.authenticator.sign_count, 1);
      assert.equal(Buffer.from(stored.authenticator.aaguid, 'base64').toString('hex'), '2a'.repeat(16));
      assert.deepEqual(stored.flags, { user_present: true, user_verified: true, backup_eligible: true, backup_state: false });
      assert.deepEqual(stored.transport, ['internal']);
      assert.equal(stored.is_passwordless, true);
      assert.equal(stored.attestation_type, fmt === 'none' ? 'none' : 'self');
      assert.equal(Buffer.from(stored.public_key, 'base64').toString('hex'), key.cose().toString('hex'));
      // Kratos' attestation record: what was received, byte for byte.
      assert.equal(stored.attestation.public_key_algorithm, alg);
      assert.equal(stored.attestation.object, fromB64url(cred.response.attestationObject).toString('base64'));
      assert.equal(stored.attestation.client_dataJSON, fromB64url(cred.response.clientDataJSON).toString('base64'));
      assert.equal(stored.attestation.client_data_hash,
        crypto.createHash('sha256').update(fromB64url(cred.response.clientDataJSON)).digest('base64'));
      assert.equal(stored.attestation_format, fmt);
      const userHandle = fromB64url(optionsOf(flow).publicKey.user.id);
      assert.equal(Buffer.from(config.user_handle, 'base64').toString(), userHandle.toString());
      const identifiers = query(dbFile(), "SELECT identifier FROM identity_credential_identifiers WHERE type = 'passkey' AND identifier = ?", [userHandle.toString()]);
      assert.equal(identifiers.length, 1, 'the user handle identifies the passkey');
    });
  }

  test('the flow is done after a sign-up: the same response again is refused', async () => {
    const { c, flow } = await apiFlow();
    const addr = email();
    const cred = createCredential(optionsOf(flow), { origin });
    assert.equal((await submit(c, flow, addr, cred)).status, 200);
    const again = await submit(c, flow, email(), cred);
    assert.notEqual(again.status, 200, again.text);
  });
});

describe('passkey sign-up refuses bad input; nothing is created', () => {
  const verifyError = (why) => new RegExp(`^Unable to create WebAuthn credential: .*${why}`);

  const cases = [
    ['a wrong origin', (o) => ({ origin: 'http://localhost.evil.example' }), 'origin'],
    ['an origin that only starts like the right one', (o) => ({ origin: origin + '.evil' }), 'origin'],
    ['a wrong clientData type', () => ({ type: 'webauthn.get' }), 'type'],
    ['a key for another relying party', () => ({ rpId: 'evil.example' }), 'rpIdHash'],
    ['no user presence', () => ({ flags: FLAGS.UV | FLAGS.AT }), 'user not present'],
    ['backed up but not backup eligible', () => ({ flags: FLAGS.UP | FLAGS.AT | FLAGS.BS }), 'backup'],
    ['an unsupported algorithm (ES384 label)', () => ({ coseAlg: -35 }), 'unsupported algorithm'],
    ['a COSE key whose algorithm does not fit its key type', () => ({ coseAlg: RS256 }), 'COSE key'],
    ['a tampered clientDataJSON (packed)', () => ({ fmt: 'packed', tamperClientData: (s) => s.replace('}', ',"extra":1}') }), 'signature'],
    ['a tampered authenticatorData sign count (packed)', () => ({ fmt: 'packed', tamperAuthData: (b) => { const t = Buffer.from(b); t[36] ^= 0x05; return t; } }), 'signature'],
    ['a tampered authenticatorData rpIdHash', () => ({ tamperAuthData: (b) => { const t = Buffer.from(b); t[0] ^= 0x01; return t; } }), 'rpIdHash'],
    ['a malformed CBOR attestation object', () => ({ attestationObject: Buffer.from([0xa3, 0x63, 0x66, 0x6d]) }), 'CBOR'],
    ['an indefinite-length CBOR attestation object', () => ({ attestationObject: Buffer.from([0xbf, 0x63, 0x66, 0x6d, 0x74, 0x64, 0x6e, 0x6f, 0x6e, 0x65, 0xff]) }), 'CBOR'],
    ['a CBOR map claiming 2^32 entries', () => ({ attestationObject: Buffer.from([0xba, 0xff, 0xff, 0xff, 0xff, 0x00]) }), 'CBOR'],
    ['trailing bytes after the attestation object', () => ({ attestationObject: Buffer.concat([cbor({ fmt: 'none', attStmt: {}, authData: Buffer.alloc(37) }), Buffer.from([0])]) }), 'CBOR'],
    ['an unknown attestation format with a statement', () => ({ attestationObject: cbor({ fmt: 'none', attStmt: { x: 1 }, authData: new CborRaw(cbor(Buffer.alloc(37))) }) }), ''],
  ];
  for (const [name, make, why] of cases) {
    test(name, async () => {
      const { c, flow } = await apiFlow();
      const addr = email('bad');
      const cred = createCredential(optionsOf(flow), { origin, ...make(origin) });
      const res = await submit(c, flow, addr, cred);
      assertRefused(res, flow, addr, { text: verifyError(why) });
    });
  }

  test('a foreign challenge (another flow\'s) is refused', async () => {
    const { c, flow } = await apiFlow();
    const other = (await apiFlow()).flow;
    const addr = email('foreign');
    const res = await submit(c, flow, addr, createCredential(optionsOf(other), { origin }));
    assertRefused(res, flow, addr, { text: verifyError('challenge') });
  });

  test('a replayed challenge is refused: each challenge is used once, even after a failure', async () => {
    const { c, flow } = await apiFlow();
    const addr = email('replay');
    const first = await submit(c, flow, addr, createCredential(optionsOf(flow), { origin: 'http://evil.example' }));
    assertRefused(first, flow, addr, { text: verifyError('origin') });
    // A correct response to the used challenge.
    const replay = await submit(c, first.json, addr, createCredential(optionsOf(flow), { origin }));
    assertRefused(replay, first.json, addr, { text: verifyError('challenge') });
    // The fresh challenge works.
    const ok = await submit(c, replay.json, addr, createCredential(optionsOf(replay.json), { origin }));
    assert.equal(ok.status, 200, ok.text);
  });

  test('a credential id registered already is refused (4000007)', async () => {
    const credentialId = crypto.randomBytes(16);
    const a = await apiFlow();
    assert.equal((await submit(a.c, a.flow, email('dup'), createCredential(optionsOf(a.flow), { origin, credentialId }))).status, 200);
    const b = await apiFlow();
    const addr = email('dup');
    const res = await submit(b.c, b.flow, addr, createCredential(optionsOf(b.flow), { origin, credentialId }));
    assertRefused(res, b.flow, addr, { id: 4000007 });
  });

  for (const [name, value] of [
    ['garbage', 'garbage{'],
    ['a JSON number', '42'],
    ['no response', JSON.stringify({ id: 'AA', rawId: 'AA', type: 'public-key' })],
    ['a wrong type', JSON.stringify({ id: 'AA', rawId: 'AA', type: 'password', response: {} })],
    ['id and rawId that differ', JSON.stringify({ id: 'AA', rawId: 'AB', type: 'public-key', response: { clientDataJSON: 'e30', attestationObject: 'oA' } })],
    ['non-base64url fields', JSON.stringify({ id: 'AA', rawId: 'AA', type: 'public-key', response: { clientDataJSON: '!!', attestationObject: '??' } })],
  ]) {
    test(`passkey_register holding ${name}: "Unable to parse WebAuthn response"`, async () => {
      const { c, flow } = await apiFlow();
      const addr = email('parse');
      const res = await submit(c, flow, addr, value);
      assertRefused(res, flow, addr, { text: /^Unable to parse WebAuthn response: / });
    });
  }

  test('passkey_register "true" is not a passkey submission (4010003, no method)', async () => {
    const { c, flow } = await apiFlow();
    const addr = email('true');
    const res = await submit(c, flow, addr, 'true');
    assert.equal(res.status, 400, res.text);
    assert.deepEqual(res.json.ui.messages.map((m) => m.id), [4010003]);
    assert.equal(identitiesWith(addr), 0);
  });
});

describe('passkey sign-up, two-step registration', () => {
  test('the credential screen offers the passkey; a refusal there shows fresh options; then sign-up', async () => {
    const c = api(twoStep.base);
    const flow = (await c.get('self-service/registration/api')).json;
    assert.equal(node(flow, 'passkey_create_data'), undefined, 'not on the traits screen');
    const addr = email('two');
    const url = `self-service/registration?flow=${flow.id}`;
    const screen = (await c.post(url, { json: { method: 'profile', traits: { email: addr } } })).json;
    assert.ok(node(screen, 'passkey_create_data'), 'on the credential screen');
    const twoOrigin = `http://localhost:${new URL(twoStep.base).port}`;
    const bad = await submit(c, screen, addr, createCredential(optionsOf(screen), { origin: 'http://evil.example' }));
    assert.equal(bad.status, 400, bad.text);
    assert.match(bad.json.ui.messages.find((m) => m.type === 'error').text, /origin/);
    assert.notEqual(optionsOf(bad.json).publicKey.challenge, optionsOf(screen).publicKey.challenge);
    const ok = await submit(c, bad.json, addr, createCredential(optionsOf(bad.json), { origin: twoOrigin }));
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json.identity.traits.email, addr);
  });
});

describe('passkey sign-up, browser flows', () => {
  test('the form carries the trigger with onclick and the script node with its integrity', async () => {
    const c = spa(srv.base);
    const flow = (await c.get('self-service/registration/browser')).json;
    const trigger = node(flow, 'passkey_register_trigger');
    assert.equal(trigger.attributes.onclick, 'window.oryPasskeyRegistration()');
    const scripts = flow.ui.nodes.filter((n) => n.type === 'script');
    assert.equal(scripts.length, 1);
    const s = scripts[0];
    assert.equal(s.group, 'webauthn');
    assert.equal(s.attributes.id, 'webauthn_script');
    assert.equal(s.attributes.src, `${srv.base}.well-known/ory/webauthn.js`);
    assert.equal(s.attributes.crossorigin, 'anonymous');
    assert.equal(s.attributes.referrerpolicy, 'no-referrer');
    assert.equal(s.attributes.async, true);
    assert.match(s.attributes.nonce, /^[0-9a-f-]{36}$/);
    const js = await fetch(s.attributes.src);
    assert.equal(js.status, 200);
    assert.match(js.headers.get('content-type'), /javascript/);
    const body = Buffer.from(await js.arrayBuffer());
    assert.equal(s.attributes.integrity, 'sha512-' + crypto.createHash('sha512').update(body).digest('base64'));
    const text = body.toString();
    assert.match(text, /oryPasskeyRegistration/);
    assert.match(text, /oryWebAuthnRegistration/);
  });

  test('a browser sign-up with the CSRF token and cookie', async () => {
    const c = browser(srv.base);
    const init = await c.get('self-service/registration/browser', { accept: 'application/json' });
    const flow = init.json;
    const addr = email('browser');
    const cred = createCredential(optionsOf(flow), { origin });
    const res = await c.post(`self-service/registration?flow=${flow.id}`, {
      form: {
        csrf_token: node(flow, 'csrf_token').attributes.value,
        'traits.email': addr,
        passkey_create_data: node(flow, 'passkey_create_data').attributes.value,
        passkey_register: JSON.stringify(cred),
      },
    });
    assert.equal(res.status, 303, res.text);
    assert.equal(identitiesWith(addr), 1);
  });

  test('without the CSRF token nothing is created', async () => {
    const c = browser(srv.base);
    const flow = (await c.get('self-service/registration/browser', { accept: 'application/json' })).json;
    const addr = email('csrf');
    const res = await c.post(`self-service/registration?flow=${flow.id}`, {
      form: { 'traits.email': addr, passkey_register: JSON.stringify(createCredential(optionsOf(flow), { origin })) },
    });
    // Browsers are sent back to the form (or the error page), never signed in.
    assert.ok(!res.location?.includes('/welcome'), res.location);
    assert.equal(res.setCookies.filter((c) => c.startsWith('ory_kratos_session=')).length, 0);
    assert.equal(identitiesWith(addr), 0);
  });
});
