// The official SDK (@ory/client FrontendApi) against the real server: native and browser flows.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  AuthenticatorAssuranceLevel,
  Configuration,
  FrontendApi,
  LoginFlowState,
  UiNodeGroupEnum,
  UiNodeInputAttributesAutocompleteEnum,
  UiNodeInputAttributesTypeEnum,
  UiNodeTypeEnum,
  UiTextTypeEnum,
} from '@ory/client';
import axios from 'axios'; // @ory/client's own dependency (package-lock.json)
import { startAtrium } from '../lib/harness.mjs';

let srv;
before(async () => {
  srv = await startAtrium({
    config: { selfservice: { flows: { registration: { after: { password: { hooks: [{ hook: 'session' }] } } } } } },
  });
});
after(async () => srv && (await srv.stop()));

const PASSWORD = 'l3f9toh1uaf81n21';

// A browser-like SDK client. axios in Node has no cookie jar: cookies are carried by hand through
// interceptors, on an axios instance of its own (without one, the SDK uses the global axios and
// the interceptors, and the jar's session cookie, would leak into every later SDK client).
function browserSdk() {
  const jar = new Map();
  const instance = axios.create();
  instance.interceptors.request.use((config) => {
    if (jar.size) config.headers.Cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    return config;
  });
  instance.interceptors.response.use((res) => {
    for (const c of res.headers['set-cookie'] ?? []) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      jar.set(pair.slice(0, i), pair.slice(i + 1));
    }
    return res;
  });
  const basePath = srv.base.replace(/\/$/, '');
  return { jar, sdk: new FrontendApi(new Configuration({ basePath, baseOptions: { withCredentials: true } }), basePath, instance) };
}

test('native: createNativeRegistrationFlow -> updateRegistrationFlow (two steps) -> toSession', async () => {
  const sdk = new FrontendApi(new Configuration({ basePath: srv.base.replace(/\/$/, '') }));
  const { data: flow } = await sdk.createNativeRegistrationFlow();
  assert.equal(flow.type, 'api');
  const email = `sdk-native-${process.pid}@example.com`;
  // Step 1 (profile) answers 400 with the updated flow: the SDK rejects with the flow as data.
  const step = await sdk
    .updateRegistrationFlow({ flow: flow.id, updateRegistrationFlowBody: { method: 'profile', traits: { email } } })
    .then(() => assert.fail('the profile step answers 400'), (e) => e.response);
  assert.equal(step.status, 400);
  assert.ok(step.data.ui.nodes.some((n) => n.attributes.name === 'password'));
  const { data: done } = await sdk.updateRegistrationFlow({
    flow: flow.id,
    updateRegistrationFlowBody: { method: 'password', password: PASSWORD, traits: { email } },
  });
  assert.match(done.session_token, /^ory_st_/);
  assert.equal(done.identity.traits.email, email);
  const { data: session } = await sdk.toSession({ xSessionToken: done.session_token });
  assert.equal(session.identity.id, done.identity.id);
  assert.equal(session.active, true);
});

test('browser: createBrowserRegistrationFlow -> updateRegistrationFlow -> toSession with a cookie jar', async () => {
  const { jar, sdk } = browserSdk();
  const { data: flow } = await sdk.createBrowserRegistrationFlow({ returnTo: 'http://127.0.0.1:4455/after' });
  assert.equal(flow.type, 'browser');
  const csrf = flow.ui.nodes.find((n) => n.attributes.name === 'csrf_token').attributes.value;
  const email = `sdk-browser-${process.pid}@example.com`;
  await sdk
    .updateRegistrationFlow({ flow: flow.id, updateRegistrationFlowBody: { method: 'profile', csrf_token: csrf, traits: { email } } })
    .catch((e) => assert.equal(e.response.status, 400));
  const { data: fetched } = await sdk.getRegistrationFlow({ id: flow.id });
  const csrf2 = fetched.ui.nodes.find((n) => n.attributes.name === 'csrf_token').attributes.value;
  const { data: done } = await sdk.updateRegistrationFlow({
    flow: flow.id,
    updateRegistrationFlowBody: { method: 'password', csrf_token: csrf2, password: PASSWORD, traits: { email } },
  });
  assert.equal(done.session_token, undefined);
  assert.deepEqual(done.continue_with, [{ action: 'redirect_browser_to', redirect_browser_to: 'http://127.0.0.1:4455/after' }]);
  assert.ok(jar.has('ory_kratos_session'));
  const { data: session } = await sdk.toSession();
  assert.equal(session.identity.traits.email, email);
});

// Login and logout (docs/wire/login.md §3-§6, §14) through the SDK.

async function registerNative(sdk, email) {
  const { data: flow } = await sdk.createNativeRegistrationFlow();
  await sdk
    .updateRegistrationFlow({ flow: flow.id, updateRegistrationFlowBody: { method: 'profile', traits: { email } } })
    .catch((e) => assert.equal(e.response?.status, 400));
  const { data } = await sdk.updateRegistrationFlow({
    flow: flow.id,
    updateRegistrationFlowBody: { method: 'password', password: PASSWORD, traits: { email } },
  });
  return data.identity;
}

test('native login: createNativeLoginFlow -> updateLoginFlow -> toSession -> performNativeLogout -> toSession 401', async () => {
  const sdk = new FrontendApi(new Configuration({ basePath: srv.base.replace(/\/$/, '') }));
  const email = `sdk-login-${process.pid}@example.com`;
  const identity = await registerNative(sdk, email);
  const { data: flow } = await sdk.createNativeLoginFlow();
  assert.equal(flow.type, 'api');
  const wrong = await sdk
    .updateLoginFlow({ flow: flow.id, updateLoginFlowBody: { method: 'password', identifier: email, password: 'wrong-password-123' } })
    .then(() => assert.fail('a wrong password answers 400'), (e) => e.response);
  assert.equal(wrong.status, 400);
  assert.equal(wrong.data.ui.messages[0].id, 4000006);
  const { data: done } = await sdk.updateLoginFlow({
    flow: flow.id,
    updateLoginFlowBody: { method: 'password', identifier: email, password: PASSWORD },
  });
  assert.match(done.session_token, /^ory_st_/);
  assert.equal(done.session.identity.id, identity.id);
  assert.equal(done.continue_with, null);
  const { data: session } = await sdk.toSession({ xSessionToken: done.session_token });
  assert.equal(session.id, done.session.id);
  assert.equal(session.active, true);
  const out = await sdk.performNativeLogout({ performNativeLogoutBody: { session_token: done.session_token } });
  assert.equal(out.status, 204);
  const after = await sdk.toSession({ xSessionToken: done.session_token }).then(
    () => assert.fail('the session is gone'),
    (e) => e.response,
  );
  assert.equal(after.status, 401);
});

test('browser login flow: createBrowserLoginFlow / getLoginFlow fields parse into the SDK types', async () => {
  const { sdk } = browserSdk();
  const returnTo = 'http://127.0.0.1:4455/sdk';
  const { data: created } = await sdk.createBrowserLoginFlow({ returnTo });
  const { data: flow } = await sdk.getLoginFlow({ id: created.id });
  for (const f of [created, flow]) {
    assert.equal(f.id, created.id);
    assert.equal(f.type, 'browser');
    assert.equal(f.return_to, returnTo);
    assert.equal(f.refresh, false);
    assert.ok(Object.values(LoginFlowState).includes(f.state), f.state);
    assert.ok(Object.values(AuthenticatorAssuranceLevel).includes(f.requested_aal), f.requested_aal);
    for (const k of ['expires_at', 'issued_at', 'created_at', 'updated_at']) {
      assert.ok(!Number.isNaN(new Date(f[k]).getTime()), `${k} parses as a date`);
    }
    assert.ok(new Date(f.expires_at) > new Date(f.issued_at));
    assert.equal(f.ui.method, 'POST');
    assert.ok(new URL(f.ui.action).searchParams.get('flow') === f.id);
    for (const n of f.ui.nodes) {
      assert.ok(Object.values(UiNodeTypeEnum).includes(n.type), n.type);
      assert.ok(Object.values(UiNodeGroupEnum).includes(n.group), n.group);
      assert.equal(n.attributes.node_type, n.type);
      assert.ok(Object.values(UiNodeInputAttributesTypeEnum).includes(n.attributes.type), n.attributes.type);
      if (n.attributes.autocomplete) {
        assert.ok(Object.values(UiNodeInputAttributesAutocompleteEnum).includes(n.attributes.autocomplete));
      }
      assert.ok(Array.isArray(n.messages));
      if (n.meta.label) assert.ok(Object.values(UiTextTypeEnum).includes(n.meta.label.type));
    }
  }
  // And the rest of the browser round trip: sign in, logout URL, log out.
  const email = `sdk-browser-login-${process.pid}@example.com`;
  await registerNative(new FrontendApi(new Configuration({ basePath: srv.base.replace(/\/$/, '') })), email);
  const csrf = flow.ui.nodes.find((n) => n.attributes.name === 'csrf_token').attributes.value;
  const { data: done } = await sdk.updateLoginFlow({
    flow: flow.id,
    updateLoginFlowBody: { method: 'password', identifier: email, password: PASSWORD, csrf_token: csrf },
  });
  assert.deepEqual(done.continue_with, [{ action: 'redirect_browser_to', redirect_browser_to: returnTo }]);
  assert.equal((await sdk.toSession()).data.identity.traits.email, email);
  const { data: logout } = await sdk.createBrowserLogoutFlow();
  assert.match(logout.logout_token, /^ory_lo_/);
  const out = await sdk.updateLogoutFlow({ token: logout.logout_token });
  assert.equal(out.status, 204);
  const gone = await sdk.toSession().then(() => assert.fail('signed out'), (e) => e.response);
  assert.equal(gone.status, 401);
});
