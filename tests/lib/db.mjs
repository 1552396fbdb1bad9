// Read-mostly access to a running server's SQLite database, for black-box tests that must prove
// something the HTTP API does not show (a stored hash, how many sessions exist). Uses the sqlite3
// command-line tool, which tools/setup-deps.sh installs; without it every query throws, so the
// tests that need it fail instead of being skipped.
import { spawnSync } from 'node:child_process';

// Runs one statement with positional `?` parameters; returns the rows as objects.
export function query(file, sql, params = []) {
  // The CLI has no parameter binding from argv: inline them as SQL literals.
  let i = 0;
  const inlined = sql.replace(/\?/g, () => {
    if (i >= params.length) throw new Error(`too few parameters for: ${sql}`);
    const v = params[i++];
    return typeof v === 'number' ? String(v) : `'${String(v).replaceAll("'", "''")}'`;
  });
  if (i !== params.length) throw new Error(`too many parameters for: ${sql}`);
  const r = spawnSync('sqlite3', ['-json', '-cmd', '.timeout 5000', file, inlined], { encoding: 'utf8' });
  if (r.error) {
    throw new Error(`the sqlite3 command-line tool is required (tools/setup-deps.sh installs it): ${r.error.message}`);
  }
  if (r.status !== 0) throw new Error(`sqlite3 failed (${r.status}): ${r.stderr}`);
  return r.stdout.trim() ? JSON.parse(r.stdout) : [];
}

// Runs SQL without blocking the event loop (a server in this process, such as the SMTP sink,
// keeps answering meanwhile): `sqlite3` for a file path, `psql` for a postgres:// DSN.
export async function execSql(target, sql) {
  const { execFile } = await import('node:child_process');
  const [cmd, args] = target.startsWith('postgres')
    ? ['psql', [target, '-q', '-v', 'ON_ERROR_STOP=1', '-c', sql]]
    : ['sqlite3', ['-cmd', '.timeout 5000', target, sql]];
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} failed: ${stderr || err.message}`));
      else resolve(stdout);
    });
  });
}
