#include "store/records.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <functional>
#include <map>

#include "base/json.h"
#include "base/random.h"

namespace atrium::store {
namespace {

namespace q {
constexpr const char* kInsertIdentity =
    "INSERT INTO identities (id, schema_id, state, state_changed_at, traits, metadata_public, "
    "metadata_admin, organization_id, created_at, updated_at) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
constexpr const char* kInsertCredential =
    "INSERT INTO identity_credentials (id, identity_id, type, config, version, created_at, "
    "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)";
constexpr const char* kInsertIdentifier =
    "INSERT INTO identity_credential_identifiers (id, credential_id, identity_id, type, "
    "identifier, position) VALUES ($1, $2, $3, $4, $5, $6)";
constexpr const char* kInsertVerifiable =
    "INSERT INTO identity_verifiable_addresses (id, identity_id, via, value, verified, status, "
    "verified_at, position, created_at, updated_at) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
constexpr const char* kInsertRecovery =
    "INSERT INTO identity_recovery_addresses (id, identity_id, via, value, position, "
    "created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)";
constexpr const char* kInsertSession =
    "INSERT INTO sessions (id, token_digest, identity_id, active, aal, authentication_methods, "
    "issued_at, authenticated_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
constexpr const char* kInsertDevice =
    "INSERT INTO session_devices (id, session_id, ip_address, user_agent, location, position) "
    "VALUES ($1, $2, $3, $4, $5, $6)";
constexpr const char* kSelectIdentity =
    "SELECT id, schema_id, state, state_changed_at, traits, metadata_public, metadata_admin, "
    "organization_id, created_at, updated_at FROM identities WHERE id = $1";
constexpr const char* kSelectCredentials =
    "SELECT id, type, config, version FROM identity_credentials WHERE identity_id = $1 "
    "ORDER BY type";
constexpr const char* kSelectIdentifiers =
    "SELECT credential_id, identifier FROM identity_credential_identifiers "
    "WHERE identity_id = $1 ORDER BY position";
constexpr const char* kSelectVerifiable =
    "SELECT id, value, verified, via, status, verified_at, created_at, updated_at "
    "FROM identity_verifiable_addresses WHERE identity_id = $1 ORDER BY position";
constexpr const char* kSelectRecovery =
    "SELECT id, value, via, created_at, updated_at FROM identity_recovery_addresses "
    "WHERE identity_id = $1 ORDER BY position";
constexpr const char* kOwnerOfIdentifier =
    "SELECT identity_id FROM identity_credential_identifiers WHERE type = $1 AND identifier = $2";
constexpr const char* kOwnerOfAddress =
    "SELECT identity_id FROM identity_verifiable_addresses WHERE via = $1 AND value = $2 "
    "UNION ALL SELECT identity_id FROM identity_recovery_addresses WHERE via = $1 AND value = $2 "
    "LIMIT 1";
constexpr const char* kUpdateCredentialConfig =
    "UPDATE identity_credentials SET config = $1, updated_at = $2 WHERE identity_id = $3 AND "
    "type = $4";
constexpr const char* kCredentialTypes =
    "SELECT type FROM identity_credentials WHERE identity_id = $1 ORDER BY type";
// A whole session in one statement (whoami runs one query per check): the session with its
// identity (kind 0), its devices (1), the identity's verifiable (2) and recovery (3) addresses,
// each kind in its order. Every payload column is text, so that the branches have one shape on
// both backends; the columns a kind does not use are NULL. `where` selects the session `s`.
// clang-format off
#define ATRIUM_WHOLE_SESSION(where)                                                                \
  "SELECT 0, 0, CAST(s.id AS TEXT), CAST(s.token_digest AS TEXT), CAST(s.identity_id AS TEXT), "   \
  "CAST(s.active AS TEXT), CAST(s.aal AS TEXT), CAST(s.authentication_methods AS TEXT), "          \
  "CAST(s.issued_at AS TEXT), CAST(s.authenticated_at AS TEXT), CAST(s.expires_at AS TEXT), "      \
  "CAST(i.id AS TEXT), CAST(i.schema_id AS TEXT), CAST(i.state AS TEXT), "                         \
  "CAST(i.state_changed_at AS TEXT), CAST(i.traits AS TEXT), CAST(i.metadata_public AS TEXT), "    \
  "CAST(i.metadata_admin AS TEXT), CAST(i.organization_id AS TEXT), CAST(i.created_at AS TEXT), "  \
  "CAST(i.updated_at AS TEXT) FROM sessions s JOIN identities i ON i.id = s.identity_id "          \
  "WHERE " where                                                                                   \
  " UNION ALL SELECT 1, d.position, CAST(d.id AS TEXT), CAST(d.ip_address AS TEXT), "              \
  "CAST(d.user_agent AS TEXT), CAST(d.location AS TEXT), NULL, NULL, NULL, NULL, NULL, NULL, "     \
  "NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL FROM session_devices d "                   \
  "JOIN sessions s ON d.session_id = s.id WHERE " where                                            \
  " UNION ALL SELECT 2, a.position, CAST(a.id AS TEXT), CAST(a.value AS TEXT), "                   \
  "CAST(a.verified AS TEXT), CAST(a.via AS TEXT), CAST(a.status AS TEXT), "                        \
  "CAST(a.verified_at AS TEXT), CAST(a.created_at AS TEXT), CAST(a.updated_at AS TEXT), NULL, "    \
  "NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL "                                    \
  "FROM identity_verifiable_addresses a JOIN sessions s ON a.identity_id = s.identity_id "         \
  "WHERE " where                                                                                   \
  " UNION ALL SELECT 3, r.position, CAST(r.id AS TEXT), CAST(r.value AS TEXT), "                   \
  "CAST(r.via AS TEXT), CAST(r.created_at AS TEXT), CAST(r.updated_at AS TEXT), NULL, NULL, "      \
  "NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL "                        \
  "FROM identity_recovery_addresses r JOIN sessions s ON r.identity_id = s.identity_id "           \
  "WHERE " where " ORDER BY 1, 2"
// clang-format on
constexpr const char* kSelectSession = ATRIUM_WHOLE_SESSION("s.token_digest = $1");
constexpr const char* kSelectSessionById = ATRIUM_WHOLE_SESSION("s.id = $1");
#undef ATRIUM_WHOLE_SESSION
constexpr const char* kSelectVerifiableOwner =
    "SELECT identity_id FROM identity_verifiable_addresses WHERE id = $1";
// A re-authentication: what changes (issued_at stays, as in Kratos, where it is not written).
constexpr const char* kUpdateSession =
    "UPDATE sessions SET active = $1, aal = $2, authentication_methods = $3, "
    "authenticated_at = $4, expires_at = $5 WHERE id = $6";
constexpr const char* kInsertDeviceIfNew =
    "INSERT INTO session_devices (id, session_id, ip_address, user_agent, location, position) "
    "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING";
constexpr const char* kRevokeSession = "UPDATE sessions SET active = $1 WHERE id = $2";
constexpr const char* kRevokeSessionsOfIdentity =
    "UPDATE sessions SET active = $1 WHERE identity_id = $2 AND id <> $3";
constexpr const char* kRevokeSessionOfIdentity =
    "UPDATE sessions SET active = $1 WHERE id = $2 AND identity_id = $3";
constexpr const char* kSetSessionExpiry = "UPDATE sessions SET expires_at = $1 WHERE id = $2";
constexpr const char* kDeleteSessionsOfIdentity = "DELETE FROM sessions WHERE identity_id = $1";

// Session lists. SQL text stays literal (prepared statements are cached by its address), so the
// parts the list queries share are spelled once as macros of string literals.
//
// Which sessions a list keeps (session::ActiveFilter) as one condition: `mode` is 'any',
// 'active' or 'inactive', `yes` the boolean true, `now` the time. SQLite numbers "$n"
// parameters by first appearance, so each query names its parameters in ascending order.
#define ATRIUM_ACTIVE_FILTER(mode, yes, now)                                                \
  "(CAST(" mode " AS TEXT) = 'any' OR (CAST(" mode " AS TEXT) = 'active' AND active = " yes \
  " AND expires_at >= " now ") OR (CAST(" mode " AS TEXT) = 'inactive' AND (active <> " yes \
  " OR expires_at < " now ")))"
#define ATRIUM_SESSION_COLUMNS                                                      \
  "id, token_digest, identity_id, active, aal, authentication_methods, issued_at, " \
  "authenticated_at, expires_at"
// Newest first; the id breaks ties (keyset order of GET /admin/sessions).
#define ATRIUM_SESSION_ORDER " ORDER BY issued_at DESC, id ASC"
// A page of sessions (the subquery `page`, selecting ATRIUM_SESSION_COLUMNS) with the devices of
// each: one row per device, or one row with NULL device columns.
// clang-format off
#define ATRIUM_WITH_DEVICES(page)                                                           \
  "SELECT s.id, s.token_digest, s.identity_id, s.active, s.aal, s.authentication_methods, " \
  "s.issued_at, s.authenticated_at, s.expires_at, d.id, d.ip_address, d.user_agent, "       \
  "d.location FROM (" page ") s LEFT JOIN session_devices d ON d.session_id = s.id "         \
  "ORDER BY s.issued_at DESC, s.id ASC, d.position ASC"
// Sessions of one identity: $1 identity, $2 except, $3-$5 filter; $6 limit, $7 offset.
#define ATRIUM_OF_IDENTITY_WHERE \
  " FROM sessions WHERE identity_id = $1 AND id <> $2 AND " ATRIUM_ACTIVE_FILTER("$3", "$4", "$5")
// All sessions after a keyset position: $1-$3 filter, $4 issued_at and $5 id of the position,
// $6 limit.
#define ATRIUM_ALL_PAGE(columns)                                                    \
  "SELECT " columns " FROM sessions WHERE " ATRIUM_ACTIVE_FILTER("$1", "$2", "$3") \
  " AND (issued_at < $4 OR (issued_at = $4 AND id > $5))" ATRIUM_SESSION_ORDER " LIMIT $6"
// clang-format on

constexpr const char* kCountSessionsOfIdentity = "SELECT count(*)" ATRIUM_OF_IDENTITY_WHERE;
constexpr const char* kListSessionsOfIdentity = ATRIUM_WITH_DEVICES(
    "SELECT " ATRIUM_SESSION_COLUMNS ATRIUM_OF_IDENTITY_WHERE ATRIUM_SESSION_ORDER
    " LIMIT $6 OFFSET $7");
constexpr const char* kListSessions = ATRIUM_WITH_DEVICES(ATRIUM_ALL_PAGE(ATRIUM_SESSION_COLUMNS));
// The identities of the same page, and their addresses (with the owner's id last).
constexpr const char* kListSessionIdentities =
    "SELECT id, schema_id, state, state_changed_at, traits, metadata_public, metadata_admin, "
    "organization_id, created_at, updated_at FROM identities WHERE id IN (" ATRIUM_ALL_PAGE(
        "identity_id") ")";
constexpr const char* kListSessionVerifiable =
    "SELECT id, value, verified, via, status, verified_at, created_at, updated_at, identity_id "
    "FROM identity_verifiable_addresses WHERE identity_id IN (" ATRIUM_ALL_PAGE(
        "identity_id") ") ORDER BY identity_id, position";
constexpr const char* kListSessionRecovery =
    "SELECT id, value, via, created_at, updated_at, identity_id FROM identity_recovery_addresses "
    "WHERE identity_id IN (" ATRIUM_ALL_PAGE("identity_id") ") ORDER BY identity_id, position";
#undef ATRIUM_ALL_PAGE
#undef ATRIUM_OF_IDENTITY_WHERE
#undef ATRIUM_WITH_DEVICES
#undef ATRIUM_SESSION_ORDER
#undef ATRIUM_SESSION_COLUMNS
#undef ATRIUM_ACTIVE_FILTER
// Each kind of self-service flow has a table of the same shape: the flow as JSON plus what the
// queries need.
struct FlowTable {
  const char* insert;
  const char* select;
  const char* update;
};
// Registration flows are stored split (flow::SplitForStorage): `answer` holds the public JSON a
// fetch sends as it is, `data` the private rest; rows of older versions have no answer and the
// whole flow in `data`.
constexpr const char* kSelectRegistrationFlow =
    "SELECT type, expires_at, data, answer FROM selfservice_registration_flows WHERE id = $1";
constexpr const char* kUpdateRegistrationFlow =
    "UPDATE selfservice_registration_flows SET expires_at = $1, data = $2, answer = $3, "
    "updated_at = $4 WHERE id = $5";
constexpr FlowTable kLoginFlows{
    "INSERT INTO selfservice_login_flows (id, type, expires_at, data, created_at, updated_at) "
    "VALUES ($1, $2, $3, $4, $5, $6)",
    "SELECT data FROM selfservice_login_flows WHERE id = $1",
    "UPDATE selfservice_login_flows SET expires_at = $1, data = $2, updated_at = $3 WHERE id = $4"};
constexpr FlowTable kVerificationFlows{
    "INSERT INTO selfservice_verification_flows (id, type, expires_at, data, created_at, "
    "updated_at) VALUES ($1, $2, $3, $4, $5, $6)",
    "SELECT data FROM selfservice_verification_flows WHERE id = $1",
    "UPDATE selfservice_verification_flows SET expires_at = $1, data = $2, updated_at = $3 "
    "WHERE id = $4"};
constexpr const char* kSelectVerifiableByValue =
    "SELECT id, value, verified, via, status, verified_at, created_at, updated_at, identity_id "
    "FROM identity_verifiable_addresses WHERE via = $1 AND value = $2";
constexpr const char* kMarkAddressSent =
    "UPDATE identity_verifiable_addresses SET status = 'sent', updated_at = $1 WHERE id = $2";
constexpr const char* kMarkAddressVerified =
    "UPDATE identity_verifiable_addresses SET verified = $1, status = 'completed', "
    "verified_at = $2, updated_at = $2 WHERE id = $3";
constexpr const char* kInsertError =
    "INSERT INTO selfservice_errors (id, error, created_at, updated_at) VALUES ($1, $2, $3, $4)";
constexpr const char* kSelectError =
    "SELECT id, error, created_at, updated_at FROM selfservice_errors WHERE id = $1";
constexpr const char* kInsertSecret =
    "INSERT INTO secrets (name, value, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";
constexpr const char* kSelectSecret = "SELECT value FROM secrets WHERE name = $1";
// Batched deletes: a bounded subquery keeps each transaction short, so sign-ups never wait long.
constexpr const char* kDeleteStaleFlows[] = {
    "DELETE FROM selfservice_registration_flows WHERE id IN (SELECT id FROM "
    "selfservice_registration_flows WHERE expires_at < $1 LIMIT $2)",
    "DELETE FROM selfservice_login_flows WHERE id IN (SELECT id FROM selfservice_login_flows "
    "WHERE expires_at < $1 LIMIT $2)",
    "DELETE FROM selfservice_verification_flows WHERE id IN (SELECT id FROM "
    "selfservice_verification_flows WHERE expires_at < $1 LIMIT $2)",
    // Session token exchanges live as long as their flow (never taken, or taken late).
    "DELETE FROM session_token_exchanges WHERE id IN (SELECT id FROM session_token_exchanges "
    "WHERE expires_at < $1 LIMIT $2)"};
constexpr const char* kDeleteStaleSessions =
    "DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE expires_at < $1 LIMIT $2)";
constexpr const char* kDeleteStaleAttempts =
    "DELETE FROM login_attempts WHERE attempt_key IN (SELECT attempt_key FROM login_attempts "
    "WHERE expires_at < $1 LIMIT $2)";
constexpr const char* kSelectAttempts =
    "SELECT failures, last_failure FROM login_attempts WHERE attempt_key = $1";
// One statement, so that concurrent failures on several instances never lose a count, and each
// gets back its own count.
constexpr const char* kRecordFailure =
    "INSERT INTO login_attempts (attempt_key, failures, last_failure, expires_at) "
    "VALUES ($1, 1, $2, $3) ON CONFLICT (attempt_key) DO UPDATE SET "
    "failures = CASE WHEN login_attempts.last_failure < $4 THEN 1 "
    "ELSE login_attempts.failures + 1 END, last_failure = $2, expires_at = $3 "
    "RETURNING failures";
constexpr const char* kDeleteAttempts = "DELETE FROM login_attempts WHERE attempt_key = $1";
constexpr const char* kDeleteStaleErrors =
    "DELETE FROM selfservice_errors WHERE id IN (SELECT id FROM selfservice_errors WHERE "
    "created_at < $1 LIMIT $2)";
constexpr const char* kInsertCourierMessage =
    "INSERT INTO courier_messages (id, type, status, recipient, subject, body, html_body, "
    "template_type, template_data, send_count, next_attempt_at, lease_owner, lease_expires_at, "
    "last_error, created_at, updated_at) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, NULL, NULL, $12, $13, $14)";
constexpr const char* kRetireCodes =
    "UPDATE one_time_codes SET retired = $1 WHERE flow_id = $2 AND purpose = $3";
constexpr const char* kInsertCode =
    "INSERT INTO one_time_codes (id, flow_id, purpose, address, via, digest, expires_at, "
    "used_at, retired, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, $8, $9)";
constexpr const char* kSelectActiveCodes =
    "SELECT id, address, via, digest, expires_at, created_at FROM one_time_codes "
    "WHERE flow_id = $1 AND purpose = $2 AND retired = $3 AND used_at IS NULL ORDER BY created_at, "
    "id";
constexpr const char* kUseCode =
    "UPDATE one_time_codes SET used_at = $1 WHERE id = $2 AND used_at IS NULL";
constexpr const char* kCountCodesToAddress =
    "SELECT COUNT(*) FROM one_time_codes WHERE address = $1 AND created_at >= $2";
constexpr const char* kCountCodesOfFlow =
    "SELECT COUNT(*) FROM one_time_codes WHERE flow_id = $1 AND created_at >= $2";
}  // namespace q

// Documents we stored ourselves; the limits only guard against a tampered database.
constexpr JsonLimits kStoredJson{.max_bytes = std::size_t{16} << 20, .max_depth = 128};

// Values as text: timestamps are integer nanoseconds since the epoch, booleans 1/0.
std::string Nanos(Timestamp t) { return std::to_string(t.time_since_epoch().count()); }
Value Nanos(const std::optional<Timestamp>& t) { return t ? Value(Nanos(*t)) : Value(); }
std::string Bool(bool b) { return b ? "1" : "0"; }
std::string Now() {
  return Nanos(std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now()));
}
Value JsonOrNull(const Json& j) { return j.is_null() ? Value() : Value(DumpJson(j)); }

// Column accessors for a row of text values.
struct Cols {
  const Row& row;
  std::string Text(size_t i) const { return row.at(i).value_or(""); }
  bool Null(size_t i) const { return !row.at(i).has_value(); }
  int64_t Int(size_t i) const {  // 0 for anything that is not an integer (never throws)
    const std::string t = Text(i);
    int64_t v = 0;
    std::from_chars(t.data(), t.data() + t.size(), v);
    return v;
  }
  bool Bool(size_t i) const {
    const std::string t = Text(i);
    return t == "1" || t == "t" || t == "true";
  }
  Timestamp Time(size_t i) const { return Timestamp(Duration(Int(i))); }
  // A JSON column; null when NULL or unreadable.
  Json Document(size_t i) const {
    if (Null(i) || Text(i).empty()) {
      return nullptr;
    }
    auto parsed = ParseJson(Text(i), kStoredJson);
    return parsed.ok() ? std::move(parsed).value() : Json();
  }
};

// Runs an insert that may hit a unique constraint on `claim`'s value (a conflict then fills
// `*conflict`, which must outlive the transaction: the failure may surface at its end).
Status InsertUnique(Executor& db, const char* sql, const Params& params, ConflictingValue claim,
                    ConflictingValue* conflict) {
  return db.Send(sql, params, [conflict, claim = std::move(claim)](Error e) {
    if (e.code == ErrorCode::kConflict && conflict != nullptr) {
      *conflict = claim;
    }
    return e;
  });
}

// A unique violation in a statement whose unique constraints are not about user input (a session
// token collision, say) is a failure of the store, never "exists already".
Error NotAConflict(Error e) {
  if (e.code == ErrorCode::kConflict) {
    e.code = ErrorCode::kUnavailable;
  }
  return e;
}

// Runs a write that needs no answer but success (see NotAConflict).
Status Run(Executor& db, const char* sql, const Params& params) {
  return db.Send(sql, params, NotAConflict);
}

Result<std::optional<std::string>> FirstValue(Executor& db, const char* sql, const Params& params) {
  ATRIUM_ASSIGN_OR_RETURN(auto rows, db.Query(sql, params));
  if (rows.empty() || rows[0].empty()) {
    return std::optional<std::string>();
  }
  return rows[0][0];
}

Json MethodsJson(const session::Session& s) {
  Json methods = Json::array();
  for (const auto& m : s.authentication_methods) {
    methods.push_back({{"method", m.method},
                       {"aal", m.aal},
                       {"completed_at", m.completed_at.time_since_epoch().count()}});
  }
  return methods;
}

}  // namespace

Status InsertIdentityWithSession(Executor& db, const identity::Identity& id,
                                 const session::Session& s, ConflictingValue* conflict) {
  ATRIUM_RETURN_IF_ERROR(
      Run(db, q::kInsertIdentity,
          {id.id, id.schema_id, id.state, Nanos(id.state_changed_at), DumpJson(id.traits),
           JsonOrNull(id.metadata_public), JsonOrNull(id.metadata_admin), id.organization_id,
           Nanos(id.created_at), Nanos(id.updated_at)}));
  for (const auto& [type, credential] : id.credentials) {
    const std::string credential_id = NewUuid();
    ATRIUM_RETURN_IF_ERROR(
        Run(db, q::kInsertCredential,
            {credential_id, id.id, type, DumpJson(credential.config),
             std::to_string(credential.version), Nanos(id.created_at), Nanos(id.updated_at)}));
    for (size_t i = 0; i < credential.identifiers.size(); ++i) {
      const std::string& identifier = credential.identifiers[i];
      ATRIUM_RETURN_IF_ERROR(
          InsertUnique(db, q::kInsertIdentifier,
                       {NewUuid(), credential_id, id.id, type, identifier, std::to_string(i)},
                       {"identifier", type, identifier}, conflict));
    }
  }
  for (size_t i = 0; i < id.verifiable_addresses.size(); ++i) {
    const auto& a = id.verifiable_addresses[i];
    ATRIUM_RETURN_IF_ERROR(
        InsertUnique(db, q::kInsertVerifiable,
                     {a.id, id.id, a.via, a.value, Bool(a.verified), a.status, Nanos(a.verified_at),
                      std::to_string(i), Nanos(a.created_at), Nanos(a.updated_at)},
                     {"address", a.via, a.value}, conflict));
  }
  for (size_t i = 0; i < id.recovery_addresses.size(); ++i) {
    const auto& a = id.recovery_addresses[i];
    ATRIUM_RETURN_IF_ERROR(InsertUnique(
        db, q::kInsertRecovery,
        {a.id, id.id, a.via, a.value, std::to_string(i), Nanos(a.created_at), Nanos(a.updated_at)},
        {"address", a.via, a.value}, conflict));
  }
  return InsertSession(db, s);
}

Status InsertSession(Executor& db, const session::Session& s) {
  ATRIUM_RETURN_IF_ERROR(
      Run(db, q::kInsertSession,
          {s.id, s.token_digest, s.identity_id, Bool(s.active), s.aal, DumpJson(MethodsJson(s)),
           Nanos(s.issued_at), Nanos(s.authenticated_at), Nanos(s.expires_at)}));
  for (size_t i = 0; i < s.devices.size(); ++i) {
    const auto& d = s.devices[i];
    ATRIUM_RETURN_IF_ERROR(
        Run(db, q::kInsertDevice,
            {d.id, s.id, d.ip_address, d.user_agent, d.location, std::to_string(i)}));
  }
  return OkStatus();
}

Status InsertCourierMessage(Executor& db, const courier::Message& m) {
  return Run(
      db, q::kInsertCourierMessage,
      {m.id, std::string(courier::ToString(m.type)), std::string(courier::ToString(m.status)),
       m.recipient, m.subject, m.body, m.html_body, m.template_type,
       DumpJson(m.template_data.is_null() ? Json::object() : m.template_data),
       std::to_string(m.send_count), Nanos(m.next_attempt_at), m.last_error, Nanos(m.created_at),
       Nanos(m.updated_at)});
}

Status IssueCodeRows(Executor& db, std::string_view flow_id, otp::Purpose purpose,
                     std::span<const otp::Code> codes, std::span<const courier::Message> messages) {
  const std::string purpose_name(otp::ToString(purpose));
  ATRIUM_RETURN_IF_ERROR(
      Run(db, q::kRetireCodes, {Bool(true), std::string(flow_id), purpose_name}));
  for (const otp::Code& c : codes) {
    ATRIUM_RETURN_IF_ERROR(Run(db, q::kInsertCode,
                               {c.id, std::string(flow_id), purpose_name, c.address, c.via,
                                c.digest, Nanos(c.expires_at), Bool(false), Nanos(c.created_at)}));
  }
  for (const courier::Message& m : messages) {
    ATRIUM_RETURN_IF_ERROR(InsertCourierMessage(db, m));
  }
  return OkStatus();
}

Result<std::vector<otp::Code>> LoadActiveCodes(Executor& db, std::string_view flow_id,
                                               otp::Purpose purpose) {
  ATRIUM_ASSIGN_OR_RETURN(auto rows, db.Query(q::kSelectActiveCodes,
                                              {std::string(flow_id),
                                               std::string(otp::ToString(purpose)), Bool(false)}));
  std::vector<otp::Code> codes;
  codes.reserve(rows.size());
  for (const Row& row : rows) {
    const Cols r{row};
    otp::Code c;
    c.id = r.Text(0);
    c.flow_id = std::string(flow_id);
    c.purpose = purpose;
    c.address = r.Text(1);
    c.via = r.Text(2);
    c.digest = r.Text(3);
    c.expires_at = r.Time(4);
    c.created_at = r.Time(5);
    codes.push_back(std::move(c));
  }
  return codes;
}

Result<bool> UseCodeRow(Executor& db, std::string_view code_id, Timestamp now) {
  ATRIUM_ASSIGN_OR_RETURN(auto changed,
                          db.Execute(q::kUseCode, {Nanos(now), std::string(code_id)}));
  return changed == 1;
}

namespace {
Result<int64_t> Count(Executor& db, const char* sql, std::string_view key, Timestamp since) {
  ATRIUM_ASSIGN_OR_RETURN(auto rows, db.Query(sql, {std::string(key), Nanos(since)}));
  return rows.empty() ? int64_t{0} : Cols{rows[0]}.Int(0);
}
}  // namespace

Result<int64_t> CountCodesToAddressRows(Executor& db, std::string_view address, Timestamp since) {
  return Count(db, q::kCountCodesToAddress, address, since);
}

Result<int64_t> CountCodesOfFlowRows(Executor& db, std::string_view flow_id, Timestamp since) {
  return Count(db, q::kCountCodesOfFlow, flow_id, since);
}

Result<Json> ConflictDetails(Executor& db, const ConflictingValue& c) {
  Result<std::optional<std::string>> owner =
      c.kind == "identifier" ? FirstValue(db, q::kOwnerOfIdentifier, {c.type, c.value})
                             : FirstValue(db, q::kOwnerOfAddress, {c.type, c.value});
  ATRIUM_RETURN_IF_ERROR(owner);
  Json types = Json::array();
  if (*owner) {
    ATRIUM_ASSIGN_OR_RETURN(auto rows, db.Query(q::kCredentialTypes, {**owner}));
    for (const auto& row : rows) {
      types.push_back(Cols{row}.Text(0));
    }
  }
  Json details;
  details["credential_types"] = std::move(types);
  details["identifier"] = c.value;
  details["type"] = c.type;
  return details;
}

namespace {

identity::Identity IdentityFromRow(const Cols& r) {
  identity::Identity out;
  out.id = r.Text(0);
  out.schema_id = r.Text(1);
  out.state = r.Text(2);
  out.state_changed_at = r.Time(3);
  out.traits = r.Document(4);
  out.metadata_public = r.Document(5);
  out.metadata_admin = r.Document(6);
  if (!r.Null(7)) {
    out.organization_id = r.Text(7);
  }
  out.created_at = r.Time(8);
  out.updated_at = r.Time(9);
  return out;
}

identity::VerifiableAddress VerifiableFromRow(const Cols& c) {
  identity::VerifiableAddress a;
  a.id = c.Text(0);
  a.value = c.Text(1);
  a.verified = c.Bool(2);
  a.via = c.Text(3);
  a.status = c.Text(4);
  if (!c.Null(5)) {
    a.verified_at = c.Time(5);
  }
  a.created_at = c.Time(6);
  a.updated_at = c.Time(7);
  return a;
}

identity::RecoveryAddress RecoveryFromRow(const Cols& c) {
  return identity::RecoveryAddress{c.Text(0), c.Text(1), c.Text(2), c.Time(3), c.Time(4)};
}

// The identity row and its addresses; credentials only when asked for (sessions never expose
// them, so whoami saves two queries).
Result<std::optional<identity::Identity>> ReadIdentity(Executor& db, std::string_view id_view,
                                                       bool with_credentials) {
  using Out = std::optional<identity::Identity>;
  const std::string id(id_view);
  ATRIUM_ASSIGN_OR_RETURN(auto rows, db.Query(q::kSelectIdentity, {id}));
  if (rows.empty()) {
    return Out();
  }
  identity::Identity out = IdentityFromRow(Cols{rows[0]});
  if (with_credentials) {
    std::map<std::string, std::string> type_of;  // credential id -> type
    ATRIUM_ASSIGN_OR_RETURN(auto credentials, db.Query(q::kSelectCredentials, {id}));
    for (const auto& row : credentials) {
      const Cols c{row};
      identity::Credential cred;
      cred.type = c.Text(1);
      cred.config = c.Document(2);
      cred.version = static_cast<int>(c.Int(3));
      type_of[c.Text(0)] = cred.type;
      out.credentials[cred.type] = std::move(cred);
    }
    ATRIUM_ASSIGN_OR_RETURN(auto identifiers, db.Query(q::kSelectIdentifiers, {id}));
    for (const auto& row : identifiers) {
      const Cols c{row};
      out.credentials[type_of[c.Text(0)]].identifiers.push_back(c.Text(1));
    }
  }
  ATRIUM_ASSIGN_OR_RETURN(auto verifiable, db.Query(q::kSelectVerifiable, {id}));
  for (const auto& row : verifiable) {
    out.verifiable_addresses.push_back(VerifiableFromRow(Cols{row}));
  }
  ATRIUM_ASSIGN_OR_RETURN(auto recovery, db.Query(q::kSelectRecovery, {id}));
  for (const auto& row : recovery) {
    out.recovery_addresses.push_back(RecoveryFromRow(Cols{row}));
  }
  return Out(std::move(out));
}

}  // namespace

Result<std::optional<identity::Identity>> LoadIdentity(Executor& db, std::string_view id) {
  return ReadIdentity(db, id, true);
}

Result<std::optional<identity::Identity>> LoadIdentityByIdentifier(Executor& db,
                                                                   std::string_view type,
                                                                   std::string_view identifier) {
  ATRIUM_ASSIGN_OR_RETURN(auto owner, FirstValue(db, q::kOwnerOfIdentifier,
                                                 {std::string(type), std::string(identifier)}));
  if (!owner) {
    return std::optional<identity::Identity>();
  }
  return LoadIdentity(db, *owner);
}

Status UpdateCredentialConfigRow(Executor& db, std::string_view identity_id, std::string_view type,
                                 const Json& config) {
  ATRIUM_ASSIGN_OR_RETURN(
      const int64_t changed,
      db.Execute(q::kUpdateCredentialConfig,
                 {DumpJson(config), Now(), std::string(identity_id), std::string(type)}));
  if (changed == 0) {
    return Error::NotFound("identity " + std::string(identity_id) + " has no " + std::string(type) +
                           " credential");
  }
  return OkStatus();
}

Result<std::optional<identity::Identity>> LoadIdentityByAddress(Executor& db, std::string_view via,
                                                                std::string_view value) {
  ATRIUM_ASSIGN_OR_RETURN(
      auto owner, FirstValue(db, q::kOwnerOfAddress, {std::string(via), std::string(value)}));
  if (!owner) {
    return std::optional<identity::Identity>();
  }
  return LoadIdentity(db, *owner);
}

namespace {

// A session from the nine columns of kSelectSession.
session::Session SessionFromRow(const Cols& r) {
  session::Session s;
  s.id = r.Text(0);
  s.token_digest = r.Text(1);
  s.identity_id = r.Text(2);
  s.active = r.Bool(3);
  s.aal = r.Text(4);
  const Json methods = r.Document(5);
  if (methods.is_array()) {
    for (const auto& m : methods) {
      s.authentication_methods.push_back(
          session::AuthenticationMethod{m.value("method", ""), m.value("aal", "aal1"),
                                        Timestamp(Duration(m.value("completed_at", int64_t{0})))});
    }
  }
  s.issued_at = r.Time(6);
  s.authenticated_at = r.Time(7);
  s.expires_at = r.Time(8);
  return s;
}

// A device from four columns (id, ip_address, user_agent, location) starting at `at`.
session::Device DeviceFromRow(const Cols& c, size_t at) {
  session::Device d;
  d.id = c.Text(at);
  d.ip_address = c.Text(at + 1);
  if (!c.Null(at + 2)) {
    d.user_agent = c.Text(at + 2);
  }
  d.location = c.Text(at + 3);
  return d;
}

// The session a kSelectSession* query selects by one key, with its devices and its identity
// (without credentials, which never leave the server through a session): one statement.
Result<std::optional<session::Session>> ReadSession(Executor& db, const char* sql,
                                                    std::string_view key) {
  using Out = std::optional<session::Session>;
  ATRIUM_ASSIGN_OR_RETURN(auto rows, db.Query(sql, {std::string(key)}));
  // Rows come ordered by kind: no kind-0 row means no session (or no identity for it).
  if (rows.empty() || Cols{rows[0]}.Int(0) != 0) {
    return Out();
  }
  // Payload columns start at 2; SessionFromRow and the like read from 0, so shift the row.
  const auto payload = [](const Row& row) { return Row(row.begin() + 2, row.end()); };
  const Row head = payload(rows[0]);
  session::Session s = SessionFromRow(Cols{head});
  const Row identity_cols(head.begin() + 9, head.end());
  s.identity = IdentityFromRow(Cols{identity_cols});
  for (size_t i = 1; i < rows.size(); ++i) {
    const Row p = payload(rows[i]);
    switch (Cols{rows[i]}.Int(0)) {
      case 1:
        s.devices.push_back(DeviceFromRow(Cols{p}, 0));
        break;
      case 2:
        s.identity.verifiable_addresses.push_back(VerifiableFromRow(Cols{p}));
        break;
      case 3:
        s.identity.recovery_addresses.push_back(RecoveryFromRow(Cols{p}));
        break;
      default:
        break;
    }
  }
  return Out(std::move(s));
}

// Sessions with their devices from the rows of a kList* query: a session's nine columns and
// one device's four (NULL without devices), one row per device, a session's rows together.
std::vector<session::Session> SessionsWithDevices(const std::vector<Row>& rows) {
  std::vector<session::Session> out;
  for (const auto& row : rows) {
    const Cols c{row};
    if (out.empty() || out.back().id != c.Text(0)) {
      out.push_back(SessionFromRow(c));
    }
    if (!c.Null(9)) {
      out.back().devices.push_back(DeviceFromRow(c, 9));
    }
  }
  return out;
}

}  // namespace

Result<std::optional<session::Session>> LoadSessionByTokenDigest(Executor& db,
                                                                 std::string_view digest) {
  return ReadSession(db, q::kSelectSession, digest);
}

Result<std::optional<session::Session>> LoadSession(Executor& db, std::string_view id) {
  return ReadSession(db, q::kSelectSessionById, id);
}

Status UpdateSessionRow(Executor& db, const session::Session& s) {
  ATRIUM_ASSIGN_OR_RETURN(
      const int64_t changed,
      db.Execute(q::kUpdateSession, {Bool(s.active), s.aal, DumpJson(MethodsJson(s)),
                                     Nanos(s.authenticated_at), Nanos(s.expires_at), s.id}));
  if (changed == 0) {
    return Error::NotFound("session " + s.id + " does not exist");
  }
  for (size_t i = 0; i < s.devices.size(); ++i) {
    const auto& d = s.devices[i];
    ATRIUM_RETURN_IF_ERROR(
        Run(db, q::kInsertDeviceIfNew,
            {d.id, s.id, d.ip_address, d.user_agent, d.location, std::to_string(i)}));
  }
  return OkStatus();
}

Result<bool> RevokeSessionRow(Executor& db, std::string_view id) {
  ATRIUM_ASSIGN_OR_RETURN(const int64_t changed,
                          db.Execute(q::kRevokeSession, {Bool(false), std::string(id)}));
  return changed > 0;
}

Result<int64_t> RevokeSessionsOfIdentityRows(Executor& db, std::string_view identity_id,
                                             std::string_view keep) {
  return db.Execute(q::kRevokeSessionsOfIdentity,
                    {Bool(false), std::string(identity_id), std::string(keep)});
}

namespace {

std::string FilterMode(session::ActiveFilter filter) {
  switch (filter) {
    case session::ActiveFilter::kAny:
      return "any";
    case session::ActiveFilter::kActive:
      return "active";
    case session::ActiveFilter::kInactive:
      return "inactive";
  }
  return "any";
}

}  // namespace

Result<session::SessionSlice> ListSessionsOfIdentityRows(Executor& db, std::string_view identity_id,
                                                         std::string_view except,
                                                         session::ActiveFilter filter,
                                                         Timestamp now, int64_t offset,
                                                         int64_t limit) {
  const Params where = {std::string(identity_id), std::string(except), FilterMode(filter),
                        Bool(true), Nanos(now)};
  ATRIUM_ASSIGN_OR_RETURN(auto total, FirstValue(db, q::kCountSessionsOfIdentity, where));
  Params page = where;
  page.emplace_back(std::to_string(limit));
  page.emplace_back(std::to_string(offset));
  ATRIUM_ASSIGN_OR_RETURN(auto rows, db.Query(q::kListSessionsOfIdentity, page));
  session::SessionSlice out;
  const Row count{std::move(total)};
  out.total = Cols{count}.Int(0);
  out.sessions = SessionsWithDevices(rows);
  if (out.sessions.empty()) {
    return out;
  }
  // Every session of the page has the same identity: read it once.
  ATRIUM_ASSIGN_OR_RETURN(auto owner, ReadIdentity(db, identity_id, false));
  if (owner) {
    for (auto& s : out.sessions) {
      s.identity = *owner;
    }
  }
  return out;
}

Result<std::vector<session::Session>> ListSessionRows(Executor& db, session::ActiveFilter filter,
                                                      Timestamp now,
                                                      const session::SessionCursor& after,
                                                      int64_t limit, bool with_identity) {
  const Params params = {FilterMode(filter),     Bool(true), Nanos(now),
                         Nanos(after.issued_at), after.id,   std::to_string(limit)};
  ATRIUM_ASSIGN_OR_RETURN(auto rows, db.Query(q::kListSessions, params));
  std::vector<session::Session> out = SessionsWithDevices(rows);
  if (!with_identity || out.empty()) {
    return out;
  }
  // The page's identities in three queries, whatever the number of sessions.
  std::map<std::string, identity::Identity> owners;
  ATRIUM_ASSIGN_OR_RETURN(auto identities, db.Query(q::kListSessionIdentities, params));
  for (const auto& row : identities) {
    auto i = IdentityFromRow(Cols{row});
    owners.emplace(i.id, std::move(i));
  }
  ATRIUM_ASSIGN_OR_RETURN(auto verifiable, db.Query(q::kListSessionVerifiable, params));
  for (const auto& row : verifiable) {
    const Cols c{row};
    if (auto it = owners.find(c.Text(8)); it != owners.end()) {
      it->second.verifiable_addresses.push_back(VerifiableFromRow(c));
    }
  }
  ATRIUM_ASSIGN_OR_RETURN(auto recovery, db.Query(q::kListSessionRecovery, params));
  for (const auto& row : recovery) {
    const Cols c{row};
    if (auto it = owners.find(c.Text(5)); it != owners.end()) {
      it->second.recovery_addresses.push_back(RecoveryFromRow(c));
    }
  }
  for (auto& s : out) {
    if (auto it = owners.find(s.identity_id); it != owners.end()) {
      s.identity = it->second;
    }
  }
  return out;
}

Result<bool> RevokeSessionOfIdentityRow(Executor& db, std::string_view identity_id,
                                        std::string_view session_id) {
  ATRIUM_ASSIGN_OR_RETURN(const int64_t changed, db.Execute(q::kRevokeSessionOfIdentity,
                                                            {Bool(false), std::string(session_id),
                                                             std::string(identity_id)}));
  return changed > 0;
}

Result<bool> SetSessionExpiryRow(Executor& db, std::string_view session_id, Timestamp expires_at) {
  ATRIUM_ASSIGN_OR_RETURN(
      const int64_t changed,
      db.Execute(q::kSetSessionExpiry, {Nanos(expires_at), std::string(session_id)}));
  return changed > 0;
}

Result<int64_t> DeleteSessionsOfIdentityRows(Executor& db, std::string_view identity_id) {
  return db.Execute(q::kDeleteSessionsOfIdentity, {std::string(identity_id)});
}

namespace {

Status InsertFlowRow(Executor& db, const q::FlowTable& table, const std::string& id, bool api,
                     Timestamp expires_at, const Json& data) {
  const std::string now = Now();
  return Run(db, table.insert,
             {id, api ? "api" : "browser", Nanos(expires_at), DumpJson(data), now, now});
}

template <typename F>
Result<std::optional<F>> LoadFlowRow(Executor& db, const q::FlowTable& table, std::string_view id) {
  using Out = std::optional<F>;
  ATRIUM_ASSIGN_OR_RETURN(auto data, FirstValue(db, table.select, {std::string(id)}));
  if (!data) {
    return Out();
  }
  ATRIUM_ASSIGN_OR_RETURN(const Json parsed, ParseJson(*data, kStoredJson));
  ATRIUM_ASSIGN_OR_RETURN(auto flow, F::FromStorageJson(parsed));
  return Out(std::move(flow));
}

Status UpdateFlowData(Executor& db, const q::FlowTable& table, const std::string& id,
                      Timestamp expires_at, const Json& data) {
  ATRIUM_ASSIGN_OR_RETURN(const int64_t changed,
                          db.Execute(table.update, {Nanos(expires_at), DumpJson(data), Now(), id}));
  if (changed == 0) {
    return Error::NotFound("flow " + id + " does not exist");
  }
  return OkStatus();
}

}  // namespace

namespace {

constexpr std::size_t kFlowColumns = 7;

// "$first, $first + 1, ..." (`count` of them).
std::string Placeholders(std::size_t first, std::size_t count) {
  std::string out;
  for (std::size_t i = 0; i < count; ++i) {
    out += (i == 0 ? "$" : ", $") + std::to_string(first + i);
  }
  return out;
}

// make(n) for n = 1 to kMaxFlowsPerStatement, indexed by n. The executors cache prepared
// statements by the address of their SQL text: each caller keeps its texts for the life of the
// process, one per row count.
std::vector<std::string> SqlPerRowCount(const std::function<std::string(std::size_t)>& make) {
  std::vector<std::string> sql(kMaxFlowsPerStatement + 1);
  for (std::size_t n = 1; n <= kMaxFlowsPerStatement; ++n) {
    sql[n] = make(n);
  }
  return sql;
}

// "INSERT ... VALUES ($1, ..., $7), ($8, ...)" for `rows` rows.
const char* InsertFlowsSql(std::size_t rows) {
  static const std::vector<std::string> kSql = SqlPerRowCount([](std::size_t n) {
    std::string sql =
        "INSERT INTO selfservice_registration_flows (id, type, expires_at, data, answer, "
        "created_at, updated_at) VALUES ";
    for (std::size_t row = 0; row < n; ++row) {
      sql += (row == 0 ? "(" : ", (") + Placeholders(row * kFlowColumns + 1, kFlowColumns) + ")";
    }
    return sql;
  });
  return kSql.at(rows).c_str();
}

// The rows of `count` ids: {id, type, expires_at, data, answer}.
const char* SelectFlowAnswersSql(std::size_t count) {
  static const std::vector<std::string> kSql = SqlPerRowCount([](std::size_t n) {
    return "SELECT id, type, expires_at, data, answer FROM selfservice_registration_flows "
           "WHERE id IN (" +
           Placeholders(1, n) + ")";
  });
  return kSql.at(count).c_str();
}

// The stored answer of a row whose columns `from` on are {type, expires_at, data, answer}.
Result<flow::StoredAnswer> StoredAnswerOf(const Cols& c, std::size_t from) {
  ATRIUM_ASSIGN_OR_RETURN(const Json data, ParseJson(c.Text(from + 2), kStoredJson));
  return flow::AnswerOfStored(c.Text(from) == "api", c.Time(from + 1),
                              c.Null(from + 3) ? "" : c.Text(from + 3), data);
}

}  // namespace

Status InsertFlow(Executor& db, const registration::Flow& f, const flow::StoredDocument& doc) {
  const NewFlow row{&f, &doc};
  return InsertFlows(db, std::span(&row, 1));
}

Status InsertFlows(Executor& db, std::span<const NewFlow> flows) {
  if (flows.empty() || flows.size() > kMaxFlowsPerStatement) {
    return Error::Internal("InsertFlows: " + std::to_string(flows.size()) + " rows");
  }
  Params params;
  params.reserve(flows.size() * kFlowColumns);
  const std::string now = Now();
  for (const NewFlow& row : flows) {
    const registration::Flow& f = *row.flow;
    params.insert(params.end(), {f.id, f.IsApi() ? "api" : "browser", Nanos(f.expires_at),
                                 DumpJson(row.doc->data), row.doc->answer, now, now});
  }
  return Run(db, InsertFlowsSql(flows.size()), params);
}

namespace {

// The registration flow row of `id`: {type, expires_at, data, answer}, or nullopt.
Result<std::optional<Row>> RegistrationFlowRow(Executor& db, std::string_view id) {
  ATRIUM_ASSIGN_OR_RETURN(auto rows, db.Query(q::kSelectRegistrationFlow, {std::string(id)}));
  if (rows.empty()) {
    return std::optional<Row>();
  }
  return std::optional<Row>(std::move(rows[0]));
}

}  // namespace

Result<std::optional<registration::Flow>> LoadFlow(Executor& db, std::string_view id) {
  using Out = std::optional<registration::Flow>;
  ATRIUM_ASSIGN_OR_RETURN(auto row, RegistrationFlowRow(db, id));
  if (!row) {
    return Out();
  }
  const Cols c{*row};
  ATRIUM_ASSIGN_OR_RETURN(Json data, ParseJson(c.Text(2), kStoredJson));
  std::optional<Json> answer;
  if (!c.Null(3)) {
    ATRIUM_ASSIGN_OR_RETURN(answer, ParseJson(c.Text(3), kStoredJson));
  }
  ATRIUM_ASSIGN_OR_RETURN(auto flow, registration::Flow::FromStorageJson(
                                         flow::JoinStored(std::move(answer), std::move(data))));
  return Out(std::move(flow));
}

Result<std::optional<flow::StoredAnswer>> LoadFlowAnswer(Executor& db, std::string_view id) {
  using Out = std::optional<flow::StoredAnswer>;
  ATRIUM_ASSIGN_OR_RETURN(auto row, RegistrationFlowRow(db, id));
  if (!row) {
    return Out();
  }
  ATRIUM_ASSIGN_OR_RETURN(auto answer, StoredAnswerOf(Cols{*row}, 0));
  return Out(std::move(answer));
}

Result<std::vector<Result<std::optional<flow::StoredAnswer>>>> LoadFlowAnswers(
    Executor& db, std::span<const std::string> ids) {
  using Answer = Result<std::optional<flow::StoredAnswer>>;
  if (ids.empty() || ids.size() > kMaxFlowsPerStatement) {
    return Error::Internal("LoadFlowAnswers: " + std::to_string(ids.size()) + " ids");
  }
  ATRIUM_ASSIGN_OR_RETURN(
      auto rows, db.Query(SelectFlowAnswersSql(ids.size()), Params(ids.begin(), ids.end())));
  std::vector<Answer> out(ids.size(), Answer(std::optional<flow::StoredAnswer>()));
  for (const Row& row : rows) {
    const Cols c{row};
    const std::string id = c.Text(0);
    Result<flow::StoredAnswer> stored = StoredAnswerOf(c, 1);
    const Answer answer =
        stored.ok() ? Answer(std::optional(*std::move(stored))) : Answer(std::move(stored).error());
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if (ids[i] == id) {
        out[i] = answer;
      }
    }
  }
  return out;
}

Status UpdateFlowRow(Executor& db, const registration::Flow& f) {
  flow::StoredDocument doc = f.Stored();
  ATRIUM_ASSIGN_OR_RETURN(
      const int64_t changed,
      db.Execute(q::kUpdateRegistrationFlow,
                 {Nanos(f.expires_at), DumpJson(doc.data), std::move(doc.answer), Now(), f.id}));
  if (changed == 0) {
    return Error::NotFound("flow " + f.id + " does not exist");
  }
  return OkStatus();
}

Status InsertFlow(Executor& db, const login::Flow& f) {
  return InsertFlowRow(db, q::kLoginFlows, f.id, f.IsApi(), f.expires_at, f.ToStorageJson());
}

Result<std::optional<login::Flow>> LoadLoginFlow(Executor& db, std::string_view id) {
  return LoadFlowRow<login::Flow>(db, q::kLoginFlows, id);
}

Status UpdateFlowRow(Executor& db, const login::Flow& f) {
  return UpdateFlowData(db, q::kLoginFlows, f.id, f.expires_at, f.ToStorageJson());
}

Status InsertFlow(Executor& db, const verification::Flow& f) {
  return InsertFlowRow(db, q::kVerificationFlows, f.id, f.IsApi(), f.expires_at, f.ToStorageJson());
}

Result<std::optional<verification::Flow>> LoadVerificationFlow(Executor& db, std::string_view id) {
  return LoadFlowRow<verification::Flow>(db, q::kVerificationFlows, id);
}

Status UpdateFlowRow(Executor& db, const verification::Flow& f) {
  return UpdateFlowData(db, q::kVerificationFlows, f.id, f.expires_at, f.ToStorageJson());
}

Result<std::optional<verification::OwnedAddress>> LoadVerifiableAddress(Executor& db,
                                                                        std::string_view via,
                                                                        std::string_view value) {
  using Out = std::optional<verification::OwnedAddress>;
  ATRIUM_ASSIGN_OR_RETURN(
      auto rows, db.Query(q::kSelectVerifiableByValue, {std::string(via), std::string(value)}));
  if (rows.empty()) {
    return Out();
  }
  const Cols c{rows.front()};
  return Out(verification::OwnedAddress{c.Text(8), VerifiableFromRow(c)});
}

Status MarkAddressSentRow(Executor& db, std::string_view address_id, Timestamp now) {
  ATRIUM_ASSIGN_OR_RETURN(const int64_t changed,
                          db.Execute(q::kMarkAddressSent, {Nanos(now), std::string(address_id)}));
  if (changed == 0) {
    return Error::NotFound("verifiable address " + std::string(address_id) + " does not exist");
  }
  return OkStatus();
}

Status MarkAddressVerifiedRow(Executor& db, std::string_view address_id, Timestamp now) {
  ATRIUM_ASSIGN_OR_RETURN(
      const int64_t changed,
      db.Execute(q::kMarkAddressVerified, {Bool(true), Nanos(now), std::string(address_id)}));
  if (changed == 0) {
    return Error::NotFound("verifiable address " + std::string(address_id) + " does not exist");
  }
  return OkStatus();
}

Result<std::optional<std::string>> OwnerOfVerifiableAddressRow(Executor& db,
                                                               std::string_view address_id) {
  return FirstValue(db, q::kSelectVerifiableOwner, {std::string(address_id)});
}

Result<std::optional<login::AttemptStore::Counter>> LoadAttempts(Executor& db,
                                                                 std::string_view key) {
  using Out = std::optional<login::AttemptStore::Counter>;
  ATRIUM_ASSIGN_OR_RETURN(auto rows, db.Query(q::kSelectAttempts, {std::string(key)}));
  if (rows.empty()) {
    return Out();
  }
  const Cols r{rows[0]};
  return Out(login::AttemptStore::Counter{r.Int(0), r.Time(1)});
}

Result<int64_t> RecordFailureRow(Executor& db, std::string_view key, Timestamp now,
                                 Timestamp restart_before, Timestamp expires_at) {
  ATRIUM_ASSIGN_OR_RETURN(
      auto rows, db.Query(q::kRecordFailure, {std::string(key), Nanos(now), Nanos(expires_at),
                                              Nanos(restart_before)}));
  if (rows.empty() || rows[0].empty()) {
    return Error::Internal("recording a failure returned no count");
  }
  return Cols{rows[0]}.Int(0);
}

Status DeleteAttemptsRow(Executor& db, std::string_view key) {
  return Run(db, q::kDeleteAttempts, {std::string(key)});
}

Status InsertError(Executor& db, const flow::ErrorContainer& e) {
  return Run(db, q::kInsertError,
             {e.id, DumpJson(e.error), Nanos(e.created_at), Nanos(e.updated_at)});
}

Result<std::optional<flow::ErrorContainer>> LoadError(Executor& db, std::string_view id) {
  using Out = std::optional<flow::ErrorContainer>;
  ATRIUM_ASSIGN_OR_RETURN(auto rows, db.Query(q::kSelectError, {std::string(id)}));
  if (rows.empty()) {
    return Out();
  }
  const Cols r{rows[0]};
  return Out(flow::ErrorContainer{r.Text(0), r.Document(1), r.Time(2), r.Time(3)});
}

// ---- session token exchanges ------------------------------------------------------------------

Status InsertTokenExchange(Executor& db, const session::TokenExchange& e) {
  return Run(db,
             "INSERT INTO session_token_exchanges (id, flow_id, init_code_digest, "
             "return_to_code_digest, session_id, sealed_token, expires_at, created_at) "
             "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
             {e.id, e.flow_id, e.init_code_digest, e.return_to_code_digest,
              e.session_id.empty() ? Value() : Value(e.session_id), e.sealed_token,
              Nanos(e.expires_at), Nanos(e.created_at)});
}

namespace {
constexpr const char* kTokenExchangeColumns =
    "id, flow_id, init_code_digest, return_to_code_digest, session_id, sealed_token, "
    "expires_at, created_at";
session::TokenExchange TokenExchangeOf(const Row& row) {
  const Cols r{row};
  return session::TokenExchange{r.Text(0), r.Text(1), r.Text(2), r.Text(3),
                                r.Text(4), r.Text(5), r.Time(6), r.Time(7)};
}
}  // namespace

Result<std::optional<session::TokenExchange>> LoadTokenExchangeOfFlow(Executor& db,
                                                                      std::string_view flow_id) {
  using Out = std::optional<session::TokenExchange>;
  static const std::string sql = std::string("SELECT ") + kTokenExchangeColumns +
                                 " FROM session_token_exchanges WHERE flow_id = $1";
  ATRIUM_ASSIGN_OR_RETURN(auto rows, db.Query(sql.c_str(), {std::string(flow_id)}));
  if (rows.empty()) {
    return Out();
  }
  return Out(TokenExchangeOf(rows[0]));
}

Status CompleteTokenExchangeRow(Executor& db, std::string_view id,
                                std::string_view return_to_code_digest, std::string_view session_id,
                                std::string_view sealed_token) {
  ATRIUM_ASSIGN_OR_RETURN(
      const int64_t n,
      db.Execute("UPDATE session_token_exchanges SET return_to_code_digest = $1, session_id = $2, "
                 "sealed_token = $3 WHERE id = $4",
                 {std::string(return_to_code_digest), std::string(session_id),
                  std::string(sealed_token), std::string(id)}));
  if (n == 0) {
    return Error::NotFound("the session token exchange is gone");
  }
  return OkStatus();
}

Result<std::optional<session::TokenExchange>> TakeTokenExchangeRow(
    Executor& db, std::string_view init_code_digest, std::string_view return_to_code_digest) {
  using Out = std::optional<session::TokenExchange>;
  static const std::string sql =
      std::string("SELECT ") + kTokenExchangeColumns +
      " FROM session_token_exchanges WHERE init_code_digest = $1 AND return_to_code_digest = $2 "
      "AND return_to_code_digest <> '' AND session_id IS NOT NULL";
  ATRIUM_ASSIGN_OR_RETURN(auto rows, db.Query(sql.c_str(), {std::string(init_code_digest),
                                                            std::string(return_to_code_digest)}));
  if (rows.empty()) {
    return Out();
  }
  session::TokenExchange e = TokenExchangeOf(rows[0]);
  // Whoever deletes the row owns it: a concurrent exchange of the same codes gets nothing.
  ATRIUM_ASSIGN_OR_RETURN(const int64_t n,
                          db.Execute("DELETE FROM session_token_exchanges WHERE id = $1", {e.id}));
  if (n != 1) {
    return Out();
  }
  return Out(std::move(e));
}

Result<int64_t> DeleteStaleRows(Executor& db, StaleKind kind, Timestamp cutoff, int limit) {
  const char* sql = nullptr;
  switch (kind) {
    case StaleKind::kFlows: {
      // At most `limit` over all flow tables: each table gets what the ones before left.
      int64_t total = 0;
      for (const char* table : q::kDeleteStaleFlows) {
        if (total >= limit) {
          break;
        }
        ATRIUM_ASSIGN_OR_RETURN(const int64_t n,
                                db.Execute(table, {Nanos(cutoff), std::to_string(limit - total)}));
        total += n;
      }
      return total;
    }
    case StaleKind::kSessions:
      sql = q::kDeleteStaleSessions;
      break;
    case StaleKind::kErrors:
      sql = q::kDeleteStaleErrors;
      break;
    case StaleKind::kLoginAttempts:
      sql = q::kDeleteStaleAttempts;
      break;
  }
  return db.Execute(sql, {Nanos(cutoff), std::to_string(limit)});
}

Result<std::string> GetOrCreateSecretRow(Executor& db, std::string_view name,
                                         const std::function<std::string()>& make) {
  ATRIUM_RETURN_IF_ERROR(Run(db, q::kInsertSecret, {std::string(name), make(), Now()}));
  ATRIUM_ASSIGN_OR_RETURN(auto value, FirstValue(db, q::kSelectSecret, {std::string(name)}));
  if (!value) {
    return Error::Unavailable("the secret " + std::string(name) + " vanished");
  }
  return *value;
}

Status ApplyMigration(Executor& db, const Migration& m,
                      const std::function<Status(const char* ddl)>& run_ddl) {
  ATRIUM_ASSIGN_OR_RETURN(auto applied,
                          db.Query(sql::kMigrationApplied, {std::to_string(m.version)}));
  if (!applied.empty()) {
    return OkStatus();
  }
  ATRIUM_RETURN_IF_ERROR(run_ddl(m.sql));
  return Run(db, sql::kRecordMigration, {std::to_string(m.version), m.name, Now()});
}

Result<int> CountPendingMigrations(Executor& db, const std::vector<Migration>& migrations,
                                   const char* table_exists_sql) {
  ATRIUM_ASSIGN_OR_RETURN(auto exists, FirstValue(db, table_exists_sql, {}));
  if (!exists || *exists == "0") {
    return static_cast<int>(migrations.size());
  }
  ATRIUM_ASSIGN_OR_RETURN(auto rows, db.Query(sql::kAppliedVersions, {}));
  int pending = 0;
  for (const auto& m : migrations) {
    const std::string version = std::to_string(m.version);
    const bool applied = std::any_of(rows.begin(), rows.end(),
                                     [&](const Row& r) { return !r.empty() && r[0] == version; });
    pending += applied ? 0 : 1;
  }
  return pending;
}

}  // namespace atrium::store
