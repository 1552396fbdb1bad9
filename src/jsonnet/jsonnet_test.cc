#include "jsonnet/jsonnet.h"

#include <gtest/gtest.h>

namespace atrium::jsonnet {
namespace {

TEST(Jsonnet, EvaluatesWithExternalCodeVariablesAsKratosPassesThem) {
  const Json ctx = {{"recipient", "ann@example.com"}, {"template_data", {{"LoginCode", "123456"}}}};
  auto out = EvaluateSnippet("body.jsonnet", R"(
    local ctx = std.extVar("ctx");
    { to: ctx.recipient, code: ctx.template_data.LoginCode, n: 1 + 2 }
  )",
                             {.ext_code = {{"ctx", ctx}}});
  ASSERT_TRUE(out.ok()) << out.error().reason;
  // Jsonnet writes fields sorted by name.
  EXPECT_EQ(*out, (Json{{"code", "123456"}, {"n", 3}, {"to", "ann@example.com"}}));
  // Kratos' request bodies are functions of a top-level argument.
  auto fn = EvaluateSnippet("body.jsonnet", "function(ctx) { to: ctx.recipient }",
                            {.tla_code = {{"ctx", ctx}}});
  ASSERT_TRUE(fn.ok()) << fn.error().reason;
  EXPECT_EQ(*fn, (Json{{"to", "ann@example.com"}}));
}

TEST(Jsonnet, ErrorsNameTheSnippetAndStayShort) {
  auto err = EvaluateSnippet("hook.jsonnet", "error 'boom'", {});
  ASSERT_FALSE(err.ok());
  EXPECT_EQ(err.error().code, ErrorCode::kUnprocessable);
  EXPECT_NE(err.error().reason.find("hook.jsonnet"), std::string::npos);
  EXPECT_NE(err.error().reason.find("boom"), std::string::npos);
  EXPECT_LE(err.error().reason.size(), 1100U);
  EXPECT_FALSE(EvaluateSnippet("x", "{", {}).ok()) << "a syntax error";
  EXPECT_FALSE(EvaluateSnippet("x", "std.extVar('missing')", {}).ok());
}

TEST(Jsonnet, BoundsRecursionInputsAndOutputAndRefusesImports) {
  auto deep = EvaluateSnippet("x", "local f(n) = f(n + 1); f(0)", {});
  ASSERT_FALSE(deep.ok());
  EXPECT_NE(deep.error().reason.find("stack"), std::string::npos) << deep.error().reason;

  auto imported = EvaluateSnippet("x", "import '/etc/passwd'", {});
  ASSERT_FALSE(imported.ok());
  EXPECT_NE(imported.error().reason.find("imports are not allowed"), std::string::npos)
      << imported.error().reason;
  EXPECT_FALSE(EvaluateSnippet("x", "importstr '/etc/hostname'", {}).ok());

  Limits small;
  small.max_code_bytes = 8;
  EXPECT_EQ(EvaluateSnippet("x", "{ a: 1, b: 2 }", {}, small).error().code,
            ErrorCode::kInvalidArgument);
  small = Limits{};
  small.max_vars_bytes = 10;
  EXPECT_EQ(
      EvaluateSnippet("x", "1", {.ext_code = {{"v", std::string(100, 'a')}}}, small).error().code,
      ErrorCode::kInvalidArgument);
  small = Limits{};
  small.output.max_bytes = 100;
  EXPECT_FALSE(EvaluateSnippet("x", "std.makeArray(1000, function(i) i)", {}, small).ok());
  EXPECT_FALSE(EvaluateSnippet("x", std::string("1\0", 2), {}).ok());
}

}  // namespace
}  // namespace atrium::jsonnet
