#pragma once
// The SMTP channel: a queued e-mail as a MIME message (courier.smtp.from_address, from_name,
// headers) delivered to courier.smtp.connection_uri through httpclient's SMTP client.

#include <memory>

#include "base/clock.h"
#include "base/result.h"
#include "config/courier.h"
#include "courier/channel.h"
#include "httpclient/mime.h"
#include "httpclient/smtp.h"

namespace atrium::courier {

class SmtpChannel final : public Channel {
 public:
  // InvalidArgument for a connection URI or header that cannot work (found at start-up, not
  // when the first message goes out).
  static Result<std::unique_ptr<SmtpChannel>> Create(const config::Courier& config,
                                                     const Clock& clock);

  Status Deliver(const Message& message) override;

 private:
  SmtpChannel(httpclient::smtp::Endpoint endpoint, httpclient::smtp::Options options,
              const config::Courier& config, const Clock& clock);

  httpclient::smtp::Endpoint endpoint_;
  httpclient::smtp::Options options_;
  std::string from_address_;
  std::string from_name_;
  std::vector<httpclient::mime::Header> headers_;
  const Clock& clock_;
};

}  // namespace atrium::courier
