#include "login/strategy.h"

#include "identity/normalize.h"
#include "text/messages.h"

namespace atrium::login {
namespace {

// Whether a trait's `ory.sh/kratos` extension makes it something a person signs in with.
bool IsIdentifier(const Json& extension) {
  if (!extension.is_object()) {
    return false;
  }
  const auto credentials = extension.find("credentials");
  if (credentials == extension.end() || !credentials->is_object()) {
    return false;
  }
  static constexpr std::pair<const char*, const char*> kFlags[] = {
      {"password", "identifier"}, {"webauthn", "identifier"}, {"passkey", "display_name"},
      {"totp", "account_name"},   {"code", "identifier"},
  };
  for (const auto& [method, flag] : kFlags) {
    const auto m = credentials->find(method);
    if (m != credentials->end() && m->is_object()) {
      const auto f = m->find(flag);
      if (f != m->end() && f->is_boolean() && f->get<bool>()) {
        return true;
      }
    }
  }
  return false;
}

}  // namespace

Result<std::optional<identity::Identity>> FindByIdentifier(identity::IdentityStore& identities,
                                                           std::string_view type,
                                                           const std::string& submitted) {
  ATRIUM_ASSIGN_OR_RETURN(auto found, identities.FindByCredentialIdentifier(type, submitted));
  if (found) {
    return found;
  }
  const std::string normalized = identity::NormalizeIdentifierGracefully(submitted);
  if (normalized == submitted) {
    return found;
  }
  return identities.FindByCredentialIdentifier(type, normalized);
}

text::Message IdentifierLabel(const identity::IdentitySchema& schema) {
  const jsonschema::PathInfo* only = nullptr;
  for (const auto& path : schema.paths) {
    if (IsIdentifier(path.extension)) {
      if (only != nullptr) {
        return text::IdentifierLabelFallback();  // several identifiers: which one is ambiguous
      }
      only = &path;
    }
  }
  if (only == nullptr || only->title.empty()) {
    return text::IdentifierLabelFallback();
  }
  return text::TraitLabel(only->title, only->name);
}

}  // namespace atrium::login
