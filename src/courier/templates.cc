#include "courier/templates.h"

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "base/strings.h"
#include "courier/builtin_templates.h"

namespace atrium::courier {
namespace {

constexpr std::size_t kMaxTemplateBytes = 256 << 10;

Result<std::string> ReadFile(const std::filesystem::path& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) {
    return Error::InvalidArgument("cannot read " + path.string() + ": " + ec.message());
  }
  if (size > kMaxTemplateBytes) {
    return Error::InvalidArgument(path.string() + " is larger than 256 KiB");
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) {
    return Error::InvalidArgument("cannot read " + path.string());
  }
  return text.str();
}

// The override file below template_override_path, if there is one.
Result<std::optional<std::string>> OverrideFile(const std::string& root, std::string_view directory,
                                                std::string_view file) {
  if (root.empty()) {
    return std::optional<std::string>();
  }
  const std::filesystem::path path = std::filesystem::path(root) / directory / file;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return std::optional<std::string>();
  }
  ATRIUM_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  return std::optional<std::string>(std::move(text));
}

// One part: the configured URL, else the override file, else the built-in text; compiled.
Result<TextTemplate> LoadPart(const config::Courier& config, const BuiltinTemplate& builtin,
                              const std::string& url, std::string_view file,
                              std::string_view fallback) {
  const std::string name = std::string(builtin.type) + " " + std::string(file);
  std::string text(fallback);
  if (!url.empty()) {
    auto read = ReadTemplateSource(url);
    if (!read.ok()) {
      return Error::InvalidArgument("courier template " + name + ": " + read.error().reason);
    }
    text = std::move(read).value();
  } else {
    auto over = OverrideFile(config.template_override_path, builtin.directory, file);
    if (!over.ok()) {
      return Error::InvalidArgument("courier template " + name + ": " + over.error().reason);
    }
    if (*over) {
      text = std::move(**over);
    }
  }
  return TextTemplate::Compile("courier template " + name, text, ModelFields(builtin.type));
}

// "https://www.example.org:4433/x" -> "www.example.org" (what Kratos' RequestURLDomain gives).
std::string HostOf(std::string_view url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) {
    return "";
  }
  std::string_view rest = url.substr(scheme + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (const size_t at = rest.rfind('@'); at != std::string_view::npos) {
    rest = rest.substr(at + 1);
  }
  if (rest.starts_with('[')) {
    return std::string(rest.substr(1, rest.find(']') - 1));
  }
  return std::string(rest.substr(0, rest.find(':')));
}

}  // namespace

Result<std::string> ReadTemplateSource(std::string_view url) {
  if (url.starts_with("file://")) {
    return ReadFile(std::filesystem::path(std::string(url.substr(7))));
  }
  if (url.starts_with("base64://")) {
    auto decoded = Base64Decode(url.substr(9));
    if (!decoded) {
      return Error::InvalidArgument("the base64:// template is not valid base64");
    }
    return std::move(*decoded);
  }
  return Error::InvalidArgument("a template must be a file:// or base64:// URL");
}

Result<std::unique_ptr<Templates>> Templates::Load(const config::Courier& config) {
  std::map<std::string, Set, std::less<>> sets;
  for (const BuiltinTemplate& b : BuiltinTemplates()) {
    const auto configured = config.templates.find(std::string(b.type));
    const config::CourierTemplateUrls urls =
        configured == config.templates.end() ? config::CourierTemplateUrls{} : configured->second;
    ATRIUM_ASSIGN_OR_RETURN(auto subject, LoadPart(config, b, urls.email_subject,
                                                   "email.subject.gotmpl", b.email_subject));
    ATRIUM_ASSIGN_OR_RETURN(
        auto text, LoadPart(config, b, urls.email_body_plaintext, "email.body.plaintext.gotmpl",
                            b.email_body_plaintext));
    ATRIUM_ASSIGN_OR_RETURN(auto html, LoadPart(config, b, urls.email_body_html,
                                                "email.body.gotmpl", b.email_body_html));
    ATRIUM_ASSIGN_OR_RETURN(auto sms,
                            LoadPart(config, b, urls.sms_body, "sms.body.gotmpl", b.sms_body));
    sets.emplace(std::string(b.type),
                 Set{std::move(subject), std::move(text), std::move(html), std::move(sms)});
  }
  // Overrides of templates Atrium does not render yet must not pass silently.
  for (const auto& [type, urls] : config.templates) {
    if (!sets.contains(type)) {
      return Error::InvalidArgument("courier.templates: Atrium has no template " + type);
    }
  }
  return std::unique_ptr<Templates>(new Templates(std::move(sets)));
}

Result<Message> Templates::Compose(std::string_view template_type, MessageType type,
                                   std::string recipient, const Json& data) const {
  const auto it = sets_.find(template_type);
  if (it == sets_.end()) {
    return Error::NotFound("courier: no template " + std::string(template_type));
  }
  Json model = data.is_object() ? data : Json::object();
  if (!model.contains("To")) {
    model["To"] = recipient;
  }
  if (!model.contains("RequestURLDomain")) {
    model["RequestURLDomain"] = HostOf(model.value("RequestURL", ""));
  }
  const Set& set = it->second;
  Message m;
  m.type = type;
  m.status = MessageStatus::kQueued;
  m.recipient = std::move(recipient);
  m.template_type = std::string(template_type);
  m.template_data = data;
  if (type == MessageType::kSms) {
    m.body = set.sms_body.Render(model, Escaping::kNone);
    return m;
  }
  m.subject = std::string(TrimSpace(set.email_subject.Render(model, Escaping::kNone)));
  m.body = set.email_body_plaintext.Render(model, Escaping::kNone);
  m.html_body = set.email_body_html.Render(model, Escaping::kHtml);
  return m;
}

}  // namespace atrium::courier
