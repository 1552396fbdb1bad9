#pragma once
// The identifier-first login style (selfservice.flows.login.style: identifier_first,
// docs/wire/login.md §11.2): the first screen asks only for the identifier; the second shows the
// methods that identity can sign in with (or, with account enumeration mitigation, the same
// methods for everybody).

#include <string_view>

#include "config/config.h"
#include "flow/body.h"
#include "login/strategy.h"

namespace atrium::strategy {

class IdentifierFirst final : public login::Strategy {
 public:
  explicit IdentifierFirst(const config::Config& config);

  std::string_view Id() const override { return "identifier_first"; }
  bool Enabled() const override { return config_.selfservice.login.style == "identifier_first"; }
  bool Populate(login::Flow& flow, const identity::IdentitySchema& schema, login::FormStep step,
                const identity::Identity* identity) const override;
  login::Outcome Login(login::SubmitContext& ctx) const override;

 private:
  const config::Config& config_;
  const Result<std::shared_ptr<const flow::BodySchema>> body_schema_;
};

}  // namespace atrium::strategy
