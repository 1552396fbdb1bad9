// A local stand-in for the Have I Been Pwned range API (k-anonymity): GET /range/<5 hex chars>
// answers "SUFFIX:COUNT" lines for the passwords it was given. Counts requests per prefix.
//
// It can also misbehave, to test what Atrium does when its neighbour fails. `setMode(mode)`:
//   'ok'       answers at once (the default)
//   'slow'     answers after `delayMs` (setMode('slow', 3000))
//   'hang'     accepts the request and never answers
//   'reset'    resets the connection (TCP RST) instead of answering
//   'garbage'  answers bytes that are not HTTP and closes
//   'down'     stops listening (connections are refused); 'ok' or any other mode listens again
//              on the same port
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';

export function sha1Upper(password) {
  return createHash('sha1').update(password).digest('hex').toUpperCase();
}

export async function startHibp(breached = {}, { mode = 'ok', delayMs = 0 } = {}) {
  const table = new Map();
  for (const [password, count] of Object.entries(breached)) {
    const sha = sha1Upper(password);
    const prefix = sha.slice(0, 5);
    if (!table.has(prefix)) table.set(prefix, []);
    table.get(prefix).push(`${sha.slice(5)}:${count.toLocaleString('en-US')}`);
  }
  const hits = new Map();
  const sockets = new Set();
  const state = { mode, delayMs, requests: 0 };

  const answer = (req, res) => {
    const m = /^\/range\/([0-9A-F]{5})$/.exec(req.url);
    if (!m) {
      res.writeHead(404).end();
      return;
    }
    hits.set(m[1], (hits.get(m[1]) ?? 0) + 1);
    const lines = [...(table.get(m[1]) ?? []), '0018A45C4D1DEF81644B54AB7F969B88D65:3'];
    res.writeHead(200, { 'Content-Type': 'text/plain' }).end(lines.join('\r\n'));
  };
  const server = createServer((req, res) => {
    state.requests++;
    switch (state.mode) {
      case 'hang':
        return; // the socket stays open until the client gives up or we close
      case 'reset':
        req.socket.resetAndDestroy();
        return;
      case 'garbage':
        req.socket.end('SSH-2.0-OpenSSH_9.2\r\n\x01\x02 this is not HTTP\r\n\r\n');
        return;
      case 'slow': {
        const timer = setTimeout(() => answer(req, res), state.delayMs);
        res.on('close', () => clearTimeout(timer));
        return;
      }
      default:
        answer(req, res);
    }
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.keepAliveTimeout = 60_000;
  const listen = (port) => new Promise((r) => server.listen(port, '127.0.0.1', r));
  const stop = () =>
    new Promise((r) => {
      server.close(r);
      for (const s of sockets) s.destroy();
    });

  await listen(0);
  const port = server.address().port;
  if (mode === 'down') await stop();
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    hits,
    requests: () => state.requests,
    async setMode(next, delay = 0) {
      const wasDown = state.mode === 'down';
      state.mode = next;
      state.delayMs = delay;
      if (next === 'down' && !wasDown) await stop();
      if (next !== 'down' && wasDown) await listen(port);
    },
    close: () => (state.mode === 'down' ? Promise.resolve() : stop()),
  };
}
