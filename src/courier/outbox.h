#pragma once
// The courier's durable outbox as the domain sees it (the store modules implement it). Senders
// on any number of processes claim due messages under a lease, so that a message is handed to
// one sender at a time and a sender that dies mid-send only delays it until the lease expires.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "courier/message.h"

namespace atrium::courier {

// Which messages a list keeps; an empty recipient or no status keeps all.
struct MessageFilter {
  std::optional<MessageStatus> status;
  std::string recipient;
};

// A keyset position in the list order (newest first, then by id): the last message of a page.
struct MessageCursor {
  Timestamp created_at{};
  std::string id;
};

// What became of a failed attempt: queued again for `retry_at`, or abandoned when empty.
struct Failure {
  std::string error;
  std::optional<Timestamp> retry_at;
};

class Outbox {
 public:
  virtual ~Outbox() = default;

  // Queues `message` as given (status, send_count and timestamps included).
  virtual Status Enqueue(const Message& message) = 0;

  // Atomically marks at most `limit` due messages as processing for `owner` until `lease_until`
  // and returns them, oldest due first, each with its send_count already counting this attempt.
  // Due: queued with next_attempt_at <= now, or processing with a lease that expired by `now`.
  // Concurrent callers (threads or processes) never receive the same message.
  virtual Result<std::vector<Message>> ClaimDue(std::string_view owner, Timestamp now,
                                                Timestamp lease_until, int limit) = 0;

  // Records a successful delivery. False (and nothing written) unless `owner` holds the lease.
  virtual Result<bool> MarkSent(std::string_view id, std::string_view owner, Timestamp now) = 0;
  // Records a failed attempt: queued again or abandoned (see Failure), with the error kept as
  // last_error. False (and nothing written) unless `owner` holds the lease.
  virtual Result<bool> MarkFailed(std::string_view id, std::string_view owner,
                                  const Failure& failure, Timestamp now) = 0;

  // Messages newest first (created_at descending, then id ascending), after `after` if given;
  // without dispatches.
  virtual Result<std::vector<Message>> ListMessages(const MessageFilter& filter,
                                                    const std::optional<MessageCursor>& after,
                                                    int limit) = 0;
  // The message with its dispatches (newest first), or nullopt.
  virtual Result<std::optional<Message>> GetMessage(std::string_view id) = 0;
};

}  // namespace atrium::courier
