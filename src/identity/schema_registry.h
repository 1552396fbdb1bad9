#pragma once
// Identity schemas: loaded once at start-up from file://, base64:// or http(s):// URLs, compiled,
// and indexed by id (docs/wire/registration.md §16, §21).

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "base/result.h"
#include "config/config.h"
#include "jsonschema/compiled_schema.h"
#include "jsonschema/paths.h"

namespace atrium::httpclient {
class Client;
}  // namespace atrium::httpclient

namespace atrium::identity {

struct IdentitySchema {
  std::string id;
  std::string url;
  bool selfservice_selectable = false;
  Json document;  // as written, key order preserved
  std::shared_ptr<const jsonschema::CompiledSchema> compiled;
  std::vector<jsonschema::PathInfo> paths;  // every path, "traits.email", ...
  std::vector<std::string> leaf_keys;       // document-order leaf keys for node sorting
};

class SchemaRegistry final {
 public:
  // Loads and compiles every schema. Errors (InvalidArgument) name the schema id and the cause.
  // http(s):// schemas are fetched with `http` (null: refused); it is not kept.
  static Result<std::unique_ptr<SchemaRegistry>> Load(
      const std::vector<config::IdentitySchemaRef>& refs, std::string default_id,
      httpclient::Client* http = nullptr);

  const IdentitySchema* Find(std::string_view id) const;
  const IdentitySchema& Default() const;
  const std::vector<IdentitySchema>& All() const { return schemas_; }

 private:
  std::vector<IdentitySchema> schemas_;
  std::string default_id_;
};

// Reads the bytes behind a file://, base64:// or http(s):// URL (the latter with `http`, within
// 10 s, at most 5 MiB, following redirects as Kratos does).
Result<std::string> FetchUrl(const std::string& url, httpclient::Client* http = nullptr);

}  // namespace atrium::identity
