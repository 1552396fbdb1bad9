#pragma once
// The courier's Composer: Kratos' built-in templates, overridden part by part from
// courier.template_override_path (Kratos' directory layout) and then from the
// courier.templates.<name>.valid.* URLs (file:// or base64://). Every template is compiled when
// loaded, so a bad override stops the start instead of failing a message later.

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"
#include "config/courier.h"
#include "courier/composer.h"
#include "courier/text_template.h"

namespace atrium::courier {

class Templates final : public Composer {
 public:
  // InvalidArgument naming the template and the part for an unreadable source or a template
  // that uses what Atrium's subset refuses (text_template.h).
  static Result<std::unique_ptr<Templates>> Load(const config::Courier& config);

  // NotFound for a template type Atrium has no template for.
  Result<Message> Compose(std::string_view template_type, MessageType type, std::string recipient,
                          const Json& data) const override;

  struct Set {
    TextTemplate email_subject;
    TextTemplate email_body_plaintext;
    TextTemplate email_body_html;
    TextTemplate sms_body;
  };

 private:
  explicit Templates(std::map<std::string, Set, std::less<>> sets) : sets_(std::move(sets)) {}
  std::map<std::string, Set, std::less<>> sets_;
};

// The text behind a template URL: file://<path> or base64://<standard base64>.
Result<std::string> ReadTemplateSource(std::string_view url);

}  // namespace atrium::courier
