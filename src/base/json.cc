#include "base/json.h"

#include <algorithm>
#include <vector>

namespace atrium {
namespace {

// Builds the document from SAX events with an explicit stack of open containers, refusing to
// open one more than `max_depth` levels deep. Pointers on the stack stay valid: only the
// innermost open container ever grows, and its own element storage is not on the stack.
class BoundedBuilder {
 public:
  using number_integer_t = Json::number_integer_t;
  using number_unsigned_t = Json::number_unsigned_t;
  using number_float_t = Json::number_float_t;
  using string_t = Json::string_t;
  using binary_t = Json::binary_t;

  explicit BoundedBuilder(std::size_t max_depth) : max_depth_(max_depth) {}

  bool null() { return Put(nullptr) != nullptr; }
  bool boolean(bool v) { return Put(v) != nullptr; }
  bool number_integer(number_integer_t v) { return Put(v) != nullptr; }
  bool number_unsigned(number_unsigned_t v) { return Put(v) != nullptr; }
  bool number_float(number_float_t v, const string_t&) { return Put(v) != nullptr; }
  bool string(string_t& v) { return Put(std::move(v)) != nullptr; }
  bool binary(binary_t&) { return false; }  // JSON text has no binary values
  bool start_object(std::size_t) { return Open(Json::object()); }
  bool key(string_t& k) {
    key_ = std::move(k);
    return true;
  }
  bool end_object() { return Close(); }
  bool start_array(std::size_t) { return Open(Json::array()); }
  bool end_array() { return Close(); }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception&) {
    error_position_ = position;
    return false;
  }

  bool too_deep() const { return too_deep_; }
  std::size_t error_position() const { return error_position_; }
  Json& root() { return root_; }

 private:
  Json* Put(Json value) {
    if (open_.empty()) {
      root_ = std::move(value);
      return &root_;
    }
    Json& parent = *open_.back();
    if (parent.is_object()) {
      Json& slot = parent[key_];
      slot = std::move(value);
      return &slot;
    }
    parent.push_back(std::move(value));
    return &parent.back();
  }

  bool Open(Json container) {
    if (open_.size() >= max_depth_) {
      too_deep_ = true;
      return false;
    }
    Json* placed = Put(std::move(container));
    open_.push_back(placed);
    return true;
  }

  bool Close() {
    open_.pop_back();
    return true;
  }

  std::size_t max_depth_;
  std::vector<Json*> open_;
  string_t key_;
  Json root_;
  bool too_deep_ = false;
  std::size_t error_position_ = 0;
};

bool Parse(std::string_view text, const JsonLimits& limits, bool strict, Json& out,
           JsonError& error) {
  if (text.size() > limits.max_bytes) {
    error = {JsonFault::kTooLarge,
             "the JSON document is larger than " + std::to_string(limits.max_bytes) + " bytes"};
    return false;
  }
  BoundedBuilder builder(limits.max_depth);
  bool ok = false;
  try {
    ok = Json::sax_parse(text.begin(), text.end(), &builder, Json::input_format_t::json, strict);
  } catch (const std::exception&) {
    ok = false;  // the SAX path reports through parse_error; this is only a safety net
  }
  if (ok) {
    out = std::move(builder.root());
    return true;
  }
  if (builder.too_deep()) {
    error = {JsonFault::kTooDeep, "the JSON document is nested deeper than " +
                                      std::to_string(limits.max_depth) + " levels"};
  } else {
    error = {JsonFault::kSyntax, "the JSON document is malformed near byte " +
                                     std::to_string(builder.error_position())};
  }
  return false;
}

}  // namespace

bool ParseJson(std::string_view text, const JsonLimits& limits, Json& out, JsonError& error) {
  return Parse(text, limits, true, out, error);
}

Result<Json> ParseJson(std::string_view text, const JsonLimits& limits) {
  Json out;
  JsonError error;
  if (!Parse(text, limits, true, out, error)) {
    return Error::InvalidArgument(std::move(error.reason));
  }
  return out;
}

bool ParseFirstJsonValue(std::string_view text, const JsonLimits& limits, Json& out,
                         JsonError& error) {
  return Parse(text, limits, false, out, error);
}

std::string DumpJson(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Json SortedKeys(const Json& value) {
  if (value.is_array()) {
    Json out = Json::array();
    for (const auto& v : value) {
      out.push_back(SortedKeys(v));
    }
    return out;
  }
  if (!value.is_object()) {
    return value;
  }
  std::vector<std::string> keys;
  keys.reserve(value.size());
  for (const auto& [k, v] : value.items()) {
    keys.push_back(k);
  }
  std::sort(keys.begin(), keys.end());
  Json out = Json::object();
  for (const auto& k : keys) {
    out[k] = SortedKeys(value.at(k));
  }
  return out;
}

std::string JsonTypeName(const Json& value) {
  switch (value.type()) {
    case Json::value_t::object:
      return "Object";
    case Json::value_t::array:
      return "Array";
    case Json::value_t::string:
      return "String";
    case Json::value_t::boolean:
      return "Boolean";
    case Json::value_t::null:
      return "Null";
    default:
      return "Number";
  }
}

}  // namespace atrium
