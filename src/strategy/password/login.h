#pragma once
// Signing in with a password (docs/wire/login.md §11.1, §11.3): the identifier names the
// identity, the password is checked on the hashing pool, and a hash that is not in the current
// algorithm and parameters is replaced after a successful check.

#include <mutex>
#include <string>
#include <string_view>

#include "config/config.h"
#include "flow/body.h"
#include "hash/hasher.h"
#include "login/strategy.h"

namespace atrium::strategy {

class PasswordLogin final : public login::Strategy {
 public:
  // All references must outlive the strategy.
  PasswordLogin(const config::Config& config, hash::HashPool& hashing);

  std::string_view Id() const override { return "password"; }
  bool Enabled() const override { return config_.selfservice.methods.password.enabled; }
  bool Populate(login::Flow& flow, const identity::IdentitySchema& schema, login::FormStep step,
                const identity::Identity* identity) const override;
  login::Outcome Login(login::SubmitContext& ctx) const override;

 private:
  // A hash of a random password in the current format: an unknown identifier is checked against
  // it, so that it costs what a wrong password costs and the answer time tells nothing.
  const std::string& DummyHash() const;

  const config::Config& config_;
  hash::HashPool& hashing_;
  const Result<std::shared_ptr<const flow::BodySchema>> body_schema_;
  mutable std::once_flag dummy_once_;
  mutable std::string dummy_hash_;
};

}  // namespace atrium::strategy
