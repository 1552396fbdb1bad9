#include "strategy/oidc/jose.h"

#include <array>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "base/strings.h"

namespace atrium::strategy::oidc {
namespace {

struct BnFree {
  void operator()(BIGNUM* b) const { BN_free(b); }
};
struct BldFree {
  void operator()(OSSL_PARAM_BLD* b) const { OSSL_PARAM_BLD_free(b); }
};
struct ParamFree {
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct SigFree {
  void operator()(ECDSA_SIG* s) const { ECDSA_SIG_free(s); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
using Bn = std::unique_ptr<BIGNUM, BnFree>;

std::shared_ptr<void> Share(EVP_PKEY* key) {
  return {key, [](void* k) { EVP_PKEY_free(static_cast<EVP_PKEY*>(k)); }};
}

EVP_PKEY* Raw(const Jwk& k) { return static_cast<EVP_PKEY*>(k.key.get()); }

std::optional<std::string> Member(const Json& j, const char* name) {
  const auto it = j.find(name);
  if (it == j.end() || !it->is_string()) {
    return std::nullopt;
  }
  return it->get<std::string>();
}

Bn ToBn(const std::string& bytes) {
  return Bn(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                      static_cast<int>(bytes.size()), nullptr));
}

EVP_PKEY* FromData(const char* type, OSSL_PARAM_BLD* bld) {
  const std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(bld));
  const std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* key = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return nullptr;
  }
  return key;
}

EVP_PKEY* RsaKey(const Json& j) {
  const auto n = Member(j, "n");
  const auto e = Member(j, "e");
  const auto nb = n ? Base64UrlDecode(*n) : std::nullopt;
  const auto eb = e ? Base64UrlDecode(*e) : std::nullopt;
  if (!nb || !eb || nb->size() > 1024 || eb->empty() || eb->size() > 8) {
    return nullptr;
  }
  const Bn bn_n = ToBn(*nb);
  const Bn bn_e = ToBn(*eb);
  const std::unique_ptr<OSSL_PARAM_BLD, BldFree> bld(OSSL_PARAM_BLD_new());
  if (!bn_n || !bn_e || !bld ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
    return nullptr;
  }
  EVP_PKEY* key = FromData("RSA", bld.get());
  if (key != nullptr && EVP_PKEY_get_bits(key) < 2048) {
    EVP_PKEY_free(key);
    return nullptr;
  }
  return key;
}

// The OpenSSL group and the coordinate size of a JWK curve; size 0 for an unknown curve. (A
// plain struct: GCC 12 at -O3 sees a maybe-uninitialized member through std::optional here.)
struct EcCurve {
  const char* group = nullptr;
  size_t size = 0;
};
EcCurve Curve(std::string_view crv) {
  if (crv == "P-256") {
    return {"prime256v1", 32};
  }
  if (crv == "P-384") {
    return {"secp384r1", 48};
  }
  if (crv == "P-521") {
    return {"secp521r1", 66};
  }
  return {};
}

EVP_PKEY* EcKey(const Json& j) {
  const auto crv = Member(j, "crv");
  const EcCurve curve = crv ? Curve(*crv) : EcCurve{};
  const auto x = Member(j, "x");
  const auto y = Member(j, "y");
  const auto xb = x ? Base64UrlDecode(*x) : std::nullopt;
  const auto yb = y ? Base64UrlDecode(*y) : std::nullopt;
  if (curve.size == 0 || !xb || !yb || xb->size() != curve.size || yb->size() != curve.size) {
    return nullptr;
  }
  const std::string point = std::string(1, '\x04') + *xb + *yb;
  const std::unique_ptr<OSSL_PARAM_BLD, BldFree> bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, curve.group, 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1) {
    return nullptr;
  }
  return FromData("EC", bld.get());  // an off-curve point is refused here
}

struct AlgInfo {
  const EVP_MD* md;
  std::string_view kty;
  bool pss;
  size_t ec_size;  // coordinate bytes for ES*
};

std::optional<AlgInfo> Info(std::string_view alg) {
  if (alg == "RS256") {
    return AlgInfo{EVP_sha256(), "RSA", false, 0};
  }
  if (alg == "RS384") {
    return AlgInfo{EVP_sha384(), "RSA", false, 0};
  }
  if (alg == "RS512") {
    return AlgInfo{EVP_sha512(), "RSA", false, 0};
  }
  if (alg == "PS256") {
    return AlgInfo{EVP_sha256(), "RSA", true, 0};
  }
  if (alg == "PS384") {
    return AlgInfo{EVP_sha384(), "RSA", true, 0};
  }
  if (alg == "PS512") {
    return AlgInfo{EVP_sha512(), "RSA", true, 0};
  }
  if (alg == "ES256") {
    return AlgInfo{EVP_sha256(), "EC", false, 32};
  }
  if (alg == "ES384") {
    return AlgInfo{EVP_sha384(), "EC", false, 48};
  }
  if (alg == "ES512") {
    return AlgInfo{EVP_sha512(), "EC", false, 66};
  }
  return std::nullopt;
}

// JOSE's r||s to the DER form OpenSSL verifies.
std::optional<std::string> RawToDer(std::string_view raw, size_t half) {
  if (raw.size() != 2 * half) {
    return std::nullopt;
  }
  std::unique_ptr<ECDSA_SIG, SigFree> sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), static_cast<int>(half),
                        nullptr);
  BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data() + half),
                        static_cast<int>(half), nullptr);
  if (!sig || r == nullptr || s == nullptr || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return std::nullopt;
  }
  unsigned char* der = nullptr;
  const int len = i2d_ECDSA_SIG(sig.get(), &der);
  if (len <= 0) {
    return std::nullopt;
  }
  std::string out(reinterpret_cast<const char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

std::optional<std::string> DerToRaw(std::string_view der, size_t half) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  const std::unique_ptr<ECDSA_SIG, SigFree> sig(
      d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) {
    return std::nullopt;
  }
  std::string out(2 * half, '\0');
  if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), reinterpret_cast<unsigned char*>(out.data()),
                   static_cast<int>(half)) < 0 ||
      BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), reinterpret_cast<unsigned char*>(out.data() + half),
                   static_cast<int>(half)) < 0) {
    return std::nullopt;
  }
  return out;
}

Result<Json> DecodePart(std::string_view part, const char* what) {
  const auto bytes = Base64UrlDecode(part);
  if (!bytes) {
    return Error::InvalidArgument(std::string("the token's ") + what + " is not base64url");
  }
  auto json = ParseJson(*bytes, JsonLimits{.max_bytes = kMaxTokenBytes, .max_depth = 16});
  if (!json.ok() || !json->is_object()) {
    return Error::InvalidArgument(std::string("the token's ") + what + " is not a JSON object");
  }
  return std::move(json).value();
}

}  // namespace

Result<JwkSet> ParseJwkSet(const Json& document) {
  const auto keys = document.is_object() ? document.find("keys") : document.end();
  if (!document.is_object() || keys == document.end() || !keys->is_array()) {
    return Error::InvalidArgument("the JSON Web Key Set has no \"keys\" list");
  }
  if (keys->size() > kMaxJwks) {
    return Error::InvalidArgument("the JSON Web Key Set holds too many keys");
  }
  JwkSet set;
  for (const Json& k : *keys) {
    if (!k.is_object()) {
      continue;
    }
    const std::string use = Member(k, "use").value_or("sig");
    if (use != "sig") {
      continue;
    }
    Jwk jwk;
    jwk.kty = Member(k, "kty").value_or("");
    jwk.kid = Member(k, "kid").value_or("");
    jwk.alg = Member(k, "alg").value_or("");
    EVP_PKEY* key = nullptr;
    if (jwk.kty == "RSA") {
      key = RsaKey(k);
    } else if (jwk.kty == "EC") {
      key = EcKey(k);
    }
    if (key == nullptr) {
      continue;  // symmetric keys, small RSA keys, unknown curves: never used
    }
    jwk.key = Share(key);
    set.keys.push_back(std::move(jwk));
  }
  if (set.keys.empty()) {
    return Error::InvalidArgument("the JSON Web Key Set holds no usable signing key");
  }
  return set;
}

Result<Jws> DecodeJws(std::string_view token) {
  if (token.size() > kMaxTokenBytes) {
    return Error::InvalidArgument("the token is too large");
  }
  const size_t a = token.find('.');
  const size_t b = a == std::string_view::npos ? a : token.find('.', a + 1);
  if (b == std::string_view::npos || token.find('.', b + 1) != std::string_view::npos) {
    return Error::InvalidArgument("the token is not a compact JWS");
  }
  Jws jws;
  auto header = DecodePart(token.substr(0, a), "header");
  if (!header.ok()) {
    return std::move(header).error();
  }
  auto payload = DecodePart(token.substr(a + 1, b - a - 1), "payload");
  if (!payload.ok()) {
    return std::move(payload).error();
  }
  const auto sig = Base64UrlDecode(token.substr(b + 1));
  if (!sig) {
    return Error::InvalidArgument("the token's signature is not base64url");
  }
  jws.header = std::move(header).value();
  jws.payload = std::move(payload).value();
  jws.signing_input = std::string(token.substr(0, b));
  jws.signature = *sig;
  return jws;
}

bool AllowedAlgorithm(std::string_view alg) { return Info(alg).has_value(); }

Status VerifyJws(const Jws& jws, const Jwk& key) {
  const std::string alg = jws.Alg();
  const auto info = Info(alg);
  if (!info) {
    return Error::InvalidArgument("the token's algorithm \"" + alg.substr(0, 16) +
                                  "\" is not accepted");
  }
  if (info->kty != key.kty || (!key.alg.empty() && key.alg != alg)) {
    return Error::InvalidArgument("the token's algorithm does not match its key");
  }
  std::string signature = jws.signature;
  if (info->ec_size != 0) {
    auto der = RawToDer(signature, info->ec_size);
    if (!der) {
      return Error::InvalidArgument("the token's signature is malformed");
    }
    signature = std::move(*der);
  }
  const std::unique_ptr<EVP_MD_CTX, MdCtxFree> md(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (!md || EVP_DigestVerifyInit(md.get(), &pctx, info->md, nullptr, Raw(key)) != 1) {
    return Error::InvalidArgument("the token's key cannot verify it");
  }
  if (info->pss && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
                    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1)) {
    return Error::InvalidArgument("the token's key cannot verify it");
  }
  const int ok = EVP_DigestVerify(
      md.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
      reinterpret_cast<const unsigned char*>(jws.signing_input.data()), jws.signing_input.size());
  if (ok != 1) {
    return Error::InvalidArgument("the token's signature does not verify");
  }
  return Status();
}

std::vector<const Jwk*> CandidateKeys(const JwkSet& set, const Jws& jws) {
  std::vector<const Jwk*> out;
  const std::string kid = jws.Kid();
  const auto info = Info(jws.Alg());
  for (const Jwk& k : set.keys) {
    if (!kid.empty() ? k.kid == kid : (info && info->kty == k.kty)) {
      out.push_back(&k);
    }
  }
  return out;
}

Result<std::string> SignEs256(const Json& claims, std::string_view pem, std::string_view kid) {
  const std::unique_ptr<BIO, BioFree> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  EVP_PKEY* raw = bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr;
  const std::shared_ptr<void> key = Share(raw);
  if (raw == nullptr || EVP_PKEY_get_base_id(raw) != EVP_PKEY_EC || EVP_PKEY_get_bits(raw) != 256) {
    return Error::InvalidArgument("the private key is not an EC P-256 key in PEM");
  }
  const Json header = {{"alg", "ES256"}, {"kid", std::string(kid)}, {"typ", "JWT"}};
  const std::string input =
      Base64UrlEncode(DumpJson(header)) + "." + Base64UrlEncode(DumpJson(claims));
  const std::unique_ptr<EVP_MD_CTX, MdCtxFree> md(EVP_MD_CTX_new());
  size_t len = 0;
  if (!md || EVP_DigestSignInit(md.get(), nullptr, EVP_sha256(), nullptr, raw) != 1 ||
      EVP_DigestSign(md.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()),
                     input.size()) != 1) {
    return Error::Internal("ES256 signing failed");
  }
  std::string der(len, '\0');
  if (EVP_DigestSign(md.get(), reinterpret_cast<unsigned char*>(der.data()), &len,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
    return Error::Internal("ES256 signing failed");
  }
  der.resize(len);
  const auto sig = DerToRaw(der, 32);
  if (!sig) {
    return Error::Internal("ES256 signing failed");
  }
  return input + "." + Base64UrlEncode(*sig);
}

}  // namespace atrium::strategy::oidc
