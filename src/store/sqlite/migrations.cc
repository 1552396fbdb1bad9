#include "store/sqlite/migrations.h"

namespace atrium::store::sqlite {

// Timestamps are INTEGER nanoseconds since the Unix epoch (UTC); JSON documents are TEXT.
const std::vector<Migration>& Migrations() {
  static const std::vector<Migration> migrations = {
      {1, "identities", R"sql(
CREATE TABLE identities (
  id TEXT PRIMARY KEY,
  schema_id TEXT NOT NULL,
  state TEXT NOT NULL,
  state_changed_at INTEGER NOT NULL,
  traits TEXT NOT NULL,
  metadata_public TEXT,
  metadata_admin TEXT,
  organization_id TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE identity_credentials (
  id TEXT PRIMARY KEY,
  identity_id TEXT NOT NULL REFERENCES identities(id) ON DELETE CASCADE,
  type TEXT NOT NULL,
  config TEXT NOT NULL,
  version INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (identity_id, type)
);
CREATE TABLE identity_credential_identifiers (
  id TEXT PRIMARY KEY,
  credential_id TEXT NOT NULL REFERENCES identity_credentials(id) ON DELETE CASCADE,
  identity_id TEXT NOT NULL REFERENCES identities(id) ON DELETE CASCADE,
  type TEXT NOT NULL,
  identifier TEXT NOT NULL,
  position INTEGER NOT NULL,
  UNIQUE (type, identifier)
);
CREATE TABLE identity_verifiable_addresses (
  id TEXT PRIMARY KEY,
  identity_id TEXT NOT NULL REFERENCES identities(id) ON DELETE CASCADE,
  via TEXT NOT NULL,
  value TEXT NOT NULL,
  verified INTEGER NOT NULL,
  status TEXT NOT NULL,
  verified_at INTEGER,
  position INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (via, value)
);
CREATE TABLE identity_recovery_addresses (
  id TEXT PRIMARY KEY,
  identity_id TEXT NOT NULL REFERENCES identities(id) ON DELETE CASCADE,
  via TEXT NOT NULL,
  value TEXT NOT NULL,
  position INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (via, value)
);
CREATE INDEX identity_credentials_identity ON identity_credentials(identity_id);
CREATE INDEX identity_verifiable_addresses_identity ON identity_verifiable_addresses(identity_id);
CREATE INDEX identity_recovery_addresses_identity ON identity_recovery_addresses(identity_id);
)sql"},
      {2, "sessions", R"sql(
CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  token TEXT NOT NULL UNIQUE,
  identity_id TEXT NOT NULL REFERENCES identities(id) ON DELETE CASCADE,
  active INTEGER NOT NULL,
  aal TEXT NOT NULL,
  authentication_methods TEXT NOT NULL,
  issued_at INTEGER NOT NULL,
  authenticated_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE TABLE session_devices (
  id TEXT PRIMARY KEY,
  session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  ip_address TEXT NOT NULL,
  user_agent TEXT,
  location TEXT NOT NULL,
  position INTEGER NOT NULL
);
CREATE INDEX session_devices_session ON session_devices(session_id);
)sql"},
      {3, "self-service flows, errors and secrets", R"sql(
CREATE TABLE selfservice_registration_flows (
  id TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  data TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX selfservice_registration_flows_expires ON selfservice_registration_flows(expires_at);
CREATE TABLE selfservice_errors (
  id TEXT PRIMARY KEY,
  error TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE secrets (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
)sql"},
      // Sessions are looked up by the digest of their token; the token itself is never stored.
      // atrium_sha256_hex is registered on every connection by the store.
      {4, "session token digests", R"sql(
ALTER TABLE sessions RENAME COLUMN token TO token_digest;
UPDATE sessions SET token_digest = atrium_sha256_hex(token_digest);
)sql"},
      {5, "login flows", R"sql(
CREATE TABLE selfservice_login_flows (
  id TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  data TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX selfservice_login_flows_expires ON selfservice_login_flows(expires_at);
CREATE INDEX sessions_identity ON sessions(identity_id);
)sql"},
      // Sign-in failure counters of the login throttle (Atrium only).
      {6, "login attempts", R"sql(
CREATE TABLE login_attempts (
  attempt_key TEXT PRIMARY KEY,
  failures INTEGER NOT NULL,
  last_failure INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX login_attempts_expires ON login_attempts(expires_at);
)sql"},
      // The keyset order of GET /admin/sessions (issued_at descending, then id).
      {7, "session listing", R"sql(
CREATE INDEX sessions_issued_at ON sessions(issued_at, id);
)sql"},
      // The courier's durable outbox: a message is queued in the transaction that creates what
      // it carries; senders claim due messages with a lease (lease_owner, lease_expires_at).
      {8, "courier messages", R"sql(
CREATE TABLE courier_messages (
  id TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  status TEXT NOT NULL,
  recipient TEXT NOT NULL,
  subject TEXT NOT NULL,
  body TEXT NOT NULL,
  html_body TEXT NOT NULL,
  template_type TEXT NOT NULL,
  template_data TEXT NOT NULL,
  send_count INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL,
  lease_owner TEXT,
  lease_expires_at INTEGER,
  last_error TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX courier_messages_due ON courier_messages(status, next_attempt_at);
CREATE INDEX courier_messages_created ON courier_messages(created_at, id);
)sql"},
      // One-time codes (kept as keyed digests only) and verification flows. A code is retired
      // (not deleted) when a newer one replaces it, so that sends per address stay countable.
      {9, "one-time codes and verification flows", R"sql(
CREATE TABLE one_time_codes (
  id TEXT PRIMARY KEY,
  flow_id TEXT NOT NULL,
  purpose TEXT NOT NULL,
  address TEXT NOT NULL,
  via TEXT NOT NULL,
  digest TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at INTEGER,
  retired INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX one_time_codes_flow ON one_time_codes(flow_id, purpose);
CREATE INDEX one_time_codes_address ON one_time_codes(address, created_at);
CREATE INDEX one_time_codes_expires ON one_time_codes(expires_at);
CREATE TABLE selfservice_verification_flows (
  id TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  data TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX selfservice_verification_flows_expires ON selfservice_verification_flows(expires_at);
)sql"},
      // The delivery attempts of each message (GET /admin/courier/messages/{id} "dispatches"),
      // and the index that finds expired leases.
      {10, "courier dispatches", R"sql(
CREATE TABLE courier_message_dispatches (
  id TEXT PRIMARY KEY,
  message_id TEXT NOT NULL REFERENCES courier_messages(id) ON DELETE CASCADE,
  status TEXT NOT NULL,
  error TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX courier_message_dispatches_message ON courier_message_dispatches(message_id, created_at);
CREATE INDEX courier_messages_lease ON courier_messages(status, lease_expires_at);
)sql"},
      // Native apps' session token exchanges (docs/wire/registration.md §17.6): the digests of
      // the two codes, and the session token sealed with the cookie secrets until it is taken.
      {12, "session token exchanges", R"sql(
CREATE TABLE session_token_exchanges (
  id TEXT PRIMARY KEY,
  flow_id TEXT NOT NULL,
  init_code_digest TEXT NOT NULL,
  return_to_code_digest TEXT NOT NULL,
  session_id TEXT,
  sealed_token TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX session_token_exchanges_flow ON session_token_exchanges(flow_id);
CREATE INDEX session_token_exchanges_codes ON session_token_exchanges(init_code_digest, return_to_code_digest);
CREATE INDEX session_token_exchanges_expires ON session_token_exchanges(expires_at);
)sql"},
      // Registration flows split in two (flow::SplitForStorage): the public answer a fetch sends
      // as it is, serialized once when the flow is written, beside the private rest in `data`.
      // Rows written before have no answer and keep the whole flow in `data`.
      {13, "stored registration flow answers", R"sql(
ALTER TABLE selfservice_registration_flows ADD COLUMN answer TEXT;
)sql"},
      // Every lookup served by an index, and no index that nothing reads (each costs a page write
      // per registration). Loading an identity read its credential identifiers by a full scan of
      // all identities' identifiers; identity_credentials(identity_id) repeats the leading column
      // of UNIQUE (identity_id, type). (PostgreSQL's migration 15 does its part.)
      {15, "indexes that serve the lookups", R"sql(
CREATE INDEX identity_credential_identifiers_identity ON identity_credential_identifiers(identity_id);
DROP INDEX identity_credentials_identity;
)sql"},
      // The sweeper finds stale sessions and errors by an index, as it finds everything else it
      // deletes: each sweep read both tables whole, inside the write lock. A new session expires
      // after the ones before it, so the expiry index grows at its right edge.
      {16, "stale sessions and errors by time", R"sql(
CREATE INDEX sessions_expires ON sessions(expires_at);
CREATE INDEX selfservice_errors_created ON selfservice_errors(created_at);
)sql"},
  };
  return migrations;
}

}  // namespace atrium::store::sqlite
