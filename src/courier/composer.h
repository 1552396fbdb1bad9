#pragma once
// What the flows need from the courier to queue a message: a template rendered into a Message
// (the courier's templates implement it), and a doorbell that wakes the sender in this process
// once the transaction that queued messages has committed.

#include <string>
#include <string_view>

#include "base/json_type.h"
#include "base/result.h"
#include "courier/message.h"

namespace atrium::courier {

class Composer {
 public:
  virtual ~Composer() = default;
  // Renders `template_type` (Kratos' names: "registration_code_valid",
  // "verification_code_valid", "verification_valid", "login_code_valid") for `recipient` with
  // `data` (Kratos' template model, e.g. {"To", "RegistrationCode", "Traits", "RequestURL",
  // "TransientPayload", "ExpiresInMinutes"}). The result is queued, never sent; the caller sets
  // its id, created_at, updated_at and next_attempt_at.
  virtual Result<Message> Compose(std::string_view template_type, MessageType type,
                                  std::string recipient, const Json& data) const = 0;
};

class Doorbell {
 public:
  virtual ~Doorbell() = default;
  // Messages were committed to the outbox: a sender waiting in this process should look now.
  virtual void Ring() = 0;
};

}  // namespace atrium::courier
