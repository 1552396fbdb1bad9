#pragma once
// GET /self-service/<flow>/flows?id=: a stored flow as its client may see it, the same for
// every flow kind (docs/wire/registration.md §5, docs/wire/login.md §5).

#include <optional>
#include <string>
#include <utility>

#include "base/clock.h"
#include "flow/csrf.h"
#include "flow/errors.h"
#include "flow/reply.h"
#include "flow/request.h"
#include "flow/stored.h"

namespace atrium::flow {

// A browser flow needs its CSRF cookie; an expired flow is 410 with where to start again.
// `F` is a flow type (registration::Flow, login::Flow).
template <typename F>
Reply AnswerFetch(const Request& request, const F& f, const CsrfGuard& csrf, Timestamp now,
                  Kind kind, const std::string& base_url) {
  if (!f.IsApi()) {
    if (auto s = csrf.VerifyFetch(request.csrf, f.csrf_token, request.ajax); !s.ok()) {
      return Reply::ErrorJson(std::move(s).error());
    }
  }
  if (f.IsExpired(now)) {
    return Reply::ErrorJson(ExpiredOnGet(kind, f.IsApi(), base_url, f.ReturnTo()));
  }
  return Reply::JsonBody(200, f.ToJson());
}

// The stored answer as it is, when that is what AnswerFetch would answer: the flow has not
// expired, a browser flow's CSRF token matches, and Hydra need not be asked. nullopt when the
// flow must be decoded and answered by AnswerFetch (errors included).
inline std::optional<Reply> AnswerStored(const Request& request, const StoredAnswer& stored,
                                         const CsrfGuard& csrf, Timestamp now) {
  if (stored.body.empty() || stored.login_challenge || stored.expires_at < now) {
    return std::nullopt;
  }
  if (!stored.api && !csrf.VerifyFetch(request.csrf, stored.csrf_token, request.ajax).ok()) {
    return std::nullopt;
  }
  return Reply::JsonText(200, stored.body);
}

}  // namespace atrium::flow
