#include "app/application.h"

#include <csignal>
#include <thread>

#include <spdlog/spdlog.h>

#include "api/public_api.h"
#include "base/random.h"
#include "base/strings.h"
#include "hash/hasher.h"
#include "http/http.h"
#include "httpclient/client.h"
#include "identity/schema.h"
#include "registration/service.h"
#include "session/cookie.h"
#include "store/postgres/pg_store.h"
#include "store/sqlite/sqlite_store.h"
#include "strategy/password/breach_checker.h"
#include "strategy/password/corpus.h"
#include "strategy/password/password.h"
#include "strategy/password/policy.h"
#include "strategy/profile/profile.h"
#include "webui/webui.h"

namespace atrium::app {
namespace {

// The backend named by the DSN: PostgreSQL for postgres:// URLs, SQLite otherwise.
Result<std::unique_ptr<store::Database>> OpenDatabase(const std::string& dsn, int pool) {
  if (dsn.starts_with("postgres://") || dsn.starts_with("postgresql://")) {
    store::PgOptions options;
    options.pool_size = pool;
    ATRIUM_ASSIGN_OR_RETURN(auto db, store::PgStore::Open(dsn, options));
    return std::unique_ptr<store::Database>(std::move(db));
  }
  ATRIUM_ASSIGN_OR_RETURN(auto db, store::SqliteStore::Open(dsn, pool));
  return std::unique_ptr<store::Database>(std::move(db));
}

int Cores() { return std::max(1, static_cast<int>(std::thread::hardware_concurrency())); }

// Dev mode without any after-registration hook signs the new user in, so that the built-in UI
// works on the first start. Production configurations are taken as written (Kratos semantics).
void ApplyDevDefaults(config::Config& c) {
  if (!c.dev) {
    return;
  }
  auto& reg = c.selfservice.registration;
  const bool any_hooks = !reg.after_hooks.empty() ||
                         std::any_of(reg.after_methods.begin(), reg.after_methods.end(),
                                     [](const auto& m) { return !m.second.hooks.empty(); });
  if (!any_hooks) {
    reg.after_methods["password"].hooks.push_back(config::Hook{"session", nullptr});
    spdlog::info("dev mode: no after-registration hooks configured, adding the session hook");
  }
}

// The breach source when the check is enabled: the local corpus when one is configured (the
// range API is then never called), the range API otherwise.
Result<std::unique_ptr<strategy::password::BreachChecker>> MakeBreachChecker(
    const config::Config& c, httpclient::Client& http, const Clock& clock) {
  const auto& bc = c.breach_check;
  if (!bc.corpus.empty()) {
    auto corpus = strategy::password::CorpusBreachChecker::Open(bc.corpus);
    if (!corpus.ok()) {
      return Error::InvalidArgument("atrium.breach_check.corpus: " + corpus.error().reason);
    }
    spdlog::info("breach check: local corpus {}, the range API is not used", bc.corpus);
    return std::unique_ptr<strategy::password::BreachChecker>(std::move(corpus).value());
  }
  strategy::password::HibpOptions options;
  options.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(bc.timeout);
  options.cooldown = bc.cooldown;
  return std::unique_ptr<strategy::password::BreachChecker>(
      std::make_unique<strategy::password::HibpBreachChecker>(
          c.selfservice.methods.password.haveibeenpwned_host, http, clock, options));
}

}  // namespace

struct Application::Parts {
  config::Config config;
  SystemClock clock;
  std::unique_ptr<httpclient::Client> http;  // every outbound call; outlives its users below
  std::unique_ptr<store::Database> store;
  std::unique_ptr<identity::SchemaRegistry> schemas;
  std::unique_ptr<session::CookieCodec> cookies;
  std::unique_ptr<hash::Hasher> hasher;
  std::unique_ptr<hash::HashPool> hashing;
  std::unique_ptr<strategy::password::BreachChecker> breaches;
  std::unique_ptr<strategy::password::PasswordPolicy> policy;
  std::unique_ptr<strategy::ProfileStrategy> profile;
  std::unique_ptr<strategy::PasswordStrategy> password;
  std::unique_ptr<registration::Service> registration;
  std::unique_ptr<api::PublicApi> api;
  std::unique_ptr<webui::WebUi> ui;
  http::Router public_router;
  http::Router admin_router;
};

Application::Application(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}
Application::~Application() = default;

Result<std::unique_ptr<Application>> Application::Create(config::Config config) {
  auto p = std::make_unique<Parts>();
  p->config = std::move(config);
  config::Config& c = p->config;
  ApplyDevDefaults(c);
  ATRIUM_RETURN_IF_ERROR(httpclient::GlobalInit());
  p->http = httpclient::NewClient();

  ATRIUM_ASSIGN_OR_RETURN(p->store, OpenDatabase(c.dsn, std::max(4, c.worker_threads)));
  if (c.dev || c.dsn == "memory") {
    ATRIUM_RETURN_IF_ERROR(p->store->Migrate());
  } else {
    ATRIUM_ASSIGN_OR_RETURN(const int pending, p->store->PendingMigrations());
    if (pending > 0) {
      return Error::InvalidArgument(std::to_string(pending) +
                                    " database migrations are pending: run `atrium migrate`");
    }
  }
  if (c.secrets.cookie.empty()) {
    // Dev mode only (the loader requires secrets otherwise): generated once, then persisted.
    ATRIUM_ASSIGN_OR_RETURN(std::string secret, p->store->GetOrCreateSecret("cookie", [] {
      return Base64UrlEncode(RandomBytes(32));
    }));
    c.secrets.cookie.push_back(std::move(secret));
  }
  ATRIUM_ASSIGN_OR_RETURN(
      p->schemas, identity::SchemaRegistry::Load(c.identity_schemas, c.identity_default_schema_id,
                                                 p->http.get()));
  p->cookies = std::make_unique<session::CookieCodec>(c.secrets.cookie);
  p->hasher = hash::MakeHasher(c.hashers);
  const int workers = c.hashers.workers > 0 ? c.hashers.workers : Cores();
  p->hashing = std::make_unique<hash::HashPool>(*p->hasher, workers, c.hashers.queue_capacity);

  const auto& pw = c.selfservice.methods.password;
  if (pw.haveibeenpwned_enabled) {
    ATRIUM_ASSIGN_OR_RETURN(p->breaches, MakeBreachChecker(c, *p->http, p->clock));
  }
  p->policy = std::make_unique<strategy::password::PasswordPolicy>(pw, p->breaches.get());
  p->profile = std::make_unique<strategy::ProfileStrategy>(c, p->clock);
  p->password = std::make_unique<strategy::PasswordStrategy>(c, *p->hashing, *p->policy, p->clock);
  p->registration = std::make_unique<registration::Service>(
      c, *p->schemas, *p->store, *p->store,
      std::vector<registration::Strategy*>{p->profile.get(), p->password.get()}, p->clock);
  store::Database* db = p->store.get();
  p->api = std::make_unique<api::PublicApi>(
      api::PublicApiDeps{c, *p->schemas, *p->registration, *p->store, *p->store, *p->cookies,
                         p->clock, [db] { return db->Ping(); }});
  p->api->Register(p->public_router);
  p->ui = std::make_unique<webui::WebUi>(c, *p->api);
  p->ui->Register(p->public_router);
  p->api->RegisterAdmin(p->admin_router);
  return std::unique_ptr<Application>(new Application(std::move(p)));
}

namespace {
std::atomic<http::Server*> g_server{nullptr};
void OnSignal(int) {
  if (http::Server* s = g_server.load()) {
    s->Stop();
  }
}
}  // namespace

Status Application::Serve() {
  const config::Config& c = parts_->config;
  http::ServerOptions options;
  options.io_threads = c.io_threads > 0 ? c.io_threads : Cores();
  options.worker_threads = c.worker_threads;
  http::Server server(options);
  ATRIUM_RETURN_IF_ERROR(
      server.Listen(c.serve_public.host, c.serve_public.port, parts_->public_router));
  ATRIUM_RETURN_IF_ERROR(
      server.Listen(c.serve_admin.host, c.serve_admin.port, parts_->admin_router));
  spdlog::info("atrium serving public API on {} (port {}), admin API on {} (port {}){}",
               c.serve_public.base_url, server.BoundPort(0), c.serve_admin.base_url,
               server.BoundPort(1), c.dev ? " [dev mode]" : "");
  g_server = &server;
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  server.Run();
  g_server = nullptr;
  spdlog::info("atrium stopped");
  return OkStatus();
}

Result<int> Migrate(const config::Config& config) {
  ATRIUM_ASSIGN_OR_RETURN(auto store, OpenDatabase(config.dsn, 1));
  ATRIUM_ASSIGN_OR_RETURN(const int pending, store->PendingMigrations());
  ATRIUM_RETURN_IF_ERROR(store->Migrate());
  return pending;
}

}  // namespace atrium::app
