#include "app/application.h"

#include <cctype>
#include <csignal>
#include <fstream>
#include <sstream>
#include <thread>

#include "api/courier_routes.h"
#include "api/public_api.h"
#include "app/courier.h"
#include "app/metrics.h"
#include "base/ids.h"
#include "base/ip.h"
#include "base/log.h"
#include "base/random.h"
#include "base/strings.h"
#include "cleanup/sweeper.h"
#include "courier/composer.h"
#include "flow/csrf.h"
#include "hash/hasher.h"
#include "http/http.h"
#include "httpclient/client.h"
#include "hydra/hydra.h"
#include "identity/schema_registry.h"
#include "login/logout.h"
#include "login/service.h"
#include "login/throttle.h"
#include "otp/codes.h"
#include "pages/pages.h"
#include "registration/service.h"
#include "session/cache.h"
#include "session/cookie.h"
#include "session/management.h"
#include "session/manager.h"
#include "session/token_exchange.h"
#include "store/postgres/pg_store.h"
#include "store/sqlite/sqlite_store.h"
#include "strategy/code/code.h"
#include "strategy/identifier_first/identifier_first.h"
#include "strategy/oidc/oidc.h"
#include "strategy/passkey/passkey.h"
#include "strategy/password/breach_checker.h"
#include "strategy/password/corpus.h"
#include "strategy/password/login.h"
#include "strategy/password/password.h"
#include "strategy/password/policy.h"
#include "strategy/profile/profile.h"
#include "strategy/webauthn/webauthn.h"
#include "verification/hooks.h"
#include "verification/service.h"

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

flow::CsrfOptions CsrfOptionsOf(const config::Config& c) {
  flow::CsrfOptions o;
  o.public_base_url = c.serve_public.configured_base_url;
  o.path = c.cookies.path;
  o.domain = c.cookies.domain;
  o.secure = c.CookiesSecure();
  o.same_site = c.cookies.same_site;
  return o;
}

session::ManagerOptions SessionOptionsOf(const config::Config& c) {
  const auto& sc = c.session.cookie;
  session::ManagerOptions o;
  o.lifespan = c.session.lifespan;
  o.public_base_url = c.serve_public.base_url;
  o.cookie_name = sc.name;
  o.persistent = sc.persistent;
  o.path = sc.path.empty() ? c.cookies.path : sc.path;
  o.domain = sc.domain.empty() ? c.cookies.domain : sc.domain;
  o.secure = c.SessionCookieSecure();
  o.same_site = sc.same_site.empty() ? c.cookies.same_site : sc.same_site;
  o.secrets = c.secrets.cookie;
  return o;
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
    LogInfo("dev mode: no after-registration hooks configured, adding the session hook");
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
    LogInfo("breach check: local corpus {}, the range API is not used", bc.corpus);
    return std::unique_ptr<strategy::password::BreachChecker>(std::move(corpus).value());
  }
  strategy::password::HibpOptions options;
  options.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(bc.timeout);
  options.cooldown = bc.cooldown;
  return std::unique_ptr<strategy::password::BreachChecker>(
      std::make_unique<strategy::password::HibpBreachChecker>(
          c.selfservice.methods.password.haveibeenpwned_host, http, clock, options));
}

// The key of one-time code digests: derived from the first `secrets.default`, else the first
// `secrets.cookie` (which dev mode keeps in the database), so that it is never the key of
// anything else.
}  // namespace

struct Application::Parts {
  config::Config config;
  SystemClock clock;
  RandomIds ids;
  IpRanges trusted_proxies;
  std::unique_ptr<httpclient::Client> http;  // every outbound call; outlives its users below
  // whoami's cache; declared before the store, which reports its writes to it until it closes.
  std::unique_ptr<session::SessionCache> session_cache;
  std::unique_ptr<store::Database> store;
  // Metrics and the request log; before the hashing pool, whose threads report to it.
  std::unique_ptr<Observability> observability;
  std::unique_ptr<identity::SchemaRegistry> schemas;
  std::unique_ptr<session::CookieCodec> cookies;
  std::unique_ptr<hash::Hasher> hasher;
  std::unique_ptr<hash::HashPool> hashing;
  std::unique_ptr<strategy::password::BreachChecker> breaches;
  std::unique_ptr<strategy::password::PasswordPolicy> policy;
  std::unique_ptr<flow::CsrfGuard> csrf;
  std::unique_ptr<session::Manager> sessions;
  std::unique_ptr<session::Management> session_management;
  // One-time code digests (sign-up, verification), keyed by otp::DeriveKey (derived at the first
  // code).
  std::unique_ptr<otp::Digester> codes;
  std::unique_ptr<verification::Service> verification;
  // The post-registration hooks Atrium implements (§18 step 7).
  std::vector<std::unique_ptr<registration::PostPersistHook>> registration_hooks;
  // The identity providers of the oidc method (discovery and key caches).
  std::unique_ptr<strategy::oidc::Providers> oidc_providers;
  // Native apps' session token exchanges (API flows of social sign-ins).
  std::unique_ptr<session::TokenExchanges> token_exchanges;
  // The registration methods, in the order Kratos tries them.
  std::vector<std::unique_ptr<registration::Strategy>> methods;
  std::unique_ptr<hydra::Provider> hydra;  // oauth2_provider.url set: Hydra's admin API
  std::unique_ptr<registration::Service> registration;
  // The login methods, in the order Kratos tries them.
  std::vector<std::unique_ptr<login::Strategy>> login_methods;
  std::unique_ptr<login::Throttle> throttle;
  std::unique_ptr<login::Service> login;
  std::unique_ptr<login::Logout> logout;
  std::unique_ptr<api::PublicApi> api;
  std::unique_ptr<pages::Pages> pages;
  std::unique_ptr<cleanup::Sweeper> sweeper;
  std::unique_ptr<Courier> courier;
  std::unique_ptr<api::CourierAdmin> courier_admin;
  http::Router public_router;
  http::Router admin_router;
};

Application::Application(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}
Application::~Application() = default;

const http::Router& Application::PublicRouter() const { return parts_->public_router; }

Result<std::unique_ptr<Application>> Application::Create(config::Config config) {
  auto p = std::make_unique<Parts>();
  p->config = std::move(config);
  config::Config& c = p->config;
  ApplyDevDefaults(c);
  // libcurl is loaded by the first outbound call: a server that never calls out stays without it.
  p->http = httpclient::NewClient();

  auto proxies = IpRanges::Parse(c.trusted_proxies);
  if (!proxies.ok()) {
    return Error::InvalidArgument("atrium.trusted_proxies: " + proxies.error().reason);
  }
  p->trusted_proxies = std::move(proxies).value();
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
  ATRIUM_ASSIGN_OR_RETURN(p->courier, Courier::Create(c, *p->store, p->clock, *p->http));
  p->cookies = std::make_unique<session::CookieCodec>(c.secrets.cookie);
  const config::Argon2& argon2 = c.hashers.argon2;
  p->hasher = hash::MakeHasher({.algorithm = c.hashers.algorithm,
                                .argon2 = {.memory_kib = argon2.memory_kib,
                                           .iterations = argon2.iterations,
                                           .parallelism = argon2.parallelism,
                                           .salt_length = argon2.salt_length,
                                           .key_length = argon2.key_length},
                                .bcrypt_cost = c.hashers.bcrypt_cost});
  const int workers = c.hashers.workers > 0 ? c.hashers.workers : Cores();
  p->hashing = std::make_unique<hash::HashPool>(*p->hasher, workers, c.hashers.queue_capacity);

  const auto& pw = c.selfservice.methods.password;
  if (pw.haveibeenpwned_enabled) {
    ATRIUM_ASSIGN_OR_RETURN(p->breaches, MakeBreachChecker(c, *p->http, p->clock));
  }
  p->policy = std::make_unique<strategy::password::PasswordPolicy>(pw, p->breaches.get());
  p->csrf = std::make_unique<flow::CsrfGuard>(CsrfOptionsOf(c));
  if (c.session.cache_ttl > Duration::zero()) {
    p->session_cache = std::make_unique<session::SessionCache>(
        static_cast<std::size_t>(c.session.cache_capacity), c.session.cache_ttl, p->clock);
    p->store->ReportSessionChanges(*p->session_cache);
  }
  p->sessions = std::make_unique<session::Manager>(SessionOptionsOf(c), *p->store, *p->cookies,
                                                   p->ids, p->clock, p->session_cache.get());
  p->session_management = std::make_unique<session::Management>(
      session::ManagementOptions{c.session.lifespan, c.session.earliest_possible_extend}, *p->store,
      p->clock);

  // One-time codes are keyed with a key derived from the first default secret (else the first
  // cookie secret), never with the secret itself.
  p->codes = std::make_unique<otp::Digester>(otp::DerivedFrom{
      c.secrets.default_.empty() ? c.secrets.cookie.front() : c.secrets.default_.front()});
  p->verification = std::make_unique<verification::Service>(verification::Dependencies{
      c, *p->store, *p->store, *p->store, *p->store, *p->store, *p->codes, p->courier->composer(),
      &p->courier->doorbell(), *p->csrf, p->ids, p->clock});
  p->registration_hooks.push_back(
      std::make_unique<verification::VerificationHook>(*p->verification, *p->csrf));
  p->registration_hooks.push_back(std::make_unique<verification::ShowVerificationUiHook>());
  std::vector<const registration::PostPersistHook*> hooks;
  for (const auto& h : p->registration_hooks) {
    hooks.push_back(h.get());
  }

  // The registration methods: one line each, in Kratos' order.
  p->methods.push_back(std::make_unique<strategy::ProfileStrategy>(c));
  p->methods.push_back(std::make_unique<strategy::PasswordStrategy>(c, *p->hashing, *p->policy));
  p->oidc_providers = std::make_unique<strategy::oidc::Providers>(c, *p->http, p->clock);
  p->methods.push_back(std::make_unique<strategy::OidcStrategy>(
      strategy::OidcDeps{c, *p->oidc_providers, *p->store, *p->store, *p->http, p->ids, p->clock}));
  p->methods.push_back(std::make_unique<strategy::CodeStrategy>(
      strategy::CodeDeps{c, *p->store, *p->store, *p->codes, p->courier->composer(),
                         &p->courier->doorbell(), p->ids, p->clock}));
  p->methods.push_back(std::make_unique<strategy::PasskeyStrategy>(c, *p->store, p->clock));
  p->methods.push_back(std::make_unique<strategy::WebAuthnStrategy>(c, *p->store, p->clock));

  std::vector<const registration::Strategy*> methods;
  for (const auto& m : p->methods) {
    methods.push_back(m.get());
  }
  if (!c.oauth2_provider.url.empty()) {
    p->hydra = hydra::NewHttpProvider(*p->http, hydra::Options{c.oauth2_provider.url,
                                                               {c.oauth2_provider.headers.begin(),
                                                                c.oauth2_provider.headers.end()}});
  }
  p->token_exchanges = std::make_unique<session::TokenExchanges>(
      *p->store, *p->sessions, c.secrets.cookie, p->ids, p->clock);
  p->registration =
      std::make_unique<registration::Service>(registration::Dependencies{c,
                                                                         *p->schemas,
                                                                         *p->store,
                                                                         *p->store,
                                                                         *p->sessions,
                                                                         *p->csrf,
                                                                         std::move(methods),
                                                                         p->ids,
                                                                         p->clock,
                                                                         std::move(hooks),
                                                                         {&p->courier->web_hooks()},
                                                                         &p->courier->doorbell(),
                                                                         p->hydra.get(),
                                                                         p->token_exchanges.get()});

  // The login methods: one line each, in Kratos' order.
  p->login_methods.push_back(std::make_unique<strategy::PasswordLogin>(c, *p->hashing));
  p->login_methods.push_back(std::make_unique<strategy::IdentifierFirst>(c));
  std::vector<const login::Strategy*> login_methods;
  for (const auto& m : p->login_methods) {
    login_methods.push_back(m.get());
  }
  if (c.login_throttling.enabled) {
    p->throttle = std::make_unique<login::StoreThrottle>(c.login_throttling, *p->store, p->clock);
  } else {
    p->throttle = std::make_unique<login::NoThrottle>();
  }
  p->login = std::make_unique<login::Service>(
      login::Dependencies{c, *p->schemas, *p->store, *p->store, *p->sessions, *p->csrf,
                          *p->throttle, std::move(login_methods), p->ids, p->clock});
  p->logout = std::make_unique<login::Logout>(c, *p->sessions, *p->csrf);

  store::Database* db = p->store.get();
  p->api = std::make_unique<api::PublicApi>(api::PublicApiDeps{
      c, *p->schemas, *p->registration, *p->login, *p->logout, *p->verification, *p->sessions,
      *p->session_management, *p->csrf, *p->store, p->ids, p->clock, p->trusted_proxies,
      [db] { return db->Ping(); }, p->token_exchanges.get()});
  p->api->Register(p->public_router);
  p->pages = std::make_unique<pages::Pages>(c, p->public_router);
  p->pages->Register(p->public_router);
  p->api->RegisterAdmin(p->admin_router);
  p->courier_admin = std::make_unique<api::CourierAdmin>(*p->store, c);
  p->courier_admin->Register(p->admin_router);
  p->observability = std::make_unique<Observability>(c, *p->store, *p->hashing);
  p->observability->Register(p->admin_router);
  p->sweeper = std::make_unique<cleanup::Sweeper>(*p->store, c.cleanup, p->clock);
  return std::unique_ptr<Application>(new Application(std::move(p)));
}

namespace {

// The PEM text of one TLS source; `key` is its configuration path for messages
// ("serve.public.tls.cert").
Result<std::string> ReadPem(const config::TlsSource& source, const std::string& key) {
  if (!source.base64.empty()) {
    std::string compact;
    for (const char ch : source.base64) {
      if (std::isspace(static_cast<unsigned char>(ch)) == 0) {
        compact.push_back(ch);
      }
    }
    // Kratos documents these values without padding and decodes them with padding.
    while (compact.size() % 4 != 0) {
      compact.push_back('=');
    }
    std::optional<std::string> pem = Base64Decode(compact);
    if (!pem) {
      return Error::InvalidArgument(key + ".base64: not valid base64");
    }
    return std::move(*pem);
  }
  std::ifstream in(source.path, std::ios::binary);
  if (!in) {
    return Error::InvalidArgument(key + ".path: cannot read " + GoQuote(source.path));
  }
  std::stringstream pem;
  pem << in.rdbuf();
  return pem.str();
}

// The TLS material of one listener, or nullopt for plain HTTP.
Result<std::optional<http::TlsOptions>> LoadTls(const config::ServeTls& tls,
                                                const std::string& key) {
  if (!tls.Enabled()) {
    return std::optional<http::TlsOptions>();
  }
  http::TlsOptions out;
  ATRIUM_ASSIGN_OR_RETURN(out.cert_pem, ReadPem(tls.cert, key + ".cert"));
  ATRIUM_ASSIGN_OR_RETURN(out.key_pem, ReadPem(tls.key, key + ".key"));
  return std::optional<http::TlsOptions>(std::move(out));
}

// Binds one listener; errors name its configuration key (`key` is "serve.public" or
// "serve.admin"), TLS problems (reasons starting "TLS: ", see http::Server::Listen) its tls key.
Status ListenOn(http::Server& server, const config::ServeEndpoint& endpoint, const std::string& key,
                const http::Router& router) {
  ATRIUM_ASSIGN_OR_RETURN(const std::optional<http::TlsOptions> tls,
                          LoadTls(endpoint.tls, key + ".tls"));
  Status listening = server.Listen(endpoint.host, endpoint.port, router, tls);
  if (listening.ok()) {
    return listening;
  }
  Error error = std::move(listening).error();
  error.reason = (error.reason.starts_with("TLS: ") ? key + ".tls: " : key + ": ") + error.reason;
  return error;
}

// Durations are whole milliseconds in the server; a positive value never rounds down to zero.
std::chrono::milliseconds Millis(Duration d) {
  return std::max(std::chrono::milliseconds(1),
                  std::chrono::duration_cast<std::chrono::milliseconds>(d));
}

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
  options.max_connections = static_cast<std::size_t>(c.limits.max_connections);
  options.max_connections_per_ip = static_cast<std::size_t>(c.limits.max_connections_per_ip);
  options.idle_timeout = Millis(c.limits.idle_timeout);
  options.request_timeout = Millis(c.limits.request_timeout);
  options.queue_capacity = static_cast<std::size_t>(c.limits.queue_capacity);
  options.observer = parts_->observability->Observer();
  http::Server server(options);
  ATRIUM_RETURN_IF_ERROR(ListenOn(server, c.serve_public, "serve.public", parts_->public_router));
  ATRIUM_RETURN_IF_ERROR(ListenOn(server, c.serve_admin, "serve.admin", parts_->admin_router));
  LogInfo("atrium serving public API on {} (port {}{}), admin API on {} (port {}{}){}",
          c.serve_public.base_url, server.BoundPort(0), c.serve_public.tls.Enabled() ? ", TLS" : "",
          c.serve_admin.base_url, server.BoundPort(1), c.serve_admin.tls.Enabled() ? ", TLS" : "",
          c.dev ? " [dev mode]" : "");
  g_server = &server;
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  parts_->sweeper->Start();
  parts_->courier->Start();
  server.Run();
  parts_->courier->Stop();
  parts_->sweeper->Stop();
  g_server = nullptr;
  LogInfo("atrium stopped");
  return OkStatus();
}

Result<cleanup::Counts> Cleanup(const config::Config& config) {
  ATRIUM_ASSIGN_OR_RETURN(auto store, OpenDatabase(config.dsn, 1));
  ATRIUM_ASSIGN_OR_RETURN(const int pending, store->PendingMigrations());
  if (pending > 0) {
    return Error::InvalidArgument(std::to_string(pending) +
                                  " database migrations are pending: run `atrium migrate`");
  }
  SystemClock clock;
  cleanup::Sweeper sweeper(*store, config.cleanup, clock);
  return sweeper.RunOnce();
}

Status WatchCourier(const config::Config& config) {
  // SIGINT and SIGTERM are taken by a thread that stops the sender; blocked everywhere else,
  // so before any thread starts (the store starts some: a checkpointer, a listener), since
  // threads inherit the mask they are created with.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ATRIUM_RETURN_IF_ERROR(httpclient::GlobalInit());  // a mail sender needs libcurl: fail early
  ATRIUM_ASSIGN_OR_RETURN(auto store, OpenDatabase(config.dsn, 2));
  if (config.dev || config.dsn == "memory") {
    ATRIUM_RETURN_IF_ERROR(store->Migrate());
  } else {
    ATRIUM_ASSIGN_OR_RETURN(const int pending, store->PendingMigrations());
    if (pending > 0) {
      return Error::InvalidArgument(std::to_string(pending) +
                                    " database migrations are pending: run `atrium migrate`");
    }
  }
  SystemClock clock;
  const auto http = httpclient::NewClient();
  ATRIUM_ASSIGN_OR_RETURN(auto courier, Courier::Create(config, *store, clock, *http));
  if (!courier->CanDeliver()) {
    return Error::InvalidArgument("courier: nothing to watch without a delivery configuration");
  }
  std::thread waiter([&signals, &courier] {
    int received = 0;
    sigwait(&signals, &received);
    courier->Stop();
  });
  LogInfo("atrium courier watching the outbox");
  courier->RunInForeground();
  waiter.join();
  LogInfo("atrium courier stopped");
  return OkStatus();
}

Result<int> Migrate(const config::Config& config) {
  ATRIUM_ASSIGN_OR_RETURN(auto store, OpenDatabase(config.dsn, 1));
  ATRIUM_ASSIGN_OR_RETURN(const int pending, store->PendingMigrations());
  ATRIUM_RETURN_IF_ERROR(store->Migrate());
  return pending;
}

}  // namespace atrium::app
