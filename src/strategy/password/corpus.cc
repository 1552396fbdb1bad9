#include "strategy/password/corpus.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <limits>
#include <optional>
#include <system_error>
#include <utility>
#include <vector>

#include <sys/mman.h>
#include <sys/stat.h>

namespace atrium::strategy::password {
namespace {

constexpr std::size_t kHashLength = 40;
constexpr std::size_t kHeadLines = 1000;      // checked at the start of the file
constexpr std::size_t kTailBytes = 64 << 10;  // checked at its end (about 1,300 lines)
constexpr std::size_t kSamplePoints = 1000;   // pairs of lines spread over the whole file

char Upper(char c) { return static_cast<char>(std::toupper(static_cast<unsigned char>(c))); }

// Orders two 40-digit hashes, ignoring the case of the hex digits.
int CompareHash(std::string_view a, std::string_view b) {
  for (std::size_t i = 0; i < kHashLength; ++i) {
    const char x = Upper(a[i]);
    const char y = Upper(b[i]);
    if (x != y) {
      return x < y ? -1 : 1;
    }
  }
  return 0;
}

struct Entry {
  std::string_view hash;
  int64_t count = 0;
};

// "SHA1HEX:COUNT" (a trailing '\r' already removed), or nullopt.
std::optional<Entry> ParseLine(std::string_view line) {
  if (line.size() < kHashLength + 2 || line[kHashLength] != ':' ||
      line.size() > kHashLength + 1 + 18) {  // 18 digits cannot overflow int64
    return std::nullopt;
  }
  const std::string_view hash = line.substr(0, kHashLength);
  if (!std::all_of(hash.begin(), hash.end(),
                   [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; })) {
    return std::nullopt;
  }
  int64_t count = 0;
  for (const char c : line.substr(kHashLength + 1)) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    count = count * 10 + (c - '0');
  }
  return Entry{hash, count};
}

std::string Errno(int err) { return std::error_code(err, std::generic_category()).message(); }

// A line of the mapping without its line break; `next` is where the following line starts.
struct CorpusLine {
  std::size_t start = 0;
  std::size_t next = 0;
  std::string_view text;
};

CorpusLine LineAt(const char* data, std::size_t size, std::size_t offset) {
  std::size_t start = offset;
  while (start > 0 && data[start - 1] != '\n') {
    --start;
  }
  const void* nl = std::memchr(data + start, '\n', size - start);
  const std::size_t end =
      nl != nullptr ? static_cast<std::size_t>(static_cast<const char*>(nl) - data) : size;
  std::string_view text(data + start, end - start);
  if (!text.empty() && text.back() == '\r') {
    text.remove_suffix(1);
  }
  return CorpusLine{start, end < size ? end + 1 : size, text};
}

}  // namespace

Result<std::unique_ptr<CorpusBreachChecker>> CorpusBreachChecker::Open(const std::string& path) {
  const auto fail = [&](const std::string& why) {
    return Error::InvalidArgument("breach corpus " + path + ": " + why);
  };
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return fail(Errno(errno));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return fail("not a regular file");
  }
  const auto size = static_cast<std::size_t>(st.st_size);
  if (size == 0) {
    ::close(fd);
    return fail("the file is empty");
  }
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
  const int map_errno = errno;
  ::close(fd);  // the mapping keeps the file open
  if (map == MAP_FAILED) {
    return fail("mmap: " + Errno(map_errno));
  }
  // Binary search touches a few scattered pages per lookup: no read-ahead.
  ::madvise(map, size, MADV_RANDOM);
  std::unique_ptr<CorpusBreachChecker> corpus(
      new CorpusBreachChecker(path, static_cast<const char*>(map), size));  // NOLINT: private
  ATRIUM_RETURN_IF_ERROR(corpus->CheckSample());
  return corpus;
}

CorpusBreachChecker::~CorpusBreachChecker() { ::munmap(const_cast<char*>(data_), size_); }

Status CorpusBreachChecker::CheckSample() const {
  std::vector<std::pair<std::size_t, std::string_view>> sample;  // (offset, hash)
  const auto take = [&](std::size_t offset, std::size_t lines) -> Status {
    CorpusLine line = LineAt(data_, size_, offset);
    for (std::size_t i = 0; i < lines && line.start < size_; ++i) {
      const auto entry = ParseLine(line.text);
      if (!entry) {
        return Error::InvalidArgument("breach corpus " + path_ + ": the line at byte " +
                                      std::to_string(line.start) +
                                      " is not SHA1HEX:COUNT (40 hex digits, a colon, a count)");
      }
      sample.emplace_back(line.start, entry->hash);
      line = LineAt(data_, size_, line.next);
    }
    return OkStatus();
  };
  ATRIUM_RETURN_IF_ERROR(take(0, kHeadLines));
  for (std::size_t k = 1; k < kSamplePoints; ++k) {
    ATRIUM_RETURN_IF_ERROR(take(size_ / kSamplePoints * k, 2));
  }
  ATRIUM_RETURN_IF_ERROR(
      take(size_ > kTailBytes ? size_ - kTailBytes : 0, std::numeric_limits<std::size_t>::max()));
  std::sort(sample.begin(), sample.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (std::size_t i = 1; i < sample.size(); ++i) {
    if (CompareHash(sample[i - 1].second, sample[i].second) > 0) {
      return Error::InvalidArgument("breach corpus " + path_ +
                                    ": not sorted by hash (the line at byte " +
                                    std::to_string(sample[i].first) +
                                    " sorts before an earlier one); use the corpus ordered by "
                                    "hash, or sort it with `LC_ALL=C sort`");
    }
  }
  return OkStatus();
}

Result<int64_t> CorpusBreachChecker::Count(std::string_view password) {
  return CountOfHash(Sha1HexUpper(password));
}

Result<int64_t> CorpusBreachChecker::CountOfHash(std::string_view sha1_hex) const {
  if (sha1_hex.size() != kHashLength) {
    return Error::InvalidArgument("a SHA-1 has 40 hex digits");
  }
  // Invariant: `lo` starts a line, and the line we look for (if present) starts in [lo, hi).
  std::size_t lo = 0;
  std::size_t hi = size_;
  while (lo < hi) {
    const CorpusLine line = LineAt(data_, size_, lo + (hi - lo) / 2);
    const auto entry = ParseLine(line.text);
    if (!entry) {
      return Error::Internal("breach corpus " + path_ + ": the line at byte " +
                             std::to_string(line.start) + " is not SHA1HEX:COUNT");
    }
    const int order = CompareHash(entry->hash, sha1_hex);
    if (order == 0) {
      return entry->count;
    }
    if (order < 0) {
      lo = line.next;
    } else {
      hi = line.start;
    }
  }
  return int64_t{0};
}

}  // namespace atrium::strategy::password
