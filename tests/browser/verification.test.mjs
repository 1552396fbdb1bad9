// The built-in verification page in a real browser (Chromium, playwright-core): a sign-up on
// /ui/registration lands on /ui/verification with the code form; the code from the outbox
// verifies the address; the page speaks German when asked to.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import { startAtrium } from '../lib/harness.mjs';
import { latestCode, queuedTo } from '../lib/outbox.mjs';
import { query } from '../lib/db.mjs';

const SHOTS = path.resolve(process.env.ATRIUM_SCREENSHOTS ?? '../build/screenshots');
const PASSWORD = 'l3f9toh1uaf81n21';
let browser;
let srv;
let linked; // use: link
let counter = 0;
const email = (tag) => `${tag}-${process.pid}-${++counter}@example.com`;

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const config = (use) => ({
    selfservice: {
      flows: {
        registration: {
          style: 'unified',
          after: { password: { hooks: [{ hook: 'session' }, { hook: 'show_verification_ui' }] } },
        },
        verification: { enabled: true, use },
      },
    },
  });
  [srv, linked] = await Promise.all([
    startAtrium({ builtinUi: true, config: config('code') }),
    startAtrium({ builtinUi: true, config: config('link') }),
  ]);
});
after(async () => {
  await browser?.close();
  for (const s of [srv, linked]) if (s) await s.stop();
});

async function signUp(p, addr, server = srv) {
  await p.goto(server.base + 'ui/registration');
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

test('use: link — the page asks for the address, and the mailed link verifies it', async () => {
  const p = await (await browser.newContext({ viewport: { width: 720, height: 860 } })).newPage();
  const addr = email('link');
  await signUp(p, addr, linked);
  // The flow started by the sign-up sent a link already; ask for another one on the page.
  await p.fill('input[name="email"]', addr);
  await p.click('button[name="method"][value="link"]');
  await p.waitForSelector('text=An email containing a verification link has been sent');
  await p.screenshot({ path: path.join(SHOTS, 'verification-link-sent.png') });
  const messages = queuedTo(path.join(linked.dir, 'atrium.db'), addr);
  assert.equal(messages.length, 2, 'one link from the sign-up, one asked for on the page');
  const link = /http:\/\/\S+token=[A-Za-z0-9]{32}/.exec(messages[1].body)[0];
  // Opened in another browser (the mail client's): no cookies of the sign-up.
  const other = await (await browser.newContext()).newPage();
  await other.goto(link);
  await other.waitForSelector('a[href]:has-text("Continue")');
  assert.match(await other.content(), /You successfully verified your email address\./);
  const row = query(path.join(linked.dir, 'atrium.db'), 'SELECT verified FROM identity_verifiable_addresses WHERE value = ?', [addr])[0];
  assert.equal(row.verified, 1);
  // Used once; and the sign-up's first link was retired when the page asked for another.
  const first = /http:\/\/\S+token=[A-Za-z0-9]{32}/.exec(messages[0].body)[0];
  for (const used of [link, first]) {
    await other.goto(used);
    await other.waitForSelector('text=The verification token is invalid or has already been used');
  }
  await p.context().close();
  await other.context().close();
});
