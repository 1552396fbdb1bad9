#include "courier/request_config.h"

#include <optional>

#include "base/strings.h"

namespace atrium::courier {
namespace {

Error Bad(std::string_view prefix, std::string_view key, std::string_view why) {
  return Error::InvalidArgument(std::string(prefix) + std::string(key) + ": " + std::string(why));
}

// The header (or cookie) that `auth` adds, if any.
Result<std::optional<httpclient::Header>> AuthHeader(const Json& auth, std::string_view prefix) {
  if (auth.is_null()) {
    return std::optional<httpclient::Header>();
  }
  if (!auth.is_object()) {
    return Bad(prefix, "auth", "expected a mapping");
  }
  ATRIUM_ASSIGN_OR_RETURN(const std::string type, ConfigString(auth, "type", prefix, "auth.type"));
  const Json config = auth.value("config", Json::object());
  if (!config.is_object()) {
    return Bad(prefix, "auth.config", "expected a mapping");
  }
  const auto at = [&](std::string_view key) {
    return ConfigString(config, key, prefix, "auth.config." + std::string(key));
  };
  if (type == "basic_auth") {
    ATRIUM_ASSIGN_OR_RETURN(const std::string user, at("user"));
    ATRIUM_ASSIGN_OR_RETURN(const std::string password, at("password"));
    return std::optional<httpclient::Header>(
        httpclient::Header{"Authorization", "Basic " + Base64Encode(user + ":" + password)});
  }
  if (type == "api_key") {
    ATRIUM_ASSIGN_OR_RETURN(const std::string name, at("name"));
    ATRIUM_ASSIGN_OR_RETURN(const std::string value, at("value"));
    ATRIUM_ASSIGN_OR_RETURN(const std::string in, at("in"));
    if (name.empty()) {
      return Bad(prefix, "auth.config.name", "required for api_key");
    }
    if (in == "cookie") {
      return std::optional<httpclient::Header>(httpclient::Header{"Cookie", name + "=" + value});
    }
    if (in.empty() || in == "header") {
      return std::optional<httpclient::Header>(httpclient::Header{name, value});
    }
    return Bad(prefix, "auth.config.in", "must be header or cookie");
  }
  return Bad(prefix, "auth.type", "must be basic_auth or api_key");
}

}  // namespace

Result<std::string> ConfigString(const Json& object, std::string_view key, std::string_view prefix,
                                 std::string_view path) {
  const auto it = object.find(std::string(key));
  if (it == object.end() || it->is_null()) {
    return std::string();
  }
  if (!it->is_string()) {
    return Bad(prefix, path, "expected a string");
  }
  return it->get<std::string>();
}

Status DeliveryOutcome(const Result<httpclient::Response>& response, std::string_view url) {
  if (!response.ok()) {
    return response.error();  // unreachable, timed out, garbled: worth another try
  }
  const int status = response->status;
  if (status >= 200 && status < 300) {
    return OkStatus();
  }
  const std::string why = httpclient::OriginOf(url) + " answered " + std::to_string(status);
  if (status == 408 || status == 429 || status >= 500) {
    return Error::Unavailable(why);
  }
  return Error::Unprocessable(why);
}

Result<RequestConfig> ParseRequestConfig(const Json& config, std::string_view prefix) {
  RequestConfig out;
  httpclient::Request& req = out.prototype;
  ATRIUM_ASSIGN_OR_RETURN(req.url, ConfigString(config, "url", prefix, "url"));
  if (!req.url.starts_with("http://") && !req.url.starts_with("https://")) {
    return Bad(prefix, "url", "must be an http:// or https:// URL");
  }
  ATRIUM_ASSIGN_OR_RETURN(const std::string method,
                          ConfigString(config, "method", prefix, "method"));
  req.method = method.empty() ? "POST" : method;
  bool has_content_type = false;
  if (const auto headers = config.find("headers"); headers != config.end() && !headers->is_null()) {
    if (!headers->is_object()) {
      return Bad(prefix, "headers", "expected a mapping of strings");
    }
    for (const auto& [name, value] : headers->items()) {
      if (!value.is_string()) {
        return Bad(prefix, "headers." + name, "expected a string");
      }
      has_content_type = has_content_type || EqualsIgnoreCase(name, "Content-Type");
      req.headers.push_back({name, value.get<std::string>()});
    }
  }
  if (!has_content_type) {
    req.headers.push_back({"Content-Type", "application/json"});
  }
  ATRIUM_ASSIGN_OR_RETURN(auto auth, AuthHeader(config.value("auth", Json()), prefix));
  if (auth) {
    req.headers.push_back(std::move(*auth));
  }
  ATRIUM_ASSIGN_OR_RETURN(out.body_url, ConfigString(config, "body", prefix, "body"));
  return out;
}

}  // namespace atrium::courier
