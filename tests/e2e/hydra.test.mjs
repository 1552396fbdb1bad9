// Sign-up inside an OAuth2 login (docs/wire/registration.md §20): a browser flow started with
// ?login_challenge= is checked with Hydra's admin API (a local stand-in that records the calls
// Atrium makes), shows Hydra's login request, and after the sign-up accepts it with the new
// identity and session, sending the browser back to Hydra. Every way Hydra or the challenge can
// fail gives a clear error.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { browser, csrfOf, spa, startAtrium } from '../lib/harness.mjs';
import { startFakeHydra } from '../lib/fake_hydra.mjs';

const PASSWORD = 'l3f9toh1uaf81n21';
let hydra;
let unified;
let twoStep;
let down; // oauth2_provider.url points at a closed port
let ui; // the built-in UI, two steps

const config = (url, style) => ({
  oauth2_provider: { url, headers: { 'X-Hydra-Key': 'admin-key' } },
  selfservice: { flows: { registration: { style, after: { password: { hooks: [{ hook: 'session' }] } } } } },
});

before(async () => {
  hydra = await startFakeHydra();
  [unified, twoStep, down, ui] = await Promise.all([
    startAtrium({ config: config(hydra.url, 'unified') }),
    startAtrium({ config: config(hydra.url, 'profile_first') }),
    startAtrium({ config: config('http://127.0.0.1:1', 'unified') }),
    startAtrium({ config: config(hydra.url, 'profile_first'), builtinUi: true }),
  ]);
});
after(async () => {
  for (const s of [unified, twoStep, down, ui]) if (s) await s.stop();
  await hydra?.close();
});

let seq = 0;
const unique = (tag) => `${tag}-${process.pid}-${++seq}@example.com`;

// A classic browser flow started with the challenge, and its JSON.
async function start(srv, challenge, c = browser(srv.base)) {
  const init = await c.get(`self-service/registration/browser?login_challenge=${encodeURIComponent(challenge)}`);
  assert.equal(init.status, 303, init.text);
  const id = new URL(init.location).searchParams.get('flow');
  const flow = (await c.get(`self-service/registration/flows?id=${id}`, { accept: 'application/json' })).json;
  return { c, flow };
}

// The accept call Hydra received for `challenge`, checked against the browser's new session.
async function assertAccepted(srv, c, challenge) {
  const [call] = hydra.accepted(challenge);
  assert.ok(call, 'Hydra was asked to accept the login');
  assert.equal(hydra.accepted(challenge).length, 1, 'exactly once');
  const whoami = (await c.get('sessions/whoami', { accept: 'application/json' })).json;
  assert.equal(call.body.subject, whoami.identity.id);
  assert.equal(call.body.identity_provider_session_id, whoami.id);
  assert.deepEqual(call.body.amr, ['password']);
  assert.equal(call.body.remember, true);
  assert.equal(call.body.remember_for, 86400);
  assert.equal(call.headers['x-hydra-key'], 'admin-key', 'oauth2_provider.headers are sent');
}

describe('sign-up inside an OAuth2 login', () => {
  test('classic browser: the flow shows the login request, and the sign-up ends at Hydra', async () => {
    const challenge = hydra.add();
    const { c, flow } = await start(unified, challenge);
    assert.equal(flow.oauth2_login_challenge, challenge);
    assert.equal(flow.oauth2_login_request.client.client_id, 'shop-app');
    assert.deepEqual(Object.keys(flow).slice(0, 4), ['id', 'oauth2_login_challenge', 'oauth2_login_request', 'type']);
    const done = await c.post(`self-service/registration?flow=${flow.id}`, {
      form: { method: 'password', csrf_token: csrfOf(flow), password: PASSWORD, 'traits.email': unique('classic') },
    });
    assert.equal(done.status, 303, done.text);
    assert.equal(done.location, `http://hydra.test/oauth2/auth?login_verifier=v-${challenge}`);
    await assertAccepted(unified, c, challenge);
  });

  test('SPA: Hydra\'s redirect is the last and only redirect_browser_to', async () => {
    const challenge = hydra.add();
    const c = spa(unified.base);
    const flow = (await c.get(`self-service/registration/browser?login_challenge=${challenge}`)).json;
    assert.equal(flow.oauth2_login_request.requested_scope[0], 'openid');
    const done = await c.post(`self-service/registration?flow=${flow.id}`, {
      json: { method: 'password', csrf_token: csrfOf(flow), password: PASSWORD, traits: { email: unique('spa') } },
    });
    assert.equal(done.status, 200, done.text);
    const redirects = done.json.continue_with.filter((x) => x.action === 'redirect_browser_to');
    assert.equal(redirects.length, 1);
    assert.equal(done.json.continue_with.at(-1).redirect_browser_to, `http://hydra.test/oauth2/auth?login_verifier=v-${challenge}`);
    await assertAccepted(unified, c, challenge);
  });

  test('two steps: the challenge is carried from the profile step to the credentials', async () => {
    const challenge = hydra.add();
    const { c, flow } = await start(twoStep, challenge);
    const email = unique('two-step');
    const url = `self-service/registration?flow=${flow.id}`;
    const step1 = await c.post(url, { form: { method: 'profile', csrf_token: csrfOf(flow), 'traits.email': email } });
    assert.equal(step1.status, 303, step1.text);
    const shown = (await c.get(`self-service/registration/flows?id=${flow.id}`, { accept: 'application/json' })).json;
    assert.equal(shown.oauth2_login_challenge, challenge);
    const done = await c.post(url, {
      form: { method: 'password', csrf_token: csrfOf(shown), password: PASSWORD, 'traits.email': email },
    });
    assert.equal(done.status, 303, done.text);
    assert.equal(done.location, `http://hydra.test/oauth2/auth?login_verifier=v-${challenge}`);
    await assertAccepted(twoStep, c, challenge);
  });

  test('a signed-in user whom Hydra lets skip is accepted at once; otherwise sent to sign in', async () => {
    const { c, flow } = await start(unified, hydra.add());
    await c.post(`self-service/registration?flow=${flow.id}`, {
      form: { method: 'password', csrf_token: csrfOf(flow), password: PASSWORD, 'traits.email': unique('skip') },
    });
    const skip = hydra.add({ skip: true });
    const accepted = await c.get(`self-service/registration/browser?login_challenge=${skip}`);
    assert.equal(accepted.status, 303, accepted.text);
    assert.equal(accepted.location, `http://hydra.test/oauth2/auth?login_verifier=v-${skip}`);
    await assertAccepted(unified, c, skip);

    const again = hydra.add({ skip: false });
    const relogin = await c.get(`self-service/registration/browser?login_challenge=${again}`);
    assert.equal(relogin.status, 302);
    assert.equal(relogin.location, `${unified.base}self-service/login/browser?login_challenge=${again}`);
    assert.equal(hydra.accepted(again).length, 0);
  });
});

test('the built-in UI carries the challenge into the flow and into its links', async () => {
  const challenge = hydra.add();
  const c = browser(ui.base);
  const first = await c.get(`ui/registration?login_challenge=${challenge}`);
  assert.equal(first.status, 303);
  assert.equal(first.location, `${ui.base}self-service/registration/browser?login_challenge=${challenge}`);
  const init = await c.get(first.location);
  assert.equal(init.status, 303, init.text);
  const page = await c.get(init.location);
  assert.equal(page.status, 200, page.text);
  assert.ok(page.text.includes(`self-service/login/browser?login_challenge=${challenge}`), 'the sign-in link keeps it');
  const id = new URL(init.location).searchParams.get('flow');
  const flow = (await c.get(`self-service/registration/flows?id=${id}`, { accept: 'application/json' })).json;
  assert.equal(flow.oauth2_login_challenge, challenge);
});

describe('a challenge that fails', () => {
  const initJson = (srv, query) => spa(srv.base).get(`self-service/registration/browser?${query}`);

  test('forged, replayed and empty challenges are refused before a form is shown', async () => {
    const forged = await initJson(unified, 'login_challenge=forged-challenge');
    assert.equal(forged.status, 400, forged.text);
    assert.equal(forged.json.error.reason, 'Unable to get OAuth 2.0 Login Challenge.');
    assert.equal(forged.json.error.details.status_code, 404);

    const challenge = hydra.add();
    const { c, flow } = await start(unified, challenge);
    await c.post(`self-service/registration?flow=${flow.id}`, {
      form: { method: 'password', csrf_token: csrfOf(flow), password: PASSWORD, 'traits.email': unique('replay') },
    });
    const replayed = await initJson(unified, `login_challenge=${challenge}`);
    assert.equal(replayed.status, 400, replayed.text);
    assert.equal(replayed.json.error.details.status_code, 410);

    const empty = await initJson(unified, 'login_challenge=');
    assert.equal(empty.status, 400);
    assert.equal(empty.json.error.reason, 'the login_challenge parameter is present but empty');

    const html = await browser(unified.base).get('self-service/registration/browser?login_challenge=forged-challenge');
    assert.equal(html.status, 303, 'a browser is sent to the error UI');
    assert.match(html.location, /\/ui\/error\?id=|error/);
  });

  test('Hydra down, slow or answering garbage: 500, and nothing hangs', async () => {
    const closed = await initJson(down, 'login_challenge=any');
    assert.equal(closed.status, 500, closed.text);
    // Failures on the server's side keep their reason in the log, under the request id.
    assert.ok(closed.json.error.request, closed.text);
    for (const mode of ['garbage', 'error500', 'slow']) {
      hydra.setMode(mode);
      try {
        const t0 = Date.now();
        const r = await initJson(unified, `login_challenge=${hydra.add()}`);
        assert.equal(r.status, 500, `${mode}: ${r.text}`);
        assert.ok(Date.now() - t0 < 7500, `${mode}: answered within the time budget`);
      } finally {
        hydra.setMode('ok');
      }
    }
  });

  test('Hydra refusing the acceptance after the sign-up is an error, not a redirect', async () => {
    const challenge = hydra.add();
    const { c, flow } = await start(unified, challenge);
    hydra.setMode('refuse-accept');
    try {
      const done = await c.post(`self-service/registration?flow=${flow.id}`, {
        headers: { Accept: 'application/json' },
        json: { method: 'password', csrf_token: csrfOf(flow), password: PASSWORD, traits: { email: unique('refused') } },
      });
      assert.equal(done.status, 500, done.text);
      assert.equal(done.json.error.details.status_code, 409, 'Hydra\'s answer is named');
      assert.equal(hydra.accepted(challenge).length, 1);
    } finally {
      hydra.setMode('ok');
    }
  });
});
