#include "identity/validator.h"

#include <algorithm>

#include "base/random.h"
#include "base/strings.h"
#include "identity/normalize.h"

namespace atrium::identity {
namespace {

struct Address {
  std::string via;
  std::string value;
  std::string pointer;
};

void AddUnique(std::vector<std::string>& list, std::string value) {
  if (!value.empty() && std::find(list.begin(), list.end(), value) == list.end()) {
    list.push_back(std::move(value));
  }
}

const jsonschema::CompiledSchema& EmailFormat() {
  static const std::shared_ptr<const jsonschema::CompiledSchema> schema =
      jsonschema::CompiledSchema::Compile(Json{{"type", "string"}, {"format", "email"}}).value();
  return *schema;
}

// The `format` declared for the trait at `pointer` ("/traits/email" -> path "traits.email").
std::string FormatAt(const IdentitySchema& schema, const std::string& pointer) {
  std::string dotted = pointer.empty() ? pointer : pointer.substr(1);
  std::replace(dotted.begin(), dotted.end(), '/', '.');
  for (const auto& p : schema.paths) {
    if (p.name == dotted) {
      return p.format;
    }
  }
  return {};
}

}  // namespace

TraitsValidation ValidateTraits(const IdentitySchema& schema, Identity& identity,
                                const Clock& clock) {
  TraitsValidation result;
  std::vector<Address> verification;
  std::vector<Address> recovery;
  Json document = Json::object();
  document["traits"] = identity.traits;

  const jsonschema::ExtensionVisitor visitor = [&](const std::string& pointer, const Json& ext,
                                                   const Json& value) {
    if (!ext.is_object() || !value.is_string()) {
      return;
    }
    const std::string raw = value.get<std::string>();
    if (const auto creds = ext.find("credentials"); creds != ext.end() && creds->is_object()) {
      const auto flag = [&](const char* type, const char* key) {
        const auto t = creds->find(type);
        return t != creds->end() && t->is_object() && t->value(key, false);
      };
      if (flag("password", "identifier")) {
        AddUnique(result.extracted.password_identifiers, NormalizeIdentifierGracefully(raw));
      }
      if (flag("webauthn", "identifier")) {
        AddUnique(result.extracted.webauthn_identifiers, NormalizeIdentifierGracefully(raw));
      }
      if (flag("code", "identifier")) {
        const std::string via = creds->at("code").value("via", "email");
        const auto normalized = via == "sms" ? NormalizePhoneE164(raw) : NormalizeEmailStrict(raw);
        if (normalized) {
          result.extracted.code_addresses.emplace_back(via, *normalized);
        }
      }
    }
    const auto add_address = [&](const char* key, std::vector<Address>& out) {
      const auto it = ext.find(key);
      if (it != ext.end() && it->is_object() && it->contains("via")) {
        out.push_back(Address{it->value("via", "email"), raw, pointer});
      }
    };
    add_address("verification", verification);
    add_address("recovery", recovery);
  };

  result.errors = schema.compiled->Validate(document, &visitor);
  if (!result.errors.empty()) {
    return result;
  }

  // Addresses: e-mail values must be addresses; values are stored normalized.
  const auto normalize_all = [&](std::vector<Address>& addrs) {
    for (auto& a : addrs) {
      std::optional<std::string> normalized;
      if (a.via == "sms") {
        normalized = NormalizePhoneE164(a.value);
      } else {
        // An e-mail address must be valid unless the trait declares another format (spec §21).
        const std::string format = FormatAt(schema, a.pointer);
        const bool has_format = !format.empty() && format != "email";
        if (!has_format && !EmailFormat().Validate(Json(a.value)).empty()) {
          jsonschema::ValidationError e;
          e.instance_pointer = a.pointer;
          e.keyword = "format";
          e.message = GoQuote(a.value) + " is not valid \"email\"";
          e.params = {{"format", "email"}, {"value", a.value}};
          result.errors.push_back(std::move(e));
          continue;
        }
        normalized = has_format ? std::optional<std::string>(std::string(TrimSpace(a.value)))
                                : NormalizeEmailStrict(a.value);
      }
      if (!normalized) {
        jsonschema::ValidationError e;
        e.instance_pointer = a.pointer;
        e.keyword = "format";
        e.message =
            GoQuote(a.value) + " is not valid \"" + (a.via == "sms" ? "tel" : "email") + "\"";
        e.params = {{"format", a.via == "sms" ? "tel" : "email"}, {"value", a.value}};
        result.errors.push_back(std::move(e));
        continue;
      }
      a.value = *normalized;
    }
  };
  normalize_all(verification);
  normalize_all(recovery);
  if (!result.errors.empty()) {
    return result;
  }

  const Timestamp now = clock.Now();
  std::vector<VerifiableAddress> verifiable;
  for (const auto& a : verification) {
    const bool seen = std::any_of(verifiable.begin(), verifiable.end(), [&](const auto& v) {
      return v.value == a.value && v.via == a.via;
    });
    if (seen) {
      continue;
    }
    const auto existing =
        std::find_if(identity.verifiable_addresses.begin(), identity.verifiable_addresses.end(),
                     [&](const auto& v) { return v.value == a.value && v.via == a.via; });
    if (existing != identity.verifiable_addresses.end()) {
      verifiable.push_back(*existing);
      continue;
    }
    VerifiableAddress v;
    v.id = NewUuid();
    v.value = a.value;
    v.via = a.via;
    v.created_at = now;
    v.updated_at = now;
    verifiable.push_back(std::move(v));
  }
  std::vector<RecoveryAddress> recoverable;
  for (const auto& a : recovery) {
    const bool seen = std::any_of(recoverable.begin(), recoverable.end(), [&](const auto& r) {
      return r.value == a.value && r.via == a.via;
    });
    if (seen) {
      continue;
    }
    RecoveryAddress r;
    r.id = NewUuid();
    r.value = a.value;
    r.via = a.via;
    r.created_at = now;
    r.updated_at = now;
    recoverable.push_back(std::move(r));
  }
  identity.verifiable_addresses = std::move(verifiable);
  identity.recovery_addresses = std::move(recoverable);
  return result;
}

}  // namespace atrium::identity
