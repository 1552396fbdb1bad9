// Validation errors as Kratos UI messages (docs/wire/registration.md §10.4). Mirrors Kratos'
// translateValidationError: numeric limits become Go float64 values (text with %v, context as
// encoding/json writes them), counts stay integers, and context keys are sorted as Go marshals its
// maps.
//
// One small translator per keyword, looked up in kTranslators; keywords without one (and formats
// other than email and tel) become the generic message 4000001 carrying the validator's text.
#include "jsonschema/messages.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/json.h"
#include "base/strings.h"
#include "jsonschema/formats.h"

namespace atrium::jsonschema {
namespace {
using internal::GoFloat;
using internal::GoFloatJson;

// Context keys sorted, as Go marshals its maps.
text::Message UiError(int64_t id, std::string text, const Json& context) {
  return text::Message{id, std::move(text), text::MessageType::kError, SortedKeys(context)};
}

// A numeric parameter; Kratos falls back to -1 when it cannot read one.
double Float(const Json& params, const char* key) {
  const auto it = params.find(key);
  return it != params.end() && it->is_number() ? it->get<double>() : -1.0;
}

int64_t Int(const Json& params, const char* key) {
  const auto it = params.find(key);
  return it != params.end() && it->is_number() ? static_cast<int64_t>(it->get<double>()) : -1;
}

std::string Str(const Json& params, const char* key) {
  const auto it = params.find(key);
  return it != params.end() && it->is_string() ? it->get<std::string>() : "";
}

text::Message Generic(const std::string& reason) {
  Json ctx;
  ctx["reason"] = reason;
  return UiError(4000001, reason, ctx);
}

// ---- shared shapes --------------------------------------------------------------------------

// minLength / maxLength.
text::Message Length(const Json& p, bool min) {
  const int64_t limit = Int(p, "limit");
  const int64_t actual = Int(p, "actual");
  Json ctx;
  ctx["actual_length"] = actual;
  ctx[min ? "min_length" : "max_length"] = limit;
  return UiError(min ? 4000003 : 4000017,
                 std::string("length must be ") + (min ? ">= " : "<= ") + std::to_string(limit) +
                     ", but got " + std::to_string(actual),
                 ctx);
}

// minimum, exclusiveMinimum, maximum, exclusiveMaximum: `op` in the text, `key` in the context.
text::Message Bound(const Json& p, int64_t id, const char* op, const char* key) {
  const double limit = Float(p, "limit");
  const double actual = Float(p, "actual");
  Json ctx;
  ctx["actual"] = GoFloatJson(actual);
  ctx[key] = GoFloatJson(limit);
  return UiError(
      id, std::string("must be ") + op + " " + GoFloat(limit) + " but found " + GoFloat(actual),
      ctx);
}

// minItems / maxItems.
text::Message Items(const Json& p, bool max) {
  const int64_t limit = Int(p, "limit");
  const int64_t actual = Int(p, "actual");
  Json ctx;
  ctx["actual_items"] = actual;
  ctx[max ? "max_items" : "min_items"] = limit;
  return UiError(max ? 4000023 : 4000024,
                 std::string(max ? "maximum " : "minimum ") + std::to_string(limit) +
                     " items allowed, but found " + std::to_string(actual) + " items",
                 ctx);
}

// ---- one translator per keyword -------------------------------------------------------------

using Translation = std::optional<text::Message>;

Translation Required(const ValidationError&, const Json& p) {
  const std::string property = Str(p, "property");
  Json ctx;
  ctx["property"] = property;
  return UiError(4000002, "Property " + property + " is missing.", ctx);
}

Translation MinLength(const ValidationError&, const Json& p) { return Length(p, true); }
Translation MaxLength(const ValidationError&, const Json& p) { return Length(p, false); }

Translation Pattern(const ValidationError&, const Json& p) {
  const std::string pattern = Str(p, "pattern");
  Json ctx;
  ctx["pattern"] = pattern;
  return UiError(4000004, "does not match pattern " + GoQuote(pattern), ctx);
}

Translation Minimum(const ValidationError&, const Json& p) {
  return Bound(p, 4000018, ">=", "minimum");
}
Translation ExclusiveMinimum(const ValidationError&, const Json& p) {
  return Bound(p, 4000019, ">", "minimum");
}
Translation Maximum(const ValidationError&, const Json& p) {
  return Bound(p, 4000020, "<=", "maximum");
}
Translation ExclusiveMaximum(const ValidationError&, const Json& p) {
  return Bound(p, 4000021, "<", "maximum");
}

Translation MultipleOf(const ValidationError&, const Json& p) {
  const double base = Float(p, "base");
  const double actual = Float(p, "actual");
  Json ctx;
  ctx["actual"] = GoFloatJson(actual);
  ctx["base"] = GoFloatJson(base);
  return UiError(4000022, GoFloat(actual) + " not multipleOf " + GoFloat(base), ctx);
}

Translation MaxItems(const ValidationError&, const Json& p) { return Items(p, true); }
Translation MinItems(const ValidationError&, const Json& p) { return Items(p, false); }

Translation UniqueItems(const ValidationError&, const Json& p) {
  const int64_t a = Int(p, "index_a");
  const int64_t b = Int(p, "index_b");
  Json ctx;
  ctx["index_a"] = a;
  ctx["index_b"] = b;
  return UiError(4000025,
                 "items at index " + std::to_string(a) + " and " + std::to_string(b) + " are equal",
                 ctx);
}

// "expected" is one type name or an array of them; non-strings are ignored.
Translation Type(const ValidationError&, const Json& p) {
  const std::string actual = Str(p, "actual");
  Json allowed = Json::array();
  if (const auto it = p.find("expected"); it != p.end()) {
    if (it->is_string()) {
      allowed.push_back(it->get<std::string>());
    } else if (it->is_array()) {
      for (const auto& t : *it) {
        if (t.is_string()) {
          allowed.push_back(t.get<std::string>());
        }
      }
    }
  }
  std::string joined;
  for (const auto& t : allowed) {
    joined += (joined.empty() ? "" : " or ") + t.get<std::string>();
  }
  Json ctx;
  ctx["actual_type"] = actual;
  ctx["allowed_types"] = std::move(allowed);
  return UiError(4000026, "expected " + joined + ", but got " + actual, ctx);
}

// Kratos reads the expected value back from the validator text ("value must be \"x\"").
Translation Const(const ValidationError& e, const Json&) {
  static constexpr std::string_view kPrefix = "value must be ";
  if (e.message == "const failed" || !e.message.starts_with(kPrefix)) {
    return UiError(4000030, "const failed", Json());
  }
  const std::string expected = e.message.substr(kPrefix.size());
  Json ctx;
  ctx["expected"] = expected;
  return UiError(4000029, "must be equal to constant " + expected, ctx);
}

// Only email and tel have messages of their own.
Translation Format(const ValidationError&, const Json& p) {
  const std::string format = Str(p, "format");
  if (format != "email" && format != "email_loose" && format != "tel") {
    return std::nullopt;
  }
  Json ctx;
  ctx["value"] = Str(p, "value");
  return format == "tel" ? UiError(4000041, "Enter a valid phone number", ctx)
                         : UiError(4000040, "Enter a valid email address", ctx);
}

struct Translator {
  std::string_view keyword;
  Translation (*translate)(const ValidationError& error, const Json& params);
};

constexpr Translator kTranslators[] = {
    {"required", Required},
    {"minLength", MinLength},
    {"maxLength", MaxLength},
    {"pattern", Pattern},
    {"minimum", Minimum},
    {"exclusiveMinimum", ExclusiveMinimum},
    {"maximum", Maximum},
    {"exclusiveMaximum", ExclusiveMaximum},
    {"multipleOf", MultipleOf},
    {"maxItems", MaxItems},
    {"minItems", MinItems},
    {"uniqueItems", UniqueItems},
    {"type", Type},
    {"const", Const},
    {"format", Format},
};

}  // namespace

text::Message ToUiMessage(const ValidationError& e) {
  static const Json kNoParams = Json::object();
  const Json& params = e.params.is_object() ? e.params : kNoParams;
  for (const auto& t : kTranslators) {
    if (t.keyword == e.keyword) {
      if (auto message = t.translate(e, params)) {
        return std::move(*message);
      }
      break;
    }
  }
  return Generic(e.message);
}

}  // namespace atrium::jsonschema
