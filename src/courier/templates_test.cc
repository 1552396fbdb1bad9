#include "courier/templates.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "base/random.h"
#include "base/strings.h"

namespace atrium::courier {
namespace {

const Json kRegistration = {{"RegistrationCode", "482916"},
                            {"ExpiresInMinutes", 15},
                            {"RequestURL", "https://auth.example.org:4433/self-service/x"},
                            {"Traits", {{"email", "ann@example.com"}}}};

Message Compose(const Templates& t, std::string_view type, MessageType mt, const Json& data) {
  auto m = t.Compose(type, mt, "ann@example.com", data);
  EXPECT_TRUE(m.ok()) << m.error().reason;
  return m.ok() ? *m : Message{};
}

TEST(Templates, BuiltInsCarryKratosDefaultTexts) {
  auto t = Templates::Load({});
  ASSERT_TRUE(t.ok()) << t.error().reason;
  const Message m = Compose(**t, "registration_code_valid", MessageType::kEmail, kRegistration);
  EXPECT_EQ(m.subject, "Use code 482916 to complete your account registration");
  EXPECT_EQ(m.body,
            "Complete your account registration with the following code:\n\n482916\n\n"
            "This code expires in 15 minutes.\n");
  EXPECT_EQ(m.html_body, m.body);
  EXPECT_EQ(m.recipient, "ann@example.com");
  EXPECT_EQ(m.template_type, "registration_code_valid");
  EXPECT_EQ(m.template_data, kRegistration);
  EXPECT_EQ(m.status, MessageStatus::kQueued);

  const Message sms = Compose(**t, "registration_code_valid", MessageType::kSms, kRegistration);
  EXPECT_EQ(sms.body,
            "Your registration code is: 482916\n\nIt expires in 15 minutes.\n\n"
            "@auth.example.org #482916\n");
  EXPECT_TRUE(sms.subject.empty());

  const Message link = Compose(
      **t, "verification_valid", MessageType::kEmail,
      {{"VerificationURL", "https://x.test/verify?token=a&flow=b"}, {"ExpiresInMinutes", 60}});
  EXPECT_EQ(link.subject, "Please verify your email address");
  EXPECT_NE(link.body.find("\nhttps://x.test/verify?token=a&flow=b\n"), std::string::npos);
  EXPECT_NE(link.html_body.find("<a href=\"https://x.test/verify?token=a&amp;flow=b\">"),
            std::string::npos)
      << link.html_body;
  EXPECT_EQ(Compose(**t, "login_code_valid", MessageType::kEmail, {{"LoginCode", "1"}}).subject,
            "Use code 1 to log in");
  EXPECT_EQ(
      Compose(**t, "verification_code_valid", MessageType::kEmail, {{"VerificationCode", "2"}})
          .subject,
      "Use code 2 to verify your account");
  EXPECT_EQ((*t)->Compose("recovery_valid", MessageType::kEmail, "a@b.c", {}).error().code,
            ErrorCode::kNotFound);
}

class TemplateFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("atrium-templates-" + NewUuid());
    std::filesystem::create_directories(dir_ / "registration_code" / "valid");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Write(const std::string& rel, const std::string& text) {
    const auto path = dir_ / rel;
    std::ofstream(path) << text;
    return path.string();
  }
  std::filesystem::path dir_;
};

TEST_F(TemplateFiles, OverridePathThenConfiguredUrlsReplaceSingleParts) {
  Write("registration_code/valid/email.subject.gotmpl", "Dir subject {{ .RegistrationCode }}\n");
  Write("registration_code/valid/email.body.plaintext.gotmpl", "Dir body {{ .To }}");
  config::Courier c;
  c.template_override_path = dir_.string();
  c.templates["registration_code_valid"].email_subject =
      "base64://" + Base64Encode("Hi {{ .Traits.email }}");
  auto t = Templates::Load(c);
  ASSERT_TRUE(t.ok()) << t.error().reason;
  const Message m = Compose(**t, "registration_code_valid", MessageType::kEmail, kRegistration);
  EXPECT_EQ(m.subject, "Hi ann@example.com") << "the configured URL wins";
  EXPECT_EQ(m.body, "Dir body ann@example.com") << "the override path's file";
  EXPECT_NE(m.html_body.find("482916"), std::string::npos) << "the built-in stays";
}

TEST_F(TemplateFiles, ABadTemplateStopsTheLoadNamingIt) {
  config::Courier c;
  c.templates["login_code_valid"].email_body_html =
      "file://" + Write("bad.gotmpl", "{{ .LoginCode | upper }}");
  auto t = Templates::Load(c);
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.error().reason.find("login_code_valid email.body.gotmpl"), std::string::npos)
      << t.error().reason;
  c.templates["login_code_valid"].email_body_html = "https://example.org/t.gotmpl";
  EXPECT_FALSE(Templates::Load(c).ok());
  c.templates["login_code_valid"].email_body_html = "file:///does/not/exist";
  EXPECT_FALSE(Templates::Load(c).ok());
}

}  // namespace
}  // namespace atrium::courier
