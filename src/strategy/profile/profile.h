#pragma once
// The "profile" method: the traits form, and the two-step ("profile_first") registration steps
// between the traits screen and the credential selection (spec §17.1).

#include <memory>
#include <mutex>
#include <string_view>

#include "config/config.h"
#include "identity/schema.h"
#include "registration/body.h"
#include "registration/strategy.h"

namespace atrium::strategy {

class ProfileStrategy final : public registration::Strategy {
 public:
  ProfileStrategy(const config::Config& config, const Clock& clock);

  std::string_view Id() const override { return "profile"; }
  bool Enabled() const override { return true; }
  void Populate(registration::Flow& flow, const identity::IdentitySchema& schema,
                registration::FormStep step) const override;
  registration::Outcome Register(registration::SubmitContext& ctx) override;

 private:
  Result<std::shared_ptr<const registration::BodySchema>> BodySchemaFor(
      const identity::IdentitySchema& schema);

  const config::Config& config_;
  const Clock& clock_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<const registration::BodySchema>>
      body_schemas_;  // by schema id
};

}  // namespace atrium::strategy
