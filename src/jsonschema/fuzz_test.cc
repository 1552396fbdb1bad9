// Randomized schemas and instances: compilation and validation return errors, never crash.
#include <random>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "jsonschema/compiled_schema.h"
#include "jsonschema/messages.h"
#include "jsonschema/paths.h"

namespace atrium::jsonschema {
namespace {

// Every byte of a string literal (a std::string_view made from the literal itself would stop
// at the embedded NUL).
template <size_t N>
constexpr std::string_view Alphabet(const char (&chars)[N]) {
  return std::string_view(chars, N - 1);
}

// Bytes of random instance strings: what formats and patterns look at, a two-byte UTF-8 letter,
// an invalid UTF-8 byte and a NUL.
constexpr std::string_view kStringAlphabet = Alphabet("a@.:/-1Z T+é\xff\x00");
static_assert(kStringAlphabet.size() == 15, "every byte of the string alphabet");
static_assert(kStringAlphabet.back() == '\0');

constexpr const char* kKeys[] = {
    "type",         "properties", "items",   "$ref",   "required",
    "enum",         "minLength",  "pattern", "format", "allOf",
    "anyOf",        "not",        "a",       "b",      "additionalProperties",
    "const",        "if",         "then",    "else",   "uniqueItems",
    "oneOf",        "contains",   "maximum", "$id",    "patternProperties",
    "ory.sh/kratos"};
constexpr const char* kStrings[] = {"string", "object", "#",        "#/a",   "email",
                                    "^a",     "(",      "integer",  "a",     "date-time",
                                    "array",  "uri",    "hostname", "ipv4",  "ipv6",
                                    "tel",    "date",   "uuid",     "regex", "#/properties/a"};

template <typename T, size_t N>
const T& Pick(std::mt19937& rng, const T (&items)[N]) {
  return items[std::uniform_int_distribution<size_t>(0, N - 1)(rng)];
}

std::string RandomString(std::mt19937& rng) {
  std::string s(std::uniform_int_distribution<size_t>(0, 24)(rng), '\0');
  for (char& c : s) {
    c = kStringAlphabet[std::uniform_int_distribution<size_t>(0, kStringAlphabet.size() - 1)(rng)];
  }
  return s;
}

Json RandomJson(std::mt19937& rng, int depth) {
  std::uniform_int_distribution<int> kind(0, depth > 4 ? 5 : 7);
  switch (kind(rng)) {
    case 0:
      return nullptr;
    case 1:
      return std::uniform_int_distribution<int>(-3, 3)(rng);
    case 2:
      return std::uniform_int_distribution<int>(0, 1)(rng) == 1;
    case 3:
      return Pick(rng, kStrings);
    case 4:
      return 1.5;
    case 5:
      return RandomString(rng);
    case 6: {
      Json a = Json::array();
      for (int i = std::uniform_int_distribution<int>(0, 3)(rng); i > 0; --i) {
        a.push_back(RandomJson(rng, depth + 1));
      }
      return a;
    }
    default: {
      Json o = Json::object();
      for (int i = std::uniform_int_distribution<int>(0, 4)(rng); i > 0; --i) {
        o[Pick(rng, kKeys)] = RandomJson(rng, depth + 1);
      }
      return o;
    }
  }
}

TEST(Fuzz, RandomSchemasCompileOrFailAndValidateRandomInstances) {
  std::mt19937 rng(7);
  int compiled = 0;
  int visits = 0;
  const ExtensionVisitor visitor = [&](const std::string&, const Json&, const Json&) { ++visits; };
  for (int i = 0; i < 5000; ++i) {
    const auto schema = CompiledSchema::Compile(RandomJson(rng, 0));
    if (!schema.ok()) {
      continue;
    }
    ++compiled;
    for (int j = 0; j < 5; ++j) {
      for (const auto& e : (*schema)->Validate(RandomJson(rng, 0), &visitor)) {
        (void)ToUiMessage(e);
      }
    }
    const Json document = RandomJson(rng, 0);
    (void)ListPaths(document);
    (void)DocumentOrderLeafKeys(document);
  }
  EXPECT_GT(compiled, 100);
  EXPECT_GT(visits, 0);
}

}  // namespace
}  // namespace atrium::jsonschema
