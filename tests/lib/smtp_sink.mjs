// A real SMTP server on loopback (npm smtp-server + mailparser) that keeps every message it
// accepts, so that black-box tests can read what Atrium's courier delivered.
//
// It can also misbehave, to test what the courier does when its neighbour fails. `setMode(mode)`:
//   'ok'           accepts every message (the default)
//   'slow'         waits `delayMs` before answering DATA (setMode('slow', 5000))
//   'reject-rcpt'  answers 550 to every RCPT TO (the recipient is refused)
//   'tempfail'     answers 451 after DATA (a temporary failure)
//   'drop'         destroys the connection in the middle of DATA
//   'down'         stops listening (connections are refused); any other mode listens again on
//                  the same port
// Plain SMTP by default; `{ tls: 'starttls' }` offers STARTTLS with smtp-server's built-in
// self-signed certificate, `{ tls: 'implicit' }` is smtps. `{ auth: { user, pass } }` requires
// AUTH PLAIN/LOGIN with those credentials.
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export async function startSmtpSink({ tls = 'none', auth = null, mode = 'ok', delayMs = 0 } = {}) {
  const messages = [];
  const state = { mode, delayMs, attempts: 0, connections: 0, port: 0 };
  const waiters = new Set();
  const sockets = new Set();

  const notify = () => {
    for (const w of [...waiters]) {
      if (w.check()) waiters.delete(w);
    }
  };

  const options = {
    secure: tls === 'implicit',
    disabledCommands: [...(tls === 'starttls' ? [] : ['STARTTLS']), ...(auth ? [] : ['AUTH'])],
    authOptional: !auth,
    allowInsecureAuth: true,
    logger: false,
    disableReverseLookup: true,
    size: 10 * 1024 * 1024,
    onConnect(session, callback) {
      callback();
    },
    onAuth(a, session, callback) {
      if (auth && a.username === auth.user && a.password === auth.pass) {
        callback(null, { user: a.username });
      } else {
        callback(new Error('Invalid username or password'));
      }
    },
    onRcptTo(address, session, callback) {
      if (state.mode === 'reject-rcpt') {
        const err = new Error('Recipient address rejected');
        err.responseCode = 550;
        callback(err);
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      state.attempts += 1;
      if (state.mode === 'drop') {
        stream.on('error', () => {});
        // smtp-server does not expose the socket on the session: destroy every open one.
        stream.once('data', () => {
          for (const s of sockets) s.destroy();
        });
        stream.resume();
        return;
      }
      const chunks = [];
      stream.on('data', (c) => chunks.push(c));
      stream.on('end', async () => {
        const finish = async () => {
          if (state.mode === 'tempfail') {
            const err = new Error('Temporary failure, try again later');
            err.responseCode = 451;
            callback(err);
            return;
          }
          const raw = Buffer.concat(chunks);
          let parsed;
          try {
            parsed = await simpleParser(raw);
          } catch (e) {
            callback(e);
            return;
          }
          messages.push({
            from: session.envelope.mailFrom?.address ?? '',
            to: session.envelope.rcptTo.map((r) => r.address),
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
            html: typeof parsed.html === 'string' ? parsed.html : '',
            headers: Object.fromEntries([...parsed.headers].map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])),
            raw: raw.toString('utf8'),
            secure: Boolean(session.secure),
            user: session.user ?? null,
          });
          callback(null, 'Message queued');
          notify();
        };
        if (state.mode === 'slow') setTimeout(finish, state.delayMs);
        else finish();
      });
    },
  };

  let server = null;
  const listen = () =>
    new Promise((resolve, reject) => {
      server = new SMTPServer(options);
      // One client that rejects the certificate would otherwise crash the sink.
      server.on('error', () => {});
      server.server.on('connection', (s) => {
        state.connections += 1;
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
      });
      server.server.once('error', reject);
      server.listen(state.port, '127.0.0.1', () => {
        state.port = server.server.address().port;
        resolve();
      });
    });
  const stop = () =>
    new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      if (!server) {
        resolve();
        return;
      }
      server.close(() => resolve());
      server = null;
    });
  await listen();

  return {
    get port() {
      return state.port;
    },
    // The courier's connection_uri for this sink (STARTTLS off unless the sink offers it).
    uri({ user, pass } = auth ?? {}) {
      const cred = user ? `${encodeURIComponent(user)}:${encodeURIComponent(pass)}@` : '';
      const scheme = tls === 'implicit' ? 'smtps' : 'smtp';
      const params = tls === 'none' ? '?disable_starttls=true' : '?skip_ssl_verify=true';
      return `${scheme}://${cred}127.0.0.1:${state.port}/${params}`;
    },
    messages,
    // How many DATA commands arrived (including ones that were refused or dropped).
    get attempts() {
      return state.attempts;
    },
    // How many TCP connections clients opened.
    get connections() {
      return state.connections;
    },
    // Messages delivered to `address` (case-insensitive).
    to(address) {
      const a = address.toLowerCase();
      return messages.filter((m) => m.to.some((t) => t.toLowerCase() === a));
    },
    // Resolves with the messages to `address` once there are at least `count` of them; rejects
    // after `timeoutMs`.
    waitFor(address, { count = 1, timeoutMs = 10000 } = {}) {
      return new Promise((resolve, reject) => {
        const w = {
          check: () => {
            const got = this.to(address);
            if (got.length >= count) {
              clearTimeout(w.timer);
              resolve(got);
              return true;
            }
            return false;
          },
        };
        if (w.check()) return;
        w.timer = setTimeout(() => {
          waiters.delete(w);
          reject(new Error(`smtp sink: ${count} message(s) to ${address} not received within ${timeoutMs} ms (got ${this.to(address).length})`));
        }, timeoutMs);
        waiters.add(w);
      });
    },
    async setMode(m, ms = 0) {
      const wasDown = state.mode === 'down';
      state.mode = m;
      state.delayMs = ms;
      if (m === 'down' && !wasDown) await stop();
      if (m !== 'down' && wasDown) await listen();
    },
    close: stop,
  };
}

// The six-digit one-time code in a message's text (throws when there is none).
export function codeIn(message) {
  const m = /\b(\d{6})\b/.exec(message.text);
  if (!m) throw new Error(`no six-digit code in: ${message.text}`);
  return m[1];
}
