#pragma once
// The composition root: builds every object once, in dependency order, wires the routes and
// runs the HTTP server. The only place that knows every module.

#include <memory>

#include "base/result.h"
#include "cleanup/sweeper.h"
#include "config/config.h"

namespace atrium::http {
class Router;
}  // namespace atrium::http

namespace atrium::app {

class Application final {
 public:
  // Opens the store (applying migrations in dev mode), loads schemas, secrets and hashers.
  static Result<std::unique_ptr<Application>> Create(config::Config config);
  ~Application();
  Application(const Application&) = delete;
  Application& operator=(const Application&) = delete;

  // Serves until SIGINT/SIGTERM. Errors when a port cannot be bound.
  Status Serve();

  // The public port's routes, for in-process clients such as the fuzz harness (tests/fuzz/):
  // handlers found here answer exactly as over HTTP, without a socket. Valid while *this lives.
  const http::Router& PublicRouter() const;

 private:
  struct Parts;
  explicit Application(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

// `atrium cleanup`: one sweep of expired flows and sessions and old error records.
Result<cleanup::Counts> Cleanup(const config::Config& config);

// `atrium courier watch`: delivers the outbox in the foreground until SIGINT/SIGTERM.
Status WatchCourier(const config::Config& config);

// `atrium migrate`: applies pending migrations and reports how many ran.
Result<int> Migrate(const config::Config& config);

}  // namespace atrium::app
