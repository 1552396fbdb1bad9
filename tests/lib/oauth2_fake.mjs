// A stand-in for the plain OAuth2 providers GitHub and Discord (no OpenID Connect, no ID token):
// their authorize and token endpoints and the user APIs Atrium reads — GitHub's `/user` and
// `/user/emails`, Discord's `/users/@me`. Atrium reaches it through the providers' `auth_url` /
// `token_url` and Atrium's `atrium.oidc.api_urls` (docs/configuration.md).
//
//   /github/authorize, /discord/authorize   -> 303 back to redirect_uri with a code; the account
//                                              is the login_hint (an upstream parameter)
//   /token                                  -> checks client_secret_basic, answers an access
//                                              token and the granted `scope` (GitHub separates
//                                              scopes with commas, Discord with spaces)
//   /github-api/user, /github-api/user/emails, /discord-api/users/@me
//                                           -> the account's data for its bearer token
//
// `state.accounts` maps a login hint to `{ github: {user, emails}, discord: {...}, scope }`;
// `state.faults` maps a path to `{status, body, delayMs}` to make that endpoint fail.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { freePort } from './harness.mjs';

export async function startOAuth2Fake({ clientId = 'atrium', clientSecret = 'atrium-secret' } = {}) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const codes = new Map(); // code -> {kind, hint, redirectUri}
  const tokens = new Map(); // access token -> {kind, hint}
  const state = {
    accounts: new Map(),
    faults: new Map(),
    authorizeQueries: [], // the query of every authorization request
    apiCalls: [], // `${method} ${path}` of every user API call
  };
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, base);
    const json = (status, body) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    const fault = state.faults.get(url.pathname);
    if (fault) {
      if (fault.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
      return json(fault.status ?? 200, fault.body ?? '');
    }
    const authorize = url.pathname.match(/^\/(github|discord)\/authorize$/);
    if (req.method === 'GET' && authorize) {
      state.authorizeQueries.push(Object.fromEntries(url.searchParams));
      if (url.searchParams.get('client_id') !== clientId) return json(400, { error: 'invalid_client' });
      const code = randomBytes(16).toString('hex');
      codes.set(code, { kind: authorize[1], hint: url.searchParams.get('login_hint') ?? '', redirectUri: url.searchParams.get('redirect_uri') });
      const back = new URL(url.searchParams.get('redirect_uri'));
      back.searchParams.set('code', code);
      back.searchParams.set('state', url.searchParams.get('state'));
      res.writeHead(303, { Location: back.toString() });
      return res.end();
    }
    if (req.method === 'POST' && url.pathname === '/token') {
      let body = '';
      for await (const chunk of req) body += chunk;
      const form = new URLSearchParams(body);
      const expected = 'Basic ' + Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64');
      if (req.headers.authorization !== expected) return json(401, { error: 'invalid_client' });
      const grant = codes.get(form.get('code'));
      codes.delete(form.get('code'));
      if (!grant || form.get('grant_type') !== 'authorization_code' || form.get('redirect_uri') !== grant.redirectUri) {
        return json(400, { error: 'invalid_grant' });
      }
      const account = state.accounts.get(grant.hint) ?? {};
      const access = 'gho_' + randomBytes(12).toString('hex');
      tokens.set(access, grant);
      const scope = account.scope ?? (grant.kind === 'github' ? 'user:email' : 'identify email');
      return json(200, { access_token: access, token_type: 'bearer', scope });
    }
    const api = url.pathname.match(/^\/(github|discord)-api(\/.*)$/);
    if (req.method === 'GET' && api) {
      state.apiCalls.push(`GET ${url.pathname}`);
      const auth = req.headers.authorization ?? '';
      const grant = tokens.get(auth.replace(/^Bearer /, ''));
      if (!grant || grant.kind !== api[1]) return json(401, { message: 'Bad credentials' });
      const account = state.accounts.get(grant.hint)?.[grant.kind];
      if (!account) return json(404, { message: 'Not Found' });
      if (grant.kind === 'github' && api[2] === '/user') return json(200, account.user);
      if (grant.kind === 'github' && api[2] === '/user/emails') return json(200, account.emails ?? []);
      if (grant.kind === 'discord' && api[2] === '/users/@me') return json(200, account.user);
    }
    json(404, { message: 'Not Found' });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    base,
    port,
    state,
    stop: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }),
  };
}
