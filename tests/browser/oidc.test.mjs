// Social sign-up on the built-in UI in a real browser (Debian's Chromium through playwright-core)
// against a real OpenID Provider (npm oidc-provider): the provider button on the registration
// page (clickable while the required e-mail field is empty), the round trip through the provider,
// and the welcome page; then the missing-traits form with its "Continue" button.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';
import { freePort, startAtrium } from '../lib/harness.mjs';
import { newKey, startProvider } from '../lib/oidc_provider.mjs';

const MAPPER = `
local claims = std.extVar('claims');
{ identity: { traits: { [if 'email' in claims then 'email' else null]: claims.email, name: claims.name } } }`;

let browser;
let server;
let idp;
let nextAccount = 'alice';
before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const port = await freePort();
  server = await startAtrium({
    builtinUi: true,
    config: {
      selfservice: {
        flows: { registration: { style: 'unified', after: { oidc: { hooks: [{ hook: 'session' }] } } } },
        methods: {
          oidc: {
            enabled: true,
            config: {
              providers: [{
                id: 'idp', provider: 'generic', label: 'Test IdP', client_id: 'atrium', client_secret: 'atrium-secret',
                issuer_url: `http://127.0.0.1:${port}`, scope: ['email', 'profile'],
                mapper_url: 'base64://' + Buffer.from(MAPPER).toString('base64'),
              }],
            },
          },
        },
      },
    },
  });
  idp = await startProvider({
    port, key: newKey('k1'), redirectUris: [`${server.base}self-service/methods/oidc/callback/idp`], account: () => nextAccount,
  });
});
after(async () => {
  await browser?.close();
  await server?.stop();
  await idp?.stop();
});

// The provider logs in whoever `login_hint` names; the built-in UI sends none, so the provider
// is told whom to log in next.
async function pageFor(account) {
  nextAccount = account;
  return (await browser.newContext()).newPage();
}

describe('built-in UI, oidc method', () => {
  test('the provider button signs up through the provider and lands on the welcome page', async () => {
    const account = `ui-${process.pid}`;
    const p = await pageFor(account);
    await p.goto(server.base + 'ui/registration');
    const button = p.locator('button[name="provider"][value="idp"]');
    assert.equal((await button.textContent()).trim(), 'Sign up with Test IdP');
    await button.click(); // the e-mail field is required and empty: the button skips validation
    await p.waitForURL(/\/ui\/welcome$/);
    assert.match(await p.content(), new RegExp(`${account}@example.com`));
    await p.context().close();
  });

  test('missing traits: the form asks for the address with a "Continue" button', async () => {
    const account = `noemail-ui-${process.pid}`;
    const p = await pageFor(account);
    await p.goto(server.base + 'ui/registration');
    await p.click('button[name="provider"][value="idp"]');
    await p.waitForURL(/\/ui\/registration\?flow=/);
    assert.equal(await p.inputValue('input[name="traits.name"]'), `User ${account}`);
    const cont = p.locator('button[name="provider"][value="idp"]');
    assert.equal((await cont.textContent()).trim(), 'Continue');
    await p.fill('input[name="traits.email"]', `${account}@mail.example`);
    await cont.click();
    await p.waitForURL(/\/ui\/welcome$/);
    assert.match(await p.content(), new RegExp(`${account}@mail.example`));
    await p.context().close();
  });
});
