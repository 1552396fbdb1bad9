#include "strategy/password/corpus.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "strategy/password/breach_checker.h"

namespace atrium::strategy::password {
namespace {

// One file per test (ctest runs test cases in parallel processes).
class CorpusTest : public ::testing::Test {
 protected:
  void TearDown() override { std::remove(path_.c_str()); }

  const std::string& Write(const std::vector<std::string>& lines, const std::string& eol = "\r\n") {
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    for (const auto& line : lines) {
      out << line << eol;
    }
    return path_;
  }

  // `n` sorted filler lines plus the given passwords, as the downloadable corpus spells them.
  static std::vector<std::string> Corpus(std::size_t n, const std::vector<std::string>& passwords) {
    std::vector<std::string> lines;
    for (std::size_t i = 0; i < n; ++i) {
      lines.push_back(Sha1HexUpper("filler " + std::to_string(i)) + ":" +
                      std::to_string(i % 97 + 1));
    }
    for (std::size_t i = 0; i < passwords.size(); ++i) {
      lines.push_back(Sha1HexUpper(passwords[i]) + ":" + std::to_string(1000 + i));
    }
    std::sort(lines.begin(), lines.end());
    return lines;
  }

  std::string path_ = ::testing::TempDir() + "atrium-corpus-" +
                      ::testing::UnitTest::GetInstance()->current_test_info()->name() + "-" +
                      std::to_string(::getpid()) + ".txt";
};

TEST_F(CorpusTest, FindsEveryLineByBinarySearch) {
  const auto lines = Corpus(20000, {"correct horse battery", "hunter2!", "Tr0ub4dor&3"});
  auto corpus = CorpusBreachChecker::Open(Write(lines));
  ASSERT_TRUE(corpus.ok()) << corpus.error().reason;
  EXPECT_EQ(*(*corpus)->Count("correct horse battery"), 1000);
  EXPECT_EQ(*(*corpus)->Count("hunter2!"), 1001);
  EXPECT_EQ(*(*corpus)->Count("Tr0ub4dor&3"), 1002);
  EXPECT_EQ(*(*corpus)->Count("l3f9toh1uaf81n21"), 0);
  for (std::size_t i = 0; i < lines.size(); i += 97) {
    const std::string hash = lines[i].substr(0, 40);
    const auto count = (*corpus)->CountOfHash(hash);
    ASSERT_TRUE(count.ok());
    EXPECT_EQ(*count, std::stoll(lines[i].substr(41))) << i;
    std::string lower = hash;
    std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
    EXPECT_EQ(*(*corpus)->CountOfHash(lower), *count) << "hex digits in either case";
  }
  // The extremes, and hashes that sort before the first line and after the last.
  EXPECT_EQ(*(*corpus)->CountOfHash(lines.front().substr(0, 40)),
            std::stoll(lines.front().substr(41)));
  EXPECT_EQ(*(*corpus)->CountOfHash(lines.back().substr(0, 40)),
            std::stoll(lines.back().substr(41)));
  EXPECT_EQ(*(*corpus)->CountOfHash(std::string(40, '0')), 0);
  EXPECT_EQ(*(*corpus)->CountOfHash(std::string(40, 'F')), 0);
}

TEST_F(CorpusTest, AcceptsUnixLineEndingsAndATinyFile) {
  auto corpus = CorpusBreachChecker::Open(Write(Corpus(0, {"only one"}), "\n"));
  ASSERT_TRUE(corpus.ok()) << corpus.error().reason;
  EXPECT_EQ(*(*corpus)->Count("only one"), 1000);
  EXPECT_EQ(*(*corpus)->Count("another"), 0);
}

TEST_F(CorpusTest, RefusesAnUnsortedFile) {
  auto lines = Corpus(20000, {});
  std::reverse(lines.begin() + 10000, lines.end());  // the middle is out of order
  const auto r = CorpusBreachChecker::Open(Write(lines));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().reason.find("not sorted by hash"), std::string::npos) << r.error().reason;

  auto head = Corpus(50, {});
  std::swap(head[3], head[4]);
  EXPECT_FALSE(CorpusBreachChecker::Open(Write(head)).ok()) << "the first lines are all checked";
}

TEST_F(CorpusTest, RefusesFilesInAnotherFormat) {
  for (const std::vector<std::string>& lines : std::vector<std::vector<std::string>>{
           {"password"},
           {Sha1HexUpper("x").substr(5) + ":3"},  // a range answer, not the corpus
           {Sha1HexUpper("x") + ":"},
           {Sha1HexUpper("x") + ":3,861"},
           {"ZZ" + Sha1HexUpper("x").substr(2) + ":1"},
           {"8846f7eaee8fb117ad06bdd830b7586c"},  // an NTLM hash
       }) {
    const auto r = CorpusBreachChecker::Open(Write(lines));
    ASSERT_FALSE(r.ok()) << lines[0];
    EXPECT_NE(r.error().reason.find("is not SHA1HEX:COUNT"), std::string::npos) << r.error().reason;
  }
  EXPECT_FALSE(CorpusBreachChecker::Open(Write({})).ok()) << "empty";
  const auto missing = CorpusBreachChecker::Open(path_ + ".missing");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().reason.find("No such file"), std::string::npos)
      << missing.error().reason;
  EXPECT_FALSE(CorpusBreachChecker::Open(::testing::TempDir()).ok()) << "a directory";
}

}  // namespace
}  // namespace atrium::strategy::password
