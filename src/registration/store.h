#pragma once
// What the registration flow needs from storage. Implemented in store/ (SQLite, PostgreSQL).

#include <optional>
#include <span>
#include <string_view>

#include "base/result.h"
#include "courier/message.h"
#include "identity/identity.h"
#include "registration/flow.h"
#include "session/session.h"

namespace atrium::registration {

class FlowStore {
 public:
  virtual ~FlowStore() = default;
  virtual Status CreateFlow(const Flow& flow) = 0;
  // nullopt for an unknown id. Unavailable on database failure.
  virtual Result<std::optional<Flow>> GetFlow(std::string_view id) = 0;
  // NotFound when the flow does not exist.
  virtual Status UpdateFlow(const Flow& flow) = 0;
};

class RegistrationStore {
 public:
  virtual ~RegistrationStore() = default;
  // Writes the identity (credentials, identifiers, verifiable and recovery addresses) and the
  // session with its devices in ONE transaction: either everything or nothing is stored.
  // Conflict when a credential identifier (per type) or an address (per via) is already taken;
  // Unavailable on database failure.
  virtual Status CreateIdentityWithSession(const identity::Identity& identity,
                                           const session::Session& session) = 0;
  // The same, with `messages` queued in the courier's outbox in that one transaction (the
  // notifications of the registration's hooks). Stores without an outbox refuse any message.
  virtual Status CreateIdentityWithSessionAndMessages(const identity::Identity& identity,
                                                      const session::Session& session,
                                                      std::span<const courier::Message> messages) {
    if (!messages.empty()) {
      return Error::Internal("this store has no outbox for hook notifications");
    }
    return CreateIdentityWithSession(identity, session);
  }
};

}  // namespace atrium::registration
