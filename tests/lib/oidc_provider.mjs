// OpenID Providers for the oidc tests.
// - startProvider: a real, strict provider (npm `oidc-provider`, see ../shared/TESTING.md) with
//   non-interactive logins: the account is the `login_hint` of the authorization request (the
//   sign-up passes it as an upstream parameter), so one redirect chain yields the code.
// - startForger: a small hand-made provider whose token endpoint answers whatever ID token the
//   test forges (expired, wrong nonce, alg none, HS256 with the public key, ...), and which can
//   be slowed down; its discovery and keys are like a real provider's.
import { createHmac, createPublicKey, createSign, createVerify, generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { Readable } from 'node:stream';
import Provider from 'oidc-provider';
import { Client, freePort } from './harness.mjs';

export function newKey(kid) {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const priv = { ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
  const pub = { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
  return { kid, privateKey, publicKey, priv, pub, pem: publicKey.export({ format: 'pem', type: 'spki' }) };
}

// The claims of a test account: `<id>@example.com` unless the id starts with "noemail".
function accountClaims(id) {
  const claims = { sub: id, name: `User ${id}` };
  if (!id.startsWith('noemail')) {
    claims.email = `${id}@example.com`;
    claims.email_verified = !id.startsWith('unverified');
  }
  return claims;
}

function listen(server, port) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
}

// A real provider on 127.0.0.1:`port` (0 = any), signing with `key` (newKey()).
// `account()` names who logs in when the request has no login_hint (the built-in UI sends none).
// Options for the vendor-shaped tests:
// - `path`: the provider is mounted there (issuer `http://127.0.0.1:<port><path>`), e.g. a
//   Microsoft-style `/<tenant>/v2.0`; `tid(account)` adds a `tid` claim to the ID token;
//   `commonDiscovery`: `<commonDiscovery>/.well-known/openid-configuration` serves the provider's
//   document with the issuer templated as Microsoft's multi-tenant one (`{tenantid}` in place of
//   the tenant segment of `path`).
// - `appleClient: {clientId, teamId, keyId, publicKey, redirectUris}`: a client whose secret is
//   Apple's ES256 client secret JWT (iss team id, sub client id, aud https://appleid.apple.com,
//   kid = key id); the token endpoint verifies it before the provider sees the request (with a
//   static secret in its place); every secret seen lands in `appleSecrets` ({header, claims, ok}).
export async function startProvider({ port = 0, key, clientId = 'atrium', clientSecret = 'atrium-secret', redirectUris, account = () => 'default-user', path = '', tid, commonDiscovery, appleClient }) {
  port ||= await freePort();
  const issuer = `http://127.0.0.1:${port}${path}`;
  const appleStatic = randomBytes(16).toString('hex');
  const appleSecrets = [];
  const clients = [
    {
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: redirectUris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ];
  if (appleClient) {
    clients.push({
      ...clients[0],
      client_id: appleClient.clientId,
      client_secret: appleStatic,
      redirect_uris: appleClient.redirectUris,
      token_endpoint_auth_method: 'client_secret_post',
    });
  }
  const provider = new Provider(issuer, {
    clients,
    jwks: { keys: [key.priv] },
    claims: { openid: ['sub', 'tid'], email: ['email', 'email_verified'], profile: ['name'] },
    conformIdTokenClaims: false,
    ttl: { Interaction: 600, Grant: 600, Session: 600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
    features: { devInteractions: { enabled: false } },
    pkce: { required: () => true },
    findAccount: async (_ctx, id) => ({
      accountId: id,
      claims: async () => ({ ...accountClaims(id), ...(tid && tid(id) !== undefined ? { tid: tid(id) } : {}) }),
    }),
    interactions: { url: (_ctx, interaction) => `${path}/interaction/${interaction.uid}` },
    async loadExistingGrant(ctx) {
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope('openid email profile');
      grant.addOIDCClaims(['email', 'email_verified', 'name']);
      await grant.save();
      return grant;
    },
  });
  provider.on('server_error', () => {});
  const callback = provider.callback();
  let requests = 0;
  const server = createServer(async (req, res) => {
    requests++;
    if (commonDiscovery && req.url === `${commonDiscovery}/.well-known/openid-configuration`) {
      const doc = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
      const segments = path.split('/');
      segments[1] = '{tenantid}';
      doc.issuer = `http://127.0.0.1:${port}${segments.join('/')}`;
      res.writeHead(200, { 'Content-Type': 'application/json' });
      return res.end(JSON.stringify(doc));
    }
    if (path) {
      if (!req.url.startsWith(path)) {
        res.statusCode = 404;
        return res.end();
      }
      req.originalUrl = req.url;
      req.url = req.url.slice(path.length) || '/';
    }
    if (appleClient && req.method === 'POST' && req.url === '/token') {
      // Apple's client secret comes in the body (client_secret_post) or, wrongly, as Basic auth:
      // record how, verify it, and hand the provider the request with the static secret instead.
      const chunks = [];
      for await (const chunk of req) chunks.push(chunk);
      const form = new URLSearchParams(Buffer.concat(chunks).toString());
      const [user, basicSecret] = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString().split(':').map(decodeURIComponent);
      const viaBody = form.get('client_id') === appleClient.clientId;
      if (viaBody || user === appleClient.clientId) {
        const seen = { ...verifyAppleSecret(viaBody ? form.get('client_secret') : basicSecret, appleClient), via: viaBody ? 'client_secret_post' : 'client_secret_basic' };
        appleSecrets.push(seen);
        const replaced = seen.ok ? appleStatic : 'refused';
        if (viaBody) form.set('client_secret', replaced);
        else req.headers.authorization = 'Basic ' + Buffer.from(`${encodeURIComponent(user)}:${encodeURIComponent(replaced)}`).toString('base64');
      }
      const body = Buffer.from(form.toString());
      const again = new Readable({ read() { this.push(body); this.push(null); } });
      Object.assign(again, {
        method: req.method,
        url: req.url,
        originalUrl: req.originalUrl,
        headers: { ...req.headers, 'content-length': String(body.length) },
        httpVersion: req.httpVersion,
        httpVersionMajor: req.httpVersionMajor,
        httpVersionMinor: req.httpVersionMinor,
        socket: req.socket,
        connection: req.socket,
      });
      return callback(again, res);
    }
    const m = req.url.match(/^\/interaction\/([^/?]+)$/);
    if (req.method === 'GET' && m) {
      try {
        const details = await provider.interactionDetails(req, res);
        const accountId = details.params.login_hint || account();
        await provider.interactionFinished(req, res, { login: { accountId } }, { mergeWithLastSubmission: false });
      } catch (e) {
        res.statusCode = 500;
        res.end(String(e));
      }
      return;
    }
    callback(req, res);
  });
  await listen(server, port);
  return {
    issuer,
    port,
    appleSecrets,
    // Replaces the public key the token endpoint checks Apple client secrets with; returns the old.
    setApplePublicKey: (pem) => {
      const old = appleClient.publicKey;
      appleClient.publicKey = pem;
      return old;
    },
    requests: () => requests,
    stop: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }),
  };
}

// Checks Apple's client secret: an ES256 JWT by the team's key (Sign in with Apple, "Creating a
// client secret"). Returns {header, claims, ok, why}.
function verifyAppleSecret(jwt, { clientId, teamId, keyId, publicKey }) {
  const parts = String(jwt ?? '').split('.');
  const out = { header: null, claims: null, ok: false, why: '' };
  try {
    out.header = JSON.parse(Buffer.from(parts[0], 'base64url'));
    out.claims = JSON.parse(Buffer.from(parts[1], 'base64url'));
  } catch {
    out.why = 'not a JWT';
    return out;
  }
  const now = Math.floor(Date.now() / 1000);
  const sigOk = createVerify('SHA256')
    .update(`${parts[0]}.${parts[1]}`)
    .verify({ key: createPublicKey(publicKey), dsaEncoding: 'ieee-p1363' }, Buffer.from(parts[2] ?? '', 'base64url'));
  const c = out.claims;
  if (out.header.alg !== 'ES256') out.why = 'alg';
  else if (out.header.kid !== keyId) out.why = 'kid';
  else if (!sigOk) out.why = 'signature';
  else if (c.iss !== teamId || c.sub !== clientId || c.aud !== 'https://appleid.apple.com') out.why = 'claims';
  else if (!(c.exp > now && c.iat <= now + 60 && c.exp - c.iat <= 15777000)) out.why = 'times';
  else out.ok = true;
  return out;
}

// Follows the provider's redirects like walkProvider until it answers with a form_post page
// (response_mode=form_post): returns the form's target and fields.
export async function walkProviderToFormPost(url, jar = new Client(url)) {
  for (let i = 0; i < 10; i++) {
    const r = await jar.get(url, { accept: 'text/html' });
    if (r.status === 200) {
      const action = r.text.match(/<form[^>]*action="([^"]+)"/)?.[1];
      if (!action) throw new Error(`no form_post form at ${url}: ${r.text.slice(0, 300)}`);
      const fields = {};
      for (const m of r.text.matchAll(/<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)) fields[m[1]] = m[2].replace(/&amp;/g, '&');
      return { action: action.replace(/&amp;/g, '&'), fields };
    }
    if (![302, 303].includes(r.status)) throw new Error(`provider answered ${r.status} at ${url}: ${r.text.slice(0, 300)}`);
    url = new URL(r.location, url).toString();
  }
  throw new Error('too many redirects at the provider');
}

export function signRs256(key, claims, header = {}) {
  const h = { alg: 'RS256', kid: key.kid, typ: 'JWT', ...header };
  const input = `${Buffer.from(JSON.stringify(h)).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  const sig = createSign('RSA-SHA256').update(input).sign(key.privateKey);
  return `${input}.${sig.toString('base64url')}`;
}
export function unsignedToken(claims, header = {}) {
  const h = { alg: 'none', ...header };
  return `${Buffer.from(JSON.stringify(h)).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`;
}
export function hs256(secret, claims, header = {}) {
  const h = { alg: 'HS256', ...header };
  const input = `${Buffer.from(JSON.stringify(h)).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

// A provider whose token endpoint answers `forge({claims, key, nonce})` (default: a valid token).
export async function startForger({ key, clientId = 'atrium' } = {}) {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const pending = new Map(); // code -> {nonce, login_hint}
  const state = {
    key,
    forge: null,
    delayMs: 0,
    tokenStatus: 200,
    tokenRequests: 0,
  };
  const validClaims = (nonce, sub) => {
    const now = Math.floor(Date.now() / 1000);
    return { iss: issuer, aud: clientId, iat: now, exp: now + 300, nonce, ...accountClaims(sub) };
  };
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, issuer);
    const json = (status, body) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/.well-known/openid-configuration') {
      return json(200, {
        issuer,
        authorization_endpoint: `${issuer}/auth`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        code_challenge_methods_supported: ['S256'],
      });
    }
    if (url.pathname === '/jwks') return json(200, { keys: [state.key.pub] });
    if (url.pathname === '/auth') {
      const code = randomBytes(16).toString('hex');
      pending.set(code, { nonce: url.searchParams.get('nonce'), sub: url.searchParams.get('login_hint') || 'forged-user' });
      const back = new URL(url.searchParams.get('redirect_uri'));
      back.searchParams.set('code', code);
      back.searchParams.set('state', url.searchParams.get('state'));
      res.writeHead(303, { Location: back.toString() });
      return res.end();
    }
    if (url.pathname === '/token') {
      state.tokenRequests++;
      let body = '';
      for await (const chunk of req) body += chunk;
      const code = new URLSearchParams(body).get('code');
      const p = pending.get(code);
      pending.delete(code);
      if (state.delayMs) await new Promise((r) => setTimeout(r, state.delayMs));
      if (!p) return json(400, { error: 'invalid_grant' });
      if (state.tokenStatus !== 200) return json(state.tokenStatus, { error: 'server_error' });
      const claims = validClaims(p.nonce, p.sub);
      const idToken = state.forge ? state.forge({ claims, key: state.key, nonce: p.nonce }) : signRs256(state.key, claims);
      return json(200, { access_token: 'at-' + code, token_type: 'Bearer', id_token: idToken });
    }
    json(404, {});
  });
  await listen(server, port);
  return { issuer, port, state, stop: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }) };
}

// Follows the provider's redirects from `url` (with the provider's own cookie jar) until one
// points back to `atriumBase`; returns that URL.
export async function walkProvider(url, atriumBase, jar = new Client(url)) {
  for (let i = 0; i < 10; i++) {
    if (url.startsWith(atriumBase)) return url;
    const r = await jar.get(url, { accept: 'text/html' });
    if (![302, 303].includes(r.status)) throw new Error(`provider answered ${r.status} at ${url}: ${r.text.slice(0, 300)}`);
    url = new URL(r.location, url).toString();
  }
  throw new Error('too many redirects at the provider');
}
