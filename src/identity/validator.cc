#include "identity/validator.h"

#include <algorithm>
#include <optional>

#include "base/strings.h"
#include "identity/normalize.h"

namespace atrium::identity {
namespace {

// An address the `ory.sh/kratos` extension marks for verification or recovery.
struct Address {
  std::string via;
  std::string value;
  std::string pointer;
};

struct Marked {
  std::vector<Address> verification;
  std::vector<Address> recovery;
  std::vector<Address> code;  // credentials.code.identifier
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

jsonschema::ValidationError FormatError(const std::string& pointer, const std::string& format,
                                        const std::string& value) {
  jsonschema::ValidationError e;
  e.instance_pointer = pointer;
  e.keyword = "format";
  e.message = GoQuote(value) + " is not valid " + GoQuote(format);
  e.params = {{"format", format}, {"value", value}};
  return e;
}

// What one trait's extension says about its string value: credential identifiers go to
// `extracted`, addresses to `marked`.
void Visit(const Json& ext, const std::string& pointer, const std::string& raw,
           Extracted& extracted, Marked& marked) {
  if (const auto creds = ext.find("credentials"); creds != ext.end() && creds->is_object()) {
    const auto flag = [&](const char* type, const char* key) {
      const auto t = creds->find(type);
      return t != creds->end() && t->is_object() && t->value(key, false);
    };
    if (flag("password", "identifier")) {
      AddUnique(extracted.password_identifiers, NormalizeIdentifierGracefully(raw));
    }
    if (flag("webauthn", "identifier")) {
      AddUnique(extracted.webauthn_identifiers, NormalizeIdentifierGracefully(raw));
    }
    if (flag("code", "identifier")) {
      marked.code.push_back(Address{creds->at("code").value("via", "email"), raw, pointer});
    }
  }
  const auto mark = [&](const char* key, std::vector<Address>& out) {
    const auto it = ext.find(key);
    if (it != ext.end() && it->is_object() && it->contains("via")) {
      out.push_back(Address{it->value("via", "email"), raw, pointer});
    }
  };
  mark("verification", marked.verification);
  mark("recovery", marked.recovery);
}

// Normalizes each address in place; an e-mail address must be one unless the trait declares
// another format (§21). Problems are appended to `errors`.
void Normalize(const IdentitySchema& schema, std::vector<Address>& addresses,
               std::vector<jsonschema::ValidationError>& errors) {
  for (auto& a : addresses) {
    if (a.via == "sms") {
      if (auto phone = NormalizePhoneE164(a.value)) {
        a.value = *phone;
      } else {
        errors.push_back(FormatError(a.pointer, "tel", a.value));
      }
      continue;
    }
    const std::string format = FormatAt(schema, a.pointer);
    if (!format.empty() && format != "email") {
      a.value = std::string(TrimSpace(a.value));
      continue;
    }
    const auto email = EmailFormat().Validate(Json(a.value)).empty() ? NormalizeEmailStrict(a.value)
                                                                     : std::nullopt;
    if (!email) {
      errors.push_back(FormatError(a.pointer, "email", a.value));
      continue;
    }
    a.value = *email;
  }
}

// One entry per (via, value), in document order; known addresses keep their id and state.
std::vector<VerifiableAddress> Verifiable(const std::vector<Address>& marked,
                                          const std::vector<VerifiableAddress>& existing) {
  std::vector<VerifiableAddress> out;
  for (const auto& a : marked) {
    const auto same = [&](const VerifiableAddress& v) {
      return v.value == a.value && v.via == a.via;
    };
    if (std::any_of(out.begin(), out.end(), same)) {
      continue;
    }
    const auto known = std::find_if(existing.begin(), existing.end(), same);
    if (known != existing.end()) {
      out.push_back(*known);
      continue;
    }
    VerifiableAddress v;
    v.value = a.value;
    v.via = a.via;
    out.push_back(std::move(v));
  }
  return out;
}

// The code addresses, normalized like Kratos' credentials extension: sms as E.164, email
// strictly unless the trait declares another format (then gracefully); an address that does not
// normalize is a validation error. De-duplicated and sorted by address, then via.
std::vector<CodeAddress> CodeAddresses(const IdentitySchema& schema,
                                       const std::vector<Address>& marked,
                                       std::vector<jsonschema::ValidationError>& errors) {
  std::vector<CodeAddress> out;
  for (const auto& a : marked) {
    std::optional<std::string> normalized;
    const std::string format = FormatAt(schema, a.pointer);
    if (a.via == "email" && !format.empty() && format != "email") {
      normalized = NormalizeIdentifierGracefully(a.value);
    } else {
      normalized = a.via == "sms" ? NormalizePhoneE164(a.value) : NormalizeEmailStrict(a.value);
    }
    if (!normalized) {
      errors.push_back(FormatError(a.pointer, a.via == "sms" ? "tel" : "email", a.value));
      continue;
    }
    out.push_back(CodeAddress{a.via, std::move(*normalized)});
  }
  std::sort(out.begin(), out.end(), [](const CodeAddress& x, const CodeAddress& y) {
    return x.address != y.address ? x.address < y.address : x.via < y.via;
  });
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<RecoveryAddress> Recoverable(const std::vector<Address>& marked) {
  std::vector<RecoveryAddress> out;
  for (const auto& a : marked) {
    const auto same = [&](const RecoveryAddress& r) {
      return r.value == a.value && r.via == a.via;
    };
    if (std::none_of(out.begin(), out.end(), same)) {
      RecoveryAddress r;
      r.value = a.value;
      r.via = a.via;
      out.push_back(std::move(r));
    }
  }
  return out;
}

}  // namespace

TraitsValidation ValidateTraits(const IdentitySchema& schema, Identity& identity) {
  TraitsValidation result;
  Marked marked;
  const Json document = {{"traits", identity.traits}};
  const jsonschema::ExtensionVisitor visitor = [&](const std::string& pointer, const Json& ext,
                                                   const Json& value) {
    if (ext.is_object() && value.is_string()) {
      Visit(ext, pointer, value.get<std::string>(), result.extracted, marked);
    }
  };
  result.errors = schema.compiled->Validate(document, &visitor);
  if (!result.errors.empty()) {
    return result;
  }
  Normalize(schema, marked.verification, result.errors);
  Normalize(schema, marked.recovery, result.errors);
  result.extracted.code_addresses = CodeAddresses(schema, marked.code, result.errors);
  if (!result.errors.empty()) {
    return result;
  }
  identity.verifiable_addresses = Verifiable(marked.verification, identity.verifiable_addresses);
  identity.recovery_addresses = Recoverable(marked.recovery);
  return result;
}

}  // namespace atrium::identity
