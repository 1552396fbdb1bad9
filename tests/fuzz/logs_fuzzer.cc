// The request log's text handling, fuzzed directly: AppendJsonEscaped (every log line must stay
// valid JSON whatever bytes a path, query or header brings) and RedactQuery (no value of a
// parameter that may hold a secret is ever written). Properties: the escaped text inside quotes
// parses as one JSON string, equal to the input when the input is valid UTF-8; a redacted
// query has as many parameters as the input, the same names, and only allow-listed values.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <fuzzer/FuzzedDataProvider.h>

#include "base/json.h"
#include "metrics/logging.h"

namespace atrium::fuzz {
namespace {

[[noreturn]] void Finding(const std::string& what) {
  std::fprintf(stderr, "\n==== fuzz_logs finding: %s\n", what.c_str());
  std::abort();
}

std::vector<std::string_view> Split(std::string_view s) {
  std::vector<std::string_view> out;
  while (true) {
    const std::size_t amp = s.find('&');
    out.push_back(s.substr(0, amp));
    if (amp == std::string_view::npos) {
      return out;
    }
    s = s.substr(amp + 1);
  }
}

bool Kept(std::string_view name) {
  return name == "flow" || name == "id" || name == "page_size" || name == "page_token" ||
         name == "per_page" || name == "page";
}

void FuzzEscape(const std::string& text) {
  std::string quoted = "\"";
  metrics::AppendJsonEscaped(quoted, text);
  quoted += '"';
  const auto parsed = ParseJson(quoted);
  if (!parsed.ok() || !parsed->is_string()) {
    Finding("escaped text is not one JSON string: " + quoted);
  }
  if (quoted.find_first_of("\n\r") != std::string::npos) {
    Finding("a line break survived escaping");
  }
  if (quoted.find("\\ufffd") == std::string::npos && parsed->get<std::string>() != text) {
    Finding("valid UTF-8 did not round-trip");
  }
}

void FuzzRedact(const std::string& query) {
  static constexpr std::string_view kRedaction = "[redacted]";
  const std::string out = metrics::RedactQuery(query, kRedaction);
  if (query.empty()) {
    if (!out.empty()) {
      Finding("an empty query became text");
    }
    return;
  }
  const auto in_pairs = Split(query);
  const auto out_pairs = Split(out);
  if (in_pairs.size() != out_pairs.size()) {
    Finding("parameter count changed: " + query + " -> " + out);
  }
  for (std::size_t i = 0; i < in_pairs.size(); ++i) {
    const std::string_view in = in_pairs[i];
    const std::size_t eq = in.find('=');
    const std::string_view name = in.substr(0, eq);
    std::string expected(name);
    if (eq != std::string_view::npos) {
      expected += '=';
      expected += Kept(name) ? in.substr(eq + 1) : kRedaction;
    }
    if (out_pairs[i] != expected) {
      Finding("parameter " + std::string(name) + " logged as " + std::string(out_pairs[i]));
    }
  }
}

}  // namespace
}  // namespace atrium::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace atrium::fuzz;  // NOLINT(google-build-using-namespace): entry point only
  FuzzedDataProvider p(data, size);
  const bool redact = p.ConsumeBool();
  const std::string text = p.ConsumeRemainingBytesAsString();
  if (redact) {
    FuzzRedact(text);
  } else {
    FuzzEscape(text);
  }
  return 0;
}
