// The official SDK (@ory/client FrontendApi) against the real server: native and browser flows.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Configuration, FrontendApi } from '@ory/client';
import { startAtrium } from '../lib/harness.mjs';

let srv;
before(async () => {
  srv = await startAtrium({
    config: { selfservice: { flows: { registration: { after: { password: { hooks: [{ hook: 'session' }] } } } } } },
  });
});
after(async () => srv && (await srv.stop()));

const PASSWORD = 'l3f9toh1uaf81n21';

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
  const jar = new Map();
  const sdk = new FrontendApi(
    new Configuration({
      basePath: srv.base.replace(/\/$/, ''),
      baseOptions: { withCredentials: true },
    }),
  );
  // axios in Node has no cookie jar: carry cookies by hand through interceptors.
  const axios = sdk.axios;
  axios.interceptors.request.use((config) => {
    if (jar.size) config.headers.Cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    return config;
  });
  axios.interceptors.response.use(
    (res) => {
      for (const c of res.headers['set-cookie'] ?? []) {
        const [pair] = c.split(';');
        const i = pair.indexOf('=');
        jar.set(pair.slice(0, i), pair.slice(i + 1));
      }
      return res;
    },
    (err) => Promise.reject(err),
  );
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
