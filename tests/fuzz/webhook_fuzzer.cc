// Web hook answers (src/webhook/response.h), fuzzed directly: the bodies a hook answers with are
// outside input. Besides "no crash, no sanitizer report": a veto that parses holds at least one
// message and only dotted node names; changes that apply leave the traits an object.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "identity/identity.h"
#include "webhook/response.h"

namespace {

[[noreturn]] void Finding(const std::string& what) {
  std::fprintf(stderr, "\n==== fuzz_webhook finding: %s\n", what.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  if (auto veto = atrium::webhook::ParseVeto(body); veto.ok()) {
    if (veto->empty()) {
      Finding("a veto without messages was accepted");
    }
    for (const auto& m : *veto) {
      if (m.node.find('/') != std::string::npos || m.node.starts_with('#')) {
        Finding("a node name kept pointer syntax: " + m.node);
      }
    }
  }
  atrium::identity::Identity identity;
  identity.traits = {{"email", "a@example.com"}};
  if (atrium::webhook::ApplyChanges(body, identity).ok() && !identity.traits.is_object()) {
    Finding("traits became a non-object");
  }
  return 0;
}
