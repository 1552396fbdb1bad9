#pragma once
// What the registration flow needs from storage. Implemented in store/ (SQLite, PostgreSQL).

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "base/result.h"
#include "courier/message.h"
#include "flow/stored.h"
#include "identity/identity.h"
#include "registration/flow.h"
#include "session/session.h"

namespace atrium::registration {

class FlowStore {
 public:
  virtual ~FlowStore() = default;
  virtual Status CreateFlow(const Flow& flow) = 0;
  // The same with the flow already split for storage (`doc` is flow.Stored()): the caller keeps
  // the serialized answer to send it.
  virtual Status CreateFlow(const Flow& flow, const flow::StoredDocument& doc) = 0;
  // The same without blocking the caller: `done` is called with the outcome once the flow is
  // committed (or has failed), from a thread of the store. false when this store cannot write
  // later: `done` is never called; use CreateFlow.
  virtual bool CreateFlowLater(Flow flow, flow::StoredDocument doc,
                               std::function<void(Status)> done) = 0;
  // nullopt for an unknown id. Unavailable on database failure.
  virtual Result<std::optional<Flow>> GetFlow(std::string_view id) = 0;
  // NotFound when the flow does not exist.
  virtual Status UpdateFlow(const Flow& flow) = 0;
  // The flow's stored answer (flow::AnswerStored), nullopt for an unknown id.
  virtual Result<std::optional<flow::StoredAnswer>> GetFlowAnswer(std::string_view id) = 0;
  // The same, if the store can read it at once without waiting for a connection, a lock or the
  // network (an embedded database whose reader is free); nullopt when it cannot. The server
  // calls this on its I/O threads.
  virtual std::optional<Result<std::optional<flow::StoredAnswer>>> GetFlowAnswerNow(
      std::string_view id) {
    (void)id;
    return std::nullopt;
  }
  // The same without blocking the caller, for a store that reads over the network: `done` is
  // called with the outcome from a thread of the store, which may read it together with other
  // fetches waiting at the same time (one round trip for all). false when this store does not
  // read later: `done` is never called.
  using AnswerDone = std::function<void(Result<std::optional<flow::StoredAnswer>>)>;
  // By value: the stores that read later keep both (the default ignores them).
  // NOLINTNEXTLINE(performance-unnecessary-value-param)
  virtual bool GetFlowAnswerLater(std::string /*id*/, AnswerDone /*done*/) { return false; }
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
