#include "flow/body.h"

#include <charconv>

#include "base/json.h"

namespace atrium::flow {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

// JSON bodies follow the form format: each top-level key becomes one form value.
Pairs JsonAsForm(const Json& object) {
  Pairs out;
  for (const auto& [key, value] : object.items()) {
    if (value.is_string()) {
      out.emplace_back(key, value.get<std::string>());
    } else if (value.is_null()) {
      out.emplace_back(key, "");
    } else {
      out.emplace_back(key, DumpJson(value));
    }
  }
  return out;
}

std::vector<std::string> ValuesOf(const Pairs& pairs, const std::string& name) {
  std::vector<std::string> out;
  for (const auto& [k, v] : pairs) {
    if (k == name) {
      out.push_back(v);
    }
  }
  return out;
}

std::optional<double> ParseNumber(const std::string& s) {
  double d = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (ec != std::errc() || ptr != s.data() + s.size()) {
    return std::nullopt;
  }
  return d;
}

Json NumberJson(double d) {
  if (d == static_cast<double>(static_cast<int64_t>(d)) && d > -9e15 && d < 9e15) {
    return static_cast<int64_t>(d);
  }
  return d;
}

std::optional<bool> ParseGoBool(const std::string& s) {
  if (s == "1" || s == "t" || s == "T" || s == "TRUE" || s == "true" || s == "True") {
    return true;
  }
  if (s == "0" || s == "f" || s == "F" || s == "FALSE" || s == "false" || s == "False") {
    return false;
  }
  return std::nullopt;
}

// Converts one form value to the path's type; nullopt = omit the field.
std::optional<Json> Convert(const std::string& type, const std::string& v, bool required) {
  if (type == "number" || type == "integer") {
    if (v.empty()) {
      return required ? std::optional<Json>(0) : std::nullopt;
    }
    if (auto d = ParseNumber(v)) {
      return NumberJson(*d);
    }
    return Json(v);
  }
  if (type == "boolean") {
    if (v.empty()) {
      return required ? std::optional<Json>(false) : std::nullopt;
    }
    if (auto b = ParseGoBool(v)) {
      return Json(*b);
    }
    return Json(v);
  }
  if (type == "object" || type.empty()) {
    if (v.empty()) {
      return std::nullopt;
    }
    // A field holding JSON is outside input like the body itself: the same limits apply. What
    // does not parse stays a string, and the schema then reports the type mismatch.
    Json parsed;
    JsonError error;
    if (!ParseJson(v, JsonLimits{}, parsed, error)) {
      return Json(v);
    }
    if (type == "object" || !parsed.is_string()) {
      return parsed;
    }
    return Json(v);
  }
  if (v.empty()) {
    return std::nullopt;
  }
  return Json(v);
}

// Splits "traits.a\.b.c" into {"traits", "a.b", "c"}.
std::vector<std::string> PathSegments(const std::string& dotted) {
  std::vector<std::string> out(1);
  for (size_t i = 0; i < dotted.size(); ++i) {
    if (dotted[i] == '\\' && i + 1 < dotted.size() && dotted[i + 1] == '.') {
      out.back().push_back('.');
      ++i;
    } else if (dotted[i] == '.') {
      out.emplace_back();
    } else {
      out.back().push_back(dotted[i]);
    }
  }
  return out;
}

void SetPath(Json& doc, const std::vector<std::string>& segments, Json value) {
  Json* cur = &doc;
  for (size_t i = 0; i + 1 < segments.size(); ++i) {
    if (!cur->is_object()) {
      *cur = Json::object();
    }
    cur = &(*cur)[segments[i]];
  }
  if (!cur->is_object()) {
    *cur = Json::object();
  }
  (*cur)[segments.back()] = std::move(value);
}

bool HasPath(const Json& doc, const std::vector<std::string>& segments) {
  const Json* cur = &doc;
  for (const auto& s : segments) {
    if (!cur->is_object()) {
      return false;
    }
    const auto it = cur->find(s);
    if (it == cur->end()) {
      return false;
    }
    cur = &*it;
  }
  return true;
}

}  // namespace

Result<std::shared_ptr<const BodySchema>> BodySchema::Build(
    const identity::IdentitySchema& identity, const Json& properties, const Json& extra) {
  Json doc = Json::object();
  doc["type"] = "object";
  doc["properties"] = properties;
  const Json& source = identity.document;
  if (const auto props = source.find("properties"); props != source.end() && props->is_object()) {
    if (const auto traits = props->find("traits"); traits != props->end()) {
      doc["properties"]["traits"] = *traits;
    }
  }
  // Local references inside the traits resolve against the identity schema's definitions.
  for (const char* key : {"definitions", "$defs"}) {
    if (const auto it = source.find(key); it != source.end()) {
      doc[key] = *it;
    }
  }
  return Compile(std::move(doc), extra);
}

Result<std::shared_ptr<const BodySchema>> BodySchema::Plain(const Json& properties,
                                                            const Json& extra) {
  Json doc = Json::object();
  doc["type"] = "object";
  doc["properties"] = properties;
  return Compile(std::move(doc), extra);
}

Result<std::shared_ptr<const BodySchema>> BodySchema::Compile(Json doc, const Json& extra) {
  if (extra.is_object()) {
    for (const auto& [k, v] : extra.items()) {
      doc[k] = v;
    }
  }
  auto compiled = jsonschema::CompiledSchema::Compile(doc);
  if (!compiled.ok()) {
    return std::move(compiled).error();
  }
  auto out = std::make_shared<BodySchema>();
  out->compiled_ = std::move(compiled).value();
  out->paths_ = jsonschema::ListPaths(doc);
  return std::shared_ptr<const BodySchema>(std::move(out));
}

Json BodySchema::Decode(const Body& body) const {
  const Pairs pairs = body.format == Body::Format::kJson && body.json.is_object()
                          ? JsonAsForm(body.json)
                          : body.form;
  Json doc = Json::object();
  for (const auto& path : paths_) {
    const auto values = ValuesOf(pairs, path.name);
    if (values.empty()) {
      continue;
    }
    const auto segments = PathSegments(path.name);
    if (path.type == "array") {
      Json arr = Json::array();
      for (const auto& v : values) {
        if (auto c = Convert(path.item_type, v, false)) {
          arr.push_back(std::move(*c));
        }
      }
      SetPath(doc, segments, std::move(arr));
      continue;
    }
    const std::string& chosen = path.type == "boolean" ? values.back() : values.front();
    if (auto c = Convert(path.type, chosen, path.required)) {
      SetPath(doc, segments, std::move(*c));
    }
  }
  for (const auto& path : paths_) {
    if (path.type == "object") {
      const auto segments = PathSegments(path.name);
      if (!HasPath(doc, segments)) {
        SetPath(doc, segments, Json::object());
      }
    }
  }
  return doc;
}

std::vector<jsonschema::ValidationError> BodySchema::Validate(const Json& document) const {
  return compiled_->Validate(document);
}

Result<std::shared_ptr<const BodySchema>> BodySchemaCache::For(
    const identity::IdentitySchema& identity) {
  std::lock_guard lock(mu_);
  if (const auto it = by_schema_.find(identity.id); it != by_schema_.end()) {
    return it->second;
  }
  ATRIUM_ASSIGN_OR_RETURN(auto built, BodySchema::Build(identity, properties_, extra_));
  by_schema_[identity.id] = built;
  return built;
}

std::string PeekField(const Body& body, const std::string& name) {
  if (body.format == Body::Format::kJson) {
    if (body.json.is_object()) {
      const auto it = body.json.find(name);
      if (it != body.json.end() && it->is_string()) {
        return it->get<std::string>();
      }
    }
    return {};
  }
  for (const auto& [k, v] : body.form) {
    if (k == name) {
      return v;
    }
  }
  return {};
}

}  // namespace atrium::flow
