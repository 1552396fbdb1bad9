#include "cli/cli.h"

#include <cstdio>
#include <cstdlib>

#include <CLI/CLI.hpp>

#include "app/application.h"
#include "app/metrics.h"
#include "base/log.h"
#include "base/time.h"
#include "config/loader.h"
#include "metrics/logging.h"

#ifndef ATRIUM_VERSION
#define ATRIUM_VERSION "0.0.0"
#endif

namespace atrium::cli {
namespace {

Result<config::Config> Load(const std::string& path, bool dev) {
  config::LoadOptions options;
  if (!path.empty()) {
    options.path = path;
  }
  options.dev = dev;
  options.env = config::EnvironmentFromProcess();
  return config::LoadConfig(options);
}

// Kratos' log.* keys; logs go to stderr as Kratos' do.
void ConfigureLogging(const config::Config& c) { metrics::ConfigureLogging(app::LogOptionsOf(c)); }

int Fail(const Error& e) {
  std::fprintf(stderr, "atrium: %s\n", e.reason.c_str());
  return 1;
}

// Debian's libpq and libcurl link OpenLDAP, and OpenLDAP links GnuTLS, whose load-time
// constructor initialises all of GnuTLS and p11-kit: 0.8 MiB for a library Atrium never calls
// (libpq's and libcurl's TLS is OpenSSL). GnuTLS skips that when this variable is set, and
// OpenLDAP calls gnutls_global_init itself before it uses TLS. Set first thing, while the process
// has one thread; a value already in the environment is kept.
void SkipGnuTlsInit() {
  setenv("GNUTLS_NO_IMPLICIT_INIT", "1", /*overwrite=*/0);  // NOLINT(concurrency-mt-unsafe)
}

}  // namespace

int Run(int argc, char** argv) {
  SkipGnuTlsInit();
  CLI::App cli("Atrium: a Kratos-compatible identity server", "atrium");
  cli.require_subcommand(1);

  std::string serve_config;
  bool dev = false;
  CLI::App* serve = cli.add_subcommand("serve", "Run the public and admin HTTP APIs");
  serve->add_option("-c,--config", serve_config, "Configuration file (kratos.yml format)");
  serve->add_flag("--dev", dev, "Development mode: embedded defaults, insecure cookies");
  bool watch_courier = false;
  serve->add_flag("--watch-courier", watch_courier,
                  "Accepted for Kratos compatibility: serve always runs the courier");

  std::string migrate_config;
  CLI::App* migrate = cli.add_subcommand("migrate", "Apply the database migrations");
  migrate->add_option("-c,--config", migrate_config, "Configuration file (kratos.yml format)");
  bool migrate_dev = false;
  migrate->add_flag("--dev", migrate_dev, "Use the development defaults");

  std::string cleanup_config;
  bool cleanup_dev = false;
  std::string keep_last;
  int batch_size = 0;
  CLI::App* cleanup = cli.add_subcommand(
      "cleanup", "Delete expired flows and sessions and old error records (Kratos: cleanup sql)");
  cleanup->add_option("-c,--config", cleanup_config, "Configuration file (kratos.yml format)");
  cleanup->add_flag("--dev", cleanup_dev, "Use the development defaults");
  cleanup->add_option(
      "--keep-last", keep_last,
      "Keep rows that expired less than this long ago (database.cleanup.older_than)");
  cleanup->add_option("--batch-size", batch_size, "Rows per delete (database.cleanup.batch_size)");

  CLI::App* courier = cli.add_subcommand("courier", "Commands of the courier");
  courier->require_subcommand(1);
  CLI::App* watch = courier->add_subcommand("watch", "Deliver queued messages until stopped");
  std::string watch_config;
  bool watch_dev = false;
  watch->add_option("-c,--config", watch_config, "Configuration file (kratos.yml format)");
  watch->add_flag("--dev", watch_dev, "Use the development defaults");

  CLI::App* version = cli.add_subcommand("version", "Print the version");

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cli.exit(e);
  }

  if (version->parsed()) {
    std::printf("atrium %s\n", ATRIUM_VERSION);
    return 0;
  }
  if (migrate->parsed()) {
    auto config = Load(migrate_config, migrate_dev);
    if (!config.ok()) {
      return Fail(config.error());
    }
    auto applied = app::Migrate(*config);
    if (!applied.ok()) {
      return Fail(applied.error());
    }
    std::printf("applied %d migration(s)\n", *applied);
    return 0;
  }
  if (cleanup->parsed()) {
    auto config = Load(cleanup_config, cleanup_dev);
    if (!config.ok()) {
      return Fail(config.error());
    }
    if (!keep_last.empty()) {
      const auto d = ParseGoDuration(keep_last);
      if (!d || d->count() < 0) {
        return Fail(Error::InvalidArgument("--keep-last: expected a duration such as \"6h\""));
      }
      config->cleanup.older_than = *d;
    }
    if (batch_size > 0) {
      config->cleanup.batch_size = batch_size;
    }
    auto counts = app::Cleanup(*config);
    if (!counts.ok()) {
      return Fail(counts.error());
    }
    std::printf(
        "deleted %lld expired flows, %lld expired sessions, %lld old error records, %lld "
        "expired sign-in failure counters\n",
        static_cast<long long>(counts->flows), static_cast<long long>(counts->sessions),
        static_cast<long long>(counts->errors), static_cast<long long>(counts->login_attempts));
    return 0;
  }
  if (watch->parsed()) {
    auto config = Load(watch_config, watch_dev);
    if (!config.ok()) {
      return Fail(config.error());
    }
    ConfigureLogging(*config);
    if (auto s = app::WatchCourier(*config); !s.ok()) {
      return Fail(s.error());
    }
    return 0;
  }
  auto config = Load(serve_config, dev);
  if (!config.ok()) {
    return Fail(config.error());
  }
  ConfigureLogging(*config);
  for (const auto& warning : config->warnings) {
    LogWarning("configuration: {}", warning);
  }
  auto application = app::Application::Create(std::move(config).value());
  if (!application.ok()) {
    return Fail(application.error());
  }
  if (auto s = (*application)->Serve(); !s.ok()) {
    return Fail(s.error());
  }
  return 0;
}

}  // namespace atrium::cli
