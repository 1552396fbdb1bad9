#include "httpclient/smtp.h"

#include <gtest/gtest.h>

#include "httpclient/client.h"

namespace atrium::httpclient::smtp {
namespace {

TEST(SmtpUri, SmtpRequiresStartTlsUnlessDisabled) {
  auto e = ParseConnectionUri("smtp://mail.example.com");
  ASSERT_TRUE(e.ok()) << e.error().reason;
  EXPECT_EQ(e->scheme, "smtp");
  EXPECT_EQ(e->host, "mail.example.com");
  EXPECT_EQ(e->port, 25);
  EXPECT_TRUE(e->starttls);
  EXPECT_FALSE(e->skip_ssl_verify);
  auto plain = ParseConnectionUri("smtp://127.0.0.1:2525/?disable_starttls=true");
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain->starttls);
  EXPECT_EQ(plain->port, 2525);
}

TEST(SmtpUri, SmtpsIsImplicitTlsWithCredentialsPercentDecoded) {
  auto e = ParseConnectionUri("smtps://us%40er:p%3Ass%2Fw@[::1]:1465/?skip_ssl_verify=true");
  ASSERT_TRUE(e.ok()) << e.error().reason;
  EXPECT_EQ(e->scheme, "smtps");
  EXPECT_EQ(e->host, "::1");
  EXPECT_EQ(e->port, 1465);
  EXPECT_EQ(e->username, "us@er");
  EXPECT_EQ(e->password, "p:ss/w");
  EXPECT_FALSE(e->starttls);
  EXPECT_TRUE(e->skip_ssl_verify);
  EXPECT_EQ(e->Origin(), "smtps://[::1]:1465");
  EXPECT_EQ(ParseConnectionUri("smtps://h")->port, 465);
}

TEST(SmtpUri, RefusesWhatItCannotHonourWithoutLeakingThePassword) {
  for (const char* bad : {"http://h", "smtp://", "smtp://u:secret@h:99999",
                          "smtp://u:secret@h/?disable_starttls=maybe", "smtp://u:secret@h:x",
                          "smtp://u:secret@h/?legacy_ssl=true", "mail.example.com"}) {
    auto e = ParseConnectionUri(bad);
    ASSERT_FALSE(e.ok()) << bad;
    EXPECT_EQ(e.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(e.error().reason.find("secret"), std::string::npos) << e.error().reason;
  }
}

TEST(SmtpSend, AnUnreachableServerIsTemporaryAndNamesNoCredentials) {
  ASSERT_TRUE(GlobalInit().ok());
  // Port 1 on loopback: nothing listens, the connection is refused at once.
  auto e = ParseConnectionUri("smtp://user:secret@127.0.0.1:1/?disable_starttls=true");
  ASSERT_TRUE(e.ok());
  const Status st = Send(*e, {.local_name = "atrium.test", .timeout = std::chrono::seconds(2)},
                         "a@b.test", "c@d.test", "Subject: x\r\n\r\nx\r\n");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(st.error().reason.find("secret"), std::string::npos);
  EXPECT_NE(st.error().reason.find("smtp://127.0.0.1:1"), std::string::npos) << st.error().reason;
}

}  // namespace
}  // namespace atrium::httpclient::smtp
