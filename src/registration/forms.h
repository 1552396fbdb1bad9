#pragma once
// Building blocks shared by the strategies: schema-derived trait inputs, the CSRF node, request
// checks (CSRF / API-flow enforcement) and mapping validation errors to node messages.

#include <string>
#include <vector>

#include "base/error.h"
#include "identity/schema.h"
#include "jsonschema/validation_error.h"
#include "registration/context.h"
#include "registration/flow.h"
#include "registration/strategy.h"
#include "ui/node.h"

namespace atrium::registration {

// One input node per trait path (spec §9.5) in `group`.
std::vector<ui::Node> TraitNodes(const identity::IdentitySchema& schema, const std::string& group);
// The csrf_token hidden input carrying the request's masked token.
ui::Node CsrfNode(const RequestContext& request);
// Upserts the csrf node with this request's masked token (API flows: "").
void RefreshCsrf(Flow& flow, const RequestContext& request);
// Writes decoded trait values into the matching traits.* nodes.
void CopyTraitsIntoNodes(Flow& flow, const Json& traits);

// Browser flows: the body's CSRF token must match the cookie. API flows: no Origin header and no
// cookies other than Cloudflare's. Errors per spec §11.5 and §11.6.
Status VerifyRequestOrigin(const RequestContext& request, const Flow& flow,
                           const std::string& submitted_csrf);

// Validation errors (pointers relative to the document) as node messages (spec §10.4).
std::vector<FieldMessage> ToFieldMessages(const std::vector<jsonschema::ValidationError>& errors);

}  // namespace atrium::registration
