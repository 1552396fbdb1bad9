// Validation errors as Kratos UI messages (spec §10.4). Mirrors Kratos' translateValidationError:
// numeric limits become Go float64 values (text with %v, context as encoding/json writes them),
// counts stay integers, and context keys are sorted as Go marshals its maps.
#include <cmath>

#include "base/json.h"
#include "base/strings.h"
#include "jsonschema/internal.h"
#include "jsonschema/schema.h"

namespace atrium::jsonschema {
namespace {
using internal::GoFloat;
using internal::GoFloatJson;

// Context keys sorted, as Go marshals its maps.
text::Message Error(int64_t id, std::string text, const Json& context) {
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

Json FloatJson(double d) { return GoFloatJson(d); }

text::Message Generic(const std::string& reason) {
  Json ctx;
  ctx["reason"] = reason;
  return Error(4000001, reason, std::move(ctx));
}

}  // namespace

text::Message ToUiMessage(const ValidationError& e) {
  const auto& p = e.params.is_object() ? e.params : Json::object();
  if (e.keyword == "required") {
    const std::string property = Str(p, "property");
    Json ctx;
    ctx["property"] = property;
    return Error(4000002, "Property " + property + " is missing.", std::move(ctx));
  }
  if (e.keyword == "minLength" || e.keyword == "maxLength") {
    const bool min = e.keyword == "minLength";
    const int64_t limit = Int(p, "limit");
    const int64_t actual = Int(p, "actual");
    Json ctx;
    ctx["actual_length"] = actual;
    ctx[min ? "min_length" : "max_length"] = limit;
    return Error(min ? 4000003 : 4000017,
                 std::string("length must be ") + (min ? ">= " : "<= ") + std::to_string(limit) +
                     ", but got " + std::to_string(actual),
                 std::move(ctx));
  }
  if (e.keyword == "pattern") {
    const std::string pattern = Str(p, "pattern");
    Json ctx;
    ctx["pattern"] = pattern;
    return Error(4000004, "does not match pattern " + GoQuote(pattern), std::move(ctx));
  }
  struct Bound {
    const char* keyword;
    int64_t id;
    const char* op;
    const char* key;
  };
  static constexpr Bound kBounds[] = {{"minimum", 4000018, ">=", "minimum"},
                                      {"exclusiveMinimum", 4000019, ">", "minimum"},
                                      {"maximum", 4000020, "<=", "maximum"},
                                      {"exclusiveMaximum", 4000021, "<", "maximum"}};
  for (const auto& b : kBounds) {
    if (e.keyword == b.keyword) {
      const double limit = Float(p, "limit");
      const double actual = Float(p, "actual");
      Json ctx;
      ctx["actual"] = FloatJson(actual);
      ctx[b.key] = FloatJson(limit);
      return Error(
          b.id,
          std::string("must be ") + b.op + " " + GoFloat(limit) + " but found " + GoFloat(actual),
          std::move(ctx));
    }
  }
  if (e.keyword == "multipleOf") {
    const double base = Float(p, "base");
    const double actual = Float(p, "actual");
    Json ctx;
    ctx["actual"] = FloatJson(actual);
    ctx["base"] = FloatJson(base);
    return Error(4000022, GoFloat(actual) + " not multipleOf " + GoFloat(base), std::move(ctx));
  }
  if (e.keyword == "maxItems" || e.keyword == "minItems") {
    const bool max = e.keyword == "maxItems";
    const int64_t limit = Int(p, "limit");
    const int64_t actual = Int(p, "actual");
    Json ctx;
    ctx["actual_items"] = actual;
    ctx[max ? "max_items" : "min_items"] = limit;
    return Error(max ? 4000023 : 4000024,
                 std::string(max ? "maximum " : "minimum ") + std::to_string(limit) +
                     " items allowed, but found " + std::to_string(actual) + " items",
                 std::move(ctx));
  }
  if (e.keyword == "uniqueItems") {
    const int64_t a = Int(p, "index_a");
    const int64_t b = Int(p, "index_b");
    Json ctx;
    ctx["index_a"] = a;
    ctx["index_b"] = b;
    return Error(4000025,
                 "items at index " + std::to_string(a) + " and " + std::to_string(b) + " are equal",
                 std::move(ctx));
  }
  if (e.keyword == "type") {
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
    return Error(4000026, "expected " + joined + ", but got " + actual, std::move(ctx));
  }
  if (e.keyword == "const") {
    // Kratos reads the expected value back from the validator text ("value must be \"x\"").
    static constexpr std::string_view kPrefix = "value must be ";
    if (e.message == "const failed" || !e.message.starts_with(kPrefix)) {
      return Error(4000030, "const failed", Json());
    }
    const std::string expected = e.message.substr(kPrefix.size());
    Json ctx;
    ctx["expected"] = expected;
    return Error(4000029, "must be equal to constant " + expected, std::move(ctx));
  }
  if (e.keyword == "format") {
    const std::string format = Str(p, "format");
    if (format == "email" || format == "email_loose" || format == "tel") {
      Json ctx;
      ctx["value"] = Str(p, "value");
      return format == "tel" ? Error(4000041, "Enter a valid phone number", std::move(ctx))
                             : Error(4000040, "Enter a valid email address", std::move(ctx));
    }
  }
  return Generic(e.message);
}

}  // namespace atrium::jsonschema
