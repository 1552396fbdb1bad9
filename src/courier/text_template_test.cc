#include "courier/text_template.h"

#include <gtest/gtest.h>

namespace atrium::courier {
namespace {

const std::set<std::string, std::less<>> kFields = {"Code", "Identity", "Domain", "Minutes"};

std::string Render(std::string_view text, const Json& model, Escaping e = Escaping::kNone) {
  auto t = TextTemplate::Compile("t", text, kFields);
  EXPECT_TRUE(t.ok()) << t.error().reason;
  return t.ok() ? t->Render(model, e) : "";
}

TEST(TextTemplate, RendersFieldsAndDottedPathsLikeGo) {
  const Json model = {{"Code", "123456"},
                      {"Minutes", 60},
                      {"Identity", {{"traits", {{"email", "ann@example.com"}}}}}};
  EXPECT_EQ(Render("Code {{ .Code }} for {{.Identity.traits.email}} in {{ .Minutes }}m", model),
            "Code 123456 for ann@example.com in 60m");
  EXPECT_EQ(Render("[{{ .Domain }}]", model), "[]") << "a field the model lacks: zero value";
  EXPECT_EQ(Render("[{{ .Identity.traits.name }}]", model), "[<no value>]") << "Go's map miss";
  EXPECT_EQ(Render("a {{/* note */}}b", model), "a b");
}

TEST(TextTemplate, IfElseUsesGoTruthinessAndTrimMarkersEatWhitespace) {
  const std::string_view sms =
      "Code: {{ .Code }}\n{{ if .Domain }}\n@{{ .Domain }} #{{ .Code }}\n{{ end -}}\n";
  EXPECT_EQ(Render(sms, {{"Code", "1"}, {"Domain", "example.org"}}),
            "Code: 1\n\n@example.org #1\n");
  EXPECT_EQ(Render(sms, {{"Code", "1"}, {"Domain", ""}}), "Code: 1\n");
  EXPECT_EQ(Render("{{ if .Minutes }}yes{{ else }}no{{ end }}", {{"Minutes", 0}}), "no");
  EXPECT_EQ(Render("a  {{- .Code -}}  b", {{"Code", "X"}}), "aXb");
}

TEST(TextTemplate, HtmlEscapesValuesButNotTheTemplate) {
  EXPECT_EQ(
      Render("<a href=\"{{ .Code }}\">{{ .Code }}</a>", {{"Code", "x\"><script>&'"}},
             Escaping::kHtml),
      "<a href=\"x&#34;&gt;&lt;script&gt;&amp;&#39;\">x&#34;&gt;&lt;script&gt;&amp;&#39;</a>");
}

TEST(TextTemplate, RefusesWhatTheSubsetLacksWhenCompiled) {
  for (const char* bad :
       {"{{ .Code | upper }}", "{{ range .Identity }}x{{ end }}", "{{ printf \"%s\" .Code }}",
        "{{ $x := .Code }}", "{{ .Unknown }}", "{{ if .Code }}open", "{{ end }}", "{{ .Code",
        "{{ . }}", "{{ template \"x\" }}"}) {
    auto t = TextTemplate::Compile("courier template x", bad, kFields);
    ASSERT_FALSE(t.ok()) << bad;
    EXPECT_NE(t.error().reason.find("courier template x"), std::string::npos) << t.error().reason;
  }
}

}  // namespace
}  // namespace atrium::courier
