#pragma once
// The courier outbox (courier::Outbox) as SQL both backends share. Call each inside the
// transaction the backend chooses; ClaimDueRows differs only in how rows are locked.

#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "courier/outbox.h"
#include "store/records.h"

namespace atrium::store {

// How concurrent claims are kept apart: PostgreSQL locks the claimed rows and skips rows that
// another claim holds (FOR UPDATE SKIP LOCKED); SQLite runs the claim inside its one writer.
enum class ClaimLocking { kSkipLocked, kSerializedWriter };

Result<std::vector<courier::Message>> ClaimDueRows(Executor& db, ClaimLocking locking,
                                                   std::string_view owner, Timestamp now,
                                                   Timestamp lease_until, int limit);
// Both record a dispatch when (and only when) `owner` held the lease; whether it did.
Result<bool> MarkSentRow(Executor& db, std::string_view id, std::string_view owner, Timestamp now);
Result<bool> MarkFailedRow(Executor& db, std::string_view id, std::string_view owner,
                           const courier::Failure& failure, Timestamp now);
Result<std::vector<courier::Message>> ListMessageRows(
    Executor& db, const courier::MessageFilter& filter,
    const std::optional<courier::MessageCursor>& after, int limit);
Result<std::optional<courier::Message>> LoadMessage(Executor& db, std::string_view id);
// Messages still to deliver: {queued, processing} (one index range each).
Result<std::pair<int64_t, int64_t>> CountPendingRows(Executor& db);

}  // namespace atrium::store
