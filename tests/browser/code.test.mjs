// Sign-up by one-time code on the built-in UI in a real browser (Debian's Chromium through
// playwright-core): the code form, Resend with the code field still empty, Back, and the welcome
// page. The code is read from the server's outbox.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';
import { EMAIL_SCHEMA, base64Schema, startAtrium } from '../lib/harness.mjs';
import { latestCode, queuedTo } from '../lib/outbox.mjs';

const CODE_SCHEMA = structuredClone(EMAIL_SCHEMA);
CODE_SCHEMA.properties.traits.properties.email['ory.sh/kratos'].credentials = {
  password: { identifier: true },
  code: { identifier: true, via: 'email' },
};

let browser;
let server;
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
    config: {
      identity: { schemas: [{ id: 'default', url: base64Schema(CODE_SCHEMA) }] },
      selfservice: {
        flows: { registration: { after: { code: { hooks: [{ hook: 'session' }] } } } },
        methods: { code: { passwordless_enabled: true } },
      },
    },
  });
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

describe('built-in UI, code method', () => {
  test('two-step sign-up by code: send, resend, back, send, continue, welcome page', async () => {
    const db = path.join(server.dir, 'atrium.db');
    const p = await (await browser.newContext({ viewport: { width: 720, height: 860 } })).newPage();
    await p.goto(server.base + 'ui/registration');
    const addr = email('code');
    await p.fill('input[name="traits.email"]', addr);
    await p.click('button[value="profile"]');
    await p.click('button[name="method"][value="code"]');
    await p.waitForSelector('input[name="code"]');
    assert.equal(await p.getAttribute('input[name="code"]', 'autocomplete'), 'one-time-code');
    assert.match(await p.content(), /A code has been sent to the address\(es\) you provided/);
    assert.equal(await p.locator('button[name="method"][value="code"]').textContent(), 'Continue');
    assert.equal(queuedTo(db, addr).length, 1);

    // Resend while the (required) code field is empty.
    await p.click('button[name="resend"]');
    await p.waitForSelector('input[name="code"]');
    assert.equal(queuedTo(db, addr).length, 2, 'a second code was sent');

    // Back to the credential screen, and the code again.
    await p.click('button[name="screen"][value="credential-selection"]');
    await p.waitForSelector('button[name="screen"][value="previous"]');
    assert.equal(await p.locator('input[name="code"]').count(), 0);
    await p.click('button[name="method"][value="code"]');
    await p.waitForSelector('input[name="code"]');

    await p.fill('input[name="code"]', latestCode(db, addr));
    await p.click('button[name="method"][value="code"]');
    await p.waitForURL(/\/ui\/welcome$/);
    assert.equal(await p.locator('#traits dd').first().textContent(), addr);
    await p.context().close();
  });

  test('a wrong code shows the message and keeps the form', async () => {
    const db = path.join(server.dir, 'atrium.db');
    const p = await (await browser.newContext()).newPage();
    await p.goto(server.base + 'ui/registration');
    const addr = email('wrong');
    await p.fill('input[name="traits.email"]', addr);
    await p.click('button[value="profile"]');
    await p.click('button[name="method"][value="code"]');
    await p.waitForSelector('input[name="code"]');
    const code = latestCode(db, addr);
    await p.fill('input[name="code"]', code === '000000' ? '111111' : '000000');
    await p.click('button[name="method"][value="code"]');
    await p.waitForSelector('text=The registration code is invalid or has already been used.');
    await p.fill('input[name="code"]', code);
    await p.click('button[name="method"][value="code"]');
    await p.waitForURL(/\/ui\/welcome$/);
    await p.context().close();
  });
});
