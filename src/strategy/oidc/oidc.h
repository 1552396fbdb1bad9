#pragma once
// The "oidc" method: sign-up with a social identity provider (docs/wire/registration.md §17.6).
// A submission naming a provider sends the browser to the provider with a `state` bound to the
// flow (and, for browser flows, to the browser through a continuity cookie), PKCE and a nonce;
// the provider sends it back to the callback, where the code is exchanged, the ID token checked,
// the claims mapped to traits by the provider's Jsonnet mapper, and the identity created (or the
// existing one signed in). An `id_token` submission (native SDKs) skips the round trip.

#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/ids.h"
#include "config/config.h"
#include "flow/body.h"
#include "httpclient/client.h"
#include "identity/store.h"
#include "registration/store.h"
#include "registration/strategy.h"
#include "strategy/oidc/provider.h"

namespace atrium::strategy {

// Everything the method uses; all references must outlive it.
struct OidcDeps {
  const config::Config& config;
  oidc::Providers& providers;
  registration::FlowStore& flows;  // the state is consumed before the code is exchanged
  identity::IdentityStore& identities;
  httpclient::Client& http;  // http(s):// mappers
  IdGenerator& ids;
  const Clock& clock;
};

class OidcStrategy final : public registration::Strategy {
 public:
  explicit OidcStrategy(OidcDeps deps);

  std::string_view Id() const override { return "oidc"; }
  bool Enabled() const override;
  void Populate(registration::Flow& flow, const identity::IdentitySchema& schema,
                registration::FormStep step) const override;
  registration::Outcome Register(registration::SubmitContext& ctx) const override;
  std::optional<std::string> FlowOfCallback(
      const registration::CallbackRequest& callback) const override;
  registration::Outcome Resume(registration::SubmitContext& ctx,
                               const registration::CallbackRequest& callback) const override;

  // The name of the cookie binding a browser flow's round trip to the browser.
  static constexpr std::string_view kContinuityCookie = "ory_kratos_continuity";

 private:
  // Sends the browser to the provider.
  registration::Outcome Start(registration::SubmitContext& ctx, const config::OidcProvider& p,
                              const Json& traits) const;
  // Maps the claims, then creates the identity, signs an existing one in, or asks for the
  // traits the provider did not give.
  registration::Outcome Finish(registration::SubmitContext& ctx, const config::OidcProvider& p,
                               const oidc::Claims& claims, const Json& submitted_traits) const;
  Result<Json> RunMapper(const config::OidcProvider& p, const oidc::Claims& claims) const;

  OidcDeps d_;
  mutable flow::BodySchemaCache body_schemas_;
};

}  // namespace atrium::strategy
