// The verification routes (docs/wire/verification.md §2-§5).
#include "api/public_api.h"

namespace atrium::api {

http::Response PublicApi::InitVerificationBrowser(const http::Request& req) const {
  return Init(req, true, [&](const flow::Request& r) { return d_.verification.InitBrowser(r); });
}

http::Response PublicApi::InitVerificationApi(const http::Request& req) const {
  return Init(req, false, [&](const flow::Request& r) { return d_.verification.InitApi(r); });
}

http::Response PublicApi::GetVerificationFlow(const http::Request& req) const {
  return Serve(req, true, [&](const flow::Request& r) {
    return d_.verification.GetFlow(r, StringQuery(req, "id"));
  });
}

http::Response PublicApi::SubmitVerification(const http::Request& req) const {
  if (req.method == "GET") {
    // The link of the e-mail: the query is the body (Kratos decodes query and body alike).
    flow::SubmitParams params;
    params.flow_id = StringQuery(req, "flow");
    flow::Body body;
    body.form = req.QueryParams();
    params.body = std::move(body);
    // CSRF-active: a link opened in a browser without the cookie binds the flow to a new one.
    return Serve(req, true,
                 [&](const flow::Request& r) { return d_.verification.SubmitByLink(r, params); });
  }
  return Serve(req, false, [&](const flow::Request& r) {
    return d_.verification.Submit(r, SubmitParamsOf(req));
  });
}

}  // namespace atrium::api
