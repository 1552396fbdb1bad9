// Validation: one recursive walk over the instance, guided by the node graph. Each Check* step
// appends errors to an Outcome; composition keywords (anyOf, oneOf, not, if, contains) check
// their branches into scratch Outcomes and keep what the branch that counts produced, so that
// extensions of failed branches are never visited.
//
// Recursion is bounded twice: one level per instance nesting level (kMaxDepth, then a single
// "depth" error), and a budget of $ref hops for schemas that loop without consuming instance
// depth ({"$ref": "#"} inside allOf).
#include "jsonschema/validator.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <re2/re2.h>

#include "base/strings.h"
#include "jsonschema/formats.h"

namespace atrium::jsonschema::internal {
namespace {

constexpr int kMaxRefHops = 4096;

// An extension to report once validation is over: the value passed its schema.
struct Visit {
  std::string pointer;
  const Json* extension;
  const Json* value;
};

struct Outcome {
  std::vector<ValidationError> errors;
  std::vector<Visit> visits;
};

// ---- value helpers --------------------------------------------------------------------------

// ory/jsonschema's enum message: Go %#v of each value, or "enum failed" for structured values.
std::string EnumMessage(const Json& values) {
  for (const auto& v : values) {
    if (v.is_object() || v.is_array()) {
      return "enum failed";
    }
  }
  if (values.size() == 1) {
    return "value must be " + GoSharpV(values[0]);
  }
  std::string out;
  for (const auto& v : values) {
    out += (out.empty() ? "" : ", ") + GoSharpV(v);
  }
  return "value must be one of " + out;
}

// JSON equality with numbers compared by value (1 == 1.0), recursively.
bool JsonEqual(const Json& a, const Json& b) {
  if (a.is_number() && b.is_number()) {
    if ((a.is_number_integer() || a.is_number_unsigned()) &&
        (b.is_number_integer() || b.is_number_unsigned())) {
      return a == b;
    }
    return a.get<double>() == b.get<double>();
  }
  if (a.type() != b.type()) {
    return false;
  }
  if (a.is_array()) {
    if (a.size() != b.size()) {
      return false;
    }
    for (size_t i = 0; i < a.size(); ++i) {
      if (!JsonEqual(a[i], b[i])) {
        return false;
      }
    }
    return true;
  }
  if (a.is_object()) {
    if (a.size() != b.size()) {
      return false;
    }
    for (const auto& [k, v] : a.items()) {
      const auto it = b.find(k);
      if (it == b.end() || !JsonEqual(v, *it)) {
        return false;
      }
    }
    return true;
  }
  return a == b;
}

// The first pair of equal items (i < j, smallest i, then smallest j), if any.
std::optional<std::pair<size_t, size_t>> FirstDuplicate(const Json& array) {
  for (size_t i = 0; i < array.size(); ++i) {
    for (size_t j = i + 1; j < array.size(); ++j) {
      if (JsonEqual(array[i], array[j])) {
        return std::make_pair(i, j);
      }
    }
  }
  return std::nullopt;
}

// A schema limit as JSON: integral values print as integers ("5", not "5.0").
Json LimitJson(double d) {
  if (d == std::floor(d) && std::fabs(d) < 9e15) {
    return static_cast<int64_t>(d);
  }
  return d;
}

size_t CodePoints(const std::string& s) {
  size_t n = 0;
  for (const char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
      ++n;
    }
  }
  return n;
}

bool TypeMatches(const std::string& type, const Json& v) {
  if (type == "integer") {
    return TypeName(v) == "integer";
  }
  if (type == "number") {
    return v.is_number();
  }
  return TypeName(v) == type;
}

void Add(Outcome& out, const std::string& ptr, std::string keyword, std::string message,
         Json params) {
  out.errors.push_back(
      ValidationError{ptr, std::move(keyword), std::move(message), std::move(params)});
}

void MergeErrors(Outcome& into, Outcome& from) {
  into.errors.insert(into.errors.end(), std::make_move_iterator(from.errors.begin()),
                     std::make_move_iterator(from.errors.end()));
}

void Merge(Outcome& into, Outcome& from) {
  MergeErrors(into, from);
  into.visits.insert(into.visits.end(), from.visits.begin(), from.visits.end());
}

// ---- the walk -------------------------------------------------------------------------------

// `ptr` is the JSON pointer of the value being checked; steps into children append to it and
// restore it before returning.
class Validator {
 public:
  void Check(const Node& n, const Json& v, std::string& ptr, Outcome& out, int depth);

 private:
  void CheckRef(const Node& n, const Json& v, std::string& ptr, Outcome& out, int depth);
  // `child` (at `token` below `ptr`) against `n`, one nesting level deeper.
  void CheckChild(const Node& n, const Json& child, std::string_view token, std::string& ptr,
                  Outcome& out, int depth);

  static void CheckType(const Node& n, const Json& v, const std::string& ptr, Outcome& out);
  static void CheckValue(const Node& n, const Json& v, const std::string& ptr, Outcome& out);
  static void CheckString(const Node& n, const Json& v, const std::string& ptr, Outcome& out);
  static void CheckNumber(const Node& n, const Json& v, const std::string& ptr, Outcome& out);

  static void CheckArraySize(const Node& n, const Json& v, const std::string& ptr, Outcome& out);
  void CheckItems(const Node& n, const Json& v, std::string& ptr, Outcome& out, int depth);
  void CheckContains(const Node& n, const Json& v, std::string& ptr, Outcome& out, int depth);

  static void CheckObjectSize(const Node& n, const Json& v, const std::string& ptr, Outcome& out);
  void CheckDependencies(const Node& n, const Json& v, std::string& ptr, Outcome& out, int depth);
  void CheckProperties(const Node& n, const Json& v, std::string& ptr, Outcome& out, int depth);
  void CheckMembers(const Node& n, const Json& v, std::string& ptr, Outcome& out, int depth);

  void CheckAnyOf(const Node& n, const Json& v, std::string& ptr, Outcome& out, int depth);
  void CheckOneOf(const Node& n, const Json& v, std::string& ptr, Outcome& out, int depth);
  void CheckNotAndIf(const Node& n, const Json& v, std::string& ptr, Outcome& out, int depth);

  int ref_budget_ = kMaxRefHops;
};

void Validator::Check(const Node& n, const Json& v, std::string& ptr, Outcome& out, int depth) {
  if (depth > kMaxDepth) {
    Add(out, ptr, "depth", "the document is nested deeper than 256 levels", nullptr);
    return;
  }
  if (n.is_bool) {
    if (!n.bool_value) {
      Add(out, ptr, "false", "always fail", nullptr);
    }
    return;
  }
  if (n.has_ref) {
    CheckRef(n, v, ptr, out, depth);
    return;
  }
  const size_t before = out.errors.size();
  const size_t slot = out.visits.size();
  CheckType(n, v, ptr, out);
  if (out.errors.size() != before) {
    return;  // as ory/jsonschema: a type mismatch is the only error reported for the value
  }
  CheckValue(n, v, ptr, out);
  if (v.is_string()) {
    CheckString(n, v, ptr, out);
  } else if (v.is_number()) {
    CheckNumber(n, v, ptr, out);
  } else if (v.is_array()) {
    CheckArraySize(n, v, ptr, out);
    CheckItems(n, v, ptr, out, depth);
    CheckContains(n, v, ptr, out, depth);
  } else if (v.is_object()) {
    CheckObjectSize(n, v, ptr, out);
    CheckDependencies(n, v, ptr, out, depth);
    CheckProperties(n, v, ptr, out, depth);
    CheckMembers(n, v, ptr, out, depth);
  }
  for (const Node* s : n.all_of) {
    Check(*s, v, ptr, out, depth);
  }
  CheckAnyOf(n, v, ptr, out, depth);
  CheckOneOf(n, v, ptr, out, depth);
  CheckNotAndIf(n, v, ptr, out, depth);
  if (n.extension != nullptr && out.errors.size() == before) {
    // Pre-order: a value is visited before the values nested in it.
    out.visits.insert(out.visits.begin() + static_cast<std::ptrdiff_t>(slot),
                      Visit{ptr, n.extension, &v});
  }
}

void Validator::CheckRef(const Node& n, const Json& v, std::string& ptr, Outcome& out, int depth) {
  if (n.ref_node == nullptr || --ref_budget_ < 0) {
    Add(out, ptr, "$ref", "$ref recursion limit exceeded", nullptr);
    return;
  }
  Check(*n.ref_node, v, ptr, out, depth);
  ++ref_budget_;
}

void Validator::CheckChild(const Node& n, const Json& child, std::string_view token,
                           std::string& ptr, Outcome& out, int depth) {
  const size_t base = ptr.size();
  ptr += '/';
  ptr += token;
  Check(n, child, ptr, out, depth + 1);
  ptr.resize(base);
}

// ---- scalars --------------------------------------------------------------------------------

void Validator::CheckType(const Node& n, const Json& v, const std::string& ptr, Outcome& out) {
  if (n.types.empty()) {
    return;
  }
  for (const auto& t : n.types) {
    if (TypeMatches(t, v)) {
      return;
    }
  }
  std::string expected;
  for (const auto& t : n.types) {
    expected += (expected.empty() ? "" : " or ") + t;
  }
  const std::string actual = TypeName(v) == "integer" ? "number" : TypeName(v);
  Json expected_param = n.types.size() == 1 ? Json(n.types[0]) : Json(n.types);
  Add(out, ptr, "type", "expected " + expected + ", but got " + actual,
      {{"expected", std::move(expected_param)}, {"actual", actual}});
}

// enum, const.
void Validator::CheckValue(const Node& n, const Json& v, const std::string& ptr, Outcome& out) {
  if (n.enum_values != nullptr) {
    bool found = false;
    for (const auto& e : *n.enum_values) {
      found = found || JsonEqual(e, v);
    }
    if (!found) {
      Add(out, ptr, "enum", EnumMessage(*n.enum_values), {{"allowed", *n.enum_values}});
    }
  }
  if (n.const_value != nullptr && !JsonEqual(*n.const_value, v)) {
    const bool structured = n.const_value->is_object() || n.const_value->is_array();
    Add(out, ptr, "const",
        structured ? "const failed" : "value must be " + GoSharpV(*n.const_value),
        {{"expected", *n.const_value}});
  }
}

void Validator::CheckString(const Node& n, const Json& v, const std::string& ptr, Outcome& out) {
  const std::string& s = v.get_ref<const std::string&>();
  const size_t length = CodePoints(s);
  if (n.min_length && length < *n.min_length) {
    Add(out, ptr, "minLength",
        "length must be >= " + std::to_string(*n.min_length) + ", but got " +
            std::to_string(length),
        {{"limit", *n.min_length}, {"actual", length}});
  }
  if (n.max_length && length > *n.max_length) {
    Add(out, ptr, "maxLength",
        "length must be <= " + std::to_string(*n.max_length) + ", but got " +
            std::to_string(length),
        {{"limit", *n.max_length}, {"actual", length}});
  }
  if (n.pattern && !RE2::PartialMatch(s, *n.pattern)) {
    Add(out, ptr, "pattern", "does not match pattern " + GoQuote(n.pattern_source),
        {{"pattern", n.pattern_source}});
  }
  if (!n.format.empty() && !CheckFormat(n.format, s)) {
    Add(out, ptr, "format", GoQuote(s) + " is not valid " + GoQuote(n.format),
        {{"format", n.format}, {"value", s}});
  }
}

void Validator::CheckNumber(const Node& n, const Json& v, const std::string& ptr, Outcome& out) {
  const double x = v.get<double>();
  const auto bound = [&](const std::optional<double>& limit, bool ok, const char* keyword,
                         const char* op) {
    if (limit && !ok) {
      Add(out, ptr, keyword,
          std::string("must be ") + op + " " + GoFloat(*limit) + " but found " + FormatNumber(v),
          {{"limit", LimitJson(*limit)}, {"actual", v}});
    }
  };
  bound(n.minimum, !n.minimum || x >= *n.minimum, "minimum", ">=");
  bound(n.exclusive_minimum, !n.exclusive_minimum || x > *n.exclusive_minimum, "exclusiveMinimum",
        ">");
  bound(n.maximum, !n.maximum || x <= *n.maximum, "maximum", "<=");
  bound(n.exclusive_maximum, !n.exclusive_maximum || x < *n.exclusive_maximum, "exclusiveMaximum",
        "<");
  if (n.multiple_of) {
    const double q = x / *n.multiple_of;
    if (!std::isfinite(q) || std::fabs(q - std::round(q)) > 1e-9 * std::max(1.0, std::fabs(q))) {
      Add(out, ptr, "multipleOf", FormatNumber(v) + " not multipleOf " + GoFloat(*n.multiple_of),
          {{"base", LimitJson(*n.multiple_of)}, {"actual", v}});
    }
  }
}

// ---- arrays ---------------------------------------------------------------------------------

// minItems, maxItems, uniqueItems, additionalItems: false.
void Validator::CheckArraySize(const Node& n, const Json& v, const std::string& ptr, Outcome& out) {
  const size_t size = v.size();
  if (n.min_items && size < *n.min_items) {
    Add(out, ptr, "minItems",
        "minimum " + std::to_string(*n.min_items) + " items allowed, but found " +
            std::to_string(size) + " items",
        {{"limit", *n.min_items}, {"actual", size}});
  }
  if (n.max_items && size > *n.max_items) {
    Add(out, ptr, "maxItems",
        "maximum " + std::to_string(*n.max_items) + " items allowed, but found " +
            std::to_string(size) + " items",
        {{"limit", *n.max_items}, {"actual", size}});
  }
  if (n.unique_items) {
    if (const auto duplicate = FirstDuplicate(v)) {
      const auto [i, j] = *duplicate;
      Add(out, ptr, "uniqueItems",
          "items at index " + std::to_string(i) + " and " + std::to_string(j) + " are equal",
          {{"index_a", i}, {"index_b", j}});
    }
  }
  if (n.no_additional_items && !n.items_array.empty() && size > n.items_array.size()) {
    Add(out, ptr, "additionalItems",
        "only " + std::to_string(n.items_array.size()) + " items are allowed, but found " +
            std::to_string(size) + " items",
        {{"limit", n.items_array.size()}, {"actual", size}});
  }
}

// items: one schema for every item, or one per position followed by additionalItems.
void Validator::CheckItems(const Node& n, const Json& v, std::string& ptr, Outcome& out,
                           int depth) {
  for (size_t i = 0; i < v.size(); ++i) {
    if (n.no_additional_items && i >= n.items_array.size()) {
      break;
    }
    const Node* item = n.items;
    if (!n.items_array.empty()) {
      item = i < n.items_array.size() ? n.items_array[i] : n.additional_items;
    }
    if (item != nullptr) {
      CheckChild(*item, v[i], std::to_string(i), ptr, out, depth);
    }
  }
}

// contains: one error at the array when no item passes; the items' own errors are dropped.
void Validator::CheckContains(const Node& n, const Json& v, std::string& ptr, Outcome& out,
                              int depth) {
  if (n.contains == nullptr) {
    return;
  }
  bool any = false;
  for (size_t i = 0; i < v.size() && !any; ++i) {
    Outcome scratch;
    CheckChild(*n.contains, v[i], std::to_string(i), ptr, scratch, depth);
    any = scratch.errors.empty();
  }
  if (!any) {
    Add(out, ptr, "contains", "contains failed", nullptr);
  }
}

// ---- objects --------------------------------------------------------------------------------

// required, minProperties, maxProperties.
void Validator::CheckObjectSize(const Node& n, const Json& v, const std::string& ptr,
                                Outcome& out) {
  for (const auto& name : n.required) {
    if (!v.contains(name)) {
      Add(out, ptr, "required", "missing properties: " + GoQuote(name), {{"property", name}});
    }
  }
  if (n.min_properties && v.size() < *n.min_properties) {
    Add(out, ptr, "minProperties",
        "minimum " + std::to_string(*n.min_properties) + " properties allowed, but found " +
            std::to_string(v.size()) + " properties",
        {{"limit", *n.min_properties}, {"actual", v.size()}});
  }
  if (n.max_properties && v.size() > *n.max_properties) {
    Add(out, ptr, "maxProperties",
        "maximum " + std::to_string(*n.max_properties) + " properties allowed, but found " +
            std::to_string(v.size()) + " properties",
        {{"limit", *n.max_properties}, {"actual", v.size()}});
  }
}

void Validator::CheckDependencies(const Node& n, const Json& v, std::string& ptr, Outcome& out,
                                  int depth) {
  for (const auto& [name, deps] : n.dependency_arrays) {
    if (!v.contains(name)) {
      continue;
    }
    for (const auto& d : deps) {
      if (!v.contains(d)) {
        Add(out, ptr, "dependencies",
            "property " + GoQuote(d) + " is required, if " + GoQuote(name) + " property exists",
            {{"property", d}, {"dependency", name}});
      }
    }
  }
  for (const auto& [name, schema] : n.dependency_schemas) {
    if (v.contains(name)) {
      Check(*schema, v, ptr, out, depth);
    }
  }
}

// properties, in the schema's order (extension visits follow document order).
void Validator::CheckProperties(const Node& n, const Json& v, std::string& ptr, Outcome& out,
                                int depth) {
  for (const auto& [name, schema] : n.properties) {
    if (const auto it = v.find(name); it != v.end()) {
      CheckChild(*schema, *it, EscapePointerToken(name), ptr, out, depth);
    }
  }
}

// patternProperties, additionalProperties and propertyNames per instance key, in sorted key
// order so that the errors come out the same whatever order the client chose.
void Validator::CheckMembers(const Node& n, const Json& v, std::string& ptr, Outcome& out,
                             int depth) {
  std::vector<std::pair<std::string_view, const Json*>> members;
  members.reserve(v.size());
  for (const auto& [name, value] : v.items()) {
    members.emplace_back(name, &value);
  }
  std::sort(members.begin(), members.end());
  std::string extra;
  Json extra_names = Json::array();
  for (const auto& [name_view, value] : members) {
    const std::string name(name_view);
    const std::string token = EscapePointerToken(name);
    bool matched = false;
    for (const auto& [prop, schema] : n.properties) {
      matched = matched || prop == name;
    }
    for (const auto& [re, schema] : n.pattern_properties) {
      if (RE2::PartialMatch(name, *re)) {
        matched = true;
        CheckChild(*schema, *value, token, ptr, out, depth);
      }
    }
    if (!matched && n.additional_properties != nullptr) {
      if (n.additional_properties->is_bool && !n.additional_properties->bool_value) {
        extra += (extra.empty() ? "" : ", ") + GoQuote(name);
        extra_names.push_back(name);
      } else {
        CheckChild(*n.additional_properties, *value, token, ptr, out, depth);
      }
    }
    if (n.property_names != nullptr) {  // a key is checked at the object's pointer
      Check(*n.property_names, Json(name), ptr, out, depth + 1);
    }
  }
  if (!extra.empty()) {
    Add(out, ptr, "additionalProperties", "additionalProperties " + extra + " not allowed",
        {{"properties", extra_names}});
  }
}

// ---- composition ----------------------------------------------------------------------------

// anyOf: the first passing branch counts (its visits kept); if none passes, the errors of all.
void Validator::CheckAnyOf(const Node& n, const Json& v, std::string& ptr, Outcome& out,
                           int depth) {
  if (n.any_of.empty()) {
    return;
  }
  Outcome failed;
  for (const Node* s : n.any_of) {
    Outcome branch;
    Check(*s, v, ptr, branch, depth);
    if (branch.errors.empty()) {
      Merge(out, branch);
      return;
    }
    Merge(failed, branch);
  }
  MergeErrors(out, failed);
}

// oneOf: exactly one passing branch counts; none yields the errors of all, two or more one error.
void Validator::CheckOneOf(const Node& n, const Json& v, std::string& ptr, Outcome& out,
                           int depth) {
  if (n.one_of.empty()) {
    return;
  }
  Outcome failed;
  Outcome accepted;
  std::vector<size_t> valid;
  for (size_t i = 0; i < n.one_of.size(); ++i) {
    Outcome branch;
    Check(*n.one_of[i], v, ptr, branch, depth);
    if (!branch.errors.empty()) {
      Merge(failed, branch);
      continue;
    }
    valid.push_back(i);
    if (valid.size() == 1) {
      accepted = std::move(branch);
    }
  }
  if (valid.empty()) {
    MergeErrors(out, failed);
  } else if (valid.size() > 1) {
    Add(out, ptr, "oneOf",
        "valid against schemas at indexes " + std::to_string(valid[0]) + " and " +
            std::to_string(valid[1]),
        nullptr);
  } else {
    Merge(out, accepted);
  }
}

// not; if/then/else (the condition's own errors and visits are dropped).
void Validator::CheckNotAndIf(const Node& n, const Json& v, std::string& ptr, Outcome& out,
                              int depth) {
  if (n.not_node != nullptr) {
    Outcome branch;
    Check(*n.not_node, v, ptr, branch, depth);
    if (branch.errors.empty()) {
      Add(out, ptr, "not", "not failed", nullptr);
    }
  }
  if (n.if_node != nullptr) {
    Outcome condition;
    Check(*n.if_node, v, ptr, condition, depth);
    const Node* next = condition.errors.empty() ? n.then_node : n.else_node;
    if (next != nullptr) {
      Check(*next, v, ptr, out, depth);
    }
  }
}

}  // namespace

std::vector<ValidationError> ValidateGraph(const Node& root, const Json& instance,
                                           const ExtensionVisitor* visitor) {
  Outcome out;
  std::string ptr;
  Validator().Check(root, instance, ptr, out, 0);
  if (visitor != nullptr) {
    for (const auto& visit : out.visits) {
      (*visitor)(visit.pointer, *visit.extension, *visit.value);
    }
  }
  return std::move(out.errors);
}

}  // namespace atrium::jsonschema::internal
