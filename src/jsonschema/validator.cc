// Validation: one recursive walk over the instance, guided by the node graph. Each Check* step
// appends errors to an Outcome; composition keywords (anyOf, oneOf, not, if, contains) check
// their branches into scratch Outcomes and keep what the branch that counts produced, so that
// extensions of failed branches are never visited.
//
// Recursion is bounded twice. Instance values deeper than kMaxDepth yield a "depth" error instead
// of being entered, and so do value comparisons (enum, const, uniqueItems) that would go deeper.
// Nested schema applications are capped at kMaxNesting: only a $ref loop that consumes no
// instance ({"anyOf": [{"$ref": "#"}]}) gets there, and it ends the validation with one "$ref"
// error.
#include "jsonschema/validator.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <re2/re2.h>

#include "base/strings.h"
#include "jsonschema/formats.h"

namespace atrium::jsonschema::internal {
namespace {

// Nested Check calls at once. Without $ref they nest at most as deep as the schema (kMaxDepth
// + 1); a recursive schema needs one to three per instance level, so the depth guard stops deep
// instances well before this (257 levels x 3 = 771). Every nesting costs up to three stack
// frames: 1024 of them stay far below the 8 MiB of a thread's stack, even with ASan.
constexpr int kMaxNesting = 1024;

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

enum class Equality { kEqual, kDifferent, kTooDeep };

Equality Of(bool equal) { return equal ? Equality::kEqual : Equality::kDifferent; }

// JSON equality with numbers compared by value (1 == 1.0), recursively. Arrays and objects are
// entered only while `levels` > 0: kTooDeep when the comparison would go deeper.
Equality JsonEqual(const Json& a, const Json& b, int levels) {
  if (a.is_number() && b.is_number()) {
    if ((a.is_number_integer() || a.is_number_unsigned()) &&
        (b.is_number_integer() || b.is_number_unsigned())) {
      return Of(a == b);
    }
    return Of(a.get<double>() == b.get<double>());
  }
  if (a.type() != b.type()) {
    return Equality::kDifferent;
  }
  if (!a.is_array() && !a.is_object()) {
    return Of(a == b);
  }
  if (a.size() != b.size()) {
    return Equality::kDifferent;
  }
  if (!a.empty() && levels <= 0) {
    return Equality::kTooDeep;
  }
  if (a.is_array()) {
    for (size_t i = 0; i < a.size(); ++i) {
      if (const auto e = JsonEqual(a[i], b[i], levels - 1); e != Equality::kEqual) {
        return e;
      }
    }
    return Equality::kEqual;
  }
  for (const auto& [k, v] : a.items()) {
    const auto it = b.find(k);
    if (it == b.end()) {
      return Equality::kDifferent;
    }
    if (const auto e = JsonEqual(v, *it, levels - 1); e != Equality::kEqual) {
      return e;
    }
  }
  return Equality::kEqual;
}

// kEqual when `v` equals one of `values`.
Equality AmongValues(const Json& values, const Json& v, int levels) {
  for (const auto& e : values) {
    if (const auto found = JsonEqual(e, v, levels); found != Equality::kDifferent) {
      return found;
    }
  }
  return Equality::kDifferent;
}

struct Duplicate {
  Equality found = Equality::kDifferent;  // kEqual: items `a` and `b` are the first equal pair
  size_t a = 0;
  size_t b = 0;
};

// The first pair of equal items (i < j, smallest i, then smallest j).
Duplicate FirstDuplicate(const Json& array, int levels) {
  for (size_t i = 0; i < array.size(); ++i) {
    for (size_t j = i + 1; j < array.size(); ++j) {
      if (const auto e = JsonEqual(array[i], array[j], levels); e != Equality::kDifferent) {
        return Duplicate{e, i, j};
      }
    }
  }
  return Duplicate{};
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

void AddTooDeep(Outcome& out, const std::string& ptr) {
  Add(out, ptr, "depth", "the document is nested deeper than 256 levels", nullptr);
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
// restore it before returning. `depth` is the nesting level of that value in the instance.
class Validator {
 public:
  void Check(const Node& n, const Json& v, std::string& ptr, Outcome& out, int depth);

  // Whether a $ref loop hit kMaxNesting; the walk stopped there and its outcome is void.
  bool Looped() const { return looped_; }
  // Where the loop was found.
  const std::string& LoopPointer() const { return loop_pointer_; }

 private:
  void CheckNode(const Node& n, const Json& v, std::string& ptr, Outcome& out, int depth);
  void CheckRef(const Node& n, const Json& v, std::string& ptr, Outcome& out, int depth);
  // `child` (at `token` below `ptr`) against `n`, one nesting level deeper.
  void CheckChild(const Node& n, const Json& child, std::string_view token, std::string& ptr,
                  Outcome& out, int depth);

  static void CheckType(const Node& n, const Json& v, const std::string& ptr, Outcome& out);
  static void CheckValue(const Node& n, const Json& v, const std::string& ptr, Outcome& out,
                         int depth);
  static void CheckString(const Node& n, const Json& v, const std::string& ptr, Outcome& out);
  static void CheckNumber(const Node& n, const Json& v, const std::string& ptr, Outcome& out);

  static void CheckArraySize(const Node& n, const Json& v, const std::string& ptr, Outcome& out,
                             int depth);
  void CheckItems(const Node& n, const Json& v, std::string& ptr, Outcome& out, int depth);
  void CheckContains(const Node& n, const Json& v, std::string& ptr, Outcome& out, int depth);

  static void CheckObjectSize(const Node& n, const Json& v, const std::string& ptr, Outcome& out);
  void CheckDependencies(const Node& n, const Json& v, std::string& ptr, Outcome& out, int depth);
  void CheckProperties(const Node& n, const Json& v, std::string& ptr, Outcome& out, int depth);
  void CheckMembers(const Node& n, const Json& v, std::string& ptr, Outcome& out, int depth);

  void CheckAnyOf(const Node& n, const Json& v, std::string& ptr, Outcome& out, int depth);
  void CheckOneOf(const Node& n, const Json& v, std::string& ptr, Outcome& out, int depth);
  void CheckNotAndIf(const Node& n, const Json& v, std::string& ptr, Outcome& out, int depth);

  int nesting_ = 0;  // Check calls in progress
  bool looped_ = false;
  std::string loop_pointer_;
  // The property names checked against propertyNames, as JSON strings: extension visits point
  // at them until the visitor has run.
  std::deque<Json> keys_;
};

void Validator::Check(const Node& n, const Json& v, std::string& ptr, Outcome& out, int depth) {
  if (looped_) {
    return;
  }
  if (depth > kMaxDepth) {
    AddTooDeep(out, ptr);
    return;
  }
  if (nesting_ == kMaxNesting) {
    looped_ = true;
    loop_pointer_ = ptr;
    return;
  }
  ++nesting_;
  CheckNode(n, v, ptr, out, depth);
  --nesting_;
}

void Validator::CheckNode(const Node& n, const Json& v, std::string& ptr, Outcome& out, int depth) {
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
  CheckValue(n, v, ptr, out, depth);
  if (v.is_string()) {
    CheckString(n, v, ptr, out);
  } else if (v.is_number()) {
    CheckNumber(n, v, ptr, out);
  } else if (v.is_array()) {
    CheckArraySize(n, v, ptr, out, depth);
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
  if (n.ref_node == nullptr) {  // cannot happen: compilation resolves every $ref
    Add(out, ptr, "$ref", "$ref recursion limit exceeded", nullptr);
    return;
  }
  Check(*n.ref_node, v, ptr, out, depth);
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

// enum, const. The values compared are entered no deeper than kMaxDepth.
void Validator::CheckValue(const Node& n, const Json& v, const std::string& ptr, Outcome& out,
                           int depth) {
  if (n.enum_values != nullptr) {
    const Equality found = AmongValues(*n.enum_values, v, kMaxDepth - depth);
    if (found == Equality::kTooDeep) {
      AddTooDeep(out, ptr);
    } else if (found == Equality::kDifferent) {
      Add(out, ptr, "enum", EnumMessage(*n.enum_values), {{"allowed", *n.enum_values}});
    }
  }
  if (n.const_value != nullptr) {
    const Equality equal = JsonEqual(*n.const_value, v, kMaxDepth - depth);
    if (equal == Equality::kTooDeep) {
      AddTooDeep(out, ptr);
    } else if (equal == Equality::kDifferent) {
      const bool structured = n.const_value->is_object() || n.const_value->is_array();
      Add(out, ptr, "const",
          structured ? "const failed" : "value must be " + GoSharpV(*n.const_value),
          {{"expected", *n.const_value}});
    }
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
void Validator::CheckArraySize(const Node& n, const Json& v, const std::string& ptr, Outcome& out,
                               int depth) {
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
    // The items are one level below the array.
    const Duplicate d = FirstDuplicate(v, kMaxDepth - depth - 1);
    if (d.found == Equality::kTooDeep) {
      AddTooDeep(out, ptr);
    } else if (d.found == Equality::kEqual) {
      Add(out, ptr, "uniqueItems",
          "items at index " + std::to_string(d.a) + " and " + std::to_string(d.b) + " are equal",
          {{"index_a", d.a}, {"index_b", d.b}});
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
      Check(*n.property_names, keys_.emplace_back(name), ptr, out, depth + 1);
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
  Validator validator;  // alive until the visitor has run: visits may point at its keys_
  validator.Check(root, instance, ptr, out, 0);
  if (validator.Looped()) {
    return {
        ValidationError{validator.LoopPointer(), "$ref", "$ref recursion limit exceeded", nullptr}};
  }
  if (visitor != nullptr) {
    for (const auto& visit : out.visits) {
      (*visitor)(visit.pointer, *visit.extension, *visit.value);
    }
  }
  return std::move(out.errors);
}

}  // namespace atrium::jsonschema::internal
