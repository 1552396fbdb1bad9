#include "registration/strategy.h"

#include "flow/errors.h"
#include "flow/form.h"
#include "flow/request.h"

namespace atrium::registration {

std::optional<std::string> Strategy::FlowOfCallback(const CallbackRequest&) const {
  return std::nullopt;  // methods without callbacks never resume a flow
}

Outcome Strategy::Resume(SubmitContext&, const CallbackRequest&) const {
  return Failed{flow::MethodDisabled()};
}

std::optional<Outcome> DecodeSubmission(SubmitContext& ctx, flow::BodySchemaCache& schemas) {
  auto body_schema = schemas.For(ctx.schema);
  if (!body_schema.ok()) {
    return Failed{std::move(body_schema).error()};
  }
  ctx.decoded = (*body_schema)->Decode(ctx.body);
  if (auto errors = (*body_schema)->Validate(ctx.decoded); !errors.empty()) {
    return FormErrors{flow::ToFieldMessages(errors)};
  }
  return std::nullopt;
}

std::optional<Outcome> AcceptSubmission(SubmitContext& ctx, flow::BodySchemaCache& schemas) {
  if (auto refused = DecodeSubmission(ctx, schemas)) {
    return refused;
  }
  ctx.flow.transient_payload = ctx.decoded["transient_payload"];
  if (auto s = flow::VerifyOrigin(ctx.request, ctx.flow.IsApi(), ctx.csrf,
                                  ctx.decoded.value("csrf_token", ""));
      !s.ok()) {
    return Failed{std::move(s).error()};
  }
  return std::nullopt;
}

}  // namespace atrium::registration
