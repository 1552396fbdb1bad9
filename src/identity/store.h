#pragma once
// What the identity domain needs from storage. Implemented in store/.

#include <optional>
#include <string>
#include <string_view>

#include "base/json.h"
#include "base/result.h"
#include "identity/identity.h"

namespace atrium::identity {

class IdentityStore {
 public:
  virtual ~IdentityStore() = default;
  // The identity (with credentials and addresses), or nullopt. Unavailable on database failure.
  virtual Result<std::optional<Identity>> GetIdentity(std::string_view id) = 0;
  // The identity owning a credential identifier of `type` (normalized form), or nullopt.
  virtual Result<std::optional<Identity>> FindByCredentialIdentifier(
      std::string_view type, std::string_view identifier) = 0;
  // The identity owning a verifiable or recovery address of channel `via` ("email", "sms") with
  // this normalized value, or nullopt.
  virtual Result<std::optional<Identity>> FindByAddress(std::string_view via,
                                                        std::string_view value) = 0;
  // Replaces the config of an identity's credential of `type` (a password re-hashed after a
  // sign-in). NotFound when the identity has no such credential.
  virtual Status UpdateCredentialConfig(std::string_view identity_id, std::string_view type,
                                        const Json& config) = 0;
};

}  // namespace atrium::identity
