#include "webauthn/cose.h"

#include <memory>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

namespace atrium::webauthn {
namespace {

constexpr int64_t kKtyOkp = 1;
constexpr int64_t kKtyEc2 = 2;
constexpr int64_t kKtyRsa = 3;
constexpr int64_t kCrvP256 = 1;
constexpr int64_t kCrvEd25519 = 6;
constexpr int kMinRsaBits = 2048;
constexpr std::size_t kMaxRsaBytes = 1024;  // 8192 bits

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

Error BadKey(std::string_view why) {
  return Error::InvalidArgument("invalid COSE key: " + std::string(why));
}

const auto* Bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

Pkey FromData(const char* type, OSSL_PARAM* params) {
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr), EVP_PKEY_CTX_free);
  EVP_PKEY* key = nullptr;
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params) != 1) {
    return nullptr;
  }
  return Pkey(key);
}

Pkey EcKey(std::string_view point) {
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, const_cast<char*>("prime256v1"),
                                       0),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, const_cast<char*>(point.data()),
                                        point.size()),
      OSSL_PARAM_construct_end()};
  Pkey key = FromData("EC", params);
  if (!key) {
    return nullptr;
  }
  // The point must lie on the curve.
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> check(
      EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr), EVP_PKEY_CTX_free);
  if (!check || EVP_PKEY_public_check(check.get()) != 1) {
    return nullptr;
  }
  return key;
}

Pkey RsaKey(std::string_view n, std::string_view e) {
  std::unique_ptr<BIGNUM, decltype(&BN_free)> bn_n(
      BN_bin2bn(Bytes(n), static_cast<int>(n.size()), nullptr), BN_free);
  std::unique_ptr<BIGNUM, decltype(&BN_free)> bn_e(
      BN_bin2bn(Bytes(e), static_cast<int>(e.size()), nullptr), BN_free);
  std::unique_ptr<OSSL_PARAM_BLD, decltype(&OSSL_PARAM_BLD_free)> bld(OSSL_PARAM_BLD_new(),
                                                                      OSSL_PARAM_BLD_free);
  if (!bn_n || !bn_e || !bld || BN_num_bits(bn_n.get()) < kMinRsaBits || !BN_is_odd(bn_e.get()) ||
      BN_is_one(bn_e.get()) ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
    return nullptr;
  }
  std::unique_ptr<OSSL_PARAM, decltype(&OSSL_PARAM_free)> params(OSSL_PARAM_BLD_to_param(bld.get()),
                                                                 OSSL_PARAM_free);
  return params ? FromData("RSA", params.get()) : nullptr;
}

Pkey ToPkey(const CoseKey& key) {
  switch (key.alg) {
    case kES256:
      return EcKey(key.point);
    case kEdDSA:
      return Pkey(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, Bytes(key.point),
                                              key.point.size()));
    case kRS256:
      return RsaKey(key.n, key.e);
    default:
      return nullptr;
  }
}

bool Verify(EVP_PKEY* key, int64_t alg, std::string_view data, std::string_view signature) {
  const EVP_MD* md = nullptr;
  int type = EVP_PKEY_base_id(key);
  if (alg == kES256 && type == EVP_PKEY_EC) {
    md = EVP_sha256();
  } else if (alg == kRS256 && type == EVP_PKEY_RSA) {
    md = EVP_sha256();
  } else if (alg != kEdDSA || type != EVP_PKEY_ED25519) {
    return false;
  }
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  return ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, key) == 1 &&
         EVP_DigestVerify(ctx.get(), Bytes(signature), signature.size(), Bytes(data),
                          data.size()) == 1;
}

Result<std::string> Param(const cbor_item_t* map, int64_t label, std::string_view name) {
  ATRIUM_ASSIGN_OR_RETURN(const cbor_item_t* item, MapFind(map, label));
  auto bytes = AsBytes(item);
  if (!bytes) {
    return BadKey(std::string(name) + " is missing");
  }
  return *std::move(bytes);
}

Result<int64_t> IntParam(const cbor_item_t* map, int64_t label, std::string_view name) {
  ATRIUM_ASSIGN_OR_RETURN(const cbor_item_t* item, MapFind(map, label));
  auto v = AsInt(item);
  if (!v) {
    return BadKey(std::string(name) + " is missing");
  }
  return *v;
}

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};

Result<std::unique_ptr<X509, X509Free>> ParseCertificate(std::string_view der) {
  const unsigned char* p = Bytes(der);
  std::unique_ptr<X509, X509Free> cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!cert || p != Bytes(der) + der.size()) {
    return Error::InvalidArgument("invalid attestation certificate");
  }
  return cert;
}

}  // namespace

Result<CoseKey> ParseCoseKey(const cbor_item_t* item, std::string_view cbor) {
  if (item == nullptr || !cbor_isa_map(item)) {
    return BadKey("not a map");
  }
  CoseKey key;
  key.cbor = std::string(cbor);
  ATRIUM_ASSIGN_OR_RETURN(key.kty, IntParam(item, 1, "kty"));
  ATRIUM_ASSIGN_OR_RETURN(key.alg, IntParam(item, 3, "alg"));
  if (key.alg == kES256) {
    ATRIUM_ASSIGN_OR_RETURN(const int64_t crv, IntParam(item, -1, "crv"));
    ATRIUM_ASSIGN_OR_RETURN(const std::string x, Param(item, -2, "x"));
    ATRIUM_ASSIGN_OR_RETURN(const std::string y, Param(item, -3, "y"));
    if (key.kty != kKtyEc2 || crv != kCrvP256 || x.size() != 32 || y.size() != 32) {
      return BadKey("ES256 needs an EC2 P-256 key");
    }
    key.point = "\x04" + x + y;
  } else if (key.alg == kEdDSA) {
    ATRIUM_ASSIGN_OR_RETURN(const int64_t crv, IntParam(item, -1, "crv"));
    ATRIUM_ASSIGN_OR_RETURN(key.point, Param(item, -2, "x"));
    if (key.kty != kKtyOkp || crv != kCrvEd25519 || key.point.size() != 32) {
      return BadKey("EdDSA needs an OKP Ed25519 key");
    }
  } else if (key.alg == kRS256) {
    ATRIUM_ASSIGN_OR_RETURN(key.n, Param(item, -1, "n"));
    ATRIUM_ASSIGN_OR_RETURN(key.e, Param(item, -2, "e"));
    if (key.kty != kKtyRsa || key.n.size() > kMaxRsaBytes || key.e.empty() || key.e.size() > 8) {
      return BadKey("RS256 needs an RSA key");
    }
  } else {
    return BadKey("unsupported algorithm " + std::to_string(key.alg));
  }
  if (!ToPkey(key)) {
    return BadKey("the key is not usable");
  }
  return key;
}

Result<CoseKey> ParseCoseKey(std::string_view cbor) {
  ATRIUM_ASSIGN_OR_RETURN(const CborItem item, LoadCbor(cbor, true));
  return ParseCoseKey(item.get(), cbor);
}

bool VerifySignature(const CoseKey& key, int64_t alg, std::string_view data,
                     std::string_view signature) {
  if (alg != key.alg) {
    return false;
  }
  const Pkey pkey = ToPkey(key);
  return pkey && Verify(pkey.get(), alg, data, signature);
}

Result<bool> VerifyWithCertificate(std::string_view der, int64_t alg, std::string_view data,
                                   std::string_view signature) {
  ATRIUM_ASSIGN_OR_RETURN(const auto cert, ParseCertificate(der));
  EVP_PKEY* key = X509_get0_pubkey(cert.get());
  return key != nullptr && Verify(key, alg, data, signature);
}

Result<bool> CertificateIsP256(std::string_view der) {
  ATRIUM_ASSIGN_OR_RETURN(const auto cert, ParseCertificate(der));
  EVP_PKEY* key = X509_get0_pubkey(cert.get());
  if (key == nullptr || EVP_PKEY_base_id(key) != EVP_PKEY_EC) {
    return false;
  }
  char group[64] = {};
  size_t len = 0;
  return EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                        &len) == 1 &&
         std::string_view(group, len) == "prime256v1";
}

}  // namespace atrium::webauthn
