#pragma once
// Loads the configuration from Kratos' kratos.yml format (YAML or JSON), applies environment
// overrides the way Kratos does (key path upper-cased, '.' -> '_': SERVE_PUBLIC_PORT, DSN,
// SELFSERVICE_FLOWS_REGISTRATION_ENABLED, ...) and the dev-mode defaults, and validates.

#include <map>
#include <optional>
#include <string>

#include "base/result.h"
#include "config/config.h"

namespace atrium::config {

struct LoadOptions {
  std::optional<std::string> path;         // config file; none = defaults only (requires dev)
  bool dev = false;                        // `serve --dev`
  std::map<std::string, std::string> env;  // environment variables to apply
};

// InvalidArgument naming the key path ("selfservice.flows.registration.enabled: expected a
// boolean, got string") for unknown keys, wrong types, bad values and missing required keys.
Result<Config> LoadConfig(const LoadOptions& options);

// The process environment (only variables that can name a configuration key).
std::map<std::string, std::string> EnvironmentFromProcess();

// The built-in identity schema used in dev mode without a configured schema: one `email` trait
// that is the password identifier, a verification and a recovery address.
const std::string& BuiltinIdentitySchema();

}  // namespace atrium::config
