// Compilation in two passes: IndexIds records the `$id`s (resource URIs) of every schema
// position, then CompileAt builds one Node per location reached from the root and from the
// definitions. `$ref`s are resolved last, once every `$id` is known, so that forward and
// recursive references need no special case.
#include "jsonschema/compiler.h"

#include <cmath>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/strings.h"
#include "jsonschema/uri.h"

namespace atrium::jsonschema::internal {
namespace {

class Compiler {
 public:
  explicit Compiler(Graph& out) : root_(out.document), out_(out) {}

  Status Run();

 private:
  // One schema object being compiled: its value, location and nesting depth.
  struct Site {
    const Json& s;
    const std::string& pointer;
    int depth;
  };

  // Walks schema positions to record `$id`s (resource URIs) before anything is compiled.
  void IndexIds(const Json& s, const std::string& pointer, const std::string& base, int depth);
  void IndexChildren(const Json& s, const std::string& pointer, const std::string& base, int depth);
  Result<std::string> ResolveRef(const std::string& base, const std::string& ref);
  const Json* At(const std::string& pointer) const;
  // The base URI in effect at `pointer` (that of the nearest indexed ancestor).
  std::string BaseAt(std::string pointer) const;

  Result<const Node*> CompileAt(const std::string& pointer, int depth);
  // The keywords of an object schema, in groups; each group in the order they are read.
  Status CompileObject(const Site& at, Node& n);
  Status CompileTypeAndValues(const Site& at, Node& n);
  Status CompileLimits(const Site& at, Node& n);
  Status CompileString(const Site& at, Node& n);
  Status CompileArray(const Site& at, Node& n);
  Status CompileProperties(const Site& at, Node& n);
  Status CompilePatternProperties(const Site& at, Node& n);
  Status CompileDependencies(const Site& at, Node& n);
  Status CompileApplicators(const Site& at, Node& n);

  // Readers of one keyword of `at`; an absent keyword leaves `out` unchanged.
  static Error Invalid(const Site& at, std::string_view key, std::string_view why);
  static Status ReadNumber(const Site& at, const char* key, std::optional<double>& out);
  static Status ReadCount(const Site& at, const char* key, std::optional<size_t>& out);
  // The subschema under `key` (nullptr when absent).
  Result<const Node*> Sub(const Site& at, const char* key);
  // The subschemas of the non-empty array under `key`.
  Status SubList(const Site& at, const char* key, std::vector<const Node*>& out);

  const Json& root_;
  Graph& out_;
  std::map<std::string, std::string> ids_;   // absolute URI (no fragment) or URI#anchor -> ptr
  std::map<std::string, std::string> base_;  // pointer -> base URI in effect there
  std::vector<Node*> pending_refs_;
  std::map<Node*, std::string> ref_bases_;
};

// ---- $id index and $ref resolution ----------------------------------------------------------

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
  IndexChildren(s, pointer, here, depth);
}

void Compiler::IndexChildren(const Json& s, const std::string& pointer, const std::string& base,
                             int depth) {
  const auto child = [&](const Json& v, const std::string& p) { IndexIds(v, p, base, depth + 1); };
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

// ---- keyword readers ------------------------------------------------------------------------

Error Compiler::Invalid(const Site& at, std::string_view key, std::string_view why) {
  return Error::InvalidArgument("invalid schema keyword " +
                                GoQuote(at.pointer + "/" + std::string(key)) + ": " +
                                std::string(why));
}

Status Compiler::ReadNumber(const Site& at, const char* key, std::optional<double>& out) {
  if (const auto it = at.s.find(key); it != at.s.end()) {
    if (!it->is_number()) {
      return Invalid(at, key, "expected a number");
    }
    out = it->get<double>();
  }
  return OkStatus();
}

Status Compiler::ReadCount(const Site& at, const char* key, std::optional<size_t>& out) {
  if (const auto it = at.s.find(key); it != at.s.end()) {
    if (!it->is_number() || it->get<double>() < 0 ||
        it->get<double>() != std::floor(it->get<double>())) {
      return Invalid(at, key, "expected a non-negative integer");
    }
    // Limits beyond any real instance size saturate (a plain cast would overflow).
    const double d = it->get<double>();
    out = d >= 9e18 ? static_cast<size_t>(9e18) : static_cast<size_t>(d);
  }
  return OkStatus();
}

Result<const Node*> Compiler::Sub(const Site& at, const char* key) {
  if (!at.s.contains(key)) {
    return static_cast<const Node*>(nullptr);
  }
  return CompileAt(at.pointer + "/" + EscapePointerToken(key), at.depth + 1);
}

Status Compiler::SubList(const Site& at, const char* key, std::vector<const Node*>& out) {
  if (const auto it = at.s.find(key); it != at.s.end()) {
    if (!it->is_array() || it->empty()) {
      return Invalid(at, key, "expected a non-empty array");
    }
    for (size_t i = 0; i < it->size(); ++i) {
      ATRIUM_ASSIGN_OR_RETURN(
          const Node* c, CompileAt(at.pointer + "/" + key + "/" + std::to_string(i), at.depth + 1));
      out.push_back(c);
    }
  }
  return OkStatus();
}

// ---- compilation ----------------------------------------------------------------------------

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
  ATRIUM_RETURN_IF_ERROR(CompileObject(Site{*s, pointer, depth}, n));
  return &n;
}

Status Compiler::CompileObject(const Site& at, Node& n) {
  if (const auto it = at.s.find("$ref"); it != at.s.end()) {
    if (!it->is_string()) {
      return Invalid(at, "$ref", "expected a string");
    }
    n.has_ref = true;
    n.ref = it->get<std::string>();
    pending_refs_.push_back(&n);
    ref_bases_[&n] = BaseAt(at.pointer);
    return OkStatus();  // draft-07: siblings of $ref are ignored
  }
  ATRIUM_RETURN_IF_ERROR(CompileTypeAndValues(at, n));
  ATRIUM_RETURN_IF_ERROR(CompileLimits(at, n));
  ATRIUM_RETURN_IF_ERROR(CompileString(at, n));
  ATRIUM_RETURN_IF_ERROR(CompileArray(at, n));
  ATRIUM_RETURN_IF_ERROR(CompileProperties(at, n));
  ATRIUM_RETURN_IF_ERROR(CompilePatternProperties(at, n));
  ATRIUM_ASSIGN_OR_RETURN(n.additional_properties, Sub(at, "additionalProperties"));
  ATRIUM_RETURN_IF_ERROR(CompileDependencies(at, n));
  ATRIUM_ASSIGN_OR_RETURN(n.property_names, Sub(at, "propertyNames"));
  ATRIUM_RETURN_IF_ERROR(CompileApplicators(at, n));
  if (const auto it = at.s.find("ory.sh/kratos"); it != at.s.end()) {
    n.extension = &*it;
  }
  return OkStatus();
}

// type, enum, const.
Status Compiler::CompileTypeAndValues(const Site& at, Node& n) {
  if (const auto it = at.s.find("type"); it != at.s.end()) {
    if (it->is_string()) {
      n.types.push_back(it->get<std::string>());
    } else if (it->is_array()) {
      for (const auto& t : *it) {
        if (!t.is_string()) {
          return Invalid(at, "type", "expected strings");
        }
        n.types.push_back(t.get<std::string>());
      }
    } else {
      return Invalid(at, "type", "expected a string or an array");
    }
  }
  if (const auto it = at.s.find("enum"); it != at.s.end()) {
    if (!it->is_array()) {
      return Invalid(at, "enum", "expected an array");
    }
    n.enum_values = &*it;
  }
  if (const auto it = at.s.find("const"); it != at.s.end()) {
    n.const_value = &*it;
  }
  return OkStatus();
}

// Numeric bounds, lengths and counts.
Status Compiler::CompileLimits(const Site& at, Node& n) {
  ATRIUM_RETURN_IF_ERROR(ReadNumber(at, "multipleOf", n.multiple_of));
  if (n.multiple_of && *n.multiple_of <= 0) {
    return Invalid(at, "multipleOf", "must be greater than 0");
  }
  ATRIUM_RETURN_IF_ERROR(ReadNumber(at, "maximum", n.maximum));
  ATRIUM_RETURN_IF_ERROR(ReadNumber(at, "exclusiveMaximum", n.exclusive_maximum));
  ATRIUM_RETURN_IF_ERROR(ReadNumber(at, "minimum", n.minimum));
  ATRIUM_RETURN_IF_ERROR(ReadNumber(at, "exclusiveMinimum", n.exclusive_minimum));
  ATRIUM_RETURN_IF_ERROR(ReadCount(at, "maxLength", n.max_length));
  ATRIUM_RETURN_IF_ERROR(ReadCount(at, "minLength", n.min_length));
  ATRIUM_RETURN_IF_ERROR(ReadCount(at, "maxItems", n.max_items));
  ATRIUM_RETURN_IF_ERROR(ReadCount(at, "minItems", n.min_items));
  ATRIUM_RETURN_IF_ERROR(ReadCount(at, "maxProperties", n.max_properties));
  ATRIUM_RETURN_IF_ERROR(ReadCount(at, "minProperties", n.min_properties));
  return OkStatus();
}

// pattern, format.
Status Compiler::CompileString(const Site& at, Node& n) {
  if (const auto it = at.s.find("pattern"); it != at.s.end()) {
    if (!it->is_string()) {
      return Invalid(at, "pattern", "expected a string");
    }
    RE2::Options options;
    options.set_log_errors(false);
    n.pattern_source = it->get<std::string>();
    n.pattern = std::make_unique<RE2>(n.pattern_source, options);
    if (!n.pattern->ok()) {
      return Invalid(at, "pattern", n.pattern->error());
    }
  }
  if (const auto it = at.s.find("format"); it != at.s.end() && it->is_string()) {
    n.format = it->get<std::string>();
  }
  return OkStatus();
}

// items (one schema, or an array of them with additionalItems), uniqueItems, contains.
Status Compiler::CompileArray(const Site& at, Node& n) {
  if (const auto it = at.s.find("items"); it != at.s.end()) {
    if (it->is_array()) {
      for (size_t i = 0; i < it->size(); ++i) {
        ATRIUM_ASSIGN_OR_RETURN(
            const Node* c, CompileAt(at.pointer + "/items/" + std::to_string(i), at.depth + 1));
        n.items_array.push_back(c);
      }
      ATRIUM_ASSIGN_OR_RETURN(n.additional_items, Sub(at, "additionalItems"));
      if (const auto ai = at.s.find("additionalItems"); ai != at.s.end() && ai->is_boolean()) {
        n.no_additional_items = !ai->get<bool>();
      }
    } else {
      ATRIUM_ASSIGN_OR_RETURN(n.items, Sub(at, "items"));
    }
  }
  if (const auto it = at.s.find("uniqueItems"); it != at.s.end() && it->is_boolean()) {
    n.unique_items = it->get<bool>();
  }
  ATRIUM_ASSIGN_OR_RETURN(n.contains, Sub(at, "contains"));
  return OkStatus();
}

// required, properties.
Status Compiler::CompileProperties(const Site& at, Node& n) {
  if (const auto it = at.s.find("required"); it != at.s.end()) {
    if (!it->is_array()) {
      return Invalid(at, "required", "expected an array");
    }
    for (const auto& r : *it) {
      if (!r.is_string()) {
        return Invalid(at, "required", "expected strings");
      }
      n.required.push_back(r.get<std::string>());
    }
  }
  if (const auto it = at.s.find("properties"); it != at.s.end()) {
    if (!it->is_object()) {
      return Invalid(at, "properties", "expected an object");
    }
    for (const auto& [k, unused] : it->items()) {
      ATRIUM_ASSIGN_OR_RETURN(
          const Node* c,
          CompileAt(at.pointer + "/properties/" + EscapePointerToken(k), at.depth + 1));
      n.properties.emplace_back(k, c);
    }
  }
  return OkStatus();
}

Status Compiler::CompilePatternProperties(const Site& at, Node& n) {
  const auto it = at.s.find("patternProperties");
  if (it == at.s.end()) {
    return OkStatus();
  }
  if (!it->is_object()) {
    return Invalid(at, "patternProperties", "expected an object");
  }
  for (const auto& [k, v] : it->items()) {
    RE2::Options options;
    options.set_log_errors(false);
    auto re = std::make_unique<RE2>(k, options);
    if (!re->ok()) {
      return Invalid(at, "patternProperties", re->error());
    }
    ATRIUM_ASSIGN_OR_RETURN(
        const Node* c,
        CompileAt(at.pointer + "/patternProperties/" + EscapePointerToken(k), at.depth + 1));
    n.pattern_properties.emplace_back(std::move(re), c);
  }
  return OkStatus();
}

// dependencies: arrays of property names, or schemas (other values are ignored).
Status Compiler::CompileDependencies(const Site& at, Node& n) {
  const auto it = at.s.find("dependencies");
  if (it == at.s.end() || !it->is_object()) {
    return OkStatus();
  }
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
          CompileAt(at.pointer + "/dependencies/" + EscapePointerToken(k), at.depth + 1));
      n.dependency_schemas.emplace_back(k, c);
    }
  }
  return OkStatus();
}

// if/then/else, allOf, anyOf, oneOf, not.
Status Compiler::CompileApplicators(const Site& at, Node& n) {
  ATRIUM_ASSIGN_OR_RETURN(n.if_node, Sub(at, "if"));
  ATRIUM_ASSIGN_OR_RETURN(n.then_node, Sub(at, "then"));
  ATRIUM_ASSIGN_OR_RETURN(n.else_node, Sub(at, "else"));
  ATRIUM_RETURN_IF_ERROR(SubList(at, "allOf", n.all_of));
  ATRIUM_RETURN_IF_ERROR(SubList(at, "anyOf", n.any_of));
  ATRIUM_RETURN_IF_ERROR(SubList(at, "oneOf", n.one_of));
  ATRIUM_ASSIGN_OR_RETURN(n.not_node, Sub(at, "not"));
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

}  // namespace

Status CompileGraph(Graph& graph) { return Compiler(graph).Run(); }

}  // namespace atrium::jsonschema::internal
