#pragma once
// Request body decoding as Kratos' decoderx does it (docs/wire/registration.md §10.1): form and
// JSON bodies become one JSON document, driven by the list of paths of the method's body schema.
// Shared by every flow (registration, login, ...) and every method.

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "base/json.h"
#include "base/result.h"
#include "identity/schema_registry.h"
#include "jsonschema/compiled_schema.h"
#include "jsonschema/paths.h"

namespace atrium::flow {

// The submitted body, already split by content type by the transport layer.
struct Body {
  enum class Format { kForm, kJson };
  Format format = Format::kForm;
  std::vector<std::pair<std::string, std::string>> form;  // kForm: fields in order
  Json json;                                              // kJson: the parsed object
};

// A method's body schema combined with one identity schema's traits, compiled once.
class BodySchema final {
 public:
  // `properties`: the method's own fields, e.g. {"password": {"type": "string"}}; `traits` is
  // added from the identity schema. `extra` is merged into the root (if/then, required).
  static Result<std::shared_ptr<const BodySchema>> Build(const identity::IdentitySchema& identity,
                                                         const Json& properties, const Json& extra);
  // A schema of the method's own fields only (login: no traits are submitted).
  static Result<std::shared_ptr<const BodySchema>> Plain(const Json& properties, const Json& extra);

  // Converts the body to a document: known paths only, typed, object paths defaulted to {}.
  Json Decode(const Body& body) const;
  std::vector<jsonschema::ValidationError> Validate(const Json& document) const;

 private:
  static Result<std::shared_ptr<const BodySchema>> Compile(Json doc, const Json& extra);

  std::shared_ptr<const jsonschema::CompiledSchema> compiled_;
  std::vector<jsonschema::PathInfo> paths_;
};

// A method's BodySchema per identity schema, compiled on first use. Thread-safe.
class BodySchemaCache final {
 public:
  // `properties` and `extra` as for BodySchema::Build.
  BodySchemaCache(Json properties, Json extra)
      : properties_(std::move(properties)), extra_(std::move(extra)) {}
  Result<std::shared_ptr<const BodySchema>> For(const identity::IdentitySchema& identity);

 private:
  const Json properties_;
  const Json extra_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<const BodySchema>> by_schema_;  // guarded by mu_
};

// A top-level field read without schema validation (the lenient "method"/"provider" pre-reads).
std::string PeekField(const Body& body, const std::string& name);

}  // namespace atrium::flow
