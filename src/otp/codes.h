#pragma once
// One-time codes: six digits from the CSPRNG, kept only as a keyed digest (HMAC-SHA256 under a
// server secret, bound to the flow and the address), single use, compared in constant time.
// A code is written in the same transaction as the courier message that carries it
// (otp/store.h), so that a code the user is asked for always has a message on its way.

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/lazy.h"
#include "base/result.h"
#include "courier/message.h"

namespace atrium::otp {

// What a code proves; codes of one purpose never answer for another.
// kVerificationLink: the token of a verification link (`use: link`), 32 characters instead of six
// digits, kept and checked the same way.
enum class Purpose { kRegistration, kVerification, kLogin, kVerificationLink };
// "registration", "verification", "login", "verification_link"
std::string_view ToString(Purpose purpose);

struct Code {
  std::string id;
  std::string flow_id;
  Purpose purpose = Purpose::kRegistration;
  std::string address;  // normalized, as it was sent to
  std::string via;      // "email" or "sms"
  std::string digest;   // hex HMAC-SHA256; the code itself is never stored
  Timestamp expires_at{};
  Timestamp created_at{};
  std::optional<Timestamp> used_at;
};

// The key of the code digests, derived from a configured secret (the first of secrets.default,
// else of secrets.cookie): HMAC-SHA256(secret, "atrium/otp"), so that the digests never share a
// key with cookies. Every flow that issues codes keys its Digester with this.
std::string DeriveKey(std::string_view secret);

// Six decimal digits, uniformly distributed (rejection sampling over CSPRNG bytes).
std::string NewCode();

// A configured secret, for a Digester keyed with DeriveKey(secret).
struct DerivedFrom {
  std::string secret;
};

// Makes and checks digests under one key. Immutable, thread-safe.
class Digester {
 public:
  explicit Digester(std::string key);
  // Keyed with DeriveKey(from.secret), derived at the first digest: a server that has issued no
  // code has not started OpenSSL for it.
  explicit Digester(DerivedFrom from);
  // Hex HMAC-SHA256 over purpose, flow, address and code: a digest is useless for any other flow
  // or address, and the database alone cannot be brute-forced without the secret.
  std::string Digest(Purpose purpose, std::string_view flow_id, std::string_view address,
                     std::string_view code) const;
  // The first live code (unused, not expired at `now`) whose digest matches `code` for its own
  // address, compared in constant time over every candidate.
  std::optional<Code> Match(std::span<const Code> candidates, std::string_view code,
                            Timestamp now) const;

 private:
  Lazy<std::string> key_;
};

// Storage of codes, implemented by store/ (SQLite, PostgreSQL).
class CodeStore {
 public:
  virtual ~CodeStore() = default;
  // In ONE transaction: retires every earlier code of (flow, purpose), inserts `codes` and queues
  // `messages` in the courier's outbox. Either all of it is stored or nothing.
  virtual Status IssueCodes(std::string_view flow_id, Purpose purpose, std::span<const Code> codes,
                            std::span<const courier::Message> messages) = 0;
  // The live (not retired, unused) codes of (flow, purpose), expired ones included.
  virtual Result<std::vector<Code>> ActiveCodes(std::string_view flow_id, Purpose purpose) = 0;
  // Marks the code used at `now` unless it was used already; false when another request won.
  virtual Result<bool> UseCode(std::string_view code_id, Timestamp now) = 0;
  // How many codes were issued since `since`: to `address` (any flow), or for `flow_id`.
  virtual Result<int64_t> CountCodesToAddress(std::string_view address, Timestamp since) = 0;
  virtual Result<int64_t> CountCodesOfFlow(std::string_view flow_id, Timestamp since) = 0;
};

}  // namespace atrium::otp
