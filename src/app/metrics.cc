#include "app/metrics.h"

#include <array>
#include <atomic>
#include <string>
#include <vector>

namespace atrium::app {
namespace {

// Hash waits range from nothing (an idle pool) to seconds (a saturated one).
constexpr std::array<double, 12> kWaitBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                 0.1,   0.25,   0.5,   1,    2.5,   5};

}  // namespace

metrics::LogOptions LogOptionsOf(const config::Config& config) {
  return {.level = config.log.level,
          .format = config.log.format,
          .leak_sensitive_values = config.log.leak_sensitive_values,
          .redaction_text = config.log.redaction_text};
}

Observability::Observability(const config::Config& config, store::Database& store,
                             hash::HashPool& hashing)
    : request_log_(LogOptionsOf(config)), http_(registry_, &request_log_) {
  metrics::Registry& r = registry_;
  // Hashing pool: queue, busy threads, and how long each job waited for a thread.
  r.AddGauge("atrium_hash_pool_queue_length", "Password hashing jobs waiting for a thread.",
             [&hashing] { return static_cast<double>(hashing.QueueLength()); });
  r.AddGauge("atrium_hash_pool_busy_threads", "Hashing threads running a job.",
             [&hashing] { return static_cast<double>(hashing.Busy()); });
  r.AddGauge("atrium_hash_pool_threads", "Hashing threads.",
             [&hashing] { return static_cast<double>(hashing.Threads()); });
  metrics::Histogram& wait =
      r.AddHistogram("atrium_hash_pool_wait_seconds",
                     "Time a password hashing job waited for a hashing thread.", {}, kWaitBuckets)
          .With({});
  hashing.SetWaitObserver([&wait](double seconds) { wait.Observe(seconds); });

  // Database connection pool and failures.
  r.AddCallback("atrium_db_pool_connections", "Database connections of the pool by state.", "gauge",
                [&store] {
                  const auto pool = store.Pool();
                  return std::vector<metrics::Sample>{
                      {{{"state", "in_use"}}, static_cast<double>(pool.in_use)},
                      {{{"state", "idle"}}, static_cast<double>(pool.size - pool.in_use)}};
                });
  r.AddGauge("atrium_db_pool_size", "Database connections the pool may hold.",
             [&store] { return static_cast<double>(store.Pool().size); });
  r.AddCallback(
      "atrium_db_errors_total",
      "Database operations that failed (connections, timeouts, statements; not "
      "uniqueness conflicts).",
      "counter", [&store] {
        return std::vector<metrics::Sample>{{{}, static_cast<double>(store.Pool().errors)}};
      });

  // The courier's outbox, counted at scrape time (an index range per status).
  r.AddCallback("atrium_courier_outbox_messages",
                "Courier messages still to deliver, by status (queued, processing).", "gauge",
                [&store] {
                  auto pending = store.PendingMessages();
                  if (!pending.ok()) {
                    return std::vector<metrics::Sample>{};
                  }
                  return std::vector<metrics::Sample>{
                      {{{"status", "queued"}}, static_cast<double>(pending->first)},
                      {{{"status", "processing"}}, static_cast<double>(pending->second)}};
                });
  metrics::AddProcessMetrics(r);
}

void Observability::Register(http::Router& admin) {
  admin.Add(
      "GET", "/metrics/prometheus",
      [this](const http::Request&) {
        http::Response res;
        res.SetHeader("Content-Type", std::string(metrics::kContentType));
        res.body = registry_.Render();
        return res;
      },
      http::Execution::kOffload);
}

}  // namespace atrium::app
