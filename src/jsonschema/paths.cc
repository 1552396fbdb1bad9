// Schema paths as Kratos' form decoder and node generator see them (jsonschemax.ListPaths).
#include "jsonschema/paths.h"

#include <set>

namespace atrium::jsonschema {
namespace {

constexpr int kMaxDepth = 64;       // ListPaths: composition/$ref nesting walked
constexpr int kMaxLeafDepth = 256;  // DocumentOrderLeafKeys: property nesting walked

class PathLister {
 public:
  explicit PathLister(const Json& root) : root_(root) {}

  std::vector<PathInfo> Run() {
    Walk(root_, "", {}, 0);
    return std::move(paths_);
  }

 private:
  // Follows local `$ref`s; nullptr for remote or broken references.
  const Json* Resolve(const Json* s, int hops = 0) const {
    while (s != nullptr && s->is_object() && s->contains("$ref") && hops++ < 32) {
      const auto& ref = (*s)["$ref"];
      if (!ref.is_string() || !ref.get<std::string>().starts_with('#')) {
        return nullptr;
      }
      try {
        const std::string fragment = ref.get<std::string>().substr(1);
        s = fragment.empty() ? &root_ : &root_.at(Json::json_pointer(fragment));
      } catch (const std::exception&) {
        return nullptr;
      }
    }
    return s;
  }

  static std::string TypeOf(const Json& s) {
    const auto it = s.find("type");
    if (it == s.end()) {
      return s.contains("properties") ? "object" : "";
    }
    if (it->is_string()) {
      return it->get<std::string>();
    }
    if (it->is_array()) {
      for (const auto& t : *it) {
        if (t.is_string() && t.get<std::string>() != "null") {
          return t.get<std::string>();
        }
      }
    }
    return "";
  }

  static std::string StringAt(const Json& s, const char* key) {
    const auto it = s.find(key);
    return it != s.end() && it->is_string() ? it->get<std::string>() : "";
  }

  // The path `name` of property schema `p` (local `$ref` already followed).
  PathInfo Describe(const Json& p, const std::string& name, bool required) const {
    PathInfo info;
    info.name = name;
    info.type = TypeOf(p);
    if (info.type == "array") {
      if (const auto items = p.find("items"); items != p.end()) {
        if (const Json* item = Resolve(&*items); item != nullptr && item->is_object()) {
          info.item_type = TypeOf(*item);
        }
      }
    }
    info.format = StringAt(p, "format");
    info.pattern = StringAt(p, "pattern");
    info.title = StringAt(p, "title");
    info.required = required;
    if (const auto e = p.find("enum"); e != p.end() && e->is_array()) {
      info.enum_values = *e;
    }
    if (const auto x = p.find("ory.sh/kratos"); x != p.end()) {
      info.extension = *x;
    }
    return info;
  }

  // Visits the properties of `schema` (and of its composition branches) under `prefix`.
  void Walk(const Json& schema, const std::string& prefix, const std::set<std::string>& required,
            int depth) {
    const Json* s = Resolve(&schema);
    if (s == nullptr || !s->is_object() || depth > kMaxDepth) {
      return;
    }
    std::set<std::string> req = required;
    if (const auto it = s->find("required"); it != s->end() && it->is_array()) {
      for (const auto& r : *it) {
        if (r.is_string()) {
          req.insert(r.get<std::string>());
        }
      }
    }
    if (const auto props = s->find("properties"); props != s->end() && props->is_object()) {
      for (const auto& [name, raw] : props->items()) {
        const Json* p = Resolve(&raw);
        if (p == nullptr || !p->is_object()) {
          continue;
        }
        const std::string full =
            prefix.empty() ? name : std::string(prefix).append(".").append(name);
        if (seen_.insert(full).second) {
          paths_.push_back(Describe(*p, full, req.contains(name)));
        }
        if (TypeOf(*p) == "object") {
          Walk(*p, full, {}, depth + 1);
        }
      }
    }
    for (const char* key : {"allOf", "anyOf", "oneOf"}) {
      if (const auto it = s->find(key); it != s->end() && it->is_array()) {
        for (const auto& branch : *it) {
          Walk(branch, prefix, req, depth + 1);
        }
      }
    }
    for (const char* key : {"if", "then", "else"}) {
      if (const auto it = s->find(key); it != s->end()) {
        Walk(*it, prefix, req, depth + 1);
      }
    }
  }

  const Json& root_;
  std::vector<PathInfo> paths_;
  std::set<std::string> seen_;
};

// Kratos' schema.GetKeysInOrder (docs/wire/registration.md §9.6): an object-typed node ("type"
// exactly "object") contributes its properties in textual order, any other node is a leaf named by
// the dotted path of its parents (dots inside keys escaped as "\."). `$ref`s are not followed.
void LeafKeys(const Json& schema, std::vector<std::string>& parents, std::vector<std::string>& out,
              int depth) {
  const bool object = schema.is_object() && schema.contains("type") && schema["type"].is_string() &&
                      schema["type"].get<std::string>() == "object";
  if (!object) {
    std::string key;
    for (size_t i = 0; i < parents.size(); ++i) {
      key += (i ? "." : "") + parents[i];
    }
    out.push_back(std::move(key));
    return;
  }
  const auto props = schema.find("properties");
  if (props == schema.end() || !props->is_object() || depth >= kMaxLeafDepth) {
    return;
  }
  for (const auto& [name, sub] : props->items()) {
    std::string escaped;
    for (const char c : name) {
      if (c == '.') {
        escaped += '\\';
      }
      escaped += c;
    }
    parents.push_back(std::move(escaped));
    LeafKeys(sub, parents, out, depth + 1);
    parents.pop_back();
  }
}

}  // namespace

std::vector<PathInfo> ListPaths(const Json& document) { return PathLister(document).Run(); }

std::vector<std::string> DocumentOrderLeafKeys(const Json& document) {
  std::vector<std::string> out;
  std::vector<std::string> parents;
  LeafKeys(document, parents, out, 0);
  return out;
}

}  // namespace atrium::jsonschema
