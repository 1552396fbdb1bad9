#pragma once
// The "webauthn" method: passwordless sign-up with a security key, browser flows only and only
// with `selfservice.methods.webauthn.config.passwordless: true` (docs/wire/registration.md §17.4).

#include <string_view>
#include <vector>

#include "base/clock.h"
#include "config/config.h"
#include "flow/body.h"
#include "identity/store.h"
#include "registration/strategy.h"
#include "strategy/passkey/ceremony.h"

namespace atrium::strategy {

class WebAuthnStrategy final : public registration::Strategy {
 public:
  WebAuthnStrategy(const config::Config& config, identity::IdentityStore& identities,
                   const Clock& clock);

  std::string_view Id() const override { return "webauthn"; }
  bool Enabled() const override { return config_.selfservice.methods.webauthn_enabled; }
  void Populate(registration::Flow& flow, const identity::IdentitySchema& schema,
                registration::FormStep step) const override;
  registration::Outcome Register(registration::SubmitContext& ctx) const override;
  std::vector<registration::Script> Scripts() const override;

 private:
  bool Offered(const registration::Flow& flow) const;
  void AddNodes(registration::Flow& flow) const;

  const config::Config& config_;
  identity::IdentityStore& identities_;
  Ceremony ceremony_;
  mutable flow::BodySchemaCache body_schemas_;
};

}  // namespace atrium::strategy
