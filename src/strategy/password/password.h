#pragma once
// The "password" method (docs/wire/registration.md §17.2): an identifier from the traits plus a
// password, checked against the policy and hashed on the bounded hashing pool.

#include <string_view>

#include "config/config.h"
#include "flow/body.h"
#include "hash/hasher.h"
#include "registration/strategy.h"
#include "strategy/password/policy.h"

namespace atrium::strategy {

class PasswordStrategy final : public registration::Strategy {
 public:
  // All references must outlive the strategy.
  PasswordStrategy(const config::Config& config, hash::HashPool& hashing,
                   const password::PasswordPolicy& policy);

  std::string_view Id() const override { return "password"; }
  bool Enabled() const override { return config_.selfservice.methods.password.enabled; }
  void Populate(registration::Flow& flow, const identity::IdentitySchema& schema,
                registration::FormStep step) const override;
  registration::Outcome Register(registration::SubmitContext& ctx) const override;

 private:
  const config::Config& config_;
  hash::HashPool& hashing_;
  const password::PasswordPolicy& policy_;
  mutable flow::BodySchemaCache body_schemas_;
};

}  // namespace atrium::strategy
