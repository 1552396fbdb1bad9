#pragma once
// The cross-instance half of the whoami cache (docs/compat.md "Session cache"): one libpq
// connection per process, on its own thread, LISTENing on the channel every session or identity
// write NOTIFYs in its own transaction. Each notification reaches the sink at once; while the
// connection is down (and until the first LISTEN succeeded) the sink is told the feed is down,
// so nothing cached is served, and it reconnects with a growing backoff.

#include <atomic>
#include <chrono>
#include <string>
#include <string_view>
#include <thread>

#include "session/cache.h"

namespace atrium::store {

// The channel and payloads: "s:<session id>", "i:<identity id>", or "*" (everything).
inline constexpr std::string_view kSessionChannel = "atrium_sessions";

// Applies one notification payload to the sink.
void ApplySessionNotification(std::string_view payload, session::SessionChanges& sink);

class PgListener final {
 public:
  // Starts the thread. `conninfo` is libpq's; `sink` must outlive the listener.
  PgListener(std::string conninfo, session::SessionChanges& sink);
  // Stops and joins the thread (within about the poll interval).
  ~PgListener();
  PgListener(const PgListener&) = delete;
  PgListener& operator=(const PgListener&) = delete;

 private:
  void Run();

  const std::string conninfo_;
  session::SessionChanges& sink_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace atrium::store
