#include "store/postgres/pg_listener.h"

#include <poll.h>

#include <algorithm>
#include <memory>

#include "base/threads.h"
#include "store/postgres/libpq.h"

namespace atrium::store {

namespace {

using ConnPtr = std::unique_ptr<PGconn, decltype(&PQfinish)>;

constexpr std::chrono::milliseconds kPollInterval{100};  // how soon a stop is noticed
constexpr std::chrono::milliseconds kFirstBackoff{50};
constexpr std::chrono::milliseconds kMaxBackoff{2000};

// LISTEN on a fresh connection; null when the server cannot be reached.
ConnPtr Connect(const std::string& conninfo) {
  ConnPtr conn(Pq().connectdb(conninfo.c_str()), Pq().finish);
  if (Pq().status(conn.get()) != CONNECTION_OK) {
    return ConnPtr(nullptr, Pq().finish);
  }
  const std::string sql = "LISTEN " + std::string(kSessionChannel);
  std::unique_ptr<PGresult, decltype(&PQclear)> res(Pq().exec(conn.get(), sql.c_str()), Pq().clear);
  if (Pq().resultStatus(res.get()) != PGRES_COMMAND_OK) {
    return ConnPtr(nullptr, Pq().finish);
  }
  return conn;
}

}  // namespace

void ApplySessionNotification(std::string_view payload, session::SessionChanges& sink) {
  if (payload.starts_with("s:")) {
    sink.SessionChanged(payload.substr(2));
  } else if (payload.starts_with("i:")) {
    sink.IdentityChanged(payload.substr(2));
  } else {
    sink.EverythingChanged();  // "*" or anything this version does not know
  }
}

PgListener::PgListener(std::string conninfo, session::SessionChanges& sink)
    : conninfo_(std::move(conninfo)), sink_(sink), thread_([this] { Run(); }) {}

PgListener::~PgListener() {
  stop_.store(true);
  thread_.join();
}

void PgListener::Run() {
  NameThisThread("pg-listen");
  auto backoff = kFirstBackoff;
  while (!stop_.load()) {
    ConnPtr conn = Connect(conninfo_);
    if (!conn) {
      sink_.SetFeedUp(false);
      // Sleep in short steps, so that a stop is not delayed by the backoff.
      for (auto slept = std::chrono::milliseconds(0); slept < backoff && !stop_.load();
           slept += kPollInterval) {
        std::this_thread::sleep_for(std::min(kPollInterval, backoff - slept));
      }
      backoff = std::min(backoff * 2, kMaxBackoff);
      continue;
    }
    backoff = kFirstBackoff;
    // Listening from here on: what was cached before may have missed changes, so the sink
    // forgets it as the feed comes up.
    sink_.SetFeedUp(true);
    while (!stop_.load()) {
      pollfd pfd{Pq().socket(conn.get()), POLLIN, 0};
      const int ready = poll(&pfd, 1, static_cast<int>(kPollInterval.count()));
      if (ready < 0) {
        continue;  // EINTR
      }
      if (ready > 0 && Pq().consumeInput(conn.get()) == 0) {
        break;  // the connection is gone
      }
      if (Pq().status(conn.get()) != CONNECTION_OK) {
        break;
      }
      while (PGnotify* n = Pq().notifies(conn.get())) {
        ApplySessionNotification(n->extra != nullptr ? std::string_view(n->extra) : "*", sink_);
        Pq().freemem(n);
      }
    }
    sink_.SetFeedUp(false);
  }
}

}  // namespace atrium::store
