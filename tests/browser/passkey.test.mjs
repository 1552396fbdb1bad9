// Passkey and security-key sign-up on the built-in UI in a real browser (Debian's Chromium through
// playwright-core) with the DevTools virtual authenticator, on http://localhost as
// ../shared/TESTING.md explains (an IP address is no valid relying-party id): a platform passkey
// (ctap2, internal transport, resident keys, user verification), a security key (u2f, direct
// attestation: fmt fido-u2f), and the fallback of a browser without WebAuthn.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';
import { EMAIL_SCHEMA, base64Schema, startAtrium } from '../lib/harness.mjs';
import { query } from '../lib/db.mjs';

const SCHEMA = structuredClone(EMAIL_SCHEMA);
SCHEMA.properties.traits.properties.email['ory.sh/kratos'].credentials = {
  password: { identifier: true },
  webauthn: { identifier: true },
  passkey: { display_name: true },
};

let browser;
let server;
let localBase;
let counter = 0;
const email = (tag) => `${tag}-${process.pid}-${++counter}@example.com`;

before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  server = await startAtrium({
    builtinUi: true,
    config: ({ publicPort }) => {
      localBase = `http://localhost:${publicPort}/`;
      const rp = { id: 'localhost', display_name: 'Atrium', origins: [`http://localhost:${publicPort}`] };
      return {
        serve: { public: { base_url: localBase } },
        identity: { schemas: [{ id: 'default', url: base64Schema(SCHEMA) }] },
        selfservice: {
          allowed_return_urls: [localBase],
          flows: {
            registration: {
              style: 'unified',
              after: { passkey: { hooks: [{ hook: 'session' }] }, webauthn: { hooks: [{ hook: 'session' }] } },
            },
          },
          methods: {
            passkey: { enabled: true, config: { rp } },
            webauthn: { enabled: true, config: { passwordless: true, rp } },
          },
        },
        atrium: { webauthn: { attestation: 'direct' } },
      };
    },
  });
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

async function pageWithAuthenticator(options) {
  const context = await browser.newContext({ viewport: { width: 720, height: 1000 } });
  const p = await context.newPage();
  const cdp = await context.newCDPSession(p);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', { options });
  const errors = [];
  p.on('pageerror', (e) => errors.push(String(e)));
  p.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  return { p, cdp, authenticatorId, errors };
}

const credentialsOf = (addr) =>
  query(path.join(server.dir, 'atrium.db'),
    "SELECT c.type, c.config FROM identity_credentials c JOIN identities i ON i.id = c.identity_id WHERE json_extract(i.traits, '$.email') = ? ORDER BY c.type", [addr]);

describe('built-in UI, passkey and security key', () => {
  test('sign up with a passkey (ctap2, internal, resident key)', async () => {
    const { p, cdp, authenticatorId, errors } = await pageWithAuthenticator({
      protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true,
    });
    await p.goto(localBase + 'ui/registration');
    // The script node is allowed by the page's CSP nonce and passes its integrity check.
    await p.waitForFunction(() => typeof window.oryPasskeyRegistration === 'function');
    const addr = email('passkey');
    await p.fill('input[name="traits.email"]', addr);
    assert.equal(await p.locator('button[name="passkey_register_trigger"]').textContent(), 'Sign up with passkey');
    await Promise.all([p.waitForURL(/\/ui\/welcome/), p.click('button[name="passkey_register_trigger"]')]);
    const creds = credentialsOf(addr);
    assert.deepEqual(creds.map((c) => c.type), ['passkey']);
    const stored = JSON.parse(creds[0].config).credentials[0];
    assert.equal(stored.flags.user_verified, true);
    assert.equal(stored.attestation_format, 'none');
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    assert.equal(credentials.length, 1);
    assert.equal(credentials[0].isResidentCredential, true);
    assert.equal(Buffer.from(stored.id, 'base64').toString('base64'), Buffer.from(credentials[0].credentialId, 'base64').toString('base64'));
    assert.deepEqual(errors.filter((e) => /Content Security Policy|integrity/i.test(e)), []);
  });

  test('sign up with a security key (u2f, direct attestation: fido-u2f)', async () => {
    const { p, errors } = await pageWithAuthenticator({ protocol: 'u2f', transport: 'usb' });
    await p.goto(localBase + 'ui/registration');
    await p.waitForFunction(() => typeof window.oryWebAuthnRegistration === 'function');
    const addr = email('key');
    await p.fill('input[name="traits.email"]', addr);
    await p.fill('input[name="webauthn_register_displayname"]', 'Blue key');
    assert.equal(await p.locator('button[name="webauthn_register_trigger"]').textContent(), 'Sign up with security key');
    await Promise.all([p.waitForURL(/\/ui\/welcome/), p.click('button[name="webauthn_register_trigger"]')]);
    const creds = credentialsOf(addr);
    assert.deepEqual(creds.map((c) => c.type), ['webauthn'], errors.join('\n'));
    const stored = JSON.parse(creds[0].config).credentials[0];
    assert.equal(stored.attestation_format, 'fido-u2f');
    assert.equal(stored.attestation_type, 'basic');
    assert.equal(stored.display_name, 'Blue key');
    assert.equal(stored.flags.user_verified, false);
  });

  test('a response tampered with on its way (origin rewritten): the error on the form, nothing created, a fresh challenge', async () => {
    const { p } = await pageWithAuthenticator({
      protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true,
    });
    // What a browser never sends: the page rewrites the origin inside clientDataJSON before the
    // form goes out.
    await p.addInitScript(() => {
      const submit = HTMLFormElement.prototype.submit;
      HTMLFormElement.prototype.submit = function () {
        const field = this.querySelector('[name="passkey_register"]');
        if (field && field.value) {
          const credential = JSON.parse(field.value);
          const b64 = credential.response.clientDataJSON.replace(/-/g, '+').replace(/_/g, '/');
          const clientData = JSON.parse(atob(b64));
          clientData.origin = 'http://evil.example';
          credential.response.clientDataJSON = btoa(JSON.stringify(clientData)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
          field.value = JSON.stringify(credential);
        }
        return submit.call(this);
      };
    });
    await p.goto(localBase + 'ui/registration');
    await p.waitForFunction(() => typeof window.oryPasskeyRegistration === 'function');
    const before = JSON.parse(await p.inputValue('input[name="passkey_create_data"]')).credentialOptions.publicKey.challenge;
    const addr = email('tampered');
    await p.fill('input[name="traits.email"]', addr);
    await Promise.all([p.waitForURL(/\/ui\/registration\?flow=/), p.click('button[name="passkey_register_trigger"]')]);
    await p.waitForSelector('.global .error');
    assert.match(await p.locator('.global .error').textContent(), /^Unable to create WebAuthn credential: clientDataJSON: origin is not allowed/);
    assert.deepEqual(credentialsOf(addr), []);
    const after = JSON.parse(await p.inputValue('input[name="passkey_create_data"]')).credentialOptions.publicKey.challenge;
    assert.notEqual(after, before);
  });

  test('a browser without WebAuthn: the buttons are hidden and a note says why', async () => {
    const context = await browser.newContext();
    await context.addInitScript(() => {
      delete window.PublicKeyCredential;
    });
    const p = await context.newPage();
    await p.goto(localBase + 'ui/registration');
    await p.waitForSelector('#webauthn-unsupported', { state: 'visible' });
    assert.equal(await p.locator('button[name="passkey_register_trigger"]').isVisible(), false);
    assert.equal(await p.locator('button[name="webauthn_register_trigger"]').isVisible(), false);
    // The password still works.
    assert.equal(await p.locator('input[name="password"]').isVisible(), true);
  });
});
