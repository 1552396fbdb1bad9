#include "courier/http_channel.h"

#include "base/strings.h"
#include "courier/builtin_templates.h"
#include "courier/request_config.h"
#include "courier/templates.h"
#include "jsonnet/jsonnet.h"

namespace atrium::courier {
namespace {

Error Bad(std::string_view key, std::string_view why) {
  return Error::InvalidArgument("courier.http.request_config." + std::string(key) + ": " +
                                std::string(why));
}

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
  ATRIUM_ASSIGN_OR_RETURN(RequestConfig parsed,
                          ParseRequestConfig(rc, "courier.http.request_config."));
  httpclient::Request req = std::move(parsed.prototype);
  const std::string& body_url = parsed.body_url;
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
  return DeliveryOutcome(http_.Do(request), request.url);
}

}  // namespace atrium::courier
