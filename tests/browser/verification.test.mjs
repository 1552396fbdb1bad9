// The built-in verification page in a real browser (Chromium, playwright-core): a sign-up on
// /ui/registration lands on /ui/verification with the code form; the code from the outbox
// verifies the address; the page speaks German when asked to.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import { startAtrium } from '../lib/harness.mjs';
import { latestCode } from '../lib/outbox.mjs';
import { query } from '../lib/db.mjs';

const SHOTS = path.resolve(process.env.ATRIUM_SCREENSHOTS ?? '../build/screenshots');
const PASSWORD = 'l3f9toh1uaf81n21';
let browser;
let srv;
let counter = 0;
const email = (tag) => `${tag}-${process.pid}-${++counter}@example.com`;

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  srv = await startAtrium({
    builtinUi: true,
    config: {
      selfservice: {
        flows: {
          registration: {
            style: 'unified',
            after: { password: { hooks: [{ hook: 'session' }, { hook: 'show_verification_ui' }] } },
          },
          verification: { enabled: true },
        },
      },
    },
  });
});
after(async () => {
  await browser?.close();
  if (srv) await srv.stop();
});

async function signUp(p, addr) {
  await p.goto(srv.base + 'ui/registration');
  await p.fill('input[name="traits.email"]', addr);
  await p.fill('input[name="password"]', PASSWORD);
  await p.click('button[value="password"]');
  await p.waitForURL(/\/ui\/verification\?flow=/);
}

test('a sign-up ends on the verification page, and the code verifies the address', async () => {
  const p = await (await browser.newContext({ viewport: { width: 720, height: 860 } })).newPage();
  const addr = email('ui');
  await signUp(p, addr);
  assert.equal(await p.locator('h1').textContent(), 'Verify your account');
  assert.match(await p.content(), /An email containing a verification code has been sent/);
  await p.screenshot({ path: path.join(SHOTS, 'verification-code.png') });
  await p.fill('input[name="code"]', latestCode(path.join(srv.dir, 'atrium.db'), addr));
  await p.click('button[name="method"][value="code"]');
  await p.waitForSelector('a[href]:has-text("Continue")');
  assert.match(await p.content(), /You successfully verified your email address\./);
  await p.screenshot({ path: path.join(SHOTS, 'verification-done.png') });
  const row = query(path.join(srv.dir, 'atrium.db'), 'SELECT verified FROM identity_verifiable_addresses WHERE value = ?', [addr])[0];
  assert.equal(row.verified, 1);
  await p.context().close();
});

test('German', async () => {
  const p = await (await browser.newContext({ locale: 'de-DE' })).newPage();
  await signUp(p, email('de'));
  assert.equal(await p.locator('h1').textContent(), 'Konto bestätigen');
  assert.match(await p.content(), /Bestätigungscode/);
  await p.context().close();
});
