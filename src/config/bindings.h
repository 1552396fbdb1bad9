#pragma once
// The configuration keys Atrium reads, each written once: its path, where its value goes in
// Config, and which values it accepts. The loader applies the table to the file and to the
// environment; docs/configuration.md describes the same keys for people.

#include <functional>
#include <string>
#include <vector>

#include "base/json.h"
#include "config/config.h"

namespace atrium::config {

// How an environment variable's text becomes a value for a key.
enum class EnvKind {
  kString,      // as is
  kInteger,     // a JSON integer
  kBoolean,     // "true" or "false"
  kStringList,  // "a,b,c" or a JSON array
  kJson,        // a JSON document (lists of objects, mappings)
};

struct Binding {
  std::string path;  // "selfservice.flows.registration.lifespan"
  EnvKind env = EnvKind::kString;
  // Stores `value` into the configuration; returns "" or why the value is refused.
  std::function<std::string(const Json& value, Config& config)> apply;
};

// Every key Atrium reads, in the order they are applied.
const std::vector<Binding>& Bindings();

// Keys that Kratos knows and Atrium reads but whose feature is not built yet, with the value
// that turns the feature on: a warning names them when the configuration does so.
struct PendingFeature {
  std::string path;
  Json enabling_value;
  std::string what;  // "the oidc method"
};
const std::vector<PendingFeature>& PendingFeatures();

// Hooks Atrium runs today; others are accepted and draw a warning.
bool HookImplemented(const std::string& name, const std::string& path);

}  // namespace atrium::config
