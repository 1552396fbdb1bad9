// Conformance with the draft-07 tests of Debian's json-schema-test-suite. Every file of the
// required keywords runs; test groups that need a remote document are skipped by name, listed
// below with the reason, and reported. Of the optional/ directory only format/ runs (see
// Draft7OptionalFormats); bignum, ecmascript-regex and the rest do not.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

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
    if (kRemoteRefGroups.contains(name) && !schema.ok()) {
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

// optional/format: the formats Atrium implements (formats.cc) must agree with the suite, case by
// case, except the disagreements listed here with their reason. The formats Atrium does not
// implement pass every string, as unknown formats do, and are listed with the reason. Any change
// either way (a regression, a fixed disagreement, a newly implemented format) fails the test
// until the lists are updated.
const std::map<std::string, std::string> kKnownFormatDisagreements = {
    {"idn-email.json: validation of an internationalized e-mail addresses / a valid idn e-mail "
     "(example@example.test in Hangul)",
     "idn-email is checked as email, whose domain must be an ASCII hostname (ory/jsonschema has "
     "no idn-email check: every string passes there)"},
    {"iri.json: validation of IRIs / an invalid IRI based on IPv6",
     "iri is checked as uri, as ory/jsonschema does with Go's url.Parse, which reads an "
     "unbracketed IPv6 address as host:port"},
};

// Formats ory/jsonschema checks but Atrium does not (yet): Kratos refuses some strings that
// Atrium accepts.
constexpr const char* kNotInAtrium =
    "checked by ory/jsonschema, not by Atrium: every string passes";
const std::map<std::string, std::string> kUnimplementedFormats = {
    {"idn-hostname", "checked by neither ory/jsonschema nor Atrium: every string passes"},
    {"iri-reference", kNotInAtrium},
    {"json-pointer", kNotInAtrium},
    {"relative-json-pointer", kNotInAtrium},
    {"time", kNotInAtrium},
    {"uri-reference", kNotInAtrium},
    {"uri-template", kNotInAtrium},
};

TEST(Draft7OptionalFormats, AgreeWithTheSuiteExceptKnownDisagreements) {
  const fs::path dir = kSuite / "optional" / "format";
  ASSERT_TRUE(fs::exists(dir)) << "missing " << dir << " (apt-get install json-schema-test-suite)";
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  std::set<std::string> disagreements;  // "file: group / test", implemented formats
  std::set<std::string> unimplemented;  // formats seen that Atrium does not implement
  int checked = 0;
  for (const auto& file : files) {
    const std::string format = file.stem().string();
    const bool implemented = !kUnimplementedFormats.contains(format);
    if (!implemented) {
      unimplemented.insert(format);
    }
    std::ifstream in(file);
    for (const auto& group : Json::parse(in)) {
      auto schema = CompiledSchema::Compile(group["schema"]);
      ASSERT_TRUE(schema.ok()) << file;
      for (const auto& t : group["tests"]) {
        ++checked;
        const bool valid = (*schema)->Validate(t["data"]).empty();
        if (!implemented) {
          EXPECT_TRUE(valid) << format << " is not implemented, so every value should pass: "
                             << t["data"].dump();
          continue;
        }
        if (valid != t["valid"].get<bool>()) {
          disagreements.insert(file.filename().string() + ": " +
                               group["description"].get<std::string>() + " / " +
                               t["description"].get<std::string>());
        }
      }
    }
  }
  std::set<std::string> known;
  for (const auto& [name, reason] : kKnownFormatDisagreements) {
    known.insert(name);
  }
  EXPECT_EQ(disagreements, known) << "update kKnownFormatDisagreements (with a reason) only if "
                                     "the new behaviour is intended";
  std::set<std::string> listed;
  for (const auto& [format, reason] : kUnimplementedFormats) {
    listed.insert(format);
  }
  EXPECT_EQ(unimplemented, listed) << "kUnimplementedFormats names a format the suite lacks";
  EXPECT_GE(checked, 122) << "the suite's optional/format directory is incomplete";
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
