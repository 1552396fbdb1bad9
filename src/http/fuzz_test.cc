// Randomized inputs for the request parsers: whatever arrives, they return a value or an error,
// never crash or trip the sanitizers. Deterministic seeds, so a failure reproduces.
#include <random>

#include <gtest/gtest.h>

#include "http/http.h"

namespace atrium::http {
namespace {

std::string RandomInput(std::mt19937& rng, std::string_view alphabet, size_t max_len) {
  std::uniform_int_distribution<size_t> len(0, max_len);
  std::uniform_int_distribution<size_t> pick(0, alphabet.size() - 1);
  std::string s(len(rng), '\0');
  for (char& c : s) {
    c = alphabet[pick(rng)];
  }
  return s;
}

// Every byte of a string literal. A std::string_view made from the literal itself stops at the
// first NUL, which silently cut the form alphabet after "\xff" (14 of its 21 bytes).
template <size_t N>
constexpr std::string_view Alphabet(const char (&chars)[N]) {
  return std::string_view(chars, N - 1);
}

// Includes a two-byte UTF-8 letter, an invalid UTF-8 byte and a NUL on purpose.
constexpr std::string_view kFormAlphabet = Alphabet("ab=&%+;2F0zé\xff\x00 .-_[]");
static_assert(kFormAlphabet.size() == 21, "every byte of the form alphabet");
static_assert(kFormAlphabet.find('\0') == 14 && kFormAlphabet.back() == ']');
constexpr std::string_view kMultipartAlphabet =
    Alphabet("-XyZ\r\n:;=\"\\ form-data name Content-Disposition");
static_assert(kMultipartAlphabet.size() == 46);
constexpr std::string_view kAcceptAlphabet = Alphabet("text/html,application/json;q=0.5*/ \t.1");
static_assert(kAcceptAlphabet.size() == 38);

TEST(Fuzz, ParseUrlEncodedNeverCrashes) {
  std::mt19937 rng(1);
  for (int i = 0; i < 20000; ++i) {
    const std::string input = RandomInput(rng, kFormAlphabet, 64);
    const auto r = ParseUrlEncoded(input);
    if (r.ok()) {
      for (const auto& [k, v] : *r) {
        EXPECT_EQ(k.find('&'), std::string::npos);
      }
    }
  }
}

TEST(Fuzz, ParseMultipartNeverCrashes) {
  std::mt19937 rng(2);
  for (int i = 0; i < 20000; ++i) {
    const std::string body = "--XyZ\r\n" + RandomInput(rng, kMultipartAlphabet, 200);
    (void)ParseMultipart(body, "multipart/form-data; boundary=XyZ");
    (void)ParseMultipart(RandomInput(rng, kMultipartAlphabet, 80),
                         "multipart/form-data; boundary=" + RandomInput(rng, Alphabet("XyZ\""), 8));
  }
}

TEST(Fuzz, NegotiateContentTypeAlwaysPicksAnOfferOrTheDefault) {
  std::mt19937 rng(3);
  const std::vector<std::string> offers = {"text/html", "application/json"};
  for (int i = 0; i < 20000; ++i) {
    const std::string accept = RandomInput(rng, kAcceptAlphabet, 60);
    const std::string got = NegotiateContentType(accept, offers, "text/html");
    EXPECT_TRUE(got == "text/html" || got == "application/json") << accept;
  }
}

TEST(Fuzz, RequestHelpersNeverCrash) {
  std::mt19937 rng(4);
  for (int i = 0; i < 20000; ++i) {
    Request r;
    r.raw_query = RandomInput(rng, kFormAlphabet, 64);
    r.headers = {{"Cookie", RandomInput(rng, Alphabet("a=b; ;=c\""), 40)}};
    (void)r.QueryParams();
    (void)r.Query("a");
    (void)r.Cookies();
  }
}

}  // namespace
}  // namespace atrium::http
