// Sign-up by one-time code, end to end: the real server (release build), its courier delivering
// over SMTP to a real sink on loopback, and clients that read the code from the delivered mail.
//
//   node bench/code.mjs                      (bench/run.sh calls it with the release binary)
//   ATRIUM_BIN=build/release/src/atrium SIGNUPS=400 CONCURRENCY=16 node bench/code.mjs
//
// Prints two markdown rows: complete code sign-ups per second (init, step 1 "send", the mail
// arriving at the sink, step 2 "verify"), and messages per second delivered to the sink when a
// burst of step-1 requests has queued them all at once.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
process.env.ATRIUM_BIN ??= path.resolve(here, '../build/release/src/atrium');
const { startAtrium, base64Schema } = await import('../tests/lib/harness.mjs');
const { startSmtpSink, codeIn } = await import('../tests/lib/smtp_sink.mjs');

const SIGNUPS = Number(process.env.SIGNUPS ?? 400);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 16);
const BURST = Number(process.env.BURST ?? 1000);

const schema = {
  $id: 'https://atrium.bench/code.schema.json',
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  properties: {
    traits: {
      type: 'object',
      required: ['email'],
      properties: {
        email: {
          type: 'string',
          format: 'email',
          'ory.sh/kratos': {
            credentials: { code: { identifier: true, via: 'email' } },
            verification: { via: 'email' },
          },
        },
      },
    },
  },
};

const sink = await startSmtpSink();
const server = await startAtrium({
  config: {
    log: { level: 'error' },
    identity: { schemas: [{ id: 'default', url: base64Schema(schema) }] },
    selfservice: { methods: { code: { passwordless_enabled: true }, password: { enabled: false } } },
    courier: { smtp: { connection_uri: sink.uri(), from_address: 'bench@atrium.test' } },
    atrium: { code_send_limits: { per_address: 1000000, per_flow: 1000000 } },
  },
});

async function json(method, url, body) {
  const r = await fetch(server.base + url, {
    method,
    headers: { Accept: 'application/json', ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: r.status, body: await r.json() };
}

async function send(email) {
  const flow = (await json('GET', 'self-service/registration/api')).body;
  const sent = await json('POST', `self-service/registration?flow=${flow.id}`, { method: 'code', traits: { email } });
  if (sent.status !== 400 || sent.body.state !== 'sent_email') throw new Error(`send: ${sent.status} ${JSON.stringify(sent.body).slice(0, 300)}`);
  return flow.id;
}

async function signUp(i) {
  const email = `bench-${i}-${Date.now()}@atrium.test`;
  const flow = await send(email);
  const [mail] = await sink.waitFor(email, { timeoutMs: 30000 });
  const done = await json('POST', `self-service/registration?flow=${flow}`, { method: 'code', code: codeIn(mail), traits: { email } });
  if (done.status !== 200) throw new Error(`verify: ${done.status} ${JSON.stringify(done.body).slice(0, 300)}`);
}

async function pool(n, concurrency, task) {
  let next = 0;
  const worker = async () => {
    while (next < n) await task(next++);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

try {
  await pool(Math.min(20, SIGNUPS), 4, (i) => signUp(`warm-${i}`)); // warm-up
  let t0 = performance.now();
  await pool(SIGNUPS, CONCURRENCY, signUp);
  const signups = (SIGNUPS / (performance.now() - t0)) * 1000;

  // Queue a burst of messages first, then time their delivery.
  const before = sink.messages.length;
  const emails = Array.from({ length: BURST }, (_, i) => `burst-${i}-${Date.now()}@atrium.test`);
  t0 = performance.now();
  await pool(BURST, CONCURRENCY, (i) => send(emails[i]));
  while (sink.messages.length - before < BURST) await new Promise((r) => setTimeout(r, 5));
  const messages = (BURST / (performance.now() - t0)) * 1000;

  console.log(`| code sign-ups (init + send + mail + verify), ${CONCURRENCY} clients | ${signups.toFixed(1)}/s |`);
  console.log(`| messages queued by ${BURST} sends and delivered to the SMTP sink | ${messages.toFixed(1)}/s |`);
} finally {
  await server.stop();
  await sink.close();
}
