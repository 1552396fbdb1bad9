// Read-mostly access to a running server's SQLite database, for black-box tests that must prove
// something the HTTP API does not show (a stored hash, how many sessions exist). Uses the sqlite3
// command-line tool, or node:sqlite where the runtime has it; `sqliteAvailable` is false when
// neither exists, and callers skip with a message then.
import { spawnSync } from 'node:child_process';

function hasCli() {
  const r = spawnSync('sqlite3', ['-version'], { encoding: 'utf8' });
  return r.status === 0;
}

let nodeSqlite = null;
try {
  nodeSqlite = await import('node:sqlite');
} catch {
  nodeSqlite = null;
}

const cli = hasCli();
export const sqliteAvailable = cli || nodeSqlite !== null;
export const noSqliteReason = 'neither the sqlite3 CLI nor node:sqlite is available';

// Runs one statement with positional `?` parameters; returns the rows as objects.
export function query(file, sql, params = []) {
  if (cli) {
    // The CLI has no parameter binding from argv: inline them as SQL string literals.
    let i = 0;
    const inlined = sql.replace(/\?/g, () => {
      const v = params[i++];
      return typeof v === 'number' ? String(v) : `'${String(v).replaceAll("'", "''")}'`;
    });
    const r = spawnSync('sqlite3', ['-json', '-cmd', '.timeout 5000', file, inlined], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`sqlite3 failed (${r.status}): ${r.stderr}`);
    return r.stdout.trim() ? JSON.parse(r.stdout) : [];
  }
  const db = new nodeSqlite.DatabaseSync(file);
  try {
    db.exec('PRAGMA busy_timeout = 5000');
    const stmt = db.prepare(sql);
    return /^\s*select/i.test(sql) ? stmt.all(...params) : (stmt.run(...params), []);
  } finally {
    db.close();
  }
}
