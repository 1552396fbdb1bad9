#pragma once
// What the verification flow needs from storage. Implemented in store/ (SQLite, PostgreSQL).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/result.h"
#include "identity/identity.h"
#include "verification/flow.h"

namespace atrium::verification {

class FlowStore {
 public:
  virtual ~FlowStore() = default;
  virtual Status CreateVerificationFlow(const Flow& flow) = 0;
  // nullopt for an unknown id. Unavailable on database failure.
  virtual Result<std::optional<Flow>> GetVerificationFlow(std::string_view id) = 0;
  // NotFound when the flow does not exist.
  virtual Status UpdateVerificationFlow(const Flow& flow) = 0;
};

// A verifiable address and the identity it belongs to.
struct OwnedAddress {
  std::string identity_id;
  identity::VerifiableAddress address;
};

class AddressStore {
 public:
  virtual ~AddressStore() = default;
  // The verifiable address (via, normalized value), or nullopt.
  virtual Result<std::optional<OwnedAddress>> FindVerifiableAddress(std::string_view via,
                                                                    std::string_view value) = 0;
  // status "sent" (a code is on its way), updated_at = now. NotFound for an unknown id.
  virtual Status MarkAddressSent(std::string_view address_id, Timestamp now) = 0;
  // verified, status "completed", verified_at = updated_at = now. NotFound for an unknown id.
  virtual Status MarkAddressVerified(std::string_view address_id, Timestamp now) = 0;
};

}  // namespace atrium::verification
