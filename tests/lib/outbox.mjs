// What the courier's outbox holds for an address, read from the server's SQLite file: the
// messages queued (or sent) to it, newest last, and the one-time code in the newest one. Tests
// that must see a code without an SMTP round trip read it here; tests of delivery use
// tests/lib/smtp_sink.mjs.
import { query } from './db.mjs';

export function queuedTo(dbFile, address) {
  return query(
    dbFile,
    'SELECT id, status, recipient, subject, body, template_type, send_count FROM courier_messages WHERE recipient = ? ORDER BY created_at, id',
    [address],
  );
}

// The six-digit code in the newest message to `address` (throws when there is none).
export function latestCode(dbFile, address) {
  const messages = queuedTo(dbFile, address);
  if (messages.length === 0) throw new Error(`no message queued to ${address}`);
  const m = /\b(\d{6})\b/.exec(messages[messages.length - 1].body);
  if (!m) throw new Error(`no six-digit code in the message to ${address}`);
  return m[1];
}
