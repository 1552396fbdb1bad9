#include "flow/request.h"

#include "flow/errors.h"

namespace atrium::flow {

Status VerifyApiFlowRequest(const Request& request) {
  if (request.has_origin) {
    return ApiFlowWithOrigin();
  }
  if (request.has_non_cloudflare_cookie) {
    return ApiFlowWithCookies();
  }
  return OkStatus();
}

Status VerifyOrigin(const Request& request, bool api_flow, const CsrfGuard& csrf,
                    std::string_view submitted_token) {
  if (api_flow) {
    return VerifyApiFlowRequest(request);
  }
  return csrf.VerifySubmission(request.csrf, submitted_token, request.json_content_type,
                               request.ajax);
}

}  // namespace atrium::flow
