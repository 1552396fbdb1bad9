#include "hash/hasher.h"

#include <argon2.h>
#include <crypt.h>

#include <cstdio>
#include <memory>

#include <openssl/crypto.h>

#include "base/random.h"

namespace atrium::hash {
namespace {

// bcrypt through libxcrypt. `setting` is a full "$2b$NN$<22 salt chars>..." string.
Result<std::string> Bcrypt(std::string_view password, const std::string& setting) {
  auto data = std::make_unique<crypt_data>();
  const std::string phrase(password);
  const char* out = crypt_r(phrase.c_str(), setting.c_str(), data.get());
  if (out == nullptr || out[0] == '*') {
    return Error::Internal("bcrypt failed");
  }
  return std::string(out);
}

Result<bool> VerifyArgon2(std::string_view password, std::string_view encoded) {
  const std::string enc(encoded);
  const argon2_type type = encoded.starts_with("$argon2id$") ? Argon2_id : Argon2_i;
  const int rc = argon2_verify(enc.c_str(), password.data(), password.size(), type);
  if (rc == ARGON2_OK) {
    return true;
  }
  if (rc == ARGON2_VERIFY_MISMATCH) {
    return false;
  }
  if (rc == ARGON2_MEMORY_ALLOCATION_ERROR) {
    return Error::Internal("argon2: out of memory");
  }
  return Error::InvalidArgument(std::string("malformed argon2 hash: ") + argon2_error_message(rc));
}

Result<bool> VerifyBcrypt(std::string_view password, std::string_view encoded) {
  // libxcrypt computes $2a$ and $2b$ identically for inputs under 256 bytes; use $2b$.
  std::string setting(encoded);
  if (setting.size() < 7) {
    return Error::InvalidArgument("malformed bcrypt hash");
  }
  setting[2] = 'b';
  ATRIUM_ASSIGN_OR_RETURN(std::string computed,
                          Bcrypt(password.substr(0, kBcryptMaxBytes), setting));
  computed[2] = encoded[2];
  return computed.size() == encoded.size() &&
         CRYPTO_memcmp(computed.data(), encoded.data(), computed.size()) == 0;
}

}  // namespace

Result<std::string> Argon2idHasher::Hash(std::string_view password) const {
  const std::string salt = RandomBytes(params_.salt_length);
  const size_t encoded_len =
      argon2_encodedlen(params_.iterations, params_.memory_kib, params_.parallelism,
                        static_cast<uint32_t>(salt.size()), params_.key_length, Argon2_id);
  std::string encoded(encoded_len, '\0');
  const int rc = argon2id_hash_encoded(params_.iterations, params_.memory_kib, params_.parallelism,
                                       password.data(), password.size(), salt.data(), salt.size(),
                                       params_.key_length, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) {
    return Error::Internal(std::string("argon2id: ") + argon2_error_message(rc));
  }
  encoded.resize(encoded.find('\0'));
  return encoded;
}

bool Argon2idHasher::IsCurrent(std::string_view encoded) const {
  // "$argon2id$v=19$m=<m>,t=<t>,p=<p>$<salt>$<key>", salt and key unpadded base64.
  const std::string prefix = "$argon2id$v=19$m=" + std::to_string(params_.memory_kib) +
                             ",t=" + std::to_string(params_.iterations) +
                             ",p=" + std::to_string(params_.parallelism) + "$";
  if (!encoded.starts_with(prefix)) {
    return false;
  }
  const std::string_view rest = encoded.substr(prefix.size());
  const size_t dollar = rest.find('$');
  if (dollar == std::string_view::npos) {
    return false;
  }
  const auto decoded_len = [](size_t base64_len) { return base64_len * 3 / 4; };
  return decoded_len(dollar) == params_.salt_length &&
         decoded_len(rest.size() - dollar - 1) == params_.key_length;
}

Result<std::string> BcryptHasher::Hash(std::string_view password) const {
  if (password.size() > kBcryptMaxBytes) {
    return Error::InvalidArgument("bcrypt: passwords are limited to 72 bytes");
  }
  const std::string entropy = RandomBytes(16);
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  if (crypt_gensalt_rn("$2b$", static_cast<unsigned long>(cost_), entropy.data(),
                       static_cast<int>(entropy.size()), setting, sizeof setting) == nullptr) {
    return Error::Internal("bcrypt: cannot generate a salt");
  }
  ATRIUM_ASSIGN_OR_RETURN(std::string hashed, Bcrypt(password, setting));
  hashed[2] = 'a';  // Kratos (Go) writes $2a$; the algorithm is identical.
  return hashed;
}

bool BcryptHasher::IsCurrent(std::string_view encoded) const {
  // "$2a$<cost>$<53 characters>"; every $2x$ variant computes the same function.
  if (encoded.size() < 7 || !(encoded.starts_with("$2a$") || encoded.starts_with("$2b$") ||
                              encoded.starts_with("$2y$"))) {
    return false;
  }
  const std::string cost = std::to_string(cost_);
  return encoded.substr(4).starts_with((cost.size() == 1 ? "0" : "") + cost + "$");
}

Result<bool> VerifyPassword(std::string_view password, std::string_view encoded) {
  if (encoded.starts_with("$argon2id$") || encoded.starts_with("$argon2i$")) {
    return VerifyArgon2(password, encoded);
  }
  if (encoded.starts_with("$2a$") || encoded.starts_with("$2b$") || encoded.starts_with("$2y$")) {
    return VerifyBcrypt(password, encoded);
  }
  return Error::InvalidArgument("unknown password hash format");
}

std::unique_ptr<Hasher> MakeHasher(const HasherOptions& options) {
  if (options.algorithm == "bcrypt") {
    return std::make_unique<BcryptHasher>(options.bcrypt_cost);
  }
  return std::make_unique<Argon2idHasher>(options.argon2);
}

}  // namespace atrium::hash
