#include "store/outbox_rows.h"

#include <algorithm>
#include <charconv>
#include <limits>
#include <string>
#include <tuple>

#include "base/json.h"
#include "base/random.h"

namespace atrium::store {
namespace {

// clang-format off
#define ATRIUM_MESSAGE_COLUMNS                                                           \
  "id, type, status, recipient, subject, body, html_body, template_type, template_data, " \
  "send_count, next_attempt_at, last_error, created_at, updated_at"
// Due messages: $2 is now. SQLite numbers "$n" parameters by first appearance, so every query
// names its parameters in ascending order.
#define ATRIUM_CLAIM(lock)                                                                  \
  "UPDATE courier_messages SET status = 'processing', lease_owner = $1, updated_at = $2, " \
  "lease_expires_at = $3, send_count = send_count + 1 WHERE id IN (SELECT id FROM "         \
  "courier_messages WHERE (status = 'queued' AND next_attempt_at <= $2) OR "                \
  "(status = 'processing' AND lease_expires_at <= $2) ORDER BY next_attempt_at, id LIMIT $4" \
  lock ") RETURNING " ATRIUM_MESSAGE_COLUMNS
// clang-format on

namespace q {
constexpr const char* kClaimSkipLocked = ATRIUM_CLAIM(" FOR UPDATE SKIP LOCKED");
constexpr const char* kClaimSerialized = ATRIUM_CLAIM("");
// $1 the new status, $2 next attempt, $3 error, $4 now, $5 id, $6 owner.
constexpr const char* kRelease =
    "UPDATE courier_messages SET status = $1, next_attempt_at = $2, last_error = $3, "
    "updated_at = $4, lease_owner = NULL, lease_expires_at = NULL "
    "WHERE id = $5 AND status = 'processing' AND lease_owner = $6";
constexpr const char* kInsertDispatch =
    "INSERT INTO courier_message_dispatches (id, message_id, status, error, created_at) "
    "VALUES ($1, $2, $3, $4, $5)";
constexpr const char* kList =
    "SELECT " ATRIUM_MESSAGE_COLUMNS
    " FROM courier_messages WHERE (CAST($1 AS TEXT) = '' OR status = $1) AND "
    "(CAST($2 AS TEXT) = '' OR recipient = $2) AND (created_at < $3 OR (created_at = $3 AND "
    "id > $4)) ORDER BY created_at DESC, id ASC LIMIT $5";
constexpr const char* kSelect =
    "SELECT " ATRIUM_MESSAGE_COLUMNS " FROM courier_messages WHERE id = $1";
constexpr const char* kSelectDispatches =
    "SELECT id, status, error, created_at FROM courier_message_dispatches WHERE message_id = $1 "
    "ORDER BY created_at DESC, id ASC";
}  // namespace q

#undef ATRIUM_CLAIM
#undef ATRIUM_MESSAGE_COLUMNS

// Rows we stored ourselves; the limits only guard against a tampered database.
constexpr JsonLimits kStoredJson{.max_bytes = std::size_t{1} << 20, .max_depth = 64};

std::string Nanos(Timestamp t) { return std::to_string(t.time_since_epoch().count()); }

int64_t Int(const Value& v) {  // 0 for anything that is not an integer (never throws)
  const std::string t = v.value_or("");
  int64_t n = 0;
  std::from_chars(t.data(), t.data() + t.size(), n);
  return n;
}

Timestamp Time(const Value& v) { return Timestamp(Duration(Int(v))); }

courier::Message MessageFromRow(const Row& r) {
  courier::Message m;
  m.id = r.at(0).value_or("");
  m.type = courier::ParseMessageType(r.at(1).value_or("")).value_or(courier::MessageType::kEmail);
  m.status =
      courier::ParseMessageStatus(r.at(2).value_or("")).value_or(courier::MessageStatus::kQueued);
  m.recipient = r.at(3).value_or("");
  m.subject = r.at(4).value_or("");
  m.body = r.at(5).value_or("");
  m.html_body = r.at(6).value_or("");
  m.template_type = r.at(7).value_or("");
  auto data = ParseJson(r.at(8).value_or("{}"), kStoredJson);
  m.template_data = data.ok() ? std::move(data).value() : Json::object();
  m.send_count = static_cast<int>(Int(r.at(9)));
  m.next_attempt_at = Time(r.at(10));
  m.last_error = r.at(11).value_or("");
  m.created_at = Time(r.at(12));
  m.updated_at = Time(r.at(13));
  return m;
}

std::vector<courier::Message> MessagesFromRows(const std::vector<Row>& rows) {
  std::vector<courier::Message> out;
  out.reserve(rows.size());
  for (const auto& row : rows) {
    out.push_back(MessageFromRow(row));
  }
  return out;
}

// Ends the lease of `owner` with `status`; when it held the lease, records the dispatch.
Result<bool> Release(Executor& db, std::string_view id, std::string_view owner,
                     courier::MessageStatus status, Timestamp next_attempt_at,
                     const std::string& error, Timestamp now) {
  ATRIUM_ASSIGN_OR_RETURN(
      const int64_t changed,
      db.Execute(q::kRelease, {std::string(courier::ToString(status)), Nanos(next_attempt_at),
                               error, Nanos(now), std::string(id), std::string(owner)}));
  if (changed == 0) {
    return false;
  }
  const bool sent = status == courier::MessageStatus::kSent;
  ATRIUM_RETURN_IF_ERROR(
      db.Execute(q::kInsertDispatch,
                 {NewUuid(), std::string(id), sent ? "success" : "failed", error, Nanos(now)}));
  return true;
}

}  // namespace

Result<std::vector<courier::Message>> ClaimDueRows(Executor& db, ClaimLocking locking,
                                                   std::string_view owner, Timestamp now,
                                                   Timestamp lease_until, int limit) {
  const char* sql =
      locking == ClaimLocking::kSkipLocked ? q::kClaimSkipLocked : q::kClaimSerialized;
  ATRIUM_ASSIGN_OR_RETURN(auto rows, db.Query(sql, {std::string(owner), Nanos(now),
                                                    Nanos(lease_until), std::to_string(limit)}));
  std::vector<courier::Message> claimed = MessagesFromRows(rows);
  // RETURNING keeps no order.
  std::ranges::sort(claimed, [](const courier::Message& a, const courier::Message& b) {
    return std::tie(a.next_attempt_at, a.id) < std::tie(b.next_attempt_at, b.id);
  });
  return claimed;
}

Result<bool> MarkSentRow(Executor& db, std::string_view id, std::string_view owner, Timestamp now) {
  return Release(db, id, owner, courier::MessageStatus::kSent, now, "", now);
}

Result<bool> MarkFailedRow(Executor& db, std::string_view id, std::string_view owner,
                           const courier::Failure& failure, Timestamp now) {
  const auto status =
      failure.retry_at ? courier::MessageStatus::kQueued : courier::MessageStatus::kAbandoned;
  return Release(db, id, owner, status, failure.retry_at.value_or(now), failure.error, now);
}

Result<std::vector<courier::Message>> ListMessageRows(
    Executor& db, const courier::MessageFilter& filter,
    const std::optional<courier::MessageCursor>& after, int limit) {
  const std::string status =
      filter.status ? std::string(courier::ToString(*filter.status)) : std::string();
  const std::string position =
      after ? Nanos(after->created_at) : std::to_string(std::numeric_limits<int64_t>::max());
  ATRIUM_ASSIGN_OR_RETURN(
      auto rows, db.Query(q::kList, {status, filter.recipient, position, after ? after->id : "",
                                     std::to_string(limit)}));
  return MessagesFromRows(rows);
}

Result<std::optional<courier::Message>> LoadMessage(Executor& db, std::string_view id) {
  ATRIUM_ASSIGN_OR_RETURN(auto rows, db.Query(q::kSelect, {std::string(id)}));
  if (rows.empty()) {
    return std::optional<courier::Message>();
  }
  courier::Message m = MessageFromRow(rows.front());
  ATRIUM_ASSIGN_OR_RETURN(auto dispatches, db.Query(q::kSelectDispatches, {std::string(id)}));
  for (const auto& d : dispatches) {
    m.dispatches.push_back(courier::Dispatch{.id = d.at(0).value_or(""),
                                             .status = d.at(1).value_or(""),
                                             .error = d.at(2).value_or(""),
                                             .created_at = Time(d.at(3))});
  }
  return std::optional<courier::Message>(std::move(m));
}

Result<std::pair<int64_t, int64_t>> CountPendingRows(Executor& db) {
  ATRIUM_ASSIGN_OR_RETURN(auto rows,
                          db.Query("SELECT status, COUNT(*) FROM courier_messages WHERE status IN "
                                   "('queued', 'processing') GROUP BY status",
                                   {}));
  std::pair<int64_t, int64_t> counts{0, 0};
  for (const auto& row : rows) {
    const std::string n = row.at(1).value_or("0");
    int64_t value = 0;
    std::from_chars(n.data(), n.data() + n.size(), value);
    (row.at(0).value_or("") == "queued" ? counts.first : counts.second) = value;
  }
  return counts;
}

}  // namespace atrium::store
