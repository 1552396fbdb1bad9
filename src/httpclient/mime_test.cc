#include "httpclient/mime.h"

#include <chrono>
#include <sstream>

#include <gtest/gtest.h>

#include "base/strings.h"

namespace atrium::httpclient::mime {
namespace {

// 2026-11-27T19:13:44Z
Timestamp When() { return Timestamp(std::chrono::seconds(1795806824)); }

Mail Sample() {
  Mail m;
  m.from_address = "no-reply@atrium.test";
  m.from_name = "Atrium";
  m.to = "ann@example.com";
  m.subject = "Use code 123456 to complete your account registration";
  m.text = "Complete your account registration with the following code:\n\n123456\n";
  m.html = "<p>123456</p>";
  return m;
}

TEST(Mime, BuildsMultipartAlternativeWithCrlfAndOwnHeadersFirst) {
  Mail m = Sample();
  m.headers = {{"X-Atrium", "yes"}};
  auto built = Build(m, When(), "id-1", "BOUNDARY");
  ASSERT_TRUE(built.ok()) << built.error().reason;
  EXPECT_EQ(*built,
            "Date: Fri, 27 Nov 2026 19:13:44 +0000\r\n"
            "From: \"Atrium\" <no-reply@atrium.test>\r\n"
            "To: <ann@example.com>\r\n"
            "Subject: Use code 123456 to complete your account registration\r\n"
            "Message-ID: <id-1@atrium.test>\r\n"
            "MIME-Version: 1.0\r\n"
            "X-Atrium: yes\r\n"
            "Content-Type: multipart/alternative; boundary=\"BOUNDARY\"\r\n"
            "\r\n"
            "--BOUNDARY\r\n"
            "Content-Type: text/plain; charset=UTF-8\r\n"
            "Content-Transfer-Encoding: quoted-printable\r\n"
            "\r\n"
            "Complete your account registration with the following code:\r\n"
            "\r\n"
            "123456\r\n"
            "\r\n"
            "--BOUNDARY\r\n"
            "Content-Type: text/html; charset=UTF-8\r\n"
            "Content-Transfer-Encoding: quoted-printable\r\n"
            "\r\n"
            "<p>123456</p>\r\n"
            "--BOUNDARY--\r\n");
}

TEST(Mime, TextOnlyIsOnePartWithoutBoundary) {
  Mail m = Sample();
  m.html.clear();
  auto built = Build(m, When(), "id", "B");
  ASSERT_TRUE(built.ok());
  EXPECT_EQ(built->find("multipart"), std::string::npos);
  EXPECT_NE(built->find("Content-Type: text/plain; charset=UTF-8\r\n"), std::string::npos);
}

TEST(Mime, QuotedPrintableEscapesWrapsAndProtectsTrailingSpace) {
  EXPECT_EQ(QuotedPrintable("a=b"), "a=3Db");
  EXPECT_EQ(QuotedPrintable("Grüße"), "Gr=C3=BC=C3=9Fe");
  EXPECT_EQ(QuotedPrintable("end \nnext\r\nlast"), "end=20\r\nnext\r\nlast");
  const std::string long_line(200, 'x');
  const std::string encoded = QuotedPrintable(long_line);
  std::istringstream lines(encoded);
  for (std::string line; std::getline(lines, line);) {
    EXPECT_LE(line.size(), 77U) << "76 characters and the CR";
  }
  std::string unfolded = encoded;
  for (size_t at; (at = unfolded.find("=\r\n")) != std::string::npos;) {
    unfolded.erase(at, 3);
  }
  EXPECT_EQ(unfolded, long_line) << "soft breaks only";
}

TEST(Mime, NonAsciiSubjectAndNameAreEncodedWordsOfWholeCharacters) {
  EXPECT_EQ(EncodeWord("plain"), "plain");
  EXPECT_EQ(EncodeWord("Grüße"), "=?UTF-8?B?" + Base64Encode("Grüße") + "?=");
  std::string many;
  for (int i = 0; i < 40; ++i) {
    many += "ü";  // 80 bytes: two words, none splitting a character
  }
  const std::string words = EncodeWord(many);
  const size_t fold = words.find("\r\n ");
  ASSERT_NE(fold, std::string::npos);
  const std::string first = words.substr(0, fold);
  EXPECT_LE(first.size(), 75U);
  auto decoded = Base64Decode(first.substr(10, first.size() - 12));
  ASSERT_TRUE(decoded.has_value());
  EXPECT_TRUE(IsValidUtf8(*decoded));

  Mail m = Sample();
  m.from_name = "Ätrium";
  m.subject = "Bestätigung\r\nBcc: evil@example.com";
  auto built = Build(m, When(), "id", "B");
  ASSERT_TRUE(built.ok());
  EXPECT_NE(built->find("From: =?UTF-8?B?"), std::string::npos);
  EXPECT_EQ(built->find("\r\nBcc:"), std::string::npos) << "no header injection via the subject";
}

TEST(Mime, RefusesHeadersAndAddressesThatWouldInject) {
  EXPECT_FALSE(CheckHeader({"X-A", "a\r\nBcc: x@y"}).ok());
  EXPECT_FALSE(CheckHeader({"Bad Name", "v"}).ok());
  EXPECT_FALSE(CheckHeader({"Subject", "v"}).ok()) << "the builder writes it";
  EXPECT_TRUE(CheckHeader({"X-Campaign", "welcome"}).ok());
  Mail m = Sample();
  m.to = "ann@example.com>\r\nBcc: x@y";
  EXPECT_FALSE(Build(m, When(), "id", "B").ok());
}

}  // namespace
}  // namespace atrium::httpclient::mime
