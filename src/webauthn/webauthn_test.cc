#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "base/strings.h"
#include "crypto/hash.h"
#include "webauthn/cbor.h"
#include "webauthn/cose.h"
#include "webauthn/registration.h"

namespace atrium::webauthn {
namespace {

// ---- a tiny CBOR encoder and a software authenticator ------------------------------------------

std::string Head(int major, uint64_t n) {
  std::string out;
  const auto m = static_cast<char>(major << 5);
  if (n < 24) {
    out.push_back(static_cast<char>(m | static_cast<char>(n)));
  } else if (n < 256) {
    out.push_back(static_cast<char>(m | 24));
    out.push_back(static_cast<char>(n));
  } else if (n < 65536) {
    out.push_back(static_cast<char>(m | 25));
    out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(n));
  } else {
    out.push_back(static_cast<char>(m | 26));
    for (int s = 24; s >= 0; s -= 8) {
      out.push_back(static_cast<char>(n >> s));
    }
  }
  return out;
}
std::string Int(int64_t v) { return v >= 0 ? Head(0, v) : Head(1, -1 - v); }
std::string Bytes(std::string_view b) { return Head(2, b.size()) + std::string(b); }
std::string Text(std::string_view t) { return Head(3, t.size()) + std::string(t); }

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

std::string Param(EVP_PKEY* k, const char* name) {
  BIGNUM* bn = nullptr;
  EVP_PKEY_get_bn_param(k, name, &bn);
  std::string out(static_cast<size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  BN_free(bn);
  return out;
}

struct Key {
  int64_t alg;
  Pkey pkey;

  static Key Make(int64_t alg) {
    if (alg == kEdDSA) {
      return {alg, Pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"))};
    }
    if (alg == kRS256) {
      return {alg, Pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048}))};
    }
    return {alg, Pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"))};
  }
  std::string Cose() const {
    if (alg == kEdDSA) {
      std::string raw(32, '\0');
      size_t len = raw.size();
      EVP_PKEY_get_raw_public_key(pkey.get(), reinterpret_cast<unsigned char*>(raw.data()), &len);
      return Head(5, 4) + Int(1) + Int(1) + Int(3) + Int(kEdDSA) + Int(-1) + Int(6) + Int(-2) +
             Bytes(raw);
    }
    if (alg == kRS256) {
      return Head(5, 4) + Int(1) + Int(3) + Int(3) + Int(kRS256) + Int(-1) +
             Bytes(Param(pkey.get(), OSSL_PKEY_PARAM_RSA_N)) + Int(-2) +
             Bytes(Param(pkey.get(), OSSL_PKEY_PARAM_RSA_E));
    }
    std::string x = Param(pkey.get(), OSSL_PKEY_PARAM_EC_PUB_X);
    std::string y = Param(pkey.get(), OSSL_PKEY_PARAM_EC_PUB_Y);
    x.insert(0, 32 - x.size(), '\0');
    y.insert(0, 32 - y.size(), '\0');
    return Head(5, 5) + Int(1) + Int(2) + Int(3) + Int(kES256) + Int(-1) + Int(1) + Int(-2) +
           Bytes(x) + Int(-3) + Bytes(y);
  }
  std::string Sign(std::string_view data) const {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    EVP_DigestSignInit(ctx.get(), nullptr, alg == kEdDSA ? nullptr : EVP_sha256(), nullptr,
                       pkey.get());
    size_t len = 0;
    const auto* d = reinterpret_cast<const unsigned char*>(data.data());
    EVP_DigestSign(ctx.get(), nullptr, &len, d, data.size());
    std::string sig(len, '\0');
    EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, d, data.size());
    sig.resize(len);
    return sig;
  }
  // A self-signed certificate for this (attestation) key.
  std::string Certificate() const {
    std::unique_ptr<X509, decltype(&X509_free)> x(X509_new(), X509_free);
    X509_set_version(x.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x.get()), 1);
    X509_gmtime_adj(X509_getm_notBefore(x.get()), 0);
    X509_gmtime_adj(X509_getm_notAfter(x.get()), 3600);
    X509_set_pubkey(x.get(), pkey.get());
    X509_NAME* name = X509_get_subject_name(x.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("test"), -1, -1, 0);
    X509_set_issuer_name(x.get(), name);
    X509_sign(x.get(), pkey.get(), alg == kEdDSA ? nullptr : EVP_sha256());
    unsigned char* der = nullptr;
    const int len = i2d_X509(x.get(), &der);
    std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
    OPENSSL_free(der);
    return out;
  }
};

const std::string kChallenge = "0123456789abcdef0123";
const std::string kOrigin = "https://example.org";
const std::string kRpId = "example.org";

struct Ceremony {
  std::string type = "webauthn.create";
  std::string challenge = kChallenge;
  std::string origin = kOrigin;
  std::string rp_id = kRpId;
  uint8_t flags = kFlagUP | kFlagUV | kFlagAT;
  std::string credential_id = "credential-0001";
  std::string fmt = "none";
  const Key* x5c = nullptr;     // packed basic / fido-u2f attestation key
  const Key* signer = nullptr;  // signs instead of x5c (a forgery)

  std::string client_data() const {
    return R"({"type":")" + type + R"(","challenge":")" + Base64UrlEncode(challenge) +
           R"(","origin":")" + origin + R"(","crossOrigin":false})";
  }
  std::string auth_data(const Key& key) const {
    std::string a = crypto::Sha256(rp_id);
    a.push_back(static_cast<char>(flags));
    a += std::string("\0\0\0\1", 4);
    a += std::string(16, '\x11');
    a.push_back(static_cast<char>(credential_id.size() >> 8));
    a.push_back(static_cast<char>(credential_id.size()));
    return a + credential_id + key.Cose();
  }
  std::string attestation_object(const Key& key, const std::string& cdj) const {
    const std::string auth = auth_data(key);
    const std::string hash = crypto::Sha256(cdj);
    std::string stmt = Head(5, 0);
    if (fmt == "packed" && x5c == nullptr) {
      stmt = Head(5, 2) + Text("alg") + Int(key.alg) + Text("sig") + Bytes(key.Sign(auth + hash));
    } else if (fmt == "packed") {
      stmt = Head(5, 3) + Text("alg") + Int(x5c->alg) + Text("sig") +
             Bytes((signer ? signer : x5c)->Sign(auth + hash)) + Text("x5c") + Head(4, 1) +
             Bytes(x5c->Certificate());
    } else if (fmt == "fido-u2f") {
      std::string point = key.Cose();
      const std::string x = point.substr(point.size() - 32 - 3 - 32, 32);
      const std::string y = point.substr(point.size() - 32);
      const std::string data =
          std::string(1, '\0') + crypto::Sha256(rp_id) + hash + credential_id + "\x04" + x + y;
      stmt = Head(5, 2) + Text("sig") + Bytes((signer ? signer : x5c)->Sign(data)) + Text("x5c") +
             Head(4, 1) + Bytes(x5c->Certificate());
    }
    return Head(5, 3) + Text("fmt") + Text(fmt) + Text("attStmt") + stmt + Text("authData") +
           Bytes(auth);
  }
};

Expectations Expect() {
  Expectations e;
  e.challenge = kChallenge;
  e.origins = {kOrigin};
  e.rp_id = kRpId;
  e.algorithms = {kES256, kEdDSA, kRS256};
  return e;
}

Result<NewCredential> Perform(const Ceremony& c, const Key& key, const Expectations& e = Expect()) {
  const std::string cdj = c.client_data();
  return VerifyRegistration(cdj, c.attestation_object(key, cdj), e);
}

// ---- the ceremony ----------------------------------------------------------------------------

TEST(WebAuthnRegistration, AcceptsNoneAttestationForEachAlgorithm) {
  for (const int64_t alg : {kES256, kEdDSA, kRS256}) {
    const Key key = Key::Make(alg);
    auto c = Perform(Ceremony{}, key);
    ASSERT_TRUE(c.ok()) << alg << ": " << c.error().reason;
    EXPECT_EQ(c->id, "credential-0001");
    EXPECT_EQ(c->key.alg, alg);
    EXPECT_EQ(c->sign_count, 1u);
    EXPECT_EQ(c->aaguid, std::string(16, '\x11'));
    EXPECT_TRUE(c->user_verified);
    EXPECT_EQ(c->attestation_fmt, "none");
    // The stored key parses back and verifies signatures.
    auto parsed = ParseCoseKey(c->key.cbor);
    ASSERT_TRUE(parsed.ok());
    EXPECT_TRUE(VerifySignature(*parsed, alg, "data", key.Sign("data")));
    EXPECT_FALSE(VerifySignature(*parsed, alg, "datA", key.Sign("data")));
  }
}

TEST(WebAuthnRegistration, PackedSelfAndX5cAndFidoU2f) {
  const Key key = Key::Make(kES256);
  const Key attester = Key::Make(kES256);
  Ceremony self;
  self.fmt = "packed";
  auto c = Perform(self, key);
  ASSERT_TRUE(c.ok()) << c.error().reason;
  EXPECT_EQ(c->attestation_type, "self");

  Ceremony basic;
  basic.fmt = "packed";
  basic.x5c = &attester;
  Expectations direct = Expect();
  direct.accept_unverified_attestation = false;
  c = Perform(basic, key, direct);
  ASSERT_TRUE(c.ok()) << c.error().reason;
  EXPECT_EQ(c->attestation_type, "basic");

  Ceremony u2f;
  u2f.fmt = "fido-u2f";
  u2f.x5c = &attester;
  u2f.flags = kFlagUP | kFlagAT;
  c = Perform(u2f, key, direct);
  ASSERT_TRUE(c.ok()) << c.error().reason;
  EXPECT_FALSE(c->user_verified);

  // A signature by another key than the certificate's.
  const Key other = Key::Make(kES256);
  Ceremony forged = basic;
  forged.signer = &other;
  EXPECT_FALSE(Perform(forged, key, direct).ok());
  forged = u2f;
  forged.signer = &other;
  EXPECT_FALSE(Perform(forged, key, direct).ok());
  // Self attestation by another key.
  const std::string cdj = self.client_data();
  std::string obj = self.attestation_object(other, cdj);
  EXPECT_TRUE(VerifyRegistration(cdj, obj, Expect()).ok());  // consistent: other's key, other's sig
}

TEST(WebAuthnRegistration, RefusesEachFailedCheck) {
  const Key key = Key::Make(kES256);
  const auto refused = [&](const Ceremony& c, const Expectations& e, std::string_view why) {
    auto r = Perform(c, key, e);
    ASSERT_FALSE(r.ok()) << why;
    EXPECT_NE(r.error().reason.find(why), std::string::npos) << r.error().reason;
  };
  Ceremony c;
  c.type = "webauthn.get";
  refused(c, Expect(), "type");
  c = Ceremony{};
  c.challenge = "another challenge....";
  refused(c, Expect(), "challenge");
  c = Ceremony{};
  c.origin = "https://example.org.evil";
  refused(c, Expect(), "origin");
  c = Ceremony{};
  c.rp_id = "evil.org";
  refused(c, Expect(), "rpIdHash");
  c = Ceremony{};
  c.flags = kFlagAT | kFlagUV;
  refused(c, Expect(), "not present");
  c = Ceremony{};
  c.flags = kFlagAT | kFlagUP;
  Expectations uv = Expect();
  uv.require_user_verification = true;
  refused(c, uv, "not verified");
  c = Ceremony{};
  c.flags = kFlagAT | kFlagUP | kFlagBS;
  refused(c, Expect(), "backup");
  c = Ceremony{};
  Expectations only_rs = Expect();
  only_rs.algorithms = {kRS256};
  refused(c, only_rs, "not offered");
  c = Ceremony{};
  c.fmt = "tpm";
  Expectations direct = Expect();
  direct.accept_unverified_attestation = false;
  refused(c, direct, "unsupported attestation format");
  EXPECT_TRUE(Perform(c, key, Expect()).ok());  // ignored when attestation "none" was requested
  c = Ceremony{};
  c.credential_id.clear();
  refused(c, Expect(), "credential id");
}

TEST(WebAuthnRegistration, RefusesTamperedClientDataAndAuthenticatorData) {
  const Key key = Key::Make(kES256);
  Ceremony c;
  c.fmt = "packed";
  const std::string cdj = c.client_data();
  const std::string obj = c.attestation_object(key, cdj);
  Expectations direct = Expect();
  direct.accept_unverified_attestation = false;
  ASSERT_TRUE(VerifyRegistration(cdj, obj, direct).ok());
  // clientDataJSON changed after signing: the statement's signature no longer covers it.
  std::string cdj2 = cdj;
  cdj2.insert(cdj2.size() - 1, R"(,"x":1)");
  EXPECT_FALSE(VerifyRegistration(cdj2, obj, Expect()).ok());
  // Every single flipped byte of the attestation object is refused or changes nothing it signed.
  for (size_t i = 0; i < obj.size(); ++i) {
    std::string t = obj;
    t[i] = static_cast<char>(t[i] ^ 0x01);
    auto r = VerifyRegistration(cdj, t, direct);
    EXPECT_FALSE(r.ok()) << "byte " << i;
  }
  EXPECT_FALSE(VerifyRegistration("not json", obj, Expect()).ok());
  EXPECT_FALSE(VerifyRegistration(cdj, "", Expect()).ok());
}

TEST(WebAuthnCose, RefusesBadKeys) {
  // ES384 (-35) is not offered.
  EXPECT_FALSE(ParseCoseKey(Head(5, 2) + Int(1) + Int(2) + Int(3) + Int(-35)).ok());
  // A point off the curve.
  const std::string x(32, '\x01');
  const std::string y(32, '\x02');
  EXPECT_FALSE(ParseCoseKey(Head(5, 5) + Int(1) + Int(2) + Int(3) + Int(kES256) + Int(-1) + Int(1) +
                            Int(-2) + Bytes(x) + Int(-3) + Bytes(y))
                   .ok());
  // A short RSA modulus.
  EXPECT_FALSE(ParseCoseKey(Head(5, 4) + Int(1) + Int(3) + Int(3) + Int(kRS256) + Int(-1) +
                            Bytes(std::string(128, '\xff')) + Int(-2) + Bytes("\x01\x00\x01"))
                   .ok());
  // Wrong key type for the algorithm; duplicate labels.
  const Key key = Key::Make(kES256);
  std::string cose = key.Cose();
  cose[2] = 0x01;  // kty OKP
  EXPECT_FALSE(ParseCoseKey(cose).ok());
  EXPECT_FALSE(ParseCoseKey(Head(5, 2) + Int(1) + Int(2) + Int(1) + Int(2)).ok());
  EXPECT_TRUE(ParseCoseKey(key.Cose()).ok());
}

TEST(WebAuthnCbor, RefusesMalformedAndUnboundedInput) {
  EXPECT_FALSE(FirstItemLength("").ok());
  EXPECT_FALSE(FirstItemLength("\x9f\x01\xff").ok());            // indefinite array
  EXPECT_FALSE(FirstItemLength("\x9a\xff\xff\xff\xff").ok());    // claims 4G items
  EXPECT_FALSE(FirstItemLength("\x5a\x00\x10\x00\x00xx").ok());  // byte string longer than input
  EXPECT_FALSE(FirstItemLength("\xc0\x01").ok());                // tag
  EXPECT_FALSE(FirstItemLength("\x1c").ok());                    // reserved
  EXPECT_FALSE(FirstItemLength(std::string(20, '\x81') + "\x01").ok());  // nested too deeply
  EXPECT_TRUE(FirstItemLength(std::string(8, '\x81') + "\x01").ok());
  auto n = FirstItemLength("\x82\x01\x02\x03");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 3u);
  EXPECT_FALSE(LoadCbor("\x82\x01\x02\x03", true).ok());
  EXPECT_TRUE(LoadCbor("\x82\x01\x02", true).ok());
  auto map = LoadCbor(Head(5, 2) + Text("a") + Int(1) + Text("a") + Int(2), true);
  ASSERT_TRUE(map.ok());
  EXPECT_FALSE(MapFind(map->get(), "a").ok());
  std::string many = Head(4, 2000);
  for (int i = 0; i < 2000; ++i) {
    many += Int(0);
  }
  EXPECT_FALSE(FirstItemLength(many).ok());  // more items than the limit
}

}  // namespace
}  // namespace atrium::webauthn
