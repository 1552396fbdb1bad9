#include "courier/http_channel.h"

#include "base/strings.h"
#include "courier/builtin_templates.h"
#include "courier/templates.h"
#include "jsonnet/jsonnet.h"

namespace atrium::courier {
namespace {

Error Bad(std::string_view key, std::string_view why) {
  return Error::InvalidArgument("courier.http.request_config." + std::string(key) + ": " +
                                std::string(why));
}

Result<std::string> StringAt(const Json& object, std::string_view key, std::string_view path) {
  const auto it = object.find(std::string(key));
  if (it == object.end() || it->is_null()) {
    return std::string();
  }
  if (!it->is_string()) {
    return Bad(path, "expected a string");
  }
  return it->get<std::string>();
}

// The auth header of request_config.auth, if any.
Result<std::optional<httpclient::Header>> AuthHeader(const Json& auth) {
  if (auth.is_null()) {
    return std::optional<httpclient::Header>();
  }
  if (!auth.is_object()) {
    return Bad("auth", "expected a mapping");
  }
  ATRIUM_ASSIGN_OR_RETURN(const std::string type, StringAt(auth, "type", "auth.type"));
  const Json config = auth.value("config", Json::object());
  if (type == "basic_auth") {
    ATRIUM_ASSIGN_OR_RETURN(const std::string user, StringAt(config, "user", "auth.config.user"));
    ATRIUM_ASSIGN_OR_RETURN(const std::string password,
                            StringAt(config, "password", "auth.config.password"));
    return std::optional<httpclient::Header>(
        httpclient::Header{"Authorization", "Basic " + Base64Encode(user + ":" + password)});
  }
  if (type == "api_key") {
    ATRIUM_ASSIGN_OR_RETURN(const std::string name, StringAt(config, "name", "auth.config.name"));
    ATRIUM_ASSIGN_OR_RETURN(const std::string value,
                            StringAt(config, "value", "auth.config.value"));
    ATRIUM_ASSIGN_OR_RETURN(const std::string in, StringAt(config, "in", "auth.config.in"));
    if (name.empty()) {
      return Bad("auth.config.name", "required for api_key");
    }
    if (in == "cookie") {
      return std::optional<httpclient::Header>(httpclient::Header{"Cookie", name + "=" + value});
    }
    if (in.empty() || in == "header") {
      return std::optional<httpclient::Header>(httpclient::Header{name, value});
    }
    return Bad("auth.config.in", "must be header or cookie");
  }
  return Bad("auth.type", "must be basic_auth or api_key");
}

bool IsTemporary(int status) { return status == 408 || status == 429 || status >= 500; }

}  // namespace

Json HttpContext(const Message& m) {
  Json ctx = {{"recipient", m.recipient},
              {"subject", m.subject},
              {"body", m.body},
              {"template_type", m.template_type},
              {"template_data", ModelJson(m.template_data)},
              {"message_type", ToString(m.type)},
              {"request_headers", Json::object()}};
  if (!m.html_body.empty()) {
    ctx["html_body"] = m.html_body;
  }
  return ctx;
}

Result<std::unique_ptr<HttpChannel>> HttpChannel::Create(const config::Courier& config,
                                                         httpclient::Client& http) {
  const Json& rc = config.http_request_config;
  if (!rc.is_object()) {
    return Bad("url", "missing (the http delivery strategy needs a request_config)");
  }
  httpclient::Request req;
  ATRIUM_ASSIGN_OR_RETURN(req.url, StringAt(rc, "url", "url"));
  if (!req.url.starts_with("http://") && !req.url.starts_with("https://")) {
    return Bad("url", "must be an http:// or https:// URL");
  }
  ATRIUM_ASSIGN_OR_RETURN(std::string method, StringAt(rc, "method", "method"));
  req.method = method.empty() ? "POST" : method;
  bool has_content_type = false;
  if (const auto headers = rc.find("headers"); headers != rc.end() && !headers->is_null()) {
    if (!headers->is_object()) {
      return Bad("headers", "expected a mapping of strings");
    }
    for (const auto& [name, value] : headers->items()) {
      if (!value.is_string()) {
        return Bad("headers." + name, "expected a string");
      }
      has_content_type = has_content_type || EqualsIgnoreCase(name, "Content-Type");
      req.headers.push_back({name, value.get<std::string>()});
    }
  }
  if (!has_content_type) {
    req.headers.push_back({"Content-Type", "application/json"});
  }
  ATRIUM_ASSIGN_OR_RETURN(auto auth, AuthHeader(rc.value("auth", Json())));
  if (auth) {
    req.headers.push_back(std::move(*auth));
  }
  ATRIUM_ASSIGN_OR_RETURN(const std::string body_url, StringAt(rc, "body", "body"));
  std::string code;  // "" sends no body
  if (!body_url.empty()) {
    auto read = ReadTemplateSource(body_url);
    if (!read.ok()) {
      return Bad("body", read.error().reason);
    }
    code = std::move(read).value();
  }
  const auto t = std::chrono::duration_cast<std::chrono::milliseconds>(config.send_timeout);
  return std::unique_ptr<HttpChannel>(new HttpChannel(http, std::move(req), std::move(code), t));
}

Status HttpChannel::Deliver(const Message& message) {
  httpclient::Request request = prototype_;
  request.timeout = timeout_;
  if (!body_code_.empty()) {
    auto body = jsonnet::EvaluateSnippet("courier.http.request_config.body", body_code_,
                                         {.tla_code = {{"ctx", HttpContext(message)}}});
    if (!body.ok()) {
      Error e = std::move(body).error();
      e.code = ErrorCode::kUnprocessable;  // the same message renders the same way next time
      return e;
    }
    request.body = DumpJson(*body);
  }
  auto response = http_.Do(request);
  if (!response.ok()) {
    return std::move(response).error();  // unreachable, timed out, garbled: worth another try
  }
  if (response->status >= 200 && response->status < 300) {
    return OkStatus();
  }
  const std::string why =
      httpclient::OriginOf(request.url) + " answered " + std::to_string(response->status);
  if (IsTemporary(response->status)) {
    return Error::Unavailable(why);
  }
  return Error::Unprocessable(why);
}

}  // namespace atrium::courier
