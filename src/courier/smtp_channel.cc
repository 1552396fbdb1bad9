#include "courier/smtp_channel.h"

#include "base/random.h"
#include "base/strings.h"

namespace atrium::courier {

Result<std::unique_ptr<SmtpChannel>> SmtpChannel::Create(const config::Courier& config,
                                                         const Clock& clock) {
  auto endpoint = httpclient::smtp::ParseConnectionUri(config.smtp.connection_uri);
  if (!endpoint.ok()) {
    return std::move(endpoint).error();
  }
  for (const auto& [name, value] : config.smtp.headers) {
    if (Status st = httpclient::mime::CheckHeader({name, value}); !st.ok()) {
      return Error::InvalidArgument("courier.smtp.headers: " + st.error().reason);
    }
  }
  const httpclient::smtp::Options opts{
      .local_name = config.smtp.local_name,
      .timeout = std::chrono::duration_cast<std::chrono::milliseconds>(config.send_timeout)};
  auto ep = std::move(endpoint).value();
  return std::unique_ptr<SmtpChannel>(new SmtpChannel(std::move(ep), opts, config, clock));
}

SmtpChannel::SmtpChannel(httpclient::smtp::Endpoint endpoint, httpclient::smtp::Options options,
                         const config::Courier& config, const Clock& clock)
    : endpoint_(std::move(endpoint)),
      options_(std::move(options)),
      from_address_(config.smtp.from_address),
      from_name_(config.smtp.from_name),
      clock_(clock) {
  for (const auto& [name, value] : config.smtp.headers) {
    headers_.push_back({name, value});
  }
}

Status SmtpChannel::Deliver(const Message& message) {
  const httpclient::mime::Mail mail{.from_address = from_address_,
                                    .from_name = from_name_,
                                    .to = message.recipient,
                                    .subject = message.subject,
                                    .text = message.body,
                                    .html = message.html_body,
                                    .headers = headers_};
  auto data = httpclient::mime::Build(mail, clock_.Now(), NewUuid(),
                                      "atrium-" + HexEncode(RandomBytes(12)));
  if (!data.ok()) {
    // A recipient that cannot be written into a message never will be.
    Error e = std::move(data).error();
    e.code = ErrorCode::kUnprocessable;
    return e;
  }
  return httpclient::smtp::Send(endpoint_, options_, from_address_, message.recipient, *data);
}

}  // namespace atrium::courier
