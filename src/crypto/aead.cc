#include "crypto/aead.h"

#include <memory>

#include <openssl/evp.h>

#include "base/check.h"
#include "base/random.h"
#include "base/strings.h"
#include "crypto/hash.h"

namespace atrium::crypto {
namespace {

constexpr size_t kNonceBytes = 12;
constexpr size_t kTagBytes = 16;

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}
unsigned char* Bytes(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }

}  // namespace

Aead::Aead(const std::vector<std::string>& secrets)
    : keys_([secrets] {
        std::vector<std::string> keys;
        keys.reserve(secrets.size());
        for (const auto& s : secrets) {
          keys.push_back(Sha256(s));
        }
        return keys;
      }) {
  ATRIUM_CHECK(!secrets.empty(), "Aead needs at least one secret");
}

std::string Aead::Seal(std::string_view plaintext, std::string_view associated_data) const {
  const std::string nonce = RandomBytes(kNonceBytes);
  std::string out(kNonceBytes + plaintext.size() + kTagBytes, '\0');
  out.replace(0, kNonceBytes, nonce);
  CipherCtx ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  int len = 0;
  EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, Bytes(keys_.Get().front()),
                     Bytes(nonce));
  EVP_EncryptUpdate(ctx.get(), nullptr, &len, Bytes(associated_data),
                    static_cast<int>(associated_data.size()));
  EVP_EncryptUpdate(ctx.get(), Bytes(out) + kNonceBytes, &len, Bytes(plaintext),
                    static_cast<int>(plaintext.size()));
  EVP_EncryptFinal_ex(ctx.get(), Bytes(out) + kNonceBytes + len, &len);
  EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes,
                      Bytes(out) + kNonceBytes + plaintext.size());
  return Base64UrlEncode(out);
}

Result<std::string> Aead::Open(std::string_view sealed, std::string_view associated_data) const {
  const auto raw = Base64UrlDecode(sealed);
  if (!raw || raw->size() < kNonceBytes + kTagBytes) {
    return Error::InvalidArgument("malformed sealed value");
  }
  const std::string_view all(*raw);
  const std::string_view nonce = all.substr(0, kNonceBytes);
  const std::string_view cipher = all.substr(kNonceBytes, all.size() - kNonceBytes - kTagBytes);
  std::string tag(all.substr(all.size() - kTagBytes));
  for (const auto& key : keys_.Get()) {
    std::string plain(cipher.size(), '\0');
    CipherCtx ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
    int len = 0;
    EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, Bytes(key), Bytes(nonce));
    EVP_DecryptUpdate(ctx.get(), nullptr, &len, Bytes(associated_data),
                      static_cast<int>(associated_data.size()));
    EVP_DecryptUpdate(ctx.get(), Bytes(plain), &len, Bytes(cipher),
                      static_cast<int>(cipher.size()));
    EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, Bytes(tag));
    if (EVP_DecryptFinal_ex(ctx.get(), Bytes(plain) + len, &len) == 1) {
      return plain;
    }
  }
  return Error::InvalidArgument("the sealed value does not authenticate");
}

}  // namespace atrium::crypto
