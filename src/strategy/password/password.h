#pragma once
// The "password" method (spec §17.2): an identifier from the traits plus a password, checked
// against the policy and hashed on the bounded hashing pool.

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "config/config.h"
#include "hash/hasher.h"
#include "registration/body.h"
#include "registration/strategy.h"
#include "strategy/password/policy.h"

namespace atrium::strategy {

class PasswordStrategy final : public registration::Strategy {
 public:
  // All references must outlive the strategy.
  PasswordStrategy(const config::Config& config, hash::HashPool& hashing,
                   const password::PasswordPolicy& policy, const Clock& clock);

  std::string_view Id() const override { return "password"; }
  bool Enabled() const override { return config_.selfservice.methods.password.enabled; }
  void Populate(registration::Flow& flow, const identity::IdentitySchema& schema,
                registration::FormStep step) const override;
  registration::Outcome Register(registration::SubmitContext& ctx) override;

 private:
  Result<std::shared_ptr<const registration::BodySchema>> BodySchemaFor(
      const identity::IdentitySchema& schema);

  const config::Config& config_;
  hash::HashPool& hashing_;
  const password::PasswordPolicy& policy_;
  const Clock& clock_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<const registration::BodySchema>> body_schemas_;
};

}  // namespace atrium::strategy
