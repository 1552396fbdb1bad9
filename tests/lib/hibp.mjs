// A local stand-in for the Have I Been Pwned range API (k-anonymity): GET /range/<5 hex chars>
// answers "SUFFIX:COUNT" lines for the passwords it was given. Counts requests per prefix.
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';

export async function startHibp(breached = {}) {
  const table = new Map();
  for (const [password, count] of Object.entries(breached)) {
    const sha = createHash('sha1').update(password).digest('hex').toUpperCase();
    const prefix = sha.slice(0, 5);
    if (!table.has(prefix)) table.set(prefix, []);
    table.get(prefix).push(`${sha.slice(5)}:${count.toLocaleString('en-US')}`);
  }
  const hits = new Map();
  const server = createServer((req, res) => {
    const m = /^\/range\/([0-9A-F]{5})$/.exec(req.url);
    if (!m) {
      res.writeHead(404).end();
      return;
    }
    hits.set(m[1], (hits.get(m[1]) ?? 0) + 1);
    const lines = [...(table.get(m[1]) ?? []), '0018A45C4D1DEF81644B54AB7F969B88D65:3'];
    res.writeHead(200, { 'Content-Type': 'text/plain' }).end(lines.join('\r\n'));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    hits,
    close: () => new Promise((r) => server.close(r)),
  };
}
