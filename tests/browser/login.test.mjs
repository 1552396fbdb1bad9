// Signing in and out with the built-in UI in a real browser: Debian's Chromium driven by
// playwright-core, against the real server (login and logout API, docs/wire/login.md §2-§8, §14).
// Screenshots land in build/screenshots/ (tools/screenshots.sh writes the README's into
// docs/screenshots/ instead).
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';
import { startAtrium } from '../lib/harness.mjs';

const SHOTS = path.resolve(process.env.ATRIUM_SCREENSHOTS ?? '../build/screenshots');
const PASSWORD = 'l3f9toh1uaf81n21';
const WRONG = 'not-the-password-9f2k';
const INVALID_CREDENTIALS =
  'The provided credentials are invalid, check for spelling mistakes in your password or username, email address, or phone number.';
const SIGN_UP = { style: 'unified', after: { password: { hooks: [{ hook: 'session' }] } } };
let browser;
let unified;
let identifierFirst;
let counter = 0;
const email = (tag) => `${tag}-${process.pid}-${++counter}@example.com`;

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  // The login and logout UI URLs stay unset: they default to the built-in pages.
  unified = await startAtrium({ builtinUi: true, config: { selfservice: { flows: { registration: SIGN_UP } } } });
  identifierFirst = await startAtrium({
    builtinUi: true,
    config: { selfservice: { flows: { registration: SIGN_UP, login: { style: 'identifier_first' } } } },
  });
});
after(async () => {
  await browser?.close();
  for (const s of [unified, identifierFirst]) if (s) await s.stop();
});

async function page(options = {}) {
  const context = await browser.newContext({ viewport: { width: 720, height: 860 }, ...options });
  return context.newPage();
}

// Signs up on /ui/registration and lands on /ui/welcome, signed in.
async function signUp(p, server, addr) {
  await p.goto(server.base + 'ui/registration');
  await p.fill('input[name="traits.email"]', addr);
  await p.fill('input[name="password"]', PASSWORD);
  await p.click('button[value="password"]');
  await p.waitForURL(/\/ui\/welcome$/);
}

// Uses the welcome page's sign-out control and lands on a fresh sign-in form.
async function signOut(p) {
  await p.click('#sign-out');
  await p.waitForURL(/\/ui\/login\?flow=/);
}

describe('built-in sign-in UI', () => {
  test('sign up, sign out, sign in again with the same e-mail and password', async () => {
    const p = await page();
    const addr = email('round-trip');
    await signUp(p, unified, addr);
    const first = await p.locator('#session-id').textContent();
    assert.equal(await p.locator('#sign-out').textContent(), 'Sign out');
    assert.match(await p.locator('#sign-out').getAttribute('href'), /\/self-service\/logout\?token=ory_lo_/);

    assert.equal((await p.context().request.get(unified.base + 'sessions/whoami')).status(), 200);

    await signOut(p);
    assert.equal(await p.locator('h1').textContent(), 'Sign in');
    // Signed out for real: the browser's cookies no longer name a session (the page's CSP
    // forbids fetch(), so ask through the context, which shares the browser's cookie jar).
    const whoami = await p.context().request.get(unified.base + 'sessions/whoami');
    assert.equal(whoami.status(), 401);
    const form = p.locator('form');
    assert.equal(await form.getAttribute('method'), 'POST');
    assert.match(await form.getAttribute('action'), /\/self-service\/login\?flow=[0-9a-f-]{36}$/);
    assert.equal(await p.locator('input[name="csrf_token"]').getAttribute('type'), 'hidden');
    await p.screenshot({ path: path.join(SHOTS, 'login-empty.png') });

    await p.fill('input[name="identifier"]', addr);
    await p.fill('input[name="password"]', PASSWORD);
    await p.click('button[value="password"]');
    await p.waitForURL(/\/ui\/welcome$/);
    assert.equal(await p.locator('#traits dd').first().textContent(), addr);
    assert.notEqual(await p.locator('#session-id').textContent(), first);
    await p.context().close();
  });

  test('a wrong password shows the invalid-credentials message and never the password', async () => {
    const p = await page();
    const addr = email('wrong');
    await signUp(p, unified, addr);
    await signOut(p);
    await p.fill('input[name="identifier"]', addr);
    await p.fill('input[name="password"]', WRONG);
    await p.click('button[value="password"]');
    await p.waitForSelector('.global [data-message-id="4000006"]');
    assert.match(p.url(), /\/ui\/login\?flow=/);
    assert.equal(await p.locator('[data-message-id="4000006"]').textContent(), INVALID_CREDENTIALS);
    assert.equal(await p.inputValue('input[name="identifier"]'), addr);
    assert.equal(await p.inputValue('input[name="password"]'), '');
    assert.ok(!(await p.content()).includes(WRONG));
    await p.screenshot({ path: path.join(SHOTS, 'login-errors.png') });

    // The same form, now with the right password.
    await p.fill('input[name="password"]', PASSWORD);
    await p.click('button[value="password"]');
    await p.waitForURL(/\/ui\/welcome$/);
    await p.context().close();
  });

  test('identifier first: the second screen names the account, which can be changed', async () => {
    const p = await page();
    const addr = email('id-first');
    await signUp(p, identifierFirst, addr);
    await signOut(p);
    assert.equal(await p.locator('input[name="password"]').count(), 0);
    await p.fill('input[name="identifier"]', addr);
    await p.click('button[value="identifier_first"]');
    await p.waitForSelector('input[name="password"]');
    assert.equal(await p.locator('input[name="identifier"]').getAttribute('type'), 'hidden');
    assert.equal(await p.locator('#signing-in-as strong').textContent(), addr);

    // "Use another account" starts over with a visible identifier field.
    await p.click('#switch-account');
    await p.waitForSelector('input[name="identifier"][type="text"]');
    await p.fill('input[name="identifier"]', addr);
    await p.click('button[value="identifier_first"]');
    await p.waitForSelector('input[name="password"]');
    await p.fill('input[name="password"]', PASSWORD);
    await p.click('button[value="password"]');
    await p.waitForURL(/\/ui\/welcome$/);
    assert.equal(await p.locator('#traits dd').first().textContent(), addr);
    await p.context().close();
  });

  test('a refresh flow asks the signed-in user to confirm and keeps the session', async () => {
    const p = await page();
    const addr = email('refresh');
    await signUp(p, unified, addr);
    const session = await p.locator('#session-id').textContent();
    await p.goto(unified.base + 'ui/login?refresh=true');
    await p.waitForURL(/\/ui\/login\?flow=/);
    assert.equal(await p.locator('h1').textContent(), "Confirm it's you");
    await p.waitForSelector('.global [data-message-id="1010003"]');
    assert.equal(await p.locator('#signing-in-as strong').textContent(), addr);
    assert.equal(await p.locator('#switch-flow').count(), 0);
    await p.fill('input[name="password"]', PASSWORD);
    await p.click('button[value="password"]');
    await p.waitForURL(/\/ui\/welcome$/);
    assert.equal(await p.locator('#session-id').textContent(), session);
    await p.context().close();
  });

  test('the sign-up and sign-in pages link to each other', async () => {
    const p = await page();
    await p.goto(unified.base + 'ui/registration');
    assert.equal(await p.locator('#switch-flow a').textContent(), 'Sign in');
    await p.click('#switch-flow a');
    await p.waitForURL(/\/ui\/login\?flow=/);
    assert.equal(await p.locator('#switch-flow a').textContent(), 'Sign up');
    await p.click('#switch-flow a');
    await p.waitForURL(/\/ui\/registration\?flow=/);
    await p.context().close();
  });

  test('signed out, the welcome page sends the visitor to sign in', async () => {
    const p = await page();
    await p.goto(unified.base + 'ui/welcome');
    await p.waitForURL(/\/ui\/login\?flow=/);
    await p.context().close();
  });

  test('German: the sign-in page and its messages', async () => {
    const p = await page({ locale: 'de-DE' });
    const addr = email('de');
    await signUp(p, unified, addr);
    assert.equal(await p.locator('#sign-out').textContent(), 'Abmelden');
    await signOut(p);
    assert.equal(await p.locator('h1').textContent(), 'Anmelden');
    assert.equal(await p.locator('button[value="password"]').textContent(), 'Mit Passwort anmelden');
    await p.fill('input[name="identifier"]', addr);
    await p.fill('input[name="password"]', WRONG);
    await p.click('button[value="password"]');
    await p.waitForSelector('[data-message-id="4000006"]');
    assert.match(await p.locator('[data-message-id="4000006"]').textContent(), /^Die Anmeldedaten sind ungültig/);
    await p.context().close();
  });
});
