// Validation errors as Kratos UI messages (spec §10.4). Context keys are sorted, as Go maps are.
#include "jsonschema/internal.h"
#include "jsonschema/schema.h"

namespace atrium::jsonschema {
namespace {

using OJson = nlohmann::ordered_json;
using internal::FormatNumber;

text::Message Error(int64_t id, std::string text, OJson context) {
  return text::Message{id, std::move(text), text::MessageType::kError, std::move(context)};
}

OJson Ordered(const nlohmann::json& v) { return OJson::parse(v.dump()); }

}  // namespace

text::Message ToUiMessage(const ValidationError& e) {
  const auto& p = e.params;
  const auto num = [&](const char* key) { return p.contains(key) ? p[key] : nlohmann::json(0); };
  const auto str = [&](const char* key) { return FormatNumber(num(key)); };
  if (e.keyword == "required") {
    const std::string property = p.value("property", "");
    OJson ctx;
    ctx["property"] = property;
    return Error(4000002, "Property " + property + " is missing.", std::move(ctx));
  }
  if (e.keyword == "minLength" || e.keyword == "maxLength") {
    const bool min = e.keyword == "minLength";
    OJson ctx;
    ctx["actual_length"] = num("actual");
    ctx[min ? "min_length" : "max_length"] = num("limit");
    return Error(min ? 4000003 : 4000017,
                 std::string("length must be ") + (min ? ">= " : "<= ") + str("limit") +
                     ", but got " + str("actual"),
                 std::move(ctx));
  }
  if (e.keyword == "pattern") {
    OJson ctx;
    ctx["pattern"] = p.value("pattern", "");
    return Error(4000004, e.message, std::move(ctx));
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
      OJson ctx;
      ctx["actual"] = num("actual");
      ctx[b.key] = num("limit");
      return Error(
          b.id, std::string("must be ") + b.op + " " + str("limit") + " but found " + str("actual"),
          std::move(ctx));
    }
  }
  if (e.keyword == "multipleOf") {
    OJson ctx;
    ctx["actual"] = num("actual");
    ctx["base"] = num("base");
    return Error(4000022, str("actual") + " not multipleOf " + str("base"), std::move(ctx));
  }
  if (e.keyword == "maxItems" || e.keyword == "minItems") {
    const bool max = e.keyword == "maxItems";
    OJson ctx;
    ctx["actual_items"] = num("actual");
    ctx[max ? "max_items" : "min_items"] = num("limit");
    return Error(max ? 4000023 : 4000024,
                 std::string(max ? "maximum " : "minimum ") + str("limit") +
                     " items allowed, but found " + str("actual") + " items",
                 std::move(ctx));
  }
  if (e.keyword == "uniqueItems") {
    OJson ctx;
    ctx["index_a"] = num("index_a");
    ctx["index_b"] = num("index_b");
    return Error(4000025,
                 "items at index " + str("index_a") + " and " + str("index_b") + " are equal",
                 std::move(ctx));
  }
  if (e.keyword == "type") {
    OJson ctx;
    const std::string actual = p.value("actual", "");
    ctx["actual_type"] = actual;
    ctx["allowed_types"] = p.contains("expected") ? Ordered(p["expected"]) : OJson::array();
    std::string allowed;
    for (const auto& t : ctx["allowed_types"]) {
      allowed += (allowed.empty() ? "" : " or ") + t.get<std::string>();
    }
    return Error(4000026, "expected " + allowed + ", but got " + actual, std::move(ctx));
  }
  if (e.keyword == "const") {
    OJson ctx;
    ctx["expected"] = p.contains("expected") ? Ordered(p["expected"]) : OJson();
    return Error(
        4000029,
        "must be equal to constant " + (p.contains("expected") ? p["expected"].dump() : ""),
        std::move(ctx));
  }
  if (e.keyword == "format") {
    const std::string format = p.value("format", "");
    OJson ctx;
    ctx["value"] = p.value("value", "");
    if (format == "email" || format == "email_loose") {
      return Error(4000040, "Enter a valid email address", std::move(ctx));
    }
    if (format == "tel") {
      return Error(4000041, "Enter a valid phone number", std::move(ctx));
    }
  }
  OJson ctx;
  ctx["reason"] = e.message;
  return Error(4000001, e.message, std::move(ctx));
}

}  // namespace atrium::jsonschema
