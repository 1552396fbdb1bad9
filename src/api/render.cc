#include "api/render.h"

#include "api/envelope.h"
#include "api/request.h"
#include "base/time.h"

namespace atrium::api {

Renderer::Renderer(flow::ErrorStore& errors, const flow::CsrfGuard& csrf, std::string error_ui_url,
                   IdGenerator& ids, const Clock& clock)
    : errors_(errors),
      csrf_(csrf),
      error_ui_url_(std::move(error_ui_url)),
      ids_(ids),
      clock_(clock) {}

void AddSelfServiceHeaders(const http::Request& req, http::Response& res) {
  if (req.method == "GET") {
    res.SetHeader("Cache-Control", "private, no-cache, no-store, must-revalidate");
  }
  res.SetHeader("Vary", "Cookie");
}

http::Response Renderer::Error(const http::Request& req, const atrium::Error& error) const {
  http::Response res = ErrorResponse(error, RequestId(req));
  AddSelfServiceHeaders(req, res);
  return res;
}

http::Response Renderer::Forward(const http::Request& req, const atrium::Error& error) const {
  flow::ErrorContainer container;
  container.id = ids_.NewUuid();
  container.error = ErrorObject(error, RequestId(req));
  container.created_at = TruncateToMicros(clock_.Now());
  container.updated_at = container.created_at;
  if (auto s = errors_.CreateError(container); !s.ok()) {
    return ErrorResponse(error, RequestId(req));  // the error UI could not read it anyway
  }
  http::Response res;
  res.status = 303;
  res.SetHeader("Location", error_ui_url_ +
                                (error_ui_url_.find('?') == std::string::npos ? "?" : "&") +
                                "id=" + container.id);
  return res;
}

http::Response Renderer::Render(const http::Request& req, const flow::Request& request,
                                const flow::Reply& reply) const {
  using Kind = flow::Reply::Kind;
  http::Response res;
  switch (reply.kind) {
    case Kind::kJson:
      if (reply.status == 204) {
        res.status = 204;  // no content, no content type (Kratos' plain 204s)
      } else if (!reply.text.empty()) {
        res = JsonTextResponse(reply.status, reply.text);
      } else {
        res = JsonResponse(reply.status, reply.body);
      }
      break;
    case Kind::kRedirect:
      res.status = reply.status;
      res.SetHeader("Location", reply.location);
      break;
    case Kind::kError:
      res = ErrorResponse(reply.error, RequestId(req));
      break;
    case Kind::kErrorForward:
      res = request.is_json || request.accepts_json ? ErrorResponse(reply.error, RequestId(req))
                                                    : Forward(req, reply.error);
      break;
  }
  if (request.csrf.issued) {
    res.AddHeader("Set-Cookie", http::FormatSetCookie(csrf_.Cookie(*request.csrf.issued)));
  }
  for (const auto& cookie : reply.cookies) {
    // A fresh CSRF cookie issued above already replaces the old token.
    if (request.csrf.issued && cookie.name == csrf_.cookie_name()) {
      continue;
    }
    res.AddHeader("Set-Cookie", http::FormatSetCookie(cookie));
  }
  AddSelfServiceHeaders(req, res);
  return res;
}

}  // namespace atrium::api
