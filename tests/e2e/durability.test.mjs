// A flow the client has received is durable: writes are committed in groups (SQLite), and no
// answer leaves before the COMMIT that holds its flow. Killed right after the answers, the next
// server on the same database finds every flow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startAtrium } from '../lib/harness.mjs';

test('flows answered just before a SIGKILL are all there after the restart', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'atrium-durable-'));
  const config = { dsn: `sqlite://${dir}/atrium.db` };
  try {
    const first = await startAtrium({ config });
    // Many at once (below the per-address connection cap of 128), so that they are committed in groups.
    const answers = await Promise.all(
      Array.from({ length: 100 }, () =>
        fetch(first.base + 'self-service/registration/api', { headers: { Accept: 'application/json' } }),
      ),
    );
    const killed = new Promise((r) => first.proc.on('exit', r));
    first.proc.kill('SIGKILL');
    await killed;
    const ids = [];
    for (const a of answers) {
      assert.equal(a.status, 200);
      ids.push((await a.json()).id);
    }
    assert.equal(new Set(ids).size, 100);

    const second = await startAtrium({ config });
    try {
      for (const id of ids) {
        const r = await fetch(`${second.base}self-service/registration/flows?id=${id}`, {
          headers: { Accept: 'application/json' },
        });
        assert.equal(r.status, 200, `flow ${id} was answered but is gone after the crash`);
        assert.equal((await r.json()).id, id);
      }
    } finally {
      await second.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
