#include "identity/schema_registry.h"

#include <chrono>
#include <fstream>
#include <sstream>

#include "base/json.h"
#include "base/strings.h"
#include "httpclient/client.h"

namespace atrium::identity {
namespace {

constexpr std::size_t kMaxSchemaBytes = 5 << 20;

Result<std::string> HttpGet(const std::string& url, httpclient::Client* http) {
  if (http == nullptr) {
    return Error::InvalidArgument("http(s):// schemas need an HTTP client");
  }
  httpclient::Request request;
  request.url = url;
  request.timeout = std::chrono::seconds(10);
  request.max_response_bytes = kMaxSchemaBytes;
  request.follow_redirects = true;
  ATRIUM_ASSIGN_OR_RETURN(httpclient::Response response, http->Do(request));
  if (response.status != 200) {
    return Error::Unavailable("unable to fetch " + url + ": HTTP status " +
                              std::to_string(response.status));
  }
  return std::move(response.body);
}

}  // namespace

Result<std::string> FetchUrl(const std::string& url, httpclient::Client* http) {
  if (url.starts_with("base64://")) {
    const std::string_view payload = std::string_view(url).substr(9);
    if (auto decoded = Base64Decode(payload)) {
      return *decoded;
    }
    if (auto decoded = Base64UrlDecode(payload)) {
      return *decoded;
    }
    return Error::InvalidArgument("the base64:// payload is not valid base64");
  }
  if (url.starts_with("file://")) {
    const std::string path = url.substr(7);
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      return Error::InvalidArgument("unable to read file " + path);
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  if (url.starts_with("http://") || url.starts_with("https://")) {
    return HttpGet(url, http);
  }
  return Error::InvalidArgument("unsupported schema URL " + GoQuote(url) +
                                " (use file://, base64:// or http(s)://)");
}

Result<std::unique_ptr<SchemaRegistry>> SchemaRegistry::Load(
    const std::vector<config::IdentitySchemaRef>& refs, std::string default_id,
    httpclient::Client* http) {
  auto registry = std::make_unique<SchemaRegistry>();
  registry->default_id_ = std::move(default_id);
  for (const auto& ref : refs) {
    const auto fail = [&](const std::string& why) {
      return Error::InvalidArgument("identity schema " + GoQuote(ref.id) + ": " + why);
    };
    auto raw = FetchUrl(ref.url, http);
    if (!raw.ok()) {
      return fail(raw.error().reason);
    }
    // Schemas come from configuration, but may be fetched over the network: the same limits
    // as any outside JSON, with room for large schemas.
    auto parsed = ParseJson(*raw, JsonLimits{.max_bytes = 5u << 20, .max_depth = 128});
    if (!parsed.ok()) {
      return fail(parsed.error().reason);
    }
    Json document = std::move(parsed).value();
    if (!document.is_object()) {
      return fail("not a JSON object");
    }
    auto compiled = jsonschema::CompiledSchema::Compile(document);
    if (!compiled.ok()) {
      return fail(compiled.error().reason);
    }
    IdentitySchema s;
    s.id = ref.id;
    s.url = ref.url;
    s.selfservice_selectable = ref.selfservice_selectable;
    s.paths = jsonschema::ListPaths(document);
    s.leaf_keys = jsonschema::DocumentOrderLeafKeys(document);
    s.compiled = std::move(compiled).value();
    s.document = std::move(document);
    registry->schemas_.push_back(std::move(s));
  }
  if (registry->Find(registry->default_id_) == nullptr) {
    return Error::InvalidArgument("identity.default_schema_id " + GoQuote(registry->default_id_) +
                                  " names no configured schema");
  }
  return registry;
}

const IdentitySchema* SchemaRegistry::Find(std::string_view id) const {
  for (const auto& s : schemas_) {
    if (s.id == id) {
      return &s;
    }
  }
  return nullptr;
}

const IdentitySchema& SchemaRegistry::Default() const { return *Find(default_id_); }

}  // namespace atrium::identity
