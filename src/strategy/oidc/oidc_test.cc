// The JOSE layer and ID token validation against a real loopback provider (discovery, JWK set).
#include <atomic>
#include <mutex>

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "base/clock.h"
#include "base/strings.h"
#include "crypto/hash.h"
#include "httpclient/test_server.h"
#include "strategy/oidc/jose.h"
#include "strategy/oidc/provider.h"

namespace atrium::strategy::oidc {
namespace {

using httpclient::testing::Behaviour;
using httpclient::testing::TestRequest;
using httpclient::testing::TestResponse;
using httpclient::testing::TestServer;

// An RSA test key: its JWK and a signer.
class RsaKey {
 public:
  explicit RsaKey(std::string kid, int bits = 2048) : kid_(std::move(kid)) {
    key_ = EVP_RSA_gen(static_cast<unsigned>(bits));
  }
  ~RsaKey() { EVP_PKEY_free(key_); }
  RsaKey(const RsaKey&) = delete;
  RsaKey& operator=(const RsaKey&) = delete;

  Json Jwk() const {
    return {{"kty", "RSA"},
            {"kid", kid_},
            {"use", "sig"},
            {"alg", "RS256"},
            {"n", Base64UrlEncode(Bn(OSSL_PKEY_PARAM_RSA_N))},
            {"e", Base64UrlEncode(Bn(OSSL_PKEY_PARAM_RSA_E))}};
  }
  // The public key as PEM text: what an attacker uses as an HMAC secret.
  std::string PublicPem() const {
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PUBKEY(bio, key_);
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<size_t>(len));
    BIO_free(bio);
    return out;
  }
  std::string Sign(const Json& claims, const Json& header_extra = Json::object()) const {
    Json header = {{"alg", "RS256"}, {"kid", kid_}, {"typ", "JWT"}};
    for (const auto& [k, v] : header_extra.items()) {
      header[k] = v;
    }
    const std::string input = Base64UrlEncode(header.dump()) + "." + Base64UrlEncode(claims.dump());
    EVP_MD_CTX* md = EVP_MD_CTX_new();
    size_t len = 0;
    EVP_DigestSignInit(md, nullptr, EVP_sha256(), nullptr, key_);
    EVP_DigestSign(md, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()),
                   input.size());
    std::string sig(len, '\0');
    EVP_DigestSign(md, reinterpret_cast<unsigned char*>(sig.data()), &len,
                   reinterpret_cast<const unsigned char*>(input.data()), input.size());
    EVP_MD_CTX_free(md);
    sig.resize(len);
    return input + "." + Base64UrlEncode(sig);
  }

 private:
  std::string Bn(const char* name) const {
    BIGNUM* bn = nullptr;
    EVP_PKEY_get_bn_param(key_, name, &bn);
    std::string out(static_cast<size_t>(BN_num_bytes(bn)), '\0');
    BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
    BN_free(bn);
    return out;
  }
  std::string kid_;
  EVP_PKEY* key_ = nullptr;
};

std::string Unsigned(const Json& header, const Json& claims) {
  return Base64UrlEncode(header.dump()) + "." + Base64UrlEncode(claims.dump()) + ".";
}

std::string Hs256(const Json& claims, const std::string& secret, const std::string& kid) {
  const Json header = {{"alg", "HS256"}, {"kid", kid}};
  const std::string input = Base64UrlEncode(header.dump()) + "." + Base64UrlEncode(claims.dump());
  return input + "." + Base64UrlEncode(crypto::HmacSha256(secret, input));
}

// ---- JOSE ------------------------------------------------------------------------------------

TEST(Jose, VerifiesRs256AndRejectsTampering) {
  const RsaKey k("k1");
  auto set = ParseJwkSet({{"keys", {k.Jwk()}}});
  ASSERT_TRUE(set.ok()) << set.error().reason;
  const std::string token = k.Sign({{"sub", "a"}});
  auto jws = DecodeJws(token);
  ASSERT_TRUE(jws.ok());
  const auto keys = CandidateKeys(*set, *jws);
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_TRUE(VerifyJws(*jws, *keys[0]).ok());

  // Another payload under the same signature.
  const size_t a = token.find('.');
  const size_t b = token.find('.', a + 1);
  const std::string forged =
      token.substr(0, a + 1) + Base64UrlEncode(Json{{"sub", "b"}}.dump()) + token.substr(b);
  auto fj = DecodeJws(forged);
  ASSERT_TRUE(fj.ok());
  EXPECT_FALSE(VerifyJws(*fj, *keys[0]).ok());
}

TEST(Jose, RefusesNoneAndHmacWithThePublicKey) {
  const RsaKey k("k1");
  auto set = ParseJwkSet({{"keys", {k.Jwk()}}});
  ASSERT_TRUE(set.ok());
  auto none = DecodeJws(Unsigned({{"alg", "none"}, {"kid", "k1"}}, {{"sub", "a"}}));
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(AllowedAlgorithm("none"));
  EXPECT_FALSE(VerifyJws(*none, set->keys[0]).ok());

  for (const std::string& secret : {k.PublicPem(), k.Jwk().dump()}) {
    auto hs = DecodeJws(Hs256({{"sub", "a"}}, secret, "k1"));
    ASSERT_TRUE(hs.ok());
    EXPECT_FALSE(AllowedAlgorithm("HS256"));
    EXPECT_FALSE(VerifyJws(*hs, set->keys[0]).ok());
  }
}

TEST(Jose, Es256SignsAndVerifies) {
  EVP_PKEY* ec = EVP_EC_gen("P-256");
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, ec, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  const std::string pem(data, static_cast<size_t>(len));
  BIO_free(bio);
  auto token = SignEs256({{"iss", "team"}}, pem, "kid1");
  ASSERT_TRUE(token.ok()) << token.error().reason;

  BIGNUM* x = nullptr;
  BIGNUM* y = nullptr;
  EVP_PKEY_get_bn_param(ec, OSSL_PKEY_PARAM_EC_PUB_X, &x);
  EVP_PKEY_get_bn_param(ec, OSSL_PKEY_PARAM_EC_PUB_Y, &y);
  std::string xb(32, '\0');
  std::string yb(32, '\0');
  BN_bn2binpad(x, reinterpret_cast<unsigned char*>(xb.data()), 32);
  BN_bn2binpad(y, reinterpret_cast<unsigned char*>(yb.data()), 32);
  BN_free(x);
  BN_free(y);
  EVP_PKEY_free(ec);
  auto set = ParseJwkSet({{"keys",
                           {{{"kty", "EC"},
                             {"crv", "P-256"},
                             {"kid", "kid1"},
                             {"x", Base64UrlEncode(xb)},
                             {"y", Base64UrlEncode(yb)}}}}});
  ASSERT_TRUE(set.ok()) << set.error().reason;
  auto jws = DecodeJws(*token);
  ASSERT_TRUE(jws.ok());
  EXPECT_TRUE(VerifyJws(*jws, set->keys[0]).ok());
  // An RSA algorithm does not verify with an EC key.
  jws->header["alg"] = "RS256";
  EXPECT_FALSE(VerifyJws(*jws, set->keys[0]).ok());
  // Not an EC P-256 key: refused for signing.
  EXPECT_FALSE(SignEs256({}, "not a key", "k").ok());
}

TEST(Jose, KeySetsAreBounded) {
  const RsaKey small("s", 1024);
  EXPECT_FALSE(ParseJwkSet({{"keys", {small.Jwk()}}}).ok());  // below 2048 bits: skipped
  EXPECT_FALSE(ParseJwkSet({{"keys", {{{"kty", "oct"}, {"k", "c2VjcmV0"}}}}}).ok());
  EXPECT_FALSE(ParseJwkSet(Json::array()).ok());
  const RsaKey k("k");
  Json many = Json::array();
  for (size_t i = 0; i <= kMaxJwks; ++i) {
    many.push_back(k.Jwk());
  }
  EXPECT_FALSE(ParseJwkSet({{"keys", many}}).ok());
  Json enc = k.Jwk();
  enc["use"] = "enc";
  EXPECT_FALSE(ParseJwkSet({{"keys", {enc}}}).ok());
}

TEST(Jose, MalformedTokensAreRefused) {
  for (const std::string& t :
       std::vector<std::string>{"", "a.b", "a.b.c.d", "!!!.e30.", "e30.!!!.", "WzFd.e30.",
                                "e30.e30.@@", std::string(kMaxTokenBytes + 1, 'a')}) {
    EXPECT_FALSE(DecodeJws(t).ok()) << t.substr(0, 20);
  }
}

// ---- ID tokens from a provider on loopback ---------------------------------------------------

class ProviderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { ASSERT_TRUE(httpclient::GlobalInit().ok()); }
  ProviderTest()
      : server_(Behaviour::kAnswer, 0, [this](const TestRequest& r) { return Serve(r); }),
        http_(httpclient::NewClient()),
        clock_(Timestamp(std::chrono::seconds(1'800'000'000))) {
    issuer_ = server_.Url("");
    while (!issuer_.empty() && issuer_.back() == '/') {
      issuer_.pop_back();
    }
    config_.serve_public.base_url = "http://127.0.0.1:4433/";
    config::OidcProvider p;
    p.id = "idp";
    p.provider = "generic";
    p.client_id = "client";
    p.client_secret = "secret";
    p.issuer_url = issuer_;
    p.mapper_url = "base64://e30=";
    config_.selfservice.methods.oidc_providers.push_back(p);
    keys_ = {{"keys", {key1_.Jwk()}}};
    providers_ = std::make_unique<Providers>(config_, *http_, clock_);
  }

  TestResponse Serve(const TestRequest& r) {
    if (r.target == "/.well-known/openid-configuration") {
      return {200, "Content-Type: application/json\r\n",
              Json{{"issuer", issuer_},
                   {"authorization_endpoint", issuer_ + "/auth"},
                   {"token_endpoint", issuer_ + "/token"},
                   {"jwks_uri", issuer_ + "/jwks"},
                   {"code_challenge_methods_supported", {"S256"}}}
                  .dump()};
    }
    if (r.target == "/jwks") {
      ++jwks_fetches_;
      const std::lock_guard lock(mu_);
      return {200, "Content-Type: application/json\r\n", keys_.dump()};
    }
    return {404, "", ""};
  }

  int64_t Now() const {
    return std::chrono::duration_cast<std::chrono::seconds>(clock_.Now().time_since_epoch())
        .count();
  }
  Json Claims() const {
    return {{"iss", issuer_},     {"sub", "user-1"}, {"aud", "client"},
            {"exp", Now() + 300}, {"iat", Now()},    {"nonce", "n-1"}};
  }
  Result<Json> Verify(const std::string& token, const std::string& nonce = "n-1") {
    const auto* p = providers_->Find("idp");
    auto e = providers_->EndpointsOf(*p);
    if (!e.ok()) {
      return std::move(e).error();
    }
    return providers_->VerifyIdToken(*p, *e, token, nonce);
  }

  RsaKey key1_{"k1"};
  RsaKey key2_{"k2"};
  std::mutex mu_;
  Json keys_;
  std::atomic<int> jwks_fetches_{0};
  TestServer server_;
  std::unique_ptr<httpclient::Client> http_;
  ManualClock clock_;
  std::string issuer_;
  config::Config config_;
  std::unique_ptr<Providers> providers_;
};

TEST_F(ProviderTest, AcceptsAValidToken) {
  auto c = Verify(key1_.Sign(Claims()));
  ASSERT_TRUE(c.ok()) << c.error().reason;
  EXPECT_EQ((*c)["sub"], "user-1");
}

TEST_F(ProviderTest, RefusesEveryBrokenClaim) {
  const auto with = [&](const char* key, const Json& value) {
    Json c = Claims();
    if (value.is_null()) {
      c.erase(key);
    } else {
      c[key] = value;
    }
    return key1_.Sign(c);
  };
  EXPECT_FALSE(Verify(with("iss", "https://evil.example")).ok());
  EXPECT_FALSE(Verify(with("iss", nullptr)).ok());
  EXPECT_FALSE(Verify(with("aud", "other")).ok());
  EXPECT_FALSE(Verify(with("aud", Json::array({"other", "more"}))).ok());
  // Several audiences need azp, and azp must be this client.
  EXPECT_FALSE(Verify(with("aud", Json::array({"client", "other"}))).ok());
  {
    Json c = Claims();
    c["aud"] = Json::array({"client", "other"});
    c["azp"] = "client";
    EXPECT_TRUE(Verify(key1_.Sign(c)).ok());
    c["azp"] = "other";
    EXPECT_FALSE(Verify(key1_.Sign(c)).ok());
  }
  EXPECT_FALSE(Verify(with("exp", Now() - 61)).ok());  // beyond the skew
  EXPECT_TRUE(Verify(with("exp", Now() - 30)).ok());   // within it
  EXPECT_FALSE(Verify(with("exp", nullptr)).ok());
  EXPECT_FALSE(Verify(with("exp", "soon")).ok());
  EXPECT_FALSE(Verify(with("iat", Now() + 3600)).ok());
  EXPECT_FALSE(Verify(with("iat", nullptr)).ok());
  EXPECT_FALSE(Verify(with("nbf", Now() + 3600)).ok());
  EXPECT_FALSE(Verify(with("nonce", "n-2")).ok());
  EXPECT_FALSE(Verify(with("nonce", nullptr)).ok());
  EXPECT_FALSE(Verify(with("sub", "")).ok());
  EXPECT_FALSE(Verify(with("sub", std::string(256, 's'))).ok());
  EXPECT_FALSE(Verify(with("sub", 42)).ok());
}

TEST_F(ProviderTest, RefusesForgedSignatures) {
  EXPECT_FALSE(Verify(Unsigned({{"alg", "none"}, {"kid", "k1"}}, Claims())).ok());
  EXPECT_FALSE(Verify(Unsigned({{"alg", "none"}}, Claims())).ok());
  EXPECT_FALSE(Verify(Hs256(Claims(), key1_.PublicPem(), "k1")).ok());
  EXPECT_FALSE(Verify(Hs256(Claims(), key1_.Jwk().dump(), "k1")).ok());
  // A key the provider does not publish, under a published key id and under its own.
  EXPECT_FALSE(Verify(key2_.Sign(Claims(), {{"kid", "k1"}})).ok());
  EXPECT_FALSE(Verify(key2_.Sign(Claims())).ok());
}

TEST_F(ProviderTest, ARotatedKeyIsFetchedOnceAndUnknownKeysAreRateLimited) {
  ASSERT_TRUE(Verify(key1_.Sign(Claims())).ok());
  EXPECT_EQ(jwks_fetches_, 1);
  {
    const std::lock_guard lock(mu_);
    keys_ = {{"keys", {key2_.Jwk()}}};
  }
  clock_.Advance(std::chrono::seconds(2));
  auto c = Verify(key2_.Sign(Claims()));
  ASSERT_TRUE(c.ok()) << c.error().reason;
  EXPECT_EQ(jwks_fetches_, 2);
  // Random key ids within the refetch interval cost no fetch.
  for (int i = 0; i < 5; ++i) {
    EXPECT_FALSE(Verify(key1_.Sign(Claims(), {{"kid", "random-" + std::to_string(i)}})).ok());
  }
  EXPECT_EQ(jwks_fetches_, 2);
}

TEST_F(ProviderTest, ADownOrSlowProviderIsAnUpstreamError) {
  config_.selfservice.methods.oidc_providers[0].issuer_url =
      "http://127.0.0.1:" + std::to_string(httpclient::testing::UnusedPort());
  auto e = providers_->EndpointsOf(config_.selfservice.methods.oidc_providers[0]);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().code, ErrorCode::kUnavailable);

  TestServer hang(Behaviour::kHang);
  config_.selfservice.methods.oidc_providers[0].issuer_url = hang.Url("");
  Providers quick(config_, *http_, clock_,
                  ProviderLimits{.timeout = std::chrono::milliseconds(300)});
  auto slow = quick.EndpointsOf(config_.selfservice.methods.oidc_providers[0]);
  ASSERT_FALSE(slow.ok());
  EXPECT_EQ(slow.error().code, ErrorCode::kGatewayTimeout);
}

TEST_F(ProviderTest, ADeadProviderIsCutOffByItsBreaker) {
  TestServer hang(Behaviour::kHang);
  std::string base = hang.Url("");
  while (!base.empty() && base.back() == '/') {
    base.pop_back();
  }
  config_.selfservice.methods.oidc_providers[0].issuer_url = base;
  Providers quick(config_, *http_, clock_,
                  ProviderLimits{.timeout = std::chrono::milliseconds(200)});
  const config::OidcProvider& p = config_.selfservice.methods.oidc_providers[0];
  for (int i = 0; i < 3; ++i) {
    auto e = quick.EndpointsOf(p);
    ASSERT_FALSE(e.ok());
    EXPECT_EQ(e.error().code, ErrorCode::kGatewayTimeout);
  }
  const auto started = std::chrono::steady_clock::now();
  auto cut = quick.EndpointsOf(p);
  ASSERT_FALSE(cut.ok());
  EXPECT_EQ(cut.error().code, ErrorCode::kUnavailable);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(150));
  EXPECT_EQ(hang.Accepted(), 3) << "the open breaker kept the fourth call off the network";
  clock_.Advance(std::chrono::seconds(31));  // after the cool-down one probe goes out
  auto probe = quick.EndpointsOf(p);
  ASSERT_FALSE(probe.ok());
  EXPECT_EQ(probe.error().code, ErrorCode::kGatewayTimeout);
}

TEST_F(ProviderTest, DiscoveryOfAnotherIssuerIsRefused) {
  config_.selfservice.methods.oidc_providers[0].issuer_url = issuer_ + "/other";
  EXPECT_FALSE(providers_->EndpointsOf(config_.selfservice.methods.oidc_providers[0]).ok());
}

TEST_F(ProviderTest, MicrosoftMultiTenantIssuersAreFilledFromTid) {
  const std::string templated = issuer_ + "/{tenantid}/v2.0";
  TestServer ms(Behaviour::kAnswer, 0, [&](const TestRequest& r) -> TestResponse {
    if (r.target.ends_with("/.well-known/openid-configuration")) {
      return {200, "",
              Json{{"issuer", templated},
                   {"authorization_endpoint", issuer_ + "/auth"},
                   {"token_endpoint", issuer_ + "/token"},
                   {"jwks_uri", issuer_ + "/jwks"}}
                  .dump()};
    }
    return {404, "", ""};
  });
  std::string ms_base = ms.Url("");
  while (!ms_base.empty() && ms_base.back() == '/') {
    ms_base.pop_back();
  }
  config::OidcProvider p = config_.selfservice.methods.oidc_providers[0];
  p.id = "ms";
  p.provider = "microsoft";
  p.issuer_url = ms_base + "/common/v2.0";
  auto e = providers_->EndpointsOf(p);
  ASSERT_TRUE(e.ok()) << e.error().reason;
  e->issuer = templated;
  const std::string tenant1 = "9188040d-6c67-4c5b-b112-36a304b66dad";
  const std::string tenant2 = "72f988bf-86f1-41af-91ab-2d7cd011db47";
  Json c = Claims();
  c["iss"] = issuer_ + "/" + tenant1 + "/v2.0";
  c["tid"] = tenant1;
  EXPECT_TRUE(providers_->VerifyIdToken(p, *e, key1_.Sign(c), "n-1").ok());
  c["tid"] = tenant2;
  EXPECT_FALSE(providers_->VerifyIdToken(p, *e, key1_.Sign(c), "n-1").ok());
  c.erase("tid");
  EXPECT_FALSE(providers_->VerifyIdToken(p, *e, key1_.Sign(c), "n-1").ok());
  // As Kratos: the tenant id must be a UUID (so that it cannot reshape the issuer).
  c["iss"] = issuer_ + "/x/../" + tenant1 + "/v2.0";
  c["tid"] = "x/../" + tenant1;
  const auto odd = providers_->VerifyIdToken(p, *e, key1_.Sign(c), "n-1");
  ASSERT_FALSE(odd.ok());
  EXPECT_NE(odd.error().reason.find("tid"), std::string::npos) << odd.error().reason;
}

TEST_F(ProviderTest, GithubClaimsComeFromTheUserApiWithThePrimaryAddress) {
  std::string emails = R"([{"email":"a@x.example","primary":false,"verified":true},
                           {"email":"b@x.example","primary":true,"verified":false}])";
  std::vector<std::string> seen;
  std::mutex seen_mu;
  TestServer gh(Behaviour::kAnswer, 0, [&](const TestRequest& r) -> TestResponse {
    {
      const std::lock_guard lock(seen_mu);
      seen.push_back(r.target);
    }
    if (r.headers.find("Authorization: Bearer at-1") == std::string::npos) {
      return {401, "", "{}"};
    }
    if (r.target == "/api/v3/user") {
      return {200, "",
              R"({"id":42,"login":"octo","name":null,"updated_at":"2024-05-06T07:08:09Z"})"};
    }
    if (r.target == "/api/v3/user/emails") {
      return {200, "", emails};
    }
    return {404, "", ""};
  });
  config::OidcProvider p = config_.selfservice.methods.oidc_providers[0];
  p.id = "gh";
  p.provider = "github";
  p.scope = {"user:email"};
  config_.selfservice.methods.oidc_api_urls["gh"] = gh.Url("/api/v3/");
  auto e = providers_->EndpointsOf(p);
  ASSERT_TRUE(e.ok()) << e.error().reason;
  EXPECT_EQ(e->issuer, "");
  EXPECT_EQ(e->authorization, "https://github.com/login/oauth/authorize");
  const Json tokens = {{"access_token", "at-1"}, {"scope", "read:user,user:email"}};
  auto c = providers_->ClaimsOf(p, *e, tokens, "");
  ASSERT_TRUE(c.ok()) << c.error().reason;
  EXPECT_EQ(c->subject, "42");
  EXPECT_EQ(c->claims["nickname"], "octo");
  EXPECT_FALSE(c->claims.contains("name")) << "null is no name";
  EXPECT_EQ(c->claims["updated_at"], 1714979289);
  EXPECT_EQ(c->claims["email"], "b@x.example") << "the primary address, not the verified one";
  EXPECT_EQ(c->claims["email_verified"], false);
  // Not granted: refused before any API call.
  const size_t calls = seen.size();
  const auto denied =
      providers_->ClaimsOf(p, *e, {{"access_token", "at-1"}, {"scope", "read:user"}}, "");
  ASSERT_FALSE(denied.ok());
  EXPECT_NE(denied.error().reason.find("permissions were not granted"), std::string::npos);
  EXPECT_EQ(seen.size(), calls);
  // The e-mail API answering something else than a list: an upstream error.
  emails = R"({"email":"b@x.example"})";
  const auto odd = providers_->ClaimsOf(p, *e, tokens, "");
  ASSERT_FALSE(odd.ok());
  EXPECT_EQ(odd.error().code, ErrorCode::kBadGateway) << odd.error().reason;
}

TEST_F(ProviderTest, ScopesStartWithOpenidAndTheRedirectUriFollowsTheBaseUrl) {
  const auto* p = providers_->Find("idp");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(providers_->Find("nope"), nullptr);
  config_.selfservice.methods.oidc_providers[0].scope = {"email", "openid", "email"};
  Endpoints e;
  e.issuer = issuer_;
  EXPECT_EQ(providers_->Scopes(*p, e), (std::vector<std::string>{"openid", "email"}));
  e.issuer.clear();  // plain OAuth2 (github): no openid scope
  EXPECT_EQ(providers_->Scopes(*p, e), (std::vector<std::string>{"email", "openid"}));
  EXPECT_EQ(providers_->RedirectUri(*p),
            "http://127.0.0.1:4433/self-service/methods/oidc/callback/idp");
  config_.selfservice.methods.oidc_base_redirect_uri = "https://auth.example/";
  EXPECT_EQ(providers_->RedirectUri(*p),
            "https://auth.example/self-service/methods/oidc/callback/idp");
}

TEST(Claims, KeepStandardClaimsAndRawClaims) {
  const Claims c = ClaimsFromJson({{"sub", "s"}, {"email", "a@b.c"}, {"custom", 1}});
  EXPECT_EQ(c.subject, "s");
  EXPECT_EQ(c.claims["email"], "a@b.c");
  EXPECT_FALSE(c.claims.contains("custom"));
  EXPECT_EQ(c.claims["raw_claims"]["custom"], 1);
}

}  // namespace
}  // namespace atrium::strategy::oidc

namespace atrium::strategy::oidc {
namespace {

TEST(IssuerMatchesTest, MicrosoftTemplatesTakeOnlyATenantId) {
  EXPECT_TRUE(IssuerMatches("https://idp.example", "https://idp.example"));
  EXPECT_FALSE(IssuerMatches("https://idp.example", "https://idp.example/"));
  const std::string t = "https://login.microsoftonline.com/{tenantid}/v2.0";
  EXPECT_TRUE(IssuerMatches(t,
                            "https://login.microsoftonline.com/"
                            "9188040d-6c67-4c5b-b112-36a304b66dad/v2.0"));
  EXPECT_FALSE(IssuerMatches(t, t));
  EXPECT_FALSE(IssuerMatches(t, "https://login.microsoftonline.com/common/v2.0"));
  EXPECT_FALSE(IssuerMatches(t, "https://evil.example/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0"));
  EXPECT_FALSE(IssuerMatches(t,
                             "https://login.microsoftonline.com/"
                             "9188040d-6c67-4c5b-b112-36a304b66dad/v2.0/x"));
  EXPECT_FALSE(IssuerMatches(t,
                             "https://login.microsoftonline.com/"
                             "9188040d/6c67-4c5b-b112-36a304b66dad/v2.0"));
}

}  // namespace
}  // namespace atrium::strategy::oidc
