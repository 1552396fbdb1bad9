#pragma once
// Builds the process's metrics (src/metrics) from the parts they observe: the HTTP server's
// observer with the request log, the hashing pool, the database pool and the courier's outbox,
// and GET /metrics/prometheus on the admin router.

#include <memory>

#include "config/config.h"
#include "hash/hasher.h"
#include "http/http.h"
#include "metrics/http_metrics.h"
#include "metrics/logging.h"
#include "metrics/registry.h"
#include "store/database.h"

namespace atrium::app {

class Observability final {
 public:
  // `store` and `hashing` must outlive *this; their callbacks run at scrape time.
  Observability(const config::Config& config, store::Database& store, hash::HashPool& hashing);
  Observability(const Observability&) = delete;
  Observability& operator=(const Observability&) = delete;

  // GET /metrics/prometheus (Kratos' path on the admin port).
  void Register(http::Router& admin);
  // For http::ServerOptions::observer.
  http::Observer Observer() { return http_.AsObserver(); }

 private:
  metrics::Registry registry_;
  metrics::RequestLog request_log_;
  metrics::HttpMetrics http_;
};

// The logging options of the configuration (log.*).
metrics::LogOptions LogOptionsOf(const config::Config& config);

}  // namespace atrium::app
