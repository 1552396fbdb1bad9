#include "registration/strategy.h"

#include "flow/errors.h"

namespace atrium::registration {

std::optional<std::string> Strategy::FlowOfCallback(const CallbackRequest&) const {
  return std::nullopt;  // methods without callbacks never resume a flow
}

Outcome Strategy::Resume(SubmitContext&, const CallbackRequest&) const {
  return Failed{flow::MethodDisabled()};
}

}  // namespace atrium::registration
