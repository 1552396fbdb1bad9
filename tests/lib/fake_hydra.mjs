// A local stand-in for Ory Hydra's admin API (the two calls Atrium makes: get and accept a login
// request), recording every call so that tests can assert what Atrium sent. Modes make it fail the
// ways a real neighbour does: slow, garbage, 5xx, or refusing the acceptance.
import http from 'node:http';

export async function startFakeHydra() {
  const logins = new Map(); // challenge -> { skip, subject, request_url, handled }
  const calls = [];
  let mode = 'ok';
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const url = new URL(req.url, 'http://hydra.local');
      const challenge = url.searchParams.get('login_challenge');
      let body;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        body = raw;
      }
      calls.push({ method: req.method, path: url.pathname, challenge, headers: req.headers, body });
      const send = (status, payload) => {
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(typeof payload === 'string' ? payload : JSON.stringify(payload));
      };
      if (mode === 'slow') return void setTimeout(() => send(200, {}), 8000);
      if (mode === 'garbage') return send(200, '<html>not json');
      if (mode === 'error500') return send(500, { error: 'server_error' });
      const login = logins.get(challenge);
      if (url.pathname === '/admin/oauth2/auth/requests/login' && req.method === 'GET') {
        if (!login) return send(404, { error: 'Not Found', error_description: 'Unable to locate the requested resource' });
        if (login.handled) return send(410, { redirect_to: 'http://hydra.test/oauth2/fallbacks/error' });
        return send(200, {
          challenge,
          skip: login.skip,
          subject: login.subject,
          request_url: login.request_url,
          client: { client_id: 'shop-app', client_name: 'Shop' },
          requested_scope: ['openid', 'offline'],
        });
      }
      if (url.pathname === '/admin/oauth2/auth/requests/login/accept' && req.method === 'PUT') {
        if (!login || login.handled || mode === 'refuse-accept') {
          return send(409, { error: 'request_conflict', error_hint: 'The login request was already handled.' });
        }
        login.handled = true;
        return send(200, { redirect_to: `http://hydra.test/oauth2/auth?login_verifier=v-${challenge}` });
      }
      send(404, { error: 'Not Found' });
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  let seq = 0;
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    calls,
    // A pending login request; returns its challenge.
    add({ skip = false, subject = '' } = {}) {
      const challenge = `challenge-${process.pid}-${++seq}`;
      logins.set(challenge, { skip, subject, request_url: `http://hydra.test/oauth2/auth?client_id=shop-app&state=${seq}`, handled: false });
      return challenge;
    },
    accepted(challenge) {
      return calls.filter((c) => c.method === 'PUT' && c.challenge === challenge);
    },
    setMode(m) {
      mode = m;
    },
    close() {
      server.closeAllConnections?.();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}
