#pragma once
// The offline breach source: a local file in Have I Been Pwned's downloadable format, one
// "SHA1HEX:COUNT" line per hash (40 hex digits), sorted by hash. Looked up by binary search over
// a read-only memory mapping, so a 40 GB corpus costs no memory beyond the pages touched.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"
#include "strategy/password/breach_checker.h"

namespace atrium::strategy::password {

class CorpusBreachChecker final : public BreachChecker {
 public:
  // Maps `path` and checks a sample of it (the first and last lines and lines spread over the
  // whole file): every sampled line must be "SHA1HEX:COUNT" and they must be in ascending hash
  // order. InvalidArgument naming the path and the byte offset otherwise, or when the file is
  // missing or empty.
  static Result<std::unique_ptr<CorpusBreachChecker>> Open(const std::string& path);
  ~CorpusBreachChecker() override;
  CorpusBreachChecker(const CorpusBreachChecker&) = delete;
  CorpusBreachChecker& operator=(const CorpusBreachChecker&) = delete;

  // Never touches the network. Internal when a line met on the way is malformed (the sample
  // check at start-up cannot see every line). Thread-safe.
  Result<int64_t> Count(std::string_view password) override;

  // The count for a SHA-1 in hex (either case), 0 when absent.
  Result<int64_t> CountOfHash(std::string_view sha1_hex) const;

 private:
  CorpusBreachChecker(std::string path, const char* data, std::size_t size)
      : path_(std::move(path)), data_(data), size_(size) {}
  Status CheckSample() const;

  const std::string path_;
  const char* const data_;  // the mapping, read-only
  const std::size_t size_;
};

}  // namespace atrium::strategy::password
