#pragma once
// GET /self-service/<flow>/flows?id=: a stored flow as its client may see it, the same for
// every flow kind (docs/wire/registration.md §5, docs/wire/login.md §5).

#include <string>
#include <utility>

#include "base/clock.h"
#include "flow/csrf.h"
#include "flow/errors.h"
#include "flow/reply.h"
#include "flow/request.h"

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

}  // namespace atrium::flow
