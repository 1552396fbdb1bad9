// The registration routes (docs/wire/registration.md §4-§7, §17.6 callbacks).
#include <memory>
#include <optional>

#include "api/envelope.h"
#include "api/public_api.h"
#include "api/request.h"
#include "base/strings.h"
#include "flow/errors.h"

namespace atrium::api {
namespace {

registration::InitParams InitParamsOf(const http::Request& req) {
  registration::InitParams p;
  p.return_to = StringQuery(req, "return_to");
  p.login_challenge = req.Query("login_challenge");
  p.after_verification_return_to = StringQuery(req, "after_verification_return_to");
  p.organization = StringQuery(req, "organization");
  p.identity_schema = StringQuery(req, "identity_schema");
  p.return_session_token_exchange_code =
      EqualsIgnoreCase(StringQuery(req, "return_session_token_exchange_code"), "true");
  return p;
}

}  // namespace

http::Response PublicApi::InitBrowser(const http::Request& req) const {
  return Init(req, true, [&](const flow::Request& r) {
    return d_.registration.InitBrowser(r, InitParamsOf(req));
  });
}

http::Response PublicApi::InitApi(const http::Request& req) const {
  return Init(req, false, [&](const flow::Request& r) {
    return d_.registration.InitApi(r, InitParamsOf(req));
  });
}

bool PublicApi::InitApiLater(const http::Request& req, http::Respond respond) const {
  // A request that may be signed in is answered 400 if it is: the pool looks the session up.
  if (!reader_.CredentialsOf(req).Empty() || !QueryIsValidUtf8(req)) {
    return false;
  }
  auto request = std::make_shared<const flow::Request>(reader_.ReadWithoutSession(req, false));
  return d_.registration.InitApiLater(
      *request, InitParamsOf(req),
      [this, &req, request, respond = std::move(respond)](const flow::Reply& reply) {
        // `req` lives until `respond` is called (http::LaterPath). Called on a store thread:
        // nothing may escape, and `respond` must be called whatever happens.
        std::optional<http::Response> answer;
        try {
          answer = renderer_.Render(req, *request, reply);
        } catch (...) {
          answer =
              ErrorResponse(Error::Internal("the answer could not be rendered"), RequestId(req));
        }
        respond(std::move(answer));
      });
}

http::Response PublicApi::GetFlow(const http::Request& req) const {
  return Serve(req, true, [&](const flow::Request& r) {
    return d_.registration.GetFlow(r, StringQuery(req, "id"));
  });
}

std::optional<http::Response> PublicApi::GetFlowNow(const http::Request& req) const {
  // Read only if the store had the flow at hand: on PostgreSQL the later path reads it instead.
  std::optional<flow::Request> request;
  auto reply = d_.registration.GetFlowNow(
      [&]() -> const flow::Request& {
        return request.emplace(reader_.ReadWithoutSession(req, true));
      },
      StringQuery(req, "id"));
  if (!reply) {
    return std::nullopt;
  }
  return renderer_.Render(req, *request, *reply);
}

bool PublicApi::GetFlowLater(const http::Request& req, http::Respond respond) const {
  auto request = std::make_shared<const flow::Request>(reader_.ReadWithoutSession(req, true));
  return d_.registration.GetFlowLater(
      *request, StringQuery(req, "id"),
      [this, &req, request, respond = std::move(respond)](std::optional<flow::Reply> reply) {
        // `req` lives until `respond` is called (http::LaterPath); nullopt: the pool decodes it.
        // Called on a store thread: if rendering fails, the pool answers instead.
        std::optional<http::Response> answer;
        try {
          if (reply) {
            answer = renderer_.Render(req, *request, *reply);
          }
        } catch (...) {
          answer.reset();
        }
        respond(std::move(answer));
      });
}

http::Response PublicApi::Submit(const http::Request& req) const {
  return Serve(req, false, [&](const flow::Request& r) {
    return d_.registration.Submit(r, SubmitParamsOf(req));
  });
}

// GET|POST /self-service/methods/<method>/callback/<path>: a provider sends the browser back.
http::Response PublicApi::Callback(const http::Request& req) const {
  const std::string_view rest =
      std::string_view(req.path).substr(std::string_view("/self-service/methods/").size());
  const size_t slash = rest.find('/');
  const std::string_view method = rest.substr(0, slash);
  const std::string_view tail = slash == std::string_view::npos ? "" : rest.substr(slash + 1);
  if (!tail.starts_with("callback")) {
    return renderer_.Error(req, Error::NotFound("The requested resource could not be found"));
  }
  if (req.method == "POST") {
    // A provider posting back (response_mode=form_post) is sent on to the same URL as a GET with
    // the fields in the query: the cross-site POST does not carry SameSite=Lax cookies, the
    // top-level GET does (docs/wire/registration.md §2).
    std::string url = req.path;
    char sep = '?';
    if (auto form = http::ParseUrlEncoded(req.body); form.ok()) {
      for (const auto& [k, v] : *form) {
        url += sep + QueryEscape(k) + "=" + QueryEscape(v);
        sep = '&';
      }
    }
    http::Response res;
    res.status = 303;
    res.SetHeader("Location", url);
    return res;
  }
  auto request = reader_.Read(req, false);
  if (!request.ok()) {
    return renderer_.Error(req, request.error());
  }
  registration::CallbackRequest callback{*request,
                                         std::string(tail.substr(std::min<size_t>(tail.size(), 9))),
                                         req.QueryParams(), req.Cookies()};
  return renderer_.Render(req, *request, d_.registration.Callback(callback, method));
}

}  // namespace atrium::api
