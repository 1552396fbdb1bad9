// Randomized schemas and instances: compilation and validation return errors, never crash.
#include <random>

#include <gtest/gtest.h>

#include "jsonschema/compiled_schema.h"
#include "jsonschema/messages.h"
#include "jsonschema/paths.h"

namespace atrium::jsonschema {
namespace {

Json RandomJson(std::mt19937& rng, int depth) {
  std::uniform_int_distribution<int> kind(0, depth > 4 ? 4 : 6);
  static const char* const kKeys[] = {
      "type",  "properties", "items",   "$ref",   "required",
      "enum",  "minLength",  "pattern", "format", "allOf",
      "anyOf", "not",        "a",       "b",      "additionalProperties",
      "const", "if",         "then"};
  switch (kind(rng)) {
    case 0:
      return nullptr;
    case 1:
      return std::uniform_int_distribution<int>(-3, 3)(rng);
    case 2:
      return std::uniform_int_distribution<int>(0, 1)(rng) == 1;
    case 3: {
      static const char* const kStrings[] = {"string", "object",  "#", "#/a",       "email", "^a",
                                             "(",      "integer", "a", "date-time", "array"};
      return kStrings[std::uniform_int_distribution<size_t>(0, 10)(rng)];
    }
    case 4:
      return 1.5;
    case 5: {
      Json a = Json::array();
      for (int i = std::uniform_int_distribution<int>(0, 3)(rng); i > 0; --i) {
        a.push_back(RandomJson(rng, depth + 1));
      }
      return a;
    }
    default: {
      Json o = Json::object();
      for (int i = std::uniform_int_distribution<int>(0, 4)(rng); i > 0; --i) {
        o[kKeys[std::uniform_int_distribution<size_t>(0, 17)(rng)]] = RandomJson(rng, depth + 1);
      }
      return o;
    }
  }
}

TEST(Fuzz, RandomSchemasCompileOrFailAndValidateRandomInstances) {
  std::mt19937 rng(7);
  int compiled = 0;
  for (int i = 0; i < 5000; ++i) {
    const auto schema = CompiledSchema::Compile(RandomJson(rng, 0));
    if (!schema.ok()) {
      continue;
    }
    ++compiled;
    for (int j = 0; j < 5; ++j) {
      for (const auto& e : (*schema)->Validate(RandomJson(rng, 0))) {
        (void)ToUiMessage(e);
      }
    }
    (void)ListPaths(Json::parse(RandomJson(rng, 0).dump()));
  }
  EXPECT_GT(compiled, 100);
}

}  // namespace
}  // namespace atrium::jsonschema
