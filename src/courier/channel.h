#pragma once
// A way out for queued messages (SMTP, HTTP): the sender hands each claimed message to the
// channel of its type.

#include "base/result.h"
#include "courier/message.h"

namespace atrium::courier {

class Channel {
 public:
  virtual ~Channel() = default;
  // Ok when the neighbour took the message. Unprocessable when it refused the message for good
  // (sending it again cannot help); any other error is temporary and worth another attempt.
  // Bounded in time by the channel's own budget. Error texts hold no credentials.
  virtual Status Deliver(const Message& message) = 0;
};

}  // namespace atrium::courier
