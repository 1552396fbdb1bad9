// The built-in UI in a real browser: Debian's Chromium driven by playwright-core, against the
// real server. Screenshots land in build/screenshots/ (tools/screenshots.sh writes the README's
// into docs/screenshots/ instead).
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';
import { startAtrium } from '../lib/harness.mjs';

const SHOTS = path.resolve(process.env.ATRIUM_SCREENSHOTS ?? '../build/screenshots');
mkdirSync(SHOTS, { recursive: true });
const PASSWORD = 'l3f9toh1uaf81n21';
const SESSION_HOOK = { hooks: [{ hook: 'session' }] };
let browser;
let twoStep;
let unified;
let expiring;
let counter = 0;
const email = (tag) => `${tag}-${process.pid}-${++counter}@example.com`;

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  twoStep = await startAtrium({ builtinUi: true, config: { selfservice: { flows: { registration: { after: { password: SESSION_HOOK } } } } } });
  unified = await startAtrium({ builtinUi: true, config: { selfservice: { flows: { registration: { style: 'unified', after: { password: SESSION_HOOK } } } } } });
  expiring = await startAtrium({ builtinUi: true, config: { selfservice: { flows: { registration: { style: 'unified', lifespan: '1s' } } } } });
});
after(async () => {
  await browser?.close();
  for (const s of [twoStep, unified, expiring]) if (s) await s.stop();
});

async function page(options = {}) {
  const context = await browser.newContext({ viewport: { width: 720, height: 860 }, ...options });
  return context.newPage();
}

describe('built-in UI', () => {
  test('two-step sign-up: profile, Back, forward again, password, welcome page', async () => {
    const p = await page();
    await p.goto(twoStep.base + 'ui/registration');
    assert.match(p.url(), /\/ui\/registration\?flow=/);
    assert.equal(await p.locator('h1').textContent(), 'Create your account');
    await p.screenshot({ path: path.join(SHOTS, 'registration-empty.png') });
    const addr = email('two-step');
    await p.fill('input[name="traits.email"]', addr);
    await p.click('button[value="profile"]');
    await p.waitForSelector('input[name="password"]');
    assert.equal(await p.locator('input[name="traits.email"]').getAttribute('type'), 'hidden');
    // Back to the profile form, the e-mail kept.
    await p.click('button[name="screen"][value="previous"]');
    await p.waitForSelector('input[name="traits.email"][type="email"]');
    assert.equal(await p.inputValue('input[name="traits.email"]'), addr);
    await p.click('button[value="profile"]');
    await p.waitForSelector('input[name="password"]');
    await p.fill('input[name="password"]', PASSWORD);
    await p.click('button[value="password"]');
    await p.waitForURL(/\/ui\/welcome$/);
    assert.equal(await p.locator('#traits dd').first().textContent(), addr);
    assert.match(await p.locator('#identity-id').textContent(), /^[0-9a-f-]{36}$/);
    await p.screenshot({ path: path.join(SHOTS, 'welcome.png') });
    await p.context().close();
  });

  test('works with JavaScript disabled (plain form posts and redirects)', async () => {
    const p = await page({ javaScriptEnabled: false });
    await p.goto(unified.base + 'ui/registration');
    const addr = email('nojs');
    await p.fill('input[name="traits.email"]', addr);
    await p.fill('input[name="password"]', PASSWORD);
    await p.click('button[value="password"]');
    await p.waitForURL(/\/ui\/welcome$/);
    assert.equal(await p.locator('#traits dd').first().textContent(), addr);
    await p.context().close();
  });

  test('a too-short password and a duplicate e-mail show their messages and keep the e-mail', async () => {
    const p = await page();
    await p.goto(unified.base + 'ui/registration');
    const addr = email('short');
    await p.fill('input[name="traits.email"]', addr);
    await p.fill('input[name="password"]', 'short');
    await p.click('button[value="password"]');
    await p.waitForSelector('[data-message-id="4000032"]');
    assert.equal(await p.inputValue('input[name="traits.email"]'), addr);
    const pw = p.locator('input[name="password"]');
    assert.equal(await pw.getAttribute('aria-invalid'), 'true');
    const described = await pw.getAttribute('aria-describedby');
    assert.match(await p.locator(`#${described}`).textContent(), /at least 8 characters/);
    await p.screenshot({ path: path.join(SHOTS, 'registration-errors.png') });

    // Register the address in another browser, then try it again here.
    const other = await page();
    await other.goto(unified.base + 'ui/registration');
    await other.fill('input[name="traits.email"]', addr);
    await other.fill('input[name="password"]', PASSWORD);
    await other.click('button[value="password"]');
    await other.waitForURL(/\/ui\/welcome$/);
    await other.context().close();

    await p.fill('input[name="password"]', PASSWORD);
    await p.click('button[value="password"]');
    await p.waitForSelector('.global [data-message-id="4000007"]');
    assert.equal(await p.inputValue('input[name="traits.email"]'), addr);
    await p.context().close();
  });

  test('an expired flow restarts with the expiry message', async () => {
    const p = await page();
    await p.goto(expiring.base + 'ui/registration');
    const first = new URL(p.url()).searchParams.get('flow');
    await p.fill('input[name="traits.email"]', email('expired'));
    await p.fill('input[name="password"]', PASSWORD);
    await p.waitForTimeout(1100);
    await p.click('button[value="password"]');
    await p.waitForSelector('[data-message-id="4040001"]');
    assert.notEqual(new URL(p.url()).searchParams.get('flow'), first);
    await p.context().close();
  });

  test('a forged CSRF token shows the error page', async () => {
    const p = await page();
    await p.goto(unified.base + 'ui/registration');
    await p.fill('input[name="traits.email"]', email('csrf'));
    await p.fill('input[name="password"]', PASSWORD);
    await p.evaluate(() => {
      document.querySelector('input[name="csrf_token"]').value = 'forged';
    });
    await p.click('button[value="password"]');
    await p.waitForURL(/\/ui\/error\?id=/);
    assert.equal(await p.locator('#error-id').textContent(), 'security_csrf_violation');
    await p.context().close();
  });

  test('return_to is honoured after sign-up', async () => {
    const p = await page();
    const target = unified.base + 'ui/welcome?from=return_to';
    await p.goto(unified.base + 'ui/registration?return_to=' + encodeURIComponent(target));
    await p.fill('input[name="traits.email"]', email('return'));
    await p.fill('input[name="password"]', PASSWORD);
    await p.click('button[value="password"]');
    await p.waitForURL(target);
    await p.context().close();
  });

  test('German is chosen by Accept-Language and the page has a nonce-based CSP', async () => {
    const p = await page({ locale: 'de-DE' });
    const response = await p.goto(unified.base + 'ui/registration');
    assert.equal(await p.locator('h1').textContent(), 'Konto erstellen');
    assert.equal(await p.locator('button[value="password"]').textContent(), 'Registrieren');
    const csp = (await response.request().response()).headers()['content-security-policy'];
    assert.match(csp, /script-src 'nonce-[^']+'/);
    assert.equal(await p.locator('html').getAttribute('lang'), 'de');
    await p.context().close();
  });

  test('keyboard only: tab to the fields, type, submit with Enter', async () => {
    const p = await page();
    await p.goto(unified.base + 'ui/registration');
    await p.keyboard.press('Tab');
    assert.equal(await p.evaluate(() => document.activeElement.name), 'traits.email');
    await p.keyboard.type(email('keyboard'));
    await p.keyboard.press('Tab');
    assert.equal(await p.evaluate(() => document.activeElement.name), 'password');
    await p.keyboard.type(PASSWORD);
    await p.keyboard.press('Enter');
    await p.waitForURL(/\/ui\/welcome$/);
    await p.context().close();
  });
});
