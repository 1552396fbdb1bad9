#include "hydra/hydra.h"

#include <utility>

#include "base/strings.h"
#include "httpclient/client.h"

namespace atrium::hydra {
namespace {

constexpr std::size_t kMaxAnswer = 256 * 1024;
constexpr std::string_view kLoginPath = "admin/oauth2/auth/requests/login";

Error WithStatus(Error e, int status) {
  if (status != 0) {
    e.details = {{"status_code", status}};
  }
  return e;
}

class HttpProvider final : public Provider {
 public:
  HttpProvider(httpclient::Client& http, Options options)
      : http_(http), options_(std::move(options)) {
    if (!options_.admin_url.empty() && options_.admin_url.back() != '/') {
      options_.admin_url.push_back('/');
    }
  }

  Result<LoginRequest> GetLoginRequest(const std::string& challenge) const override {
    if (challenge.empty()) {
      return Error::InvalidArgument("invalid login_challenge");
    }
    constexpr std::string_view kReason = "Unable to get OAuth 2.0 Login Challenge.";
    auto answer =
        Call("GET", std::string(kLoginPath) + "?login_challenge=" + QueryEscape(challenge), "");
    if (!answer.ok()) {
      return Error::Internal(std::string(kReason));
    }
    if (answer->status >= 500) {
      return WithStatus(Error::Internal(std::string(kReason)), answer->status);
    }
    if (answer->status != 200) {
      return WithStatus(Error::InvalidArgument(std::string(kReason)), answer->status);
    }
    auto parsed = ParseJson(answer->body);
    if (!parsed.ok() || !parsed->is_object()) {
      return WithStatus(Error::Internal(std::string(kReason)), answer->status);
    }
    LoginRequest out;
    const Json& j = *parsed;
    if (const auto skip = j.find("skip"); skip != j.end() && skip->is_boolean()) {
      out.skip = skip->get<bool>();
    }
    if (const auto subject = j.find("subject"); subject != j.end() && subject->is_string()) {
      out.subject = subject->get<std::string>();
    }
    if (const auto url = j.find("request_url"); url != j.end() && url->is_string()) {
      out.request_url = url->get<std::string>();
    }
    out.raw = std::move(parsed).value();
    return out;
  }

  Result<std::string> AcceptLoginRequest(const Acceptance& a) const override {
    constexpr std::string_view kReason = "Unable to accept OAuth 2.0 Login Challenge.";
    Json body;
    body["subject"] = a.subject;
    body["identity_provider_session_id"] = a.session_id;
    body["remember"] = a.remember;
    body["remember_for"] = a.remember_for.count();
    body["amr"] = a.amr;
    auto answer =
        Call("PUT", std::string(kLoginPath) + "/accept?login_challenge=" + QueryEscape(a.challenge),
             DumpJson(body));
    if (!answer.ok()) {
      return Error::Internal(std::string(kReason));
    }
    if (answer->status != 200) {
      return WithStatus(Error::Internal(std::string(kReason)), answer->status);
    }
    auto parsed = ParseJson(answer->body);
    if (parsed.ok() && parsed->is_object()) {
      if (const auto to = parsed->find("redirect_to");
          to != parsed->end() && to->is_string() &&
          (to->get<std::string>().starts_with("http://") ||
           to->get<std::string>().starts_with("https://"))) {
        return to->get<std::string>();
      }
    }
    return WithStatus(Error::Internal(std::string(kReason)), answer->status);
  }

 private:
  Result<httpclient::Response> Call(std::string method, const std::string& path_and_query,
                                    std::string body) const {
    httpclient::Request r;
    r.method = std::move(method);
    r.url = options_.admin_url + path_and_query;
    r.timeout = options_.timeout;
    r.max_response_bytes = kMaxAnswer;
    r.headers.push_back({"Accept", "application/json"});
    if (!body.empty()) {
      r.headers.push_back({"Content-Type", "application/json"});
      r.body = std::move(body);
    }
    for (const auto& [name, value] : options_.headers) {
      r.headers.push_back({name, value});
    }
    return http_.Do(r);
  }

  httpclient::Client& http_;
  Options options_;
};

}  // namespace

std::unique_ptr<Provider> NewHttpProvider(httpclient::Client& http, Options options) {
  return std::make_unique<HttpProvider>(http, std::move(options));
}

}  // namespace atrium::hydra
