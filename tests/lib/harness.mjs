// Starts the real atrium binary on free loopback ports with a throw-away configuration and data
// directory, and offers a small cookie-aware HTTP client. Every black-box test goes through here.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const BIN = process.env.ATRIUM_BIN ?? path.resolve('build/dev/src/atrium');

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function isObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function deepMerge(base, over) {
  const out = { ...base };
  for (const [k, v] of Object.entries(over ?? {})) {
    out[k] = isObject(v) && isObject(out[k]) ? deepMerge(out[k], v) : v;
  }
  return out;
}

export const EMAIL_SCHEMA = {
  $id: 'https://atrium.test/email.schema.json',
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'Person',
  type: 'object',
  properties: {
    traits: {
      type: 'object',
      properties: {
        email: {
          type: 'string',
          format: 'email',
          title: 'E-Mail',
          maxLength: 320,
          'ory.sh/kratos': {
            credentials: { password: { identifier: true } },
            verification: { via: 'email' },
            recovery: { via: 'email' },
          },
        },
        name: { type: 'string', title: 'Name' },
      },
      required: ['email'],
      additionalProperties: false,
    },
  },
};

export function base64Schema(schema) {
  return 'base64://' + Buffer.from(JSON.stringify(schema)).toString('base64');
}

// One HTTPS GET with node:https, which (unlike fetch) takes the CA to trust. `ca` undefined means
// the system trust store. Resolves {status, text}; rejects on TLS errors (e.g. an untrusted
// certificate: err.code 'UNABLE_TO_VERIFY_LEAF_SIGNATURE').
export function httpsGet(url, { ca, timeout = 5000 } = {}) {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { ca, agent: false, timeout }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode, text }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeout} ms`)));
    req.on('error', reject);
    req.end();
  });
}

// Servers a test has not stopped (killed on purpose, or a test that failed half-way): stopped
// and their folders removed when the test process exits, so that no run leaves servers or
// atrium-test-* folders behind.
const unstopped = new Set();
process.on('exit', () => {
  for (const { proc, dir } of unstopped) {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

// Starts atrium. `config` (an object, or a function of {publicPort, adminPort, base}) is
// deep-merged over a minimal test configuration.
// `https: {ca}`: the caller configures TLS on the public listener (serve.public.tls); the public
// base URL becomes https:// and readiness is checked over HTTPS trusting `ca` (a PEM string).
export async function startAtrium({ config = {}, dev = true, env = {}, args = [], builtinUi = false, https = null } = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'atrium-test-'));
  const [publicPort, adminPort] = [await freePort(), await freePort()];
  const base = `${https ? 'https' : 'http'}://127.0.0.1:${publicPort}/`;
  const defaults = {
    serve: {
      public: { host: '127.0.0.1', port: publicPort, base_url: base },
      admin: { host: '127.0.0.1', port: adminPort, base_url: `http://127.0.0.1:${adminPort}/` },
    },
    dsn: `sqlite://${dir}/atrium.db`,
    identity: { default_schema_id: 'default', schemas: [{ id: 'default', url: base64Schema(EMAIL_SCHEMA) }] },
    selfservice: {
      default_browser_return_url: 'http://127.0.0.1:4455/welcome',
      allowed_return_urls: ['http://127.0.0.1:4455/'],
      flows: {
        registration: { ui_url: 'http://127.0.0.1:4455/registration' },
        error: { ui_url: 'http://127.0.0.1:4455/error' },
      },
      methods: { password: { config: { haveibeenpwned_enabled: false } } },
    },
    secrets: { cookie: ['a-test-cookie-secret-of-32-chars!'] },
    hashers: { algorithm: 'argon2', argon2: { memory: '1MB', iterations: 1, parallelism: 1 } },
  };
  if (builtinUi) {
    // Leave the UI URLs unset so that they default to the built-in pages under /ui/.
    delete defaults.selfservice.default_browser_return_url;
    delete defaults.selfservice.flows;
    defaults.selfservice.allowed_return_urls = [base];
  }
  // `config` may be a function of the chosen ports, for settings that must name them.
  const merged = deepMerge(defaults, typeof config === 'function' ? config({ publicPort, adminPort, base }) : config);
  const file = path.join(dir, 'atrium.yml');
  writeFileSync(file, JSON.stringify(merged, null, 2)); // JSON is valid YAML
  if (!dev) {
    // Outside dev mode the schema must be migrated explicitly, as in production.
    const { status, stderr } = spawnSync(BIN, ['migrate', '-c', file], { cwd: dir, encoding: 'utf8' });
    if (status !== 0) throw new Error(`atrium migrate failed (${status}):\n${stderr}`);
  }
  const proc = spawn(BIN, ['serve', '-c', file, ...(dev ? ['--dev'] : []), ...args], {
    cwd: dir,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let logs = '';
  proc.stdout.on('data', (d) => (logs += d));
  proc.stderr.on('data', (d) => (logs += d));
  let exited = null;
  proc.on('exit', (code, signal) => (exited = { code, signal }));
  const instance = { proc, dir };
  unstopped.add(instance);

  const deadline = Date.now() + 15000;
  for (;;) {
    if (exited) {
      throw new Error(`atrium exited early (${JSON.stringify(exited)}):\n${logs}`);
    }
    try {
      const r = https ? await httpsGet(base + 'health/alive', { ca: https.ca }) : await fetch(base + 'health/alive');
      if (r.status === 200) break;
    } catch {}
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`atrium did not become ready:\n${logs}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }

  return {
    base,
    admin: `http://127.0.0.1:${adminPort}/`,
    dir,
    config: merged,
    proc,
    logs: () => logs,
    exited: () => exited,
    async stop() {
      if (!exited) {
        const done = new Promise((r) => proc.on('exit', r));
        proc.kill('SIGTERM');
        await done;
      }
      rmSync(dir, { recursive: true, force: true });
      unstopped.delete(instance);
      return exited;
    },
  };
}

// Every Set-Cookie header. Headers.getSetCookie() exists from Node 19.7/18.14 on; older
// runtimes join the values with ", ", which is split before each "name=" (Expires dates
// contain ", " followed by a day number, not by a cookie name).
function setCookiesOf(headers) {
  if (typeof headers.getSetCookie === 'function') return headers.getSetCookie();
  const joined = headers.get('set-cookie');
  return joined ? joined.split(/,\s*(?=[^;,=\s]+=)/) : [];
}

// A minimal cookie jar + fetch wrapper. Redirects are never followed automatically.
export class Client {
  constructor(base, { accept } = {}) {
    this.base = base;
    this.accept = accept;
    this.cookies = new Map();
  }

  cookieHeader() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async request(method, url, { headers = {}, form, json, body, accept } = {}) {
    const h = { ...headers };
    if (accept ?? this.accept) h['Accept'] = accept ?? this.accept;
    if (this.cookies.size && !('Cookie' in h)) h['Cookie'] = this.cookieHeader();
    let payload = body;
    if (form) {
      h['Content-Type'] ??= 'application/x-www-form-urlencoded';
      payload = new URLSearchParams(form).toString();
    } else if (json !== undefined) {
      h['Content-Type'] ??= 'application/json';
      payload = typeof json === 'string' ? json : JSON.stringify(json);
    }
    const target = url.startsWith('http') ? url : this.base + url.replace(/^\//, '');
    const res = await fetch(target, { method, headers: h, body: payload, redirect: 'manual' });
    const setCookies = setCookiesOf(res.headers);
    for (const c of setCookies) {
      const [pair, ...attrs] = c.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const maxAge = attrs.map((a) => a.trim()).find((a) => a.toLowerCase().startsWith('max-age='));
      if (maxAge && Number(maxAge.split('=')[1]) <= 0) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await res.text();
    let data;
    try {
      data = text ? JSON.parse(text) : undefined;
    } catch {
      data = undefined;
    }
    return { status: res.status, headers: res.headers, text, json: data, setCookies, location: res.headers.get('location') };
  }

  get(url, opts) {
    return this.request('GET', url, opts);
  }
  post(url, opts) {
    return this.request('POST', url, opts);
  }
}

// Shorthands for the three client kinds of the spec.
export const api = (base) => new Client(base, { accept: 'application/json' });
export const spa = (base) => new Client(base, { accept: 'application/json' });
export const browser = (base) =>
  new Client(base, { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' });

export function node(flow, name) {
  return flow.ui.nodes.find((n) => n.attributes.name === name);
}
export function nodeNames(flow) {
  return flow.ui.nodes.map((n) => `${n.group}:${n.attributes.name}${n.attributes.value !== undefined && n.attributes.type === 'submit' ? '=' + n.attributes.value : ''}`);
}
export function csrfOf(flow) {
  return node(flow, 'csrf_token')?.attributes.value;
}
