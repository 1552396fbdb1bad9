#pragma once
// The "profile" method: the traits form, and the two-step ("profile_first") registration steps
// between the traits screen and the credential selection (docs/wire/registration.md §17.1).

#include <string_view>

#include "config/config.h"
#include "flow/body.h"
#include "registration/strategy.h"

namespace atrium::strategy {

class ProfileStrategy final : public registration::Strategy {
 public:
  // `config` must outlive the strategy.
  explicit ProfileStrategy(const config::Config& config);

  std::string_view Id() const override { return "profile"; }
  bool Enabled() const override { return true; }
  void Populate(registration::Flow& flow, const identity::IdentitySchema& schema,
                registration::FormStep step) const override;
  registration::Outcome Register(registration::SubmitContext& ctx) const override;

 private:
  // Step 1 done: the traits are valid, show the credential methods.
  registration::Outcome ToCredentials(registration::SubmitContext& ctx) const;
  // "Back": every method re-adds its traits-screen nodes.
  registration::Outcome BackToProfile(registration::SubmitContext& ctx) const;

  const config::Config& config_;
  mutable flow::BodySchemaCache body_schemas_;
};

}  // namespace atrium::strategy
