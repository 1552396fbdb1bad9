#pragma once
// Where identifiers and bearer secrets come from. Use cases take an IdGenerator so that tests can
// predict every id; production uses the CSPRNG.

#include <atomic>
#include <cstdint>
#include <string>

namespace atrium {

class IdGenerator {
 public:
  virtual ~IdGenerator() = default;
  // A new UUID in lowercase canonical form (flows, identities, sessions, ...).
  virtual std::string NewUuid() = 0;
  // `n` characters from [A-Za-z0-9] (session tokens, exchange codes).
  virtual std::string Alphanumeric(size_t n) = 0;
};

// Random v4 UUIDs and secrets from the operating system's CSPRNG. Thread-safe.
class RandomIds final : public IdGenerator {
 public:
  std::string NewUuid() override;
  std::string Alphanumeric(size_t n) override;
};

// Predictable ids for tests: 00000000-0000-4000-8000-000000000001, ...; secrets "aaaa...0001".
// Thread-safe.
class SequentialIds final : public IdGenerator {
 public:
  std::string NewUuid() override;
  std::string Alphanumeric(size_t n) override;

 private:
  std::atomic<uint64_t> next_{1};
};

}  // namespace atrium
