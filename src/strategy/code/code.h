#pragma once
// The "code" method: sign-up by a one-time code sent to the e-mail addresses among the traits
// (docs/wire/registration.md §17.3). The first submission sends a code to every address (state
// choose_method -> sent_email), the second proves one of them (sent_email -> passed_challenge)
// and creates the identity with that address verified.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/ids.h"
#include "config/config.h"
#include "courier/composer.h"
#include "flow/body.h"
#include "login/throttle.h"
#include "otp/codes.h"
#include "registration/strategy.h"

namespace atrium::strategy {

// Everything the method uses; all references must outlive it.
struct CodeDeps {
  const config::Config& config;
  otp::CodeStore& codes;
  // Counts the codes submitted to each flow, in one statement per submission, so that
  // concurrent guesses all count (the sign-in throttle's counters, keyed by flow).
  login::AttemptStore& submissions;
  const otp::Digester& digester;
  const courier::Composer& composer;
  courier::Doorbell* doorbell;  // rung after codes were queued; may be null (no sender here)
  IdGenerator& ids;
  const Clock& clock;
};

class CodeStrategy final : public registration::Strategy {
 public:
  explicit CodeStrategy(CodeDeps deps);

  std::string_view Id() const override { return "code"; }
  // `passwordless_enabled` switches the method on as well (Kratos).
  bool Enabled() const override;
  void Populate(registration::Flow& flow, const identity::IdentitySchema& schema,
                registration::FormStep step) const override;
  registration::Outcome Register(registration::SubmitContext& ctx) const override;

 private:
  // choose_method: sends a code to every address of the traits and shows the code form.
  registration::Outcome Send(registration::SubmitContext& ctx) const;
  // sent_email: checks the code and creates the identity.
  registration::Outcome Verify(registration::SubmitContext& ctx) const;
  // How many codes were submitted to the flow, this one included.
  Result<int64_t> CountSubmission(const registration::Flow& flow) const;
  // Nullopt when another code may go to these addresses for this flow, else the 429.
  Result<std::optional<Error>> CheckSendLimits(std::string_view flow_id,
                                               const std::vector<std::string>& addresses,
                                               Timestamp now) const;

  CodeDeps d_;
  mutable flow::BodySchemaCache body_schemas_;
};

}  // namespace atrium::strategy
