#pragma once
// The store contract: one suite that every backend (SQLite, PostgreSQL) must pass. A backend
// test instantiates it with a factory that returns a fresh, migrated store.

#include <atomic>
#include <functional>
#include <memory>
#include <thread>

#include <gtest/gtest.h>

#include "base/random.h"
#include "flow/error_store.h"
#include "identity/store.h"
#include "registration/store.h"
#include "session/session.h"
#include "store/database.h"

namespace atrium::store::contract {

// The interfaces of one backend instance; `owner` keeps it alive.
struct StoreUnderTest {
  std::shared_ptr<void> owner;
  registration::FlowStore* flows = nullptr;
  registration::RegistrationStore* registrations = nullptr;
  identity::IdentityStore* identities = nullptr;
  session::SessionStore* sessions = nullptr;
  flow::ErrorStore* errors = nullptr;
  store::Database* database = nullptr;
};

using StoreFactory = std::function<StoreUnderTest()>;

inline Timestamp T(int64_t micros) {
  return Timestamp(std::chrono::microseconds(1'780'000'000'000'000 + micros));
}

inline identity::Identity NewIdentity(const std::string& email) {
  identity::Identity id;
  id.id = NewUuid();
  id.schema_id = "default";
  id.state_changed_at = T(1);
  id.created_at = T(2);
  id.updated_at = T(3);
  id.traits = Json::parse(R"({"email":"x","name":"Ann","a":1})");
  id.traits["email"] = email;
  identity::Credential c;
  c.type = "password";
  c.identifiers = {email};
  c.config = {{"hashed_password", "$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$aGFzaA"}};
  id.credentials["password"] = c;
  id.verifiable_addresses.push_back(identity::VerifiableAddress{
      NewUuid(), email, false, "email", "pending", std::nullopt, T(4), T(5)});
  id.recovery_addresses.push_back(identity::RecoveryAddress{NewUuid(), email, "email", T(6), T(7)});
  return id;
}

inline session::Session NewSession(const identity::Identity& id) {
  session::Session s;
  s.id = NewUuid();
  s.token = session::NewSessionToken();
  s.token_digest = session::TokenDigest(s.token);
  s.issued_at = T(10);
  s.authenticated_at = T(11);
  s.expires_at = T(12);
  s.identity_id = id.id;
  s.identity = id;
  s.authentication_methods.push_back(session::AuthenticationMethod{"password", "aal1", T(13)});
  s.devices.push_back(session::Device{NewUuid(), "127.0.0.1", "agent/1", ""});
  return s;
}

// A fresh address per call, so that the suite also runs on a database that is not empty (a
// shared PostgreSQL server keeps what earlier runs wrote).
inline std::string Unique(const std::string& local) {
  return local + "-" + NewUuid().substr(0, 8) + "@example.com";
}

class StoreContract : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override {
    if (!GetParam()) {
      GTEST_SKIP() << "this backend is not available here (see the instantiation)";
    }
    store_ = GetParam()();
  }
  StoreUnderTest store_;
};
// Helpers of this header serve other tests too (the sweeper's), which do not instantiate it.
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(StoreContract);

TEST_P(StoreContract, StaleRowsAreDeletedInBoundedBatches) {
  const Timestamp now = T(5'000'000);
  std::vector<std::string> expired;
  for (int i = 0; i < 3; ++i) {
    registration::Flow f;
    f.id = NewUuid();
    f.issued_at = T(1);
    f.expires_at = now - std::chrono::seconds(i + 1);
    ASSERT_TRUE(store_.flows->CreateFlow(f).ok());
    expired.push_back(f.id);
  }
  registration::Flow live;
  live.id = NewUuid();
  live.issued_at = T(1);
  live.expires_at = now + std::chrono::hours(1);
  ASSERT_TRUE(store_.flows->CreateFlow(live).ok());
  const auto first = store_.database->DeleteStale(store::StaleKind::kFlows, now, 2);
  ASSERT_TRUE(first.ok()) << first.error().reason;
  EXPECT_EQ(*first, 2) << "at most the limit";
  for (int i = 0; i < 1000; ++i) {  // a shared server may hold stale rows of earlier runs
    const auto more = store_.database->DeleteStale(store::StaleKind::kFlows, now, 100);
    ASSERT_TRUE(more.ok());
    if (*more < 100) {
      break;
    }
  }
  for (const auto& id : expired) {
    EXPECT_FALSE(store_.flows->GetFlow(id)->has_value());
  }
  EXPECT_TRUE(store_.flows->GetFlow(live.id)->has_value());
}

TEST_P(StoreContract, FlowsRoundTripAndUpdate) {
  registration::Flow f;
  f.id = NewUuid();
  f.type = registration::FlowType::kApi;
  f.issued_at = T(1);
  f.expires_at = T(2);
  f.request_url = "http://127.0.0.1/self-service/registration/api";
  f.csrf_token = "masked";
  ASSERT_TRUE(store_.flows->CreateFlow(f).ok());
  auto got = store_.flows->GetFlow(f.id);
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->ToStorageJson(), f.ToStorageJson());
  f.state = "sent_email";
  ASSERT_TRUE(store_.flows->UpdateFlow(f).ok());
  EXPECT_EQ((*store_.flows->GetFlow(f.id))->state, "sent_email");
  EXPECT_FALSE(store_.flows->GetFlow(NewUuid())->has_value());
  registration::Flow unknown = f;
  unknown.id = NewUuid();
  EXPECT_EQ(store_.flows->UpdateFlow(unknown).error().code, ErrorCode::kNotFound);
}

TEST_P(StoreContract, SignInFailuresCountUpAndStartOver) {
  login::AttemptStore& attempts = *store_.database;
  const std::string key = "identifier:" + Unique("ann");
  EXPECT_FALSE(attempts.GetAttempts(key)->has_value());
  ASSERT_TRUE(attempts.RecordFailure(key, T(100), T(0), T(1000)).ok());
  ASSERT_TRUE(attempts.RecordFailure(key, T(200), T(50), T(1000)).ok());
  auto got = attempts.GetAttempts(key);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->failures, 2);
  EXPECT_EQ((*got)->last_failure, T(200));
  // The last failure is older than the restart point: the count starts over.
  ASSERT_TRUE(attempts.RecordFailure(key, T(900), T(300), T(2000)).ok());
  got = attempts.GetAttempts(key);
  EXPECT_EQ((*got)->failures, 1);
  EXPECT_EQ((*got)->last_failure, T(900));
  ASSERT_TRUE(attempts.ResetAttempts(key).ok());
  EXPECT_FALSE(attempts.GetAttempts(key)->has_value());
}

// Instances behind a balancer record failures of one key at once: none may be lost.
TEST_P(StoreContract, ConcurrentFailuresAreAllCounted) {
  login::AttemptStore& attempts = *store_.database;
  const std::string key = "ip:" + NewUuid();
  constexpr int kThreads = 4;
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        EXPECT_TRUE(attempts.RecordFailure(key, T(100 + i), T(0), T(1000)).ok());
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ((*attempts.GetAttempts(key))->failures, 40);
}

TEST_P(StoreContract, ErrorsRoundTrip) {
  flow::ErrorContainer e{NewUuid(), Json::parse(R"({"id":"x","code":403})"), T(1), T(2)};
  ASSERT_TRUE(store_.errors->CreateError(e).ok());
  const auto got = store_.errors->GetError(e.id);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->error.dump(), e.error.dump());
  EXPECT_EQ((*got)->created_at, e.created_at);
  EXPECT_FALSE(store_.errors->GetError(NewUuid())->has_value());
}

TEST_P(StoreContract, IdentityAndSessionRoundTripExactly) {
  const std::string ann = Unique("ann");
  const auto id = NewIdentity(ann);
  const auto s = NewSession(id);
  const auto created = store_.registrations->CreateIdentityWithSession(id, s);
  ASSERT_TRUE(created.ok()) << created.error().reason;
  const auto got = store_.identities->GetIdentity(id.id);
  ASSERT_TRUE(got.ok() && got->has_value());
  const auto& g = **got;
  EXPECT_EQ(g.traits.dump(), id.traits.dump()) << "key order is preserved";
  EXPECT_EQ(g.created_at, id.created_at);
  EXPECT_EQ(g.credentials.at("password").identifiers, id.credentials.at("password").identifiers);
  EXPECT_EQ(g.credentials.at("password").config, id.credentials.at("password").config);
  ASSERT_EQ(g.verifiable_addresses.size(), 1u);
  EXPECT_EQ(g.verifiable_addresses[0].id, id.verifiable_addresses[0].id);
  EXPECT_EQ(g.verifiable_addresses[0].updated_at, id.verifiable_addresses[0].updated_at);
  EXPECT_EQ(g.ToPublicJson("http://x/"), id.ToPublicJson("http://x/"));

  const auto by_token = store_.sessions->GetSessionByTokenDigest(session::TokenDigest(s.token));
  ASSERT_TRUE(by_token.ok() && by_token->has_value());
  EXPECT_EQ((*by_token)->ToJson("http://x/", T(0)), s.ToJson("http://x/", T(0)));
  EXPECT_TRUE((*by_token)->identity.credentials.empty()) << "credentials stay in the store";
  EXPECT_TRUE((*by_token)->token.empty()) << "the plain token is never stored";
  EXPECT_EQ((*by_token)->token_digest, s.token_digest);
  EXPECT_FALSE(store_.sessions->GetSessionByTokenDigest(s.token)->has_value())
      << "the plain token does not find the session";
  EXPECT_FALSE(store_.sessions->GetSessionByTokenDigest(session::TokenDigest("ory_st_unknown"))
                   ->has_value());

  const auto by_identifier = store_.identities->FindByCredentialIdentifier("password", ann);
  ASSERT_TRUE(by_identifier.ok() && by_identifier->has_value());
  EXPECT_EQ((*by_identifier)->id, id.id);
  EXPECT_TRUE((*store_.identities->FindByAddress(ann))->id == id.id);
  EXPECT_FALSE(store_.identities->FindByAddress(Unique("nobody"))->has_value());
}

TEST_P(StoreContract, DuplicateIdentifierIsAConflictNamingTheValue) {
  const std::string dup = Unique("dup");
  const auto first = NewIdentity(dup);
  ASSERT_TRUE(store_.registrations->CreateIdentityWithSession(first, NewSession(first)).ok());
  const auto second = NewIdentity(dup);
  const auto st = store_.registrations->CreateIdentityWithSession(second, NewSession(second));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kConflict);
  EXPECT_EQ(st.error().details.value("identifier", ""), dup);
  EXPECT_EQ(st.error().details.value("type", ""), "password");
  EXPECT_EQ(st.error().details["credential_types"], Json::array({"password"}));
  EXPECT_FALSE(store_.identities->GetIdentity(second.id)->has_value()) << "nothing half-written";
}

TEST_P(StoreContract, DuplicateAddressIsAConflictToo) {
  const std::string addr = Unique("addr");
  const auto first = NewIdentity(addr);
  ASSERT_TRUE(store_.registrations->CreateIdentityWithSession(first, NewSession(first)).ok());
  auto second = NewIdentity(Unique("other"));
  second.verifiable_addresses[0].value = addr;
  const auto st = store_.registrations->CreateIdentityWithSession(second, NewSession(second));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kConflict);
  EXPECT_EQ(st.error().details.value("identifier", ""), addr);
  EXPECT_FALSE(store_.identities->GetIdentity(second.id)->has_value());
}

TEST_P(StoreContract, AFailureLateInTheTransactionLeavesNothing) {
  const auto first = NewIdentity(Unique("one"));
  const auto s1 = NewSession(first);
  ASSERT_TRUE(store_.registrations->CreateIdentityWithSession(first, s1).ok());
  const std::string two = Unique("two");
  const auto second = NewIdentity(two);
  auto s2 = NewSession(second);
  s2.token_digest = s1.token_digest;  // the session insert, the last step, fails
  const auto st = store_.registrations->CreateIdentityWithSession(second, s2);
  ASSERT_FALSE(st.ok());
  EXPECT_FALSE(store_.identities->GetIdentity(second.id)->has_value());
  EXPECT_FALSE(store_.identities->FindByCredentialIdentifier("password", two)->has_value());
  EXPECT_FALSE(store_.identities->FindByAddress(two)->has_value());
  // The identifier is still free afterwards.
  const auto retry = NewIdentity(two);
  EXPECT_TRUE(store_.registrations->CreateIdentityWithSession(retry, NewSession(retry)).ok());
}

TEST_P(StoreContract, ConcurrentRegistrationsWithSharedIdentifiers) {
  constexpr int kThreads = 8;
  constexpr int kEach = 25;
  std::atomic<int> created{0};
  std::atomic<int> conflicts{0};
  std::atomic<int> other{0};
  const std::string run = NewUuid().substr(0, 8);
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const auto id = NewIdentity("race-" + run + "-" + std::to_string((t * kEach + i) % 20) +
                                    "@example.com");
        const auto st = store_.registrations->CreateIdentityWithSession(id, NewSession(id));
        if (st.ok()) {
          ++created;
        } else if (st.error().code == ErrorCode::kConflict) {
          ++conflicts;
        } else {
          ++other;
          ADD_FAILURE() << st.error().reason;
        }
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(created, 20);
  EXPECT_EQ(conflicts, kThreads * kEach - 20);
  EXPECT_EQ(other, 0);
}

}  // namespace atrium::store::contract
