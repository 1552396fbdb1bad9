// Compilation and validation. A schema document compiles into a graph of Nodes, one per schema
// location (JSON pointer); `$ref`s are resolved to Nodes after every location is known, so that
// recursive schemas are plain cycles in the graph.
#include "jsonschema/schema.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <map>
#include <optional>

#include <re2/re2.h>

#include "base/strings.h"
#include "jsonschema/internal.h"

namespace atrium::jsonschema {
namespace {
using internal::FormatNumber;
using internal::TypeName;

constexpr int kMaxDepth = 256;

struct Node {
  std::string pointer;
  bool is_bool = false;
  bool bool_value = true;

  std::string ref;  // absolute target pointer once resolved; siblings are ignored
  const Node* ref_node = nullptr;
  bool has_ref = false;

  std::vector<std::string> types;
  const Json* enum_values = nullptr;
  const Json* const_value = nullptr;
  std::optional<double> multiple_of, maximum, exclusive_maximum, minimum, exclusive_minimum;
  std::optional<size_t> max_length, min_length, max_items, min_items, max_properties,
      min_properties;
  std::unique_ptr<RE2> pattern;
  std::string pattern_source;
  std::string format;

  const Node* items = nullptr;
  std::vector<const Node*> items_array;
  const Node* additional_items = nullptr;
  bool no_additional_items = false;  // "additionalItems": false
  bool unique_items = false;
  const Node* contains = nullptr;

  std::vector<std::string> required;
  std::vector<std::pair<std::string, const Node*>> properties;
  std::vector<std::pair<std::unique_ptr<RE2>, const Node*>> pattern_properties;
  const Node* additional_properties = nullptr;
  std::vector<std::pair<std::string, const Node*>> dependency_schemas;
  std::vector<std::pair<std::string, std::vector<std::string>>> dependency_arrays;
  const Node* property_names = nullptr;
  const Node* if_node = nullptr;
  const Node* then_node = nullptr;
  const Node* else_node = nullptr;
  std::vector<const Node*> all_of, any_of, one_of;
  const Node* not_node = nullptr;
  const Json* extension = nullptr;
};

std::string EscapePointerToken(std::string_view token) {
  std::string out;
  for (const char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// ---- URI handling for $id and $ref (enough of RFC 3986 for schema documents) -------------

std::string StripFragment(std::string_view uri) {
  return std::string(uri.substr(0, uri.find('#')));
}

bool HasScheme(std::string_view uri) {
  const size_t colon = uri.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return false;
  }
  for (size_t i = 0; i < colon; ++i) {
    const char c = uri[i];
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') {
      return false;
    }
  }
  return true;
}

std::string RemoveDotSegments(const std::string& uri) {
  const size_t scheme_end = uri.find("://");
  const size_t path_start = scheme_end == std::string::npos ? 0 : uri.find('/', scheme_end + 3);
  if (path_start == std::string::npos) {
    return uri;
  }
  std::vector<std::string> out;
  const std::string path = uri.substr(path_start);
  for (std::string_view seg : Split(path, '/')) {
    if (seg == ".") {
      continue;
    }
    if (seg == "..") {
      if (out.size() > 1) {
        out.pop_back();
      }
      continue;
    }
    out.emplace_back(seg);
  }
  std::string joined;
  for (size_t i = 0; i < out.size(); ++i) {
    joined += (i ? "/" : "") + out[i];
  }
  if (path.ends_with("/.") || path.ends_with("/..")) {
    joined += "/";
  }
  return uri.substr(0, path_start) + joined;
}

std::string ResolveUri(const std::string& base, const std::string& ref) {
  if (ref.empty()) {
    return base;
  }
  if (HasScheme(ref)) {
    return RemoveDotSegments(ref);
  }
  const std::string b = StripFragment(base);
  if (ref[0] == '#') {
    return b + ref;
  }
  const size_t scheme_end = b.find("://");
  if (ref.starts_with("//")) {
    return scheme_end == std::string::npos ? ref : b.substr(0, scheme_end + 1) + ref;
  }
  if (ref[0] == '/') {
    if (scheme_end == std::string::npos) {
      return ref;
    }
    const size_t path = b.find('/', scheme_end + 3);
    return RemoveDotSegments((path == std::string::npos ? b : b.substr(0, path)) + ref);
  }
  const size_t slash = b.rfind('/');
  const std::string dir = slash == std::string::npos ? "" : b.substr(0, slash + 1);
  return RemoveDotSegments(dir + ref);
}

// ---- compilation --------------------------------------------------------------------------

class SchemaImpl;

class Compiler {
 public:
  Compiler(const Json& root, SchemaImpl& out) : root_(root), out_(out) {}

  Status Run();

 private:
  // Walks schema positions to record `$id`s (resource URIs) before anything is compiled.
  void IndexIds(const Json& s, const std::string& pointer, const std::string& base, int depth);
  Result<const Node*> CompileAt(const std::string& pointer, int depth);
  Result<const Node*> Sub(const Json& parent, const std::string& pointer, std::string_view key,
                          int depth);
  Status CompileObject(const Json& s, Node& n, const std::string& pointer, int depth);
  Result<std::string> ResolveRef(const std::string& base, const std::string& ref);
  const Json* At(const std::string& pointer) const;
  // The base URI in effect at `pointer` (that of the nearest indexed ancestor).
  std::string BaseAt(std::string pointer) const;

  const Json& root_;
  SchemaImpl& out_;
  std::map<std::string, std::string> ids_;   // absolute URI (no fragment) or URI#anchor -> ptr
  std::map<std::string, std::string> base_;  // pointer -> base URI in effect there
  std::vector<Node*> pending_refs_;
  std::map<Node*, std::string> ref_bases_;
};

class SchemaImpl final : public Schema {
 public:
  std::vector<ValidationError> Validate(const Json& instance,
                                        const ExtensionVisitor* visitor) const override;

  Json document;
  std::deque<Node> nodes;
  std::map<std::string, Node*> by_pointer;
  const Node* root = nullptr;
};

const Json* Compiler::At(const std::string& pointer) const {
  try {
    const Json& v = pointer.empty() ? root_ : root_.at(Json::json_pointer(pointer));
    return &v;
  } catch (const std::exception&) {
    return nullptr;
  }
}

std::string Compiler::BaseAt(std::string pointer) const {
  for (;;) {
    if (const auto it = base_.find(pointer); it != base_.end()) {
      return it->second;
    }
    if (pointer.empty()) {
      return "";
    }
    pointer.resize(pointer.rfind('/'));
  }
}

void Compiler::IndexIds(const Json& s, const std::string& pointer, const std::string& base,
                        int depth) {
  if (!s.is_object() || depth > kMaxDepth) {
    return;
  }
  std::string here = base;
  if (!s.contains("$ref")) {
    if (const auto id = s.find("$id"); id != s.end() && id->is_string()) {
      const std::string resolved = ResolveUri(base, id->get<std::string>());
      if (id->get<std::string>().starts_with('#')) {
        ids_[resolved] = pointer;  // plain-name anchor
      } else {
        here = StripFragment(resolved);
        ids_[here] = pointer;
      }
    }
  }
  base_[pointer] = here;
  const auto child = [&](const Json& v, const std::string& p) { IndexIds(v, p, here, depth + 1); };
  for (const char* key : {"items", "additionalItems", "additionalProperties", "contains",
                          "propertyNames", "if", "then", "else", "not"}) {
    if (const auto it = s.find(key); it != s.end()) {
      if (it->is_array()) {
        for (size_t i = 0; i < it->size(); ++i) {
          child((*it)[i], pointer + "/" + key + "/" + std::to_string(i));
        }
      } else {
        child(*it, pointer + "/" + key);
      }
    }
  }
  for (const char* key : {"allOf", "anyOf", "oneOf"}) {
    if (const auto it = s.find(key); it != s.end() && it->is_array()) {
      for (size_t i = 0; i < it->size(); ++i) {
        child((*it)[i], pointer + "/" + key + "/" + std::to_string(i));
      }
    }
  }
  for (const char* key :
       {"properties", "patternProperties", "definitions", "$defs", "dependencies"}) {
    if (const auto it = s.find(key); it != s.end() && it->is_object()) {
      for (const auto& [k, v] : it->items()) {
        child(v, pointer + "/" + key + "/" + EscapePointerToken(k));
      }
    }
  }
}

Result<std::string> Compiler::ResolveRef(const std::string& base, const std::string& ref) {
  const std::string absolute = ResolveUri(base, ref);
  if (const auto it = ids_.find(absolute); it != ids_.end()) {
    return it->second;
  }
  const size_t hash = absolute.find('#');
  const std::string doc = absolute.substr(0, hash);
  const std::string fragment = hash == std::string::npos ? "" : absolute.substr(hash + 1);
  std::string resource;
  if (const auto it = ids_.find(doc); it != ids_.end()) {
    resource = it->second;
  } else if (doc.empty() || doc == BaseAt("")) {
    resource = "";
  } else {
    return Error::InvalidArgument("remote $ref " + GoQuote(ref) + " is not supported");
  }
  if (fragment.empty()) {
    return resource;
  }
  if (fragment[0] != '/') {
    return Error::InvalidArgument("$ref " + GoQuote(ref) + " names an unknown anchor");
  }
  const auto decoded = PercentDecode(fragment, false);
  if (!decoded) {
    return Error::InvalidArgument("$ref " + GoQuote(ref) + " is not a valid JSON pointer");
  }
  return resource + *decoded;
}

Result<const Node*> Compiler::Sub(const Json& parent, const std::string& pointer,
                                  std::string_view key, int depth) {
  (void)parent;
  return CompileAt(pointer + "/" + EscapePointerToken(key), depth + 1);
}

Result<const Node*> Compiler::CompileAt(const std::string& pointer, int depth) {
  if (const auto it = out_.by_pointer.find(pointer); it != out_.by_pointer.end()) {
    return it->second;
  }
  if (depth > kMaxDepth) {
    return Error::InvalidArgument("schema nested deeper than 256 levels at " + GoQuote(pointer));
  }
  const Json* s = At(pointer);
  if (s == nullptr) {
    return Error::InvalidArgument("$ref target " + GoQuote(pointer) + " does not exist");
  }
  Node& n = out_.nodes.emplace_back();
  n.pointer = pointer;
  out_.by_pointer[pointer] = &n;
  if (s->is_boolean()) {
    n.is_bool = true;
    n.bool_value = s->get<bool>();
    return &n;
  }
  if (!s->is_object()) {
    return Error::InvalidArgument("schema at " + GoQuote(pointer) +
                                  " must be an object or boolean");
  }
  ATRIUM_RETURN_IF_ERROR(CompileObject(*s, n, pointer, depth));
  return &n;
}

Status Compiler::CompileObject(const Json& s, Node& n, const std::string& pointer, int depth) {
  const auto fail = [&](std::string_view key, std::string_view why) {
    return Error::InvalidArgument("invalid schema keyword " +
                                  GoQuote(pointer + "/" + std::string(key)) + ": " +
                                  std::string(why));
  };
  const auto number = [&](const char* key, std::optional<double>& out) -> Status {
    if (const auto it = s.find(key); it != s.end()) {
      if (!it->is_number()) {
        return fail(key, "expected a number");
      }
      out = it->get<double>();
    }
    return OkStatus();
  };
  const auto count = [&](const char* key, std::optional<size_t>& out) -> Status {
    if (const auto it = s.find(key); it != s.end()) {
      if (!it->is_number() || it->get<double>() < 0 ||
          it->get<double>() != std::floor(it->get<double>())) {
        return fail(key, "expected a non-negative integer");
      }
      // Limits beyond any real instance size saturate (a plain cast would overflow).
      const double d = it->get<double>();
      out = d >= 9e18 ? static_cast<size_t>(9e18) : static_cast<size_t>(d);
    }
    return OkStatus();
  };
  const auto sub = [&](const char* key) -> Result<const Node*> {
    if (!s.contains(key)) {
      return static_cast<const Node*>(nullptr);
    }
    return Sub(s, pointer, key, depth);
  };
  const auto list = [&](const char* key, std::vector<const Node*>& out) -> Status {
    if (const auto it = s.find(key); it != s.end()) {
      if (!it->is_array() || it->empty()) {
        return fail(key, "expected a non-empty array");
      }
      for (size_t i = 0; i < it->size(); ++i) {
        ATRIUM_ASSIGN_OR_RETURN(
            const Node* c, CompileAt(pointer + "/" + key + "/" + std::to_string(i), depth + 1));
        out.push_back(c);
      }
    }
    return OkStatus();
  };

  if (const auto it = s.find("$ref"); it != s.end()) {
    if (!it->is_string()) {
      return fail("$ref", "expected a string");
    }
    n.has_ref = true;
    n.ref = it->get<std::string>();
    pending_refs_.push_back(&n);
    ref_bases_[&n] = BaseAt(pointer);
    return OkStatus();  // draft-07: siblings of $ref are ignored
  }
  if (const auto it = s.find("type"); it != s.end()) {
    if (it->is_string()) {
      n.types.push_back(it->get<std::string>());
    } else if (it->is_array()) {
      for (const auto& t : *it) {
        if (!t.is_string()) {
          return fail("type", "expected strings");
        }
        n.types.push_back(t.get<std::string>());
      }
    } else {
      return fail("type", "expected a string or an array");
    }
  }
  if (const auto it = s.find("enum"); it != s.end()) {
    if (!it->is_array()) {
      return fail("enum", "expected an array");
    }
    n.enum_values = &*it;
  }
  if (const auto it = s.find("const"); it != s.end()) {
    n.const_value = &*it;
  }
  ATRIUM_RETURN_IF_ERROR(number("multipleOf", n.multiple_of));
  if (n.multiple_of && *n.multiple_of <= 0) {
    return fail("multipleOf", "must be greater than 0");
  }
  ATRIUM_RETURN_IF_ERROR(number("maximum", n.maximum));
  ATRIUM_RETURN_IF_ERROR(number("exclusiveMaximum", n.exclusive_maximum));
  ATRIUM_RETURN_IF_ERROR(number("minimum", n.minimum));
  ATRIUM_RETURN_IF_ERROR(number("exclusiveMinimum", n.exclusive_minimum));
  ATRIUM_RETURN_IF_ERROR(count("maxLength", n.max_length));
  ATRIUM_RETURN_IF_ERROR(count("minLength", n.min_length));
  ATRIUM_RETURN_IF_ERROR(count("maxItems", n.max_items));
  ATRIUM_RETURN_IF_ERROR(count("minItems", n.min_items));
  ATRIUM_RETURN_IF_ERROR(count("maxProperties", n.max_properties));
  ATRIUM_RETURN_IF_ERROR(count("minProperties", n.min_properties));
  if (const auto it = s.find("pattern"); it != s.end()) {
    if (!it->is_string()) {
      return fail("pattern", "expected a string");
    }
    RE2::Options options;
    options.set_log_errors(false);
    n.pattern_source = it->get<std::string>();
    n.pattern = std::make_unique<RE2>(n.pattern_source, options);
    if (!n.pattern->ok()) {
      return fail("pattern", n.pattern->error());
    }
  }
  if (const auto it = s.find("format"); it != s.end() && it->is_string()) {
    n.format = it->get<std::string>();
  }
  if (const auto it = s.find("items"); it != s.end()) {
    if (it->is_array()) {
      for (size_t i = 0; i < it->size(); ++i) {
        ATRIUM_ASSIGN_OR_RETURN(const Node* c,
                                CompileAt(pointer + "/items/" + std::to_string(i), depth + 1));
        n.items_array.push_back(c);
      }
      ATRIUM_ASSIGN_OR_RETURN(n.additional_items, sub("additionalItems"));
      if (const auto ai = s.find("additionalItems"); ai != s.end() && ai->is_boolean()) {
        n.no_additional_items = !ai->get<bool>();
      }
    } else {
      ATRIUM_ASSIGN_OR_RETURN(n.items, sub("items"));
    }
  }
  if (const auto it = s.find("uniqueItems"); it != s.end() && it->is_boolean()) {
    n.unique_items = it->get<bool>();
  }
  ATRIUM_ASSIGN_OR_RETURN(n.contains, sub("contains"));
  if (const auto it = s.find("required"); it != s.end()) {
    if (!it->is_array()) {
      return fail("required", "expected an array");
    }
    for (const auto& r : *it) {
      if (!r.is_string()) {
        return fail("required", "expected strings");
      }
      n.required.push_back(r.get<std::string>());
    }
  }
  if (const auto it = s.find("properties"); it != s.end()) {
    if (!it->is_object()) {
      return fail("properties", "expected an object");
    }
    for (const auto& [k, unused] : it->items()) {
      ATRIUM_ASSIGN_OR_RETURN(
          const Node* c, CompileAt(pointer + "/properties/" + EscapePointerToken(k), depth + 1));
      n.properties.emplace_back(k, c);
    }
  }
  if (const auto it = s.find("patternProperties"); it != s.end()) {
    if (!it->is_object()) {
      return fail("patternProperties", "expected an object");
    }
    for (const auto& [k, v] : it->items()) {
      RE2::Options options;
      options.set_log_errors(false);
      auto re = std::make_unique<RE2>(k, options);
      if (!re->ok()) {
        return fail("patternProperties", re->error());
      }
      ATRIUM_ASSIGN_OR_RETURN(
          const Node* c,
          CompileAt(pointer + "/patternProperties/" + EscapePointerToken(k), depth + 1));
      n.pattern_properties.emplace_back(std::move(re), c);
    }
  }
  ATRIUM_ASSIGN_OR_RETURN(n.additional_properties, sub("additionalProperties"));
  if (const auto it = s.find("dependencies"); it != s.end() && it->is_object()) {
    for (const auto& [k, v] : it->items()) {
      if (v.is_array()) {
        std::vector<std::string> names;
        for (const auto& name : v) {
          if (name.is_string()) {
            names.push_back(name.get<std::string>());
          }
        }
        n.dependency_arrays.emplace_back(k, std::move(names));
      } else {
        ATRIUM_ASSIGN_OR_RETURN(
            const Node* c,
            CompileAt(pointer + "/dependencies/" + EscapePointerToken(k), depth + 1));
        n.dependency_schemas.emplace_back(k, c);
      }
    }
  }
  ATRIUM_ASSIGN_OR_RETURN(n.property_names, sub("propertyNames"));
  ATRIUM_ASSIGN_OR_RETURN(n.if_node, sub("if"));
  ATRIUM_ASSIGN_OR_RETURN(n.then_node, sub("then"));
  ATRIUM_ASSIGN_OR_RETURN(n.else_node, sub("else"));
  ATRIUM_RETURN_IF_ERROR(list("allOf", n.all_of));
  ATRIUM_RETURN_IF_ERROR(list("anyOf", n.any_of));
  ATRIUM_RETURN_IF_ERROR(list("oneOf", n.one_of));
  ATRIUM_ASSIGN_OR_RETURN(n.not_node, sub("not"));
  if (const auto it = s.find("ory.sh/kratos"); it != s.end()) {
    n.extension = &*it;
  }
  return OkStatus();
}

Status Compiler::Run() {
  IndexIds(root_, "", "", 0);
  ATRIUM_ASSIGN_OR_RETURN(out_.root, CompileAt("", 0));
  // Compile definitions too, so that refs into them find nodes (and bad ones are reported).
  for (const char* key : {"definitions", "$defs"}) {
    if (const auto it = root_.find(key);
        root_.is_object() && it != root_.end() && it->is_object()) {
      for (const auto& [k, v] : it->items()) {
        ATRIUM_RETURN_IF_ERROR(CompileAt("/" + std::string(key) + "/" + EscapePointerToken(k), 1));
      }
    }
  }
  while (!pending_refs_.empty()) {
    Node* n = pending_refs_.back();
    pending_refs_.pop_back();
    ATRIUM_ASSIGN_OR_RETURN(const std::string target, ResolveRef(ref_bases_[n], n->ref));
    ATRIUM_ASSIGN_OR_RETURN(n->ref_node, CompileAt(target, 1));
  }
  return OkStatus();
}

// ---- validation ---------------------------------------------------------------------------

struct Visit {
  std::string pointer;
  const Json* extension;
  const Json* value;
};

struct Run {
  std::vector<ValidationError> errors;
  std::vector<Visit> visits;
};

// ory/jsonschema's enum message: Go %#v of each value, or "enum failed" for structured values.
std::string EnumMessage(const Json& values) {
  for (const auto& v : values) {
    if (v.is_object() || v.is_array()) {
      return "enum failed";
    }
  }
  if (values.size() == 1) {
    return "value must be " + internal::GoSharpV(values[0]);
  }
  std::string out;
  for (const auto& v : values) {
    out += (out.empty() ? "" : ", ") + internal::GoSharpV(v);
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
  return TypeName(v) == type || (type == "number" && v.is_number());
}

class Validator {
 public:
  explicit Validator(int max_ref_hops) : ref_budget_(max_ref_hops) {}

  void Check(const Node& n, const Json& v, std::string& ptr, Run& run, int depth) {
    if (depth > kMaxDepth) {
      Add(run, ptr, "depth", "the document is nested deeper than 256 levels", nullptr);
      return;
    }
    if (n.is_bool) {
      if (!n.bool_value) {
        Add(run, ptr, "false", "always fail", nullptr);
      }
      return;
    }
    if (n.has_ref) {
      if (n.ref_node == nullptr || --ref_budget_ < 0) {
        Add(run, ptr, "$ref", "$ref recursion limit exceeded", nullptr);
        return;
      }
      Check(*n.ref_node, v, ptr, run, depth);
      ++ref_budget_;
      return;
    }
    const size_t before = run.errors.size();
    const size_t slot = run.visits.size();
    CheckType(n, v, ptr, run);
    if (run.errors.size() != before) {
      return;  // as ory/jsonschema: a type mismatch is the only error reported for the value
    }
    CheckValue(n, v, ptr, run);
    if (v.is_string()) {
      CheckString(n, v, ptr, run);
    } else if (v.is_number()) {
      CheckNumber(n, v, ptr, run);
    } else if (v.is_array()) {
      CheckArray(n, v, ptr, run, depth);
    } else if (v.is_object()) {
      CheckObject(n, v, ptr, run, depth);
    }
    CheckComposition(n, v, ptr, run, depth);
    if (n.extension != nullptr && run.errors.size() == before) {
      // Pre-order: a value is visited before the values nested in it.
      run.visits.insert(run.visits.begin() + static_cast<std::ptrdiff_t>(slot),
                        Visit{ptr, n.extension, &v});
    }
  }

 private:
  static void Add(Run& run, const std::string& ptr, std::string keyword, std::string message,
                  Json params) {
    run.errors.push_back(
        ValidationError{ptr, std::move(keyword), std::move(message), std::move(params)});
  }

  void CheckType(const Node& n, const Json& v, const std::string& ptr, Run& run) {
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
    Add(run, ptr, "type", "expected " + expected + ", but got " + actual,
        {{"expected", std::move(expected_param)}, {"actual", actual}});
  }

  void CheckValue(const Node& n, const Json& v, const std::string& ptr, Run& run) {
    if (n.enum_values != nullptr) {
      bool found = false;
      for (const auto& e : *n.enum_values) {
        found = found || JsonEqual(e, v);
      }
      if (!found) {
        Add(run, ptr, "enum", EnumMessage(*n.enum_values), {{"allowed", *n.enum_values}});
      }
    }
    if (n.const_value != nullptr && !JsonEqual(*n.const_value, v)) {
      const bool structured = n.const_value->is_object() || n.const_value->is_array();
      Add(run, ptr, "const",
          structured ? "const failed" : "value must be " + internal::GoSharpV(*n.const_value),
          {{"expected", *n.const_value}});
    }
  }

  void CheckString(const Node& n, const Json& v, const std::string& ptr, Run& run) {
    const std::string& s = v.get_ref<const std::string&>();
    const size_t length = CodePoints(s);
    if (n.min_length && length < *n.min_length) {
      Add(run, ptr, "minLength",
          "length must be >= " + std::to_string(*n.min_length) + ", but got " +
              std::to_string(length),
          {{"limit", *n.min_length}, {"actual", length}});
    }
    if (n.max_length && length > *n.max_length) {
      Add(run, ptr, "maxLength",
          "length must be <= " + std::to_string(*n.max_length) + ", but got " +
              std::to_string(length),
          {{"limit", *n.max_length}, {"actual", length}});
    }
    if (n.pattern && !RE2::PartialMatch(s, *n.pattern)) {
      Add(run, ptr, "pattern", "does not match pattern " + GoQuote(n.pattern_source),
          {{"pattern", n.pattern_source}});
    }
    if (!n.format.empty() && !internal::CheckFormat(n.format, s)) {
      Add(run, ptr, "format", GoQuote(s) + " is not valid " + GoQuote(n.format),
          {{"format", n.format}, {"value", s}});
    }
  }

  void CheckNumber(const Node& n, const Json& v, const std::string& ptr, Run& run) {
    const double x = v.get<double>();
    const auto bound = [&](const std::optional<double>& limit, bool ok, const char* keyword,
                           const char* op) {
      if (limit && !ok) {
        Add(run, ptr, keyword,
            std::string("must be ") + op + " " + internal::GoFloat(*limit) + " but found " +
                FormatNumber(v),
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
        Add(run, ptr, "multipleOf",
            FormatNumber(v) + " not multipleOf " + internal::GoFloat(*n.multiple_of),
            {{"base", LimitJson(*n.multiple_of)}, {"actual", v}});
      }
    }
  }

  void CheckArray(const Node& n, const Json& v, std::string& ptr, Run& run, int depth) {
    const size_t size = v.size();
    if (n.min_items && size < *n.min_items) {
      Add(run, ptr, "minItems",
          "minimum " + std::to_string(*n.min_items) + " items allowed, but found " +
              std::to_string(size) + " items",
          {{"limit", *n.min_items}, {"actual", size}});
    }
    if (n.max_items && size > *n.max_items) {
      Add(run, ptr, "maxItems",
          "maximum " + std::to_string(*n.max_items) + " items allowed, but found " +
              std::to_string(size) + " items",
          {{"limit", *n.max_items}, {"actual", size}});
    }
    if (n.unique_items) {
      for (size_t i = 0; i < size; ++i) {
        for (size_t j = i + 1; j < size; ++j) {
          if (JsonEqual(v[i], v[j])) {
            Add(run, ptr, "uniqueItems",
                "items at index " + std::to_string(i) + " and " + std::to_string(j) + " are equal",
                {{"index_a", i}, {"index_b", j}});
            i = j = size;
          }
        }
      }
    }
    if (n.no_additional_items && !n.items_array.empty() && size > n.items_array.size()) {
      Add(run, ptr, "additionalItems",
          "only " + std::to_string(n.items_array.size()) + " items are allowed, but found " +
              std::to_string(size) + " items",
          {{"limit", n.items_array.size()}, {"actual", size}});
    }
    const size_t base = ptr.size();
    for (size_t i = 0; i < size; ++i) {
      const Node* item = n.items;
      if (n.no_additional_items && i >= n.items_array.size()) {
        break;
      }
      if (!n.items_array.empty()) {
        item = i < n.items_array.size() ? n.items_array[i] : n.additional_items;
      }
      if (item != nullptr) {
        ptr += "/" + std::to_string(i);
        Check(*item, v[i], ptr, run, depth + 1);
        ptr.resize(base);
      }
    }
    if (n.contains != nullptr) {
      bool any = false;
      for (size_t i = 0; i < size && !any; ++i) {
        Run scratch;
        ptr += "/" + std::to_string(i);
        Check(*n.contains, v[i], ptr, scratch, depth + 1);
        ptr.resize(base);
        any = scratch.errors.empty();
      }
      if (!any) {
        Add(run, ptr, "contains", "contains failed", nullptr);
      }
    }
  }

  void CheckObject(const Node& n, const Json& v, std::string& ptr, Run& run, int depth) {
    for (const auto& name : n.required) {
      if (!v.contains(name)) {
        Add(run, ptr, "required", "missing properties: " + GoQuote(name), {{"property", name}});
      }
    }
    if (n.min_properties && v.size() < *n.min_properties) {
      Add(run, ptr, "minProperties",
          "minimum " + std::to_string(*n.min_properties) + " properties allowed, but found " +
              std::to_string(v.size()) + " properties",
          {{"limit", *n.min_properties}, {"actual", v.size()}});
    }
    if (n.max_properties && v.size() > *n.max_properties) {
      Add(run, ptr, "maxProperties",
          "maximum " + std::to_string(*n.max_properties) + " properties allowed, but found " +
              std::to_string(v.size()) + " properties",
          {{"limit", *n.max_properties}, {"actual", v.size()}});
    }
    for (const auto& [name, deps] : n.dependency_arrays) {
      if (!v.contains(name)) {
        continue;
      }
      for (const auto& d : deps) {
        if (!v.contains(d)) {
          Add(run, ptr, "dependencies",
              "property " + GoQuote(d) + " is required, if " + GoQuote(name) + " property exists",
              {{"property", d}, {"dependency", name}});
        }
      }
    }
    for (const auto& [name, schema] : n.dependency_schemas) {
      if (v.contains(name)) {
        Check(*schema, v, ptr, run, depth);
      }
    }
    const size_t base = ptr.size();
    std::string extra;
    Json extra_names = Json::array();
    // Properties in the schema's order first (extension visits follow document order)...
    for (const auto& [name, schema] : n.properties) {
      if (const auto it = v.find(name); it != v.end()) {
        ptr += "/" + EscapePointerToken(name);
        Check(*schema, *it, ptr, run, depth + 1);
        ptr.resize(base);
      }
    }
    // ...then patternProperties, additionalProperties and propertyNames per instance key, in
    // sorted key order so that the errors come out the same whatever order the client chose.
    std::vector<std::pair<std::string_view, const Json*>> members;
    members.reserve(v.size());
    for (const auto& [name, value] : v.items()) {
      members.emplace_back(name, &value);
    }
    std::sort(members.begin(), members.end());
    for (const auto& [name_view, value_ptr] : members) {
      const std::string name(name_view);
      const Json& value = *value_ptr;
      bool matched = false;
      for (const auto& [prop, schema] : n.properties) {
        matched = matched || prop == name;
      }
      ptr += "/" + EscapePointerToken(name);
      for (const auto& [re, schema] : n.pattern_properties) {
        if (RE2::PartialMatch(name, *re)) {
          matched = true;
          Check(*schema, value, ptr, run, depth + 1);
        }
      }
      if (!matched && n.additional_properties != nullptr) {
        if (n.additional_properties->is_bool && !n.additional_properties->bool_value) {
          extra += (extra.empty() ? "" : ", ") + GoQuote(name);
          extra_names.push_back(name);
        } else {
          Check(*n.additional_properties, value, ptr, run, depth + 1);
        }
      }
      ptr.resize(base);
      if (n.property_names != nullptr) {
        Check(*n.property_names, Json(name), ptr, run, depth + 1);
      }
    }
    if (!extra.empty()) {
      Add(run, ptr, "additionalProperties", "additionalProperties " + extra + " not allowed",
          {{"properties", extra_names}});
    }
  }

  void CheckComposition(const Node& n, const Json& v, std::string& ptr, Run& run, int depth) {
    for (const Node* s : n.all_of) {
      Check(*s, v, ptr, run, depth);
    }
    if (!n.any_of.empty()) {
      Run failed;
      bool ok = false;
      for (const Node* s : n.any_of) {
        Run branch;
        Check(*s, v, ptr, branch, depth);
        if (branch.errors.empty()) {
          ok = true;
          Merge(run, branch);
          break;
        }
        Merge(failed, branch);
      }
      if (!ok) {
        MergeErrors(run, failed);
      }
    }
    if (!n.one_of.empty()) {
      Run failed;
      std::vector<size_t> valid;
      Run accepted;
      for (size_t i = 0; i < n.one_of.size(); ++i) {
        Run branch;
        Check(*n.one_of[i], v, ptr, branch, depth);
        if (branch.errors.empty()) {
          valid.push_back(i);
          if (valid.size() == 1) {
            accepted = std::move(branch);
          }
        } else {
          Merge(failed, branch);
        }
      }
      if (valid.empty()) {
        MergeErrors(run, failed);
      } else if (valid.size() > 1) {
        Add(run, ptr, "oneOf",
            "valid against schemas at indexes " + std::to_string(valid[0]) + " and " +
                std::to_string(valid[1]),
            nullptr);
      } else {
        Merge(run, accepted);
      }
    }
    if (n.not_node != nullptr) {
      Run branch;
      Check(*n.not_node, v, ptr, branch, depth);
      if (branch.errors.empty()) {
        Add(run, ptr, "not", "not failed", nullptr);
      }
    }
    if (n.if_node != nullptr) {
      Run condition;
      Check(*n.if_node, v, ptr, condition, depth);
      const Node* next = condition.errors.empty() ? n.then_node : n.else_node;
      if (next != nullptr) {
        Check(*next, v, ptr, run, depth);
      }
    }
  }

  static void Merge(Run& into, Run& from) {
    MergeErrors(into, from);
    into.visits.insert(into.visits.end(), from.visits.begin(), from.visits.end());
  }
  static void MergeErrors(Run& into, Run& from) {
    into.errors.insert(into.errors.end(), std::make_move_iterator(from.errors.begin()),
                       std::make_move_iterator(from.errors.end()));
  }

  int ref_budget_;
};

std::vector<ValidationError> SchemaImpl::Validate(const Json& instance,
                                                  const ExtensionVisitor* visitor) const {
  Run run;
  std::string ptr;
  Validator(4096).Check(*root, instance, ptr, run, 0);
  if (visitor != nullptr) {
    for (const auto& visit : run.visits) {
      (*visitor)(visit.pointer, *visit.extension, *visit.value);
    }
  }
  return std::move(run.errors);
}

Result<std::shared_ptr<const Schema>> CompileDocument(Json document) {
  auto impl = std::make_shared<SchemaImpl>();
  impl->document = std::move(document);
  Compiler compiler(impl->document, *impl);
  ATRIUM_RETURN_IF_ERROR(compiler.Run());
  return std::shared_ptr<const Schema>(std::move(impl));
}

}  // namespace

Result<std::shared_ptr<const Schema>> Schema::Compile(const Json& document) {
  return CompileDocument(document);
}

}  // namespace atrium::jsonschema
