// Conformance with the draft-07 tests of Debian's json-schema-test-suite. Every file of the
// required keywords runs; test groups that need a remote document are skipped by name, listed
// below with the reason, and reported. The optional/ directory (formats, bignum, ...) is not run.
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include <gtest/gtest.h>

#include "jsonschema/compiled_schema.h"

namespace atrium::jsonschema {
namespace {

namespace fs = std::filesystem;

const fs::path kSuite = "/usr/share/json-schema-test-suite/tests/draft7";

// Groups ("file: description") that reference documents outside the schema under test. Atrium
// resolves local references only (identity schemas are self-contained), by design.
const std::set<std::string> kRemoteRefGroups = {
    "definitions.json: valid definition",
    "definitions.json: invalid definition",
    "ref.json: remote ref, containing refs itself",
};

// Whole files left out, with the reason.
const std::map<std::string, std::string> kSkippedFiles = {
    {"refRemote.json", "every group resolves documents from a remote server (localhost:1234)"},
};

struct Totals {
  int passed = 0;
  int skipped = 0;
};

Totals& Counts() {
  static Totals t;
  return t;
}

class Draft7Suite : public ::testing::TestWithParam<std::string> {};

// Prints the totals once every file has run.
class Report : public ::testing::Environment {
 public:
  void TearDown() override {
    std::printf("draft-07 suite: %d cases passed, %d skipped (remote $ref)\n", Counts().passed,
                Counts().skipped);
    for (const auto& [file, reason] : kSkippedFiles) {
      std::printf("draft-07 suite: skipped file %s: %s\n", file.c_str(), reason.c_str());
    }
  }
};
const auto* const kReport = ::testing::AddGlobalTestEnvironment(new Report);  // NOLINT

TEST_P(Draft7Suite, PassesEveryCase) {
  const fs::path file = kSuite / GetParam();
  std::ifstream in(file);
  ASSERT_TRUE(in) << "missing " << file << " (apt-get install json-schema-test-suite)";
  const auto groups = Json::parse(in);
  for (const auto& group : groups) {
    const std::string name = GetParam() + ": " + group["description"].get<std::string>();
    auto schema = CompiledSchema::Compile(group["schema"]);
    if (kRemoteRefGroups.count(name) && !schema.ok()) {
      Counts().skipped += static_cast<int>(group["tests"].size());
      std::printf("  skipped (remote $ref): %s\n", name.c_str());
      continue;
    }
    if (!schema.ok()) {
      ADD_FAILURE() << name << ": " << schema.error().reason;
      continue;
    }
    for (const auto& t : group["tests"]) {
      const bool valid = (*schema)->Validate(t["data"]).empty();
      if (valid == t["valid"].get<bool>()) {
        ++Counts().passed;
      } else {
        ADD_FAILURE() << name << " / " << t["description"].get<std::string>() << ": expected "
                      << (t["valid"].get<bool>() ? "valid" : "invalid");
      }
    }
  }
}

// Informational only: how the implemented formats fare against optional/format. Atrium's
// formats follow ory/jsonschema (Go), which disagrees with the suite on purpose in places, so
// disagreements are printed, not failed.
TEST(Draft7OptionalFormats, ReportsAgreement) {
  const fs::path dir = kSuite / "optional" / "format";
  if (!fs::exists(dir)) {
    GTEST_SKIP() << "suite not installed";
  }
  for (const char* format :
       {"date-time", "date", "email", "hostname", "ipv4", "ipv6", "uri", "regex"}) {
    std::ifstream in(dir / (std::string(format) + ".json"));
    if (!in) {
      continue;
    }
    int agree = 0;
    int total = 0;
    for (const auto& group : Json::parse(in)) {
      auto schema = CompiledSchema::Compile(group["schema"]);
      ASSERT_TRUE(schema.ok()) << format;
      for (const auto& t : group["tests"]) {
        ++total;
        if ((*schema)->Validate(t["data"]).empty() == t["valid"].get<bool>()) {
          ++agree;
        } else {
          std::printf("  format %s differs: %s (%s)\n", format, t["data"].dump().c_str(),
                      t["description"].get<std::string>().c_str());
        }
      }
    }
    std::printf("optional/format/%s: %d of %d cases agree\n", format, agree, total);
  }
}

std::vector<std::string> SuiteFiles() {
  std::vector<std::string> files;
  if (fs::exists(kSuite)) {
    for (const auto& entry : fs::directory_iterator(kSuite)) {
      if (entry.is_regular_file() && entry.path().extension() == ".json" &&
          !kSkippedFiles.contains(entry.path().filename().string())) {
        files.push_back(entry.path().filename().string());
      }
    }
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    files.push_back("type.json");  // fails loudly: the suite is not installed
  }
  return files;
}

INSTANTIATE_TEST_SUITE_P(Draft7, Draft7Suite, ::testing::ValuesIn(SuiteFiles()),
                         [](const auto& param_info) {
                           std::string n = param_info.param.substr(0, param_info.param.size() - 5);
                           for (char& c : n) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) {
                               c = '_';
                             }
                           }
                           return n;
                         });

}  // namespace
}  // namespace atrium::jsonschema
