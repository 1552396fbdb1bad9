// docs/wire/registration.md §17.4: passwordless sign-up with a security key (browser flows only),
// against the real binary, with the software authenticator of tests/lib/soft_authenticator.mjs.
// It shares the ceremony with the passkey method (tests/e2e/passkey.test.mjs covers the bad
// responses in depth); here: the nodes, a sign-up, the identifiers, and what is refused.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EMAIL_SCHEMA, api, base64Schema, browser, node, spa, startAtrium } from '../lib/harness.mjs';
import { query } from '../lib/db.mjs';
import { FLAGS, SoftKey, createCredential, fromB64url } from '../lib/soft_authenticator.mjs';

const WEBAUTHN_SCHEMA = structuredClone(EMAIL_SCHEMA);
WEBAUTHN_SCHEMA.properties.traits.properties.email['ory.sh/kratos'].credentials = {
  password: { identifier: true },
  webauthn: { identifier: true },
};

function webauthnConfig(schema) {
  return ({ publicPort }) => ({
    identity: { schemas: [{ id: 'default', url: base64Schema(schema) }] },
    selfservice: {
      flows: { registration: { style: 'unified', after: { webauthn: { hooks: [{ hook: 'session' }] } } } },
      methods: {
        webauthn: {
          enabled: true,
          config: { passwordless: true, rp: { id: 'localhost', display_name: 'Atrium Keys', origins: [`http://localhost:${publicPort}`] } },
        },
      },
    },
  });
}

let srv;
let noIdentifier; // a schema without a webauthn identifier
let notPasswordless;
before(async () => {
  [srv, noIdentifier, notPasswordless] = await Promise.all([
    startAtrium({ config: webauthnConfig(WEBAUTHN_SCHEMA) }),
    startAtrium({ config: webauthnConfig(EMAIL_SCHEMA) }),
    startAtrium({
      config: ({ publicPort }) => {
        const c = webauthnConfig(WEBAUTHN_SCHEMA)({ publicPort });
        c.selfservice.methods.webauthn.config.passwordless = false;
        return c;
      },
    }),
  ]);
});
after(async () => {
  for (const s of [srv, noIdentifier, notPasswordless]) if (s) await s.stop();
});

let counter = 0;
const email = (tag = 'key') => `${tag}-${process.pid}-${++counter}@example.com`;
const originOf = (s) => `http://localhost:${new URL(s.base).port}`;
const identitiesWith = (s, addr) =>
  query(path.join(s.dir, 'atrium.db'), "SELECT count(*) AS n FROM identities WHERE json_extract(traits, '$.email') = ?", [addr])[0].n;
const optionsOf = (flow) => JSON.parse(node(flow, 'webauthn_register_trigger').attributes.value);

async function browserFlow(s) {
  const c = browser(s.base);
  const flow = (await c.get('self-service/registration/browser', { accept: 'application/json' })).json;
  return { c, flow };
}
const submit = (s, c, flow, addr, credential, name = 'My key') =>
  c.post(`self-service/registration?flow=${flow.id}`, {
    accept: 'application/json',
    form: {
      csrf_token: node(flow, 'csrf_token').attributes.value,
      'traits.email': addr,
      webauthn_register_displayname: name,
      webauthn_register: typeof credential === 'string' ? credential : JSON.stringify(credential),
    },
  });

describe('security-key sign-up (webauthn, passwordless)', () => {
  test('browser flows carry the §17.4 nodes; API flows none', async () => {
    const { flow } = await browserFlow(srv);
    const group = flow.ui.nodes.filter((n) => n.group === 'webauthn');
    assert.deepEqual(
      group.map((n) => n.type === 'script' ? 'script' : `${n.attributes.name}:${n.attributes.type}`).sort(),
      ['script', 'webauthn_register:hidden', 'webauthn_register_displayname:text', 'webauthn_register_trigger:button'],
    );
    const trigger = node(flow, 'webauthn_register_trigger');
    assert.equal(trigger.meta.label.id, 1040004);
    assert.equal(trigger.attributes.onclickTrigger, 'oryWebAuthnRegistration');
    assert.equal(trigger.attributes.onclick, `window.oryWebAuthnRegistration(${trigger.attributes.value})`);
    assert.equal(node(flow, 'webauthn_register_displayname').meta.label.id, 1050013);
    const pk = optionsOf(flow).publicKey;
    assert.deepEqual(pk.rp, { name: 'Atrium Keys', id: 'localhost' });
    assert.equal(fromB64url(pk.user.id).length, 16);
    assert.ok(fromB64url(pk.challenge).length >= 16);
    assert.deepEqual(pk.pubKeyCredParams.map((p) => p.alg), [-7, -8, -257]);
    assert.equal(pk.authenticatorSelection.userVerification, 'discouraged');
    const apiFlow = (await api(srv.base).get('self-service/registration/api')).json;
    assert.equal(apiFlow.ui.nodes.filter((n) => n.group === 'webauthn').length, 0);
    const off = (await spa(notPasswordless.base).get('self-service/registration/browser')).json;
    assert.equal(off.ui.nodes.filter((n) => n.group === 'webauthn').length, 0, 'only with passwordless: true');
  });

  test('sign-up with a security key (no user verification, packed self attestation)', async () => {
    const { c, flow } = await browserFlow(srv);
    const addr = email();
    const credentialId = crypto.randomBytes(20);
    const cred = createCredential(optionsOf(flow), { origin: originOf(srv), key: new SoftKey(), fmt: 'packed', flags: FLAGS.UP | FLAGS.AT, credentialId });
    const res = await submit(srv, c, flow, addr, cred);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.identity.traits.email, addr);
    const db = path.join(srv.dir, 'atrium.db');
    const [row] = query(db, "SELECT c.config FROM identity_credentials c JOIN identities i ON i.id = c.identity_id WHERE c.type = 'webauthn' AND json_extract(i.traits, '$.email') = ?", [addr]);
    const stored = JSON.parse(row.config).credentials[0];
    assert.equal(stored.display_name, 'My key');
    assert.equal(stored.is_passwordless, true);
    assert.equal(stored.flags.user_verified, false);
    const identifiers = query(db, "SELECT identifier FROM identity_credential_identifiers WHERE type = 'webauthn' AND identifier = ?", [addr]);
    assert.equal(identifiers.length, 1, 'the e-mail identifies the security key');
  });

  test('a wrong origin is refused, nothing created', async () => {
    const { c, flow } = await browserFlow(srv);
    const addr = email('bad');
    const res = await submit(srv, c, flow, addr, createCredential(optionsOf(flow), { origin: 'http://localhost:1' }));
    assert.equal(res.status, 400, res.text);
    assert.match(res.json.ui.messages[0].text, /^Unable to create WebAuthn credential: .*origin/);
    assert.equal(identitiesWith(srv, addr), 0);
    assert.notEqual(optionsOf(res.json).publicKey.challenge, optionsOf(flow).publicKey.challenge);
  });

  test('garbage in webauthn_register: "Unable to parse WebAuthn response"', async () => {
    const { c, flow } = await browserFlow(srv);
    const addr = email('garbage');
    const res = await submit(srv, c, flow, addr, 'not json');
    assert.equal(res.status, 400, res.text);
    assert.equal(res.json.ui.messages[0].id, 4000001);
    assert.match(res.json.ui.messages[0].text, /^Unable to parse WebAuthn response: /);
    assert.equal(identitiesWith(srv, addr), 0);
  });

  test('a schema without a webauthn identifier: 4000009', async () => {
    const { c, flow } = await browserFlow(noIdentifier);
    const addr = email('noid');
    const res = await submit(noIdentifier, c, flow, addr, createCredential(optionsOf(flow), { origin: originOf(noIdentifier) }));
    assert.equal(res.status, 400, res.text);
    assert.deepEqual(res.json.ui.messages.map((m) => m.id), [4000009]);
    assert.equal(identitiesWith(noIdentifier, addr), 0);
  });

  test('an API flow, or passwordless off: the method is not available (404)', async () => {
    const c = api(srv.base);
    const flow = (await c.get('self-service/registration/api')).json;
    const res = await c.post(`self-service/registration?flow=${flow.id}`, { json: { traits: { email: email('api') }, webauthn_register: '{}' } });
    assert.equal(res.status, 404, res.text);
    const b = await browserFlow(notPasswordless);
    const off = await b.c.post(`self-service/registration?flow=${b.flow.id}`, {
      accept: 'application/json',
      form: { csrf_token: node(b.flow, 'csrf_token').attributes.value, 'traits.email': email('off'), webauthn_register: '{}' },
    });
    assert.equal(off.status, 404, off.text);
  });
});
