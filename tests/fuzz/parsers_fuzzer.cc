// The parsers behind the request path, fuzzed directly (fast, so shallow bugs show up in
// seconds): base/json.h (ParseJson, ParseFirstJsonValue, DumpJson, SortedKeys), the form and
// multipart parsers, the Request helpers (query, cookies), content negotiation, IP parsing, the
// string codecs, and the JSON Schema validator (instances against a schema using every keyword
// and format; arbitrary schemas compiled). Besides "no crash, no sanitizer report", each branch
// checks a property: round trips are exact, ParseFirstJsonValue agrees with ParseJson on whole
// documents, a document is never accepted deeper than the limit, negotiation picks an offer or the
// default.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fuzzer/FuzzedDataProvider.h>

#include "base/ip.h"
#include "base/json.h"
#include "base/strings.h"
#include "http/http.h"
#include "jsonschema/schema.h"

namespace atrium::fuzz {
namespace {

[[noreturn]] void Finding(const std::string& what) {
  std::fprintf(stderr, "\n==== fuzz_parsers finding: %s\n", what.c_str());
  std::abort();
}

std::size_t Depth(const Json& v) {
  std::size_t deepest = 0;
  if (v.is_object() || v.is_array()) {
    for (const auto& child : v) {
      deepest = std::max(deepest, Depth(child));
    }
    return deepest + 1;
  }
  return 0;
}

// Equal as JSON values: Json keeps object keys in insertion order and compares them in order.
bool SameIgnoringKeyOrder(const Json& a, const Json& b) {
  if (a.is_object() && b.is_object()) {
    if (a.size() != b.size()) {
      return false;
    }
    for (const auto& [k, v] : a.items()) {
      const auto it = b.find(k);
      if (it == b.end() || !SameIgnoringKeyOrder(v, *it)) {
        return false;
      }
    }
    return true;
  }
  if (a.is_array() && b.is_array()) {
    if (a.size() != b.size()) {
      return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (!SameIgnoringKeyOrder(a[i], b[i])) {
        return false;
      }
    }
    return true;
  }
  return a == b;
}

bool KeysSorted(const Json& v) {
  if (v.is_object()) {
    const std::string* previous = nullptr;
    for (const auto& [k, child] : v.items()) {
      if ((previous != nullptr && !(*previous < k)) || !KeysSorted(child)) {
        return false;
      }
      previous = &k;
    }
  }
  if (v.is_array()) {
    return std::all_of(v.begin(), v.end(), KeysSorted);
  }
  return true;
}

void FuzzJson(FuzzedDataProvider& p) {
  const JsonLimits limits{.max_bytes = p.ConsumeIntegralInRange<std::size_t>(0, 1 << 20),
                          .max_depth = p.ConsumeIntegralInRange<std::size_t>(0, 80)};
  const std::string text = p.ConsumeRemainingBytesAsString();
  Json whole;
  JsonError whole_error;
  const bool whole_ok = ParseJson(text, limits, whole, whole_error);
  Json first;
  JsonError first_error;
  const bool first_ok = ParseFirstJsonValue(text, limits, first, first_error);
  if (whole_ok != (whole_error.reason.empty())) {
    Finding("ParseJson: success and error reason disagree");
  }
  if (whole_ok) {
    if (!first_ok || first != whole) {
      Finding("ParseFirstJsonValue disagrees with ParseJson on a whole document");
    }
    if (Depth(whole) > limits.max_depth) {
      Finding("ParseJson accepted a document deeper than max_depth");
    }
    const std::string dumped = DumpJson(whole);
    Json again;
    JsonError again_error;
    if (!ParseJson(dumped, JsonLimits{.max_bytes = dumped.size(), .max_depth = limits.max_depth},
                   again, again_error) ||
        again != whole) {
      Finding("DumpJson does not round-trip: " + dumped.substr(0, 200));
    }
    const Json sorted = SortedKeys(whole);
    if (!SameIgnoringKeyOrder(sorted, whole) || !KeysSorted(sorted)) {
      Finding("SortedKeys changed a value or left keys unsorted");
    }
    (void)JsonTypeName(whole);
  } else if (whole_error.fault == JsonFault::kTooLarge && text.size() <= limits.max_bytes) {
    Finding("ParseJson: too large although within max_bytes");
  }
  if (first_ok && Depth(first) > limits.max_depth) {
    Finding("ParseFirstJsonValue accepted a document deeper than max_depth");
  }
}

void FuzzUrlEncoded(FuzzedDataProvider& p) {
  const std::string body = p.ConsumeRemainingBytesAsString();
  const auto parsed = http::ParseUrlEncoded(body);
  if (!parsed.ok()) {
    return;
  }
  std::string encoded;
  for (const auto& [k, v] : *parsed) {
    encoded += (encoded.empty() ? "" : "&") + QueryEscape(k) + "=" + QueryEscape(v);
  }
  const auto again = http::ParseUrlEncoded(encoded);
  if (!again.ok() || *again != *parsed) {
    Finding("ParseUrlEncoded(QueryEscape(fields)) differs: " + encoded.substr(0, 200));
  }
}

void FuzzMultipartRaw(FuzzedDataProvider& p) {
  const std::string content_type = p.ConsumeRandomLengthString(128);
  const std::string body = p.ConsumeRemainingBytesAsString();
  (void)http::ParseMultipart(body, content_type);
  (void)http::ParseMultipart(body, "multipart/form-data; boundary=XyZ");
}

// Bodies as a browser writes them parse back to the fields they were written from.
void FuzzMultipartRoundTrip(FuzzedDataProvider& p) {
  std::string boundary;
  for (const char ch : p.ConsumeRandomLengthString(70)) {
    if (std::isalnum(static_cast<unsigned char>(ch)) != 0 || ch == '-' || ch == '_') {
      boundary.push_back(ch);
    }
  }
  if (boundary.empty()) {
    boundary = "XyZ";
  }
  http::Pairs fields;
  std::string body;
  const int n = p.ConsumeIntegralInRange(0, 6);
  for (int i = 0; i < n; ++i) {
    std::string name;
    for (const char ch : p.ConsumeRandomLengthString(24)) {
      if (std::isalnum(static_cast<unsigned char>(ch)) != 0 || ch == '.' || ch == '_') {
        name.push_back(ch);
      }
    }
    std::string value = p.ConsumeRandomLengthString(256);
    if (value.find("\r\n--" + boundary) != std::string::npos) {
      continue;  // a value may not contain the delimiter
    }
    body += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" +
            value + "\r\n";
    fields.emplace_back(std::move(name), std::move(value));
  }
  body += "--" + boundary + "--\r\n";
  const std::string type =
      "multipart/form-data; boundary=" + (p.ConsumeBool() ? "\"" + boundary + "\"" : boundary);
  const auto parsed = http::ParseMultipart(body, type);
  if (!parsed.ok()) {
    if (fields.empty()) {
      return;  // "--b--" alone: Go answers EOF too
    }
    Finding("ParseMultipart refused a well-formed body: " + parsed.error().reason);
  }
  if (*parsed != fields) {
    Finding("ParseMultipart returned other fields than were written");
  }
}

void FuzzRequestHelpers(FuzzedDataProvider& p) {
  http::Request r;
  r.raw_query = p.ConsumeRandomLengthString(256);
  r.headers = {{"Cookie", p.ConsumeRandomLengthString(256)},
               {"cookie", p.ConsumeRandomLengthString(64)}};
  const std::string name = p.ConsumeRandomLengthString(16);
  (void)r.QueryParams();
  (void)r.Query(name);
  (void)r.Cookie(name);
  for (const auto& [k, v] : r.Cookies()) {
    if (k.empty() || k.find(';') != std::string::npos || v.find(';') != std::string::npos) {
      Finding("Cookies() returned an empty name or a ';'");
    }
  }
  const std::string accept = p.ConsumeRandomLengthString(256);
  const std::vector<std::string> offers = {"text/html", "application/json"};
  const std::string picked = http::NegotiateContentType(accept, offers, "text/html");
  if (picked != "text/html" && picked != "application/json") {
    Finding("NegotiateContentType picked " + picked);
  }
  (void)http::NegotiateContentType(accept, {"text/html", "text/*", "*/*", "application/json"},
                                   "text/html");
  (void)http::MediaType(p.ConsumeRemainingBytesAsString());
}

void FuzzCodecs(FuzzedDataProvider& p) {
  const std::string s = p.ConsumeRemainingBytesAsString();
  if (PercentDecode(QueryEscape(s), true) != s) {
    Finding("PercentDecode(QueryEscape(s)) != s");
  }
  if (Base64Decode(Base64Encode(s)) != s || Base64UrlDecode(Base64UrlEncode(s)) != s) {
    Finding("base64 does not round-trip");
  }
  (void)PercentDecode(s, true);
  (void)PercentDecode(s, false);
  (void)Base64Decode(s);
  (void)Base64UrlDecode(s);
  (void)GoQuote(s);
  if (IsValidUtf8(s)) {
    const auto back = ParseJson(DumpJson(Json(s)), JsonLimits{.max_bytes = std::size_t{64} << 20});
    if (!back.ok() || *back != Json(s)) {
      Finding("a valid UTF-8 string does not round-trip through DumpJson and ParseJson");
    }
  }
  (void)IpAddress::Parse(s);
  (void)IpRanges::Parse({s});
}

// Every keyword and format the validator knows, for instances to be checked against.
constexpr std::string_view kEverySchema = R"({
  "$schema": "http://json-schema.org/draft-07/schema#",
  "definitions": {"name": {"type": "string", "minLength": 1, "maxLength": 8, "pattern": "^[a-z]+$"}},
  "type": "object",
  "properties": {
    "email": {"type": "string", "format": "email"}, "uri": {"format": "uri"},
    "date": {"format": "date"}, "time": {"format": "date-time"}, "tel": {"format": "tel"},
    "re": {"format": "regex"}, "v4": {"format": "ipv4"}, "v6": {"format": "ipv6"},
    "host": {"format": "hostname"}, "id": {"format": "uuid"}, "idn": {"format": "idn-email"},
    "name": {"$ref": "#/definitions/name"},
    "n": {"type": "number", "minimum": -1.5, "exclusiveMaximum": 1e300, "multipleOf": 0.5},
    "i": {"type": "integer", "maximum": 9007199254740993, "exclusiveMinimum": -10},
    "e": {"enum": [1, "a", null, {"b": [true]}]}, "c": {"const": {"x": [1, 2]}},
    "a": {"type": "array", "items": [{"type": "string"}], "additionalItems": {"type": "integer"},
          "uniqueItems": true, "contains": {"const": 3}, "minItems": 1, "maxItems": 6},
    "o": {"type": "object", "propertyNames": {"maxLength": 3}, "minProperties": 1,
          "maxProperties": 3, "patternProperties": {"^x": {"type": "boolean"}},
          "additionalProperties": false, "dependencies": {"xa": ["xb"], "xc": {"required": ["xd"]}}},
    "any": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
    "one": {"oneOf": [{"minimum": 0}, {"maximum": 10}]},
    "all": {"allOf": [{"type": "string"}, {"not": {"const": ""}}]},
    "cond": {"if": {"type": "string"}, "then": {"minLength": 2}, "else": {"type": "null"}}
  },
  "required": ["email"],
  "ory.sh/kratos": {}
})";

// Instances (the input as JSON) against a schema with every keyword; every error maps to a UI
// message.
void FuzzValidate(FuzzedDataProvider& p) {
  static const std::shared_ptr<const jsonschema::Schema> kSchema = [] {
    auto compiled = jsonschema::Schema::Compile(*ParseJson(kEverySchema));
    if (!compiled.ok()) {
      Finding("the test schema does not compile: " + compiled.error().reason);
    }
    return *compiled;
  }();
  const auto instance = ParseJson(p.ConsumeRemainingBytesAsString());
  if (!instance.ok()) {
    return;
  }
  const jsonschema::ExtensionVisitor visitor = [](const std::string&, const Json&, const Json&) {};
  for (const auto& error : kSchema->Validate(*instance, &visitor)) {
    (void)jsonschema::ToUiMessage(error);
  }
}

// Schemas come from the configuration (files, base64, http URLs): compiling one, listing its
// paths and validating a few instances never crashes, whatever the document.
void FuzzCompile(FuzzedDataProvider& p) {
  const auto document = ParseJson(p.ConsumeRemainingBytesAsString());
  if (!document.ok()) {
    return;
  }
  (void)jsonschema::ListPaths(*document);
  (void)jsonschema::DocumentOrderLeafKeys(*document);
  const auto schema = jsonschema::Schema::Compile(*document);
  if (!schema.ok()) {
    return;
  }
  for (const Json& instance :
       {Json(nullptr), Json("a@b.c"), Json(3), Json::object(), Json::array({1, "x"}), *document}) {
    for (const auto& error : (*schema)->Validate(instance)) {
      (void)jsonschema::ToUiMessage(error);
    }
  }
}

}  // namespace
}  // namespace atrium::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace atrium::fuzz;  // NOLINT(google-build-using-namespace): entry point only
  FuzzedDataProvider p(data, size);
  switch (p.ConsumeIntegralInRange(0, 8)) {
    case 0:
    case 1:
      FuzzJson(p);
      break;
    case 2:
      FuzzUrlEncoded(p);
      break;
    case 3:
      FuzzMultipartRaw(p);
      break;
    case 4:
      FuzzMultipartRoundTrip(p);
      break;
    case 5:
      FuzzRequestHelpers(p);
      break;
    case 6:
      FuzzCodecs(p);
      break;
    case 7:
      FuzzValidate(p);
      break;
    default:
      FuzzCompile(p);
      break;
  }
  return 0;
}
