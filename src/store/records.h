#pragma once
// What both database backends share: the SQL text, and how the domain's aggregates (identity,
// session, flow, error) map to rows. A backend only adapts its driver to Executor and decides
// where transactions begin and end.

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "courier/message.h"
#include "flow/error_store.h"
#include "flow/stored.h"
#include "identity/identity.h"
#include "login/flow.h"
#include "login/throttle.h"
#include "otp/codes.h"
#include "registration/flow.h"
#include "session/session.h"
#include "session/token_exchange.h"
#include "store/database.h"
#include "verification/flow.h"
#include "verification/store.h"

namespace atrium::store {

using Value = std::optional<std::string>;  // NULL or the value as text
using Params = std::vector<Value>;
using Row = std::vector<Value>;

// Runs one statement on one connection. Statements use $1, $2, ... placeholders (PostgreSQL
// syntax, also accepted by SQLite). Unique violations come back as ErrorCode::kConflict, other
// failures as kUnavailable.
class Executor {
 public:
  // What a failed statement's error becomes (which value a unique violation is about, say).
  using OnFailure = std::function<Error(Error)>;

  virtual ~Executor() = default;
  virtual Result<std::vector<Row>> Query(const char* sql, const Params& params) = 0;
  // Returns the number of rows changed.
  virtual Result<int64_t> Execute(const char* sql, const Params& params) = 0;
  // A write whose answer nothing needs before the transaction ends. A backend may send it without
  // waiting for that answer (PostgreSQL pipelines it): its failure then comes back, made into
  // `on_failure(error)`, from a later call or from the end of the transaction, which fails and
  // rolls back. By default it runs at once.
  virtual Status Send(const char* sql, const Params& params, const OnFailure& on_failure) {
    auto r = Execute(sql, params);
    if (r.ok()) {
      return OkStatus();
    }
    return on_failure(std::move(r).error());
  }
};

// The identifier or address whose insert hit a unique constraint.
struct ConflictingValue {
  std::string kind;  // "identifier" or "address"
  std::string type;  // credential type or address channel ("email")
  std::string value;
};

// Inserts the identity with credentials and addresses, then the session with its devices. Call
// inside a transaction. On a unique violation returns Conflict and fills `conflict`.
Status InsertIdentityWithSession(Executor& db, const identity::Identity& identity,
                                 const session::Session& session, ConflictingValue* conflict);
// Queues a courier message (status, send_count and timestamps as given). Call inside the
// transaction that writes what the message carries, so that both are stored or neither.
Status InsertCourierMessage(Executor& db, const courier::Message& message);
// Inserts a session with its devices. Call inside a transaction.
Status InsertSession(Executor& db, const session::Session& session);
// {"credential_types": [...of the owning identity], "identifier": value, "type": type}.
Result<Json> ConflictDetails(Executor& db, const ConflictingValue& conflict);

Result<std::optional<identity::Identity>> LoadIdentity(Executor& db, std::string_view id);
Result<std::optional<identity::Identity>> LoadIdentityByIdentifier(Executor& db,
                                                                   std::string_view type,
                                                                   std::string_view identifier);
Status UpdateCredentialConfigRow(Executor& db, std::string_view identity_id, std::string_view type,
                                 const Json& config);
Result<std::optional<identity::Identity>> LoadIdentityByAddress(Executor& db, std::string_view via,
                                                                std::string_view value);
// The session with its devices and identity; the identity comes without credentials, which
// never leave the server through a session.
Result<std::optional<session::Session>> LoadSessionByTokenDigest(Executor& db,
                                                                 std::string_view digest);
Result<std::optional<session::Session>> LoadSession(Executor& db, std::string_view id);
// What a re-authentication changes (session::SessionStore::UpdateSession); NotFound if absent.
Status UpdateSessionRow(Executor& db, const session::Session& session);
// active = false; whether a row matched.
Result<bool> RevokeSessionRow(Executor& db, std::string_view id);
// active = false for every session of the identity except `keep`; rows matched.
Result<int64_t> RevokeSessionsOfIdentityRows(Executor& db, std::string_view identity_id,
                                             std::string_view keep);
// The session lists of session::SessionStore (ListSessionsOfIdentity, ListSessions).
Result<session::SessionSlice> ListSessionsOfIdentityRows(Executor& db, std::string_view identity_id,
                                                         std::string_view except,
                                                         session::ActiveFilter filter,
                                                         Timestamp now, int64_t offset,
                                                         int64_t limit);
Result<std::vector<session::Session>> ListSessionRows(Executor& db, session::ActiveFilter filter,
                                                      Timestamp now,
                                                      const session::SessionCursor& after,
                                                      int64_t limit, bool with_identity);
// active = false where the id and the identity match; whether a row matched.
Result<bool> RevokeSessionOfIdentityRow(Executor& db, std::string_view identity_id,
                                        std::string_view session_id);
// expires_at only; whether a row matched.
Result<bool> SetSessionExpiryRow(Executor& db, std::string_view session_id, Timestamp expires_at);
// Deletes an identity's sessions (their devices go with them); rows deleted.
Result<int64_t> DeleteSessionsOfIdentityRows(Executor& db, std::string_view identity_id);

// Sign-in failure counters (login::AttemptStore).
Result<std::optional<login::AttemptStore::Counter>> LoadAttempts(Executor& db,
                                                                 std::string_view key);
// Returns the count including this failure.
Result<int64_t> RecordFailureRow(Executor& db, std::string_view key, Timestamp now,
                                 Timestamp restart_before, Timestamp expires_at);
Status DeleteAttemptsRow(Executor& db, std::string_view key);

// One-time codes (otp::CodeStore). IssueCodeRows retires the earlier codes of the flow and
// purpose, then inserts `codes` and queues `messages`: call inside one transaction.
Status IssueCodeRows(Executor& db, std::string_view flow_id, otp::Purpose purpose,
                     std::span<const otp::Code> codes, std::span<const courier::Message> messages);
Result<std::vector<otp::Code>> LoadActiveCodes(Executor& db, std::string_view flow_id,
                                               otp::Purpose purpose);
// Whether this call marked the code used (false: used already, or unknown).
Result<bool> UseCodeRow(Executor& db, std::string_view code_id, Timestamp now);
Result<int64_t> CountCodesToAddressRows(Executor& db, std::string_view address, Timestamp since);
Result<int64_t> CountCodesOfFlowRows(Executor& db, std::string_view flow_id, Timestamp since);

// `doc` is flow.Stored().
Status InsertFlow(Executor& db, const registration::Flow& flow, const flow::StoredDocument& doc);
// The most registration flows one statement writes or reads (InsertFlows, LoadFlowAnswers).
inline constexpr std::size_t kMaxFlowsPerStatement = 64;
// Several new flows (1 to kMaxFlowsPerStatement) in one statement, one round trip: all are
// inserted or none.
struct NewFlow {
  const registration::Flow* flow = nullptr;
  const flow::StoredDocument* doc = nullptr;
};
Status InsertFlows(Executor& db, std::span<const NewFlow> flows);
Status InsertFlow(Executor& db, const login::Flow& flow);
Result<std::optional<login::Flow>> LoadLoginFlow(Executor& db, std::string_view id);
Status UpdateFlowRow(Executor& db, const login::Flow& flow);
Result<std::optional<registration::Flow>> LoadFlow(Executor& db, std::string_view id);
Result<std::optional<flow::StoredAnswer>> LoadFlowAnswer(Executor& db, std::string_view id);
// LoadFlowAnswer of each id (1 to kMaxFlowsPerStatement, repeats allowed), in their order, read in
// one statement, one round trip. The outer error is the statement's; a row that cannot be read
// fails only its own ids.
Result<std::vector<Result<std::optional<flow::StoredAnswer>>>> LoadFlowAnswers(
    Executor& db, std::span<const std::string> ids);
// NotFound when no such flow exists.
Status UpdateFlowRow(Executor& db, const registration::Flow& flow);

Status InsertFlow(Executor& db, const verification::Flow& flow);
Result<std::optional<verification::Flow>> LoadVerificationFlow(Executor& db, std::string_view id);
Status UpdateFlowRow(Executor& db, const verification::Flow& flow);
// Verifiable addresses (verification::AddressStore); the updates return NotFound for unknown ids.
Result<std::optional<verification::OwnedAddress>> LoadVerifiableAddress(Executor& db,
                                                                        std::string_view via,
                                                                        std::string_view value);
Status MarkAddressSentRow(Executor& db, std::string_view address_id, Timestamp now);
Status MarkAddressVerifiedRow(Executor& db, std::string_view address_id, Timestamp now);
// The identity a verifiable address belongs to, or nullopt.
Result<std::optional<std::string>> OwnerOfVerifiableAddressRow(Executor& db,
                                                               std::string_view address_id);

Status InsertError(Executor& db, const flow::ErrorContainer& error);
Result<std::optional<flow::ErrorContainer>> LoadError(Executor& db, std::string_view id);

// Session token exchanges (session/token_exchange.h).
Status InsertTokenExchange(Executor& db, const session::TokenExchange& exchange);
Result<std::optional<session::TokenExchange>> LoadTokenExchangeOfFlow(Executor& db,
                                                                      std::string_view flow_id);
Status CompleteTokenExchangeRow(Executor& db, std::string_view id,
                                std::string_view return_to_code_digest, std::string_view session_id,
                                std::string_view sealed_token);
Result<std::optional<session::TokenExchange>> TakeTokenExchangeRow(
    Executor& db, std::string_view init_code_digest, std::string_view return_to_code_digest);

// Deletes at most `limit` stale rows of one kind (see Database::DeleteStale).
Result<int64_t> DeleteStaleRows(Executor& db, StaleKind kind, Timestamp cutoff, int limit);

// Inserts `make()` under `name` unless present, then reads the stored value.
Result<std::string> GetOrCreateSecretRow(Executor& db, std::string_view name,
                                         const std::function<std::string()>& make);

// A versioned schema change; each backend lists its own DDL.
struct Migration {
  int version;
  const char* name;
  const char* sql;
};

namespace sql {
inline constexpr const char* kMigrationsTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT "
    "NULL, applied_at BIGINT NOT NULL)";
inline constexpr const char* kMigrationApplied =
    "SELECT 1 FROM schema_migrations WHERE version = $1";
inline constexpr const char* kRecordMigration =
    "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)";
inline constexpr const char* kAppliedVersions = "SELECT version FROM schema_migrations";
inline constexpr const char* kPing = "SELECT 1";
}  // namespace sql

// Records migration `m` as applied after running its DDL via `run_ddl`, unless it already is.
Status ApplyMigration(Executor& db, const Migration& m,
                      const std::function<Status(const char* ddl)>& run_ddl);
// How many of `migrations` are not recorded as applied; writes nothing. `table_exists_sql`
// answers 1 or 0: whether schema_migrations exists (a backend-specific catalog query).
Result<int> CountPendingMigrations(Executor& db, const std::vector<Migration>& migrations,
                                   const char* table_exists_sql);

}  // namespace atrium::store
