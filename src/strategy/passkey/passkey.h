#pragma once
// The "passkey" method: sign-up with a discoverable credential, browser and API flows
// (docs/wire/registration.md §17.5). The form carries the creation options in
// `passkey_create_data`; the script (or a native app) answers in `passkey_register`.

#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "config/config.h"
#include "flow/body.h"
#include "identity/store.h"
#include "registration/strategy.h"
#include "strategy/passkey/ceremony.h"

namespace atrium::strategy {

class PasskeyStrategy final : public registration::Strategy {
 public:
  PasskeyStrategy(const config::Config& config, identity::IdentityStore& identities,
                  const Clock& clock);

  std::string_view Id() const override { return "passkey"; }
  bool Enabled() const override { return config_.selfservice.methods.passkey_enabled; }
  void Populate(registration::Flow& flow, const identity::IdentitySchema& schema,
                registration::FormStep step) const override;
  registration::Outcome Register(registration::SubmitContext& ctx) const override;
  std::vector<registration::Script> Scripts() const override;

 private:
  // The traits that name a passkey, sorted; empty when the schema has none (the method is off).
  static std::vector<std::string> DisplayNameFields(const identity::IdentitySchema& schema);
  void AddNodes(registration::Flow& flow, const identity::IdentitySchema& schema) const;

  const config::Config& config_;
  identity::IdentityStore& identities_;
  Ceremony ceremony_;
  mutable flow::BodySchemaCache body_schemas_;
};

}  // namespace atrium::strategy
