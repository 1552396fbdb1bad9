#pragma once
// The store contract: one suite that every backend (SQLite, PostgreSQL) must pass. A backend
// test instantiates it with a factory that returns a fresh, migrated store.

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <numeric>
#include <thread>

#include <gtest/gtest.h>

#include "base/random.h"
#include "courier/message.h"
#include "flow/error_store.h"
#include "identity/store.h"
#include "otp/codes.h"
#include "registration/store.h"
#include "session/session.h"
#include "store/database.h"
#include "verification/flow.h"

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
  // Whether flows->GetFlowAnswerLater must take fetches (a networked store batches them).
  bool reads_later = false;
};

using StoreFactory = std::function<StoreUnderTest()>;

inline Timestamp T(int64_t micros) {
  return Timestamp(std::chrono::microseconds(1'780'000'000'000'000 + micros));
}

// An API registration flow with this id, issued at T(1), expiring at T(2).
inline registration::Flow ApiFlow(std::string id) {
  registration::Flow f;
  f.id = std::move(id);
  f.type = registration::FlowType::kApi;
  f.issued_at = T(1);
  f.expires_at = T(2);
  return f;
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
  registration::Flow f = ApiFlow(NewUuid());
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

// A fetch is answered with the flow as it was stored: the public JSON as a fetch shows it,
// without what only the first answer carries and without the private fields.
TEST_P(StoreContract, AFlowsStoredAnswerIsWhatAFetchShows) {
  registration::Flow f;
  f.id = NewUuid();
  f.type = registration::FlowType::kBrowser;
  f.issued_at = T(1);
  f.expires_at = T(2);
  f.request_url = "http://127.0.0.1/self-service/registration/browser?return_to=/x";
  f.csrf_token = "masked-token";
  f.internal_context = {{"secret", "internal-value"}};
  f.transient_payload = {{"once", true}};
  f.session_token_exchange_code = "exchange-code";
  f.oauth2_login_request = {{"hydra", "request"}};
  f.ui.action = "http://127.0.0.1/self-service/registration?flow=" + f.id;
  ASSERT_TRUE(store_.flows->CreateFlow(f).ok());

  auto got = store_.flows->GetFlowAnswer(f.id);
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(got->has_value());
  const flow::StoredAnswer& a = **got;
  EXPECT_FALSE(a.api);
  EXPECT_EQ(a.expires_at, f.expires_at);
  EXPECT_EQ(a.csrf_token, "masked-token");
  EXPECT_FALSE(a.login_challenge);
  Json shown = f.ToJson();
  shown.erase("transient_payload");
  shown.erase("session_token_exchange_code");
  shown.erase("oauth2_login_request");
  EXPECT_EQ(Json::parse(a.body), shown);
  EXPECT_EQ(a.body.find("masked-token"), std::string::npos);
  EXPECT_EQ(a.body.find("internal-value"), std::string::npos);
  // What the decoded flow answers is the same document.
  EXPECT_EQ((*store_.flows->GetFlow(f.id))->ToJson(), shown);

  f.state = "sent_email";
  f.oauth2_login_challenge = "challenge";
  ASSERT_TRUE(store_.flows->UpdateFlow(f).ok());
  got = store_.flows->GetFlowAnswer(f.id);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ(Json::parse((*got)->body)["state"], "sent_email");
  EXPECT_TRUE((*got)->login_challenge) << "Hydra is asked on every fetch";
  EXPECT_EQ((*store_.flows->GetFlow(f.id))->oauth2_login_challenge, "challenge");

  got = store_.flows->GetFlowAnswer(NewUuid());
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value());
}

// Flows written later (from the I/O threads) are each told their own outcome once, after their
// write is committed: readable then; a duplicate fails alone.
TEST_P(StoreContract, FlowsWrittenLaterAreAnsweredOnceCommitted) {
  constexpr int kFlows = 60;
  std::mutex mu;
  std::condition_variable cv;
  int answered = 0;
  int failed = 0;
  std::vector<std::string> ids;
  const auto write_later = [&](registration::Flow f) {
    flow::StoredDocument doc = f.Stored();
    const std::string id = f.id;
    return store_.flows->CreateFlowLater(std::move(f), std::move(doc), [&, id](Status st) {
      if (st.ok()) {
        EXPECT_TRUE(store_.flows->GetFlow(id)->has_value()) << "answered before committed";
      }
      const std::lock_guard lock(mu);
      ++answered;
      failed += st.ok() ? 0 : 1;
      cv.notify_all();
    });
  };
  for (int i = 0; i < kFlows; ++i) {
    ids.push_back(NewUuid());
  }
  ids[1] = ids[0];  // two writers race for one id, most likely in one batch: one of them fails
  std::thread other([&] {
    for (int i = 0; i < kFlows; i += 2) {
      ASSERT_TRUE(write_later(ApiFlow(ids[i])));
    }
  });
  for (int i = 1; i < kFlows; i += 2) {
    ASSERT_TRUE(write_later(ApiFlow(ids[i])));
  }
  other.join();
  ASSERT_TRUE(write_later(ApiFlow(ids[0])));  // a second flow with the same id
  std::unique_lock lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(20), [&] { return answered == kFlows + 1; }))
      << answered << " of " << kFlows + 1 << " answered";
  EXPECT_EQ(failed, 2);
  lock.unlock();
  for (const auto& id : ids) {
    EXPECT_TRUE(store_.flows->GetFlow(id)->has_value()) << id;
  }
}

// Fetches read later (a networked store batches them) are each answered once, from another
// thread, with what an ordinary read answers; unknown and repeated ids included. A store that
// does not read later says so and never answers.
TEST_P(StoreContract, FlowsReadLaterAreAnsweredLikeOrdinaryReads) {
  constexpr int kFlows = 70;
  constexpr int kFetches = 150;  // more than one statement takes, when they queue together
  std::vector<std::string> ids;
  for (int i = 0; i < kFlows; ++i) {
    ids.push_back(NewUuid());
    ASSERT_TRUE(store_.flows->CreateFlow(ApiFlow(ids.back())).ok());
  }
  std::mutex mu;
  std::condition_variable cv;
  std::vector<int> answers(kFetches, 0);
  std::vector<std::optional<flow::StoredAnswer>> got(kFetches);
  int failed = 0;
  const auto fetch = [&](int i, std::string id) {
    return store_.flows->GetFlowAnswerLater(
        std::move(id), [&, i](Result<std::optional<flow::StoredAnswer>> answer) {
          const std::lock_guard lock(mu);
          ++answers[i];
          failed += answer.ok() ? 0 : 1;
          if (answer.ok()) {
            got[i] = *std::move(answer);
          }
          cv.notify_all();
        });
  };
  // Fetch i asks for flow i % kFlows, or for an unknown id every seventh time.
  const auto id_of = [&](int i) { return i % 7 == 3 ? NewUuid() : ids[i % kFlows]; };
  const bool taken = fetch(0, ids[0]);
  ASSERT_EQ(taken, store_.reads_later);
  if (!taken) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const std::lock_guard lock(mu);
    EXPECT_EQ(answers[0], 0) << "a store that does not read later answered";
    return;
  }
  std::vector<std::string> asked(kFetches);
  asked[0] = ids[0];
  for (int i = 1; i < kFetches; ++i) {
    asked[i] = id_of(i);
  }
  std::atomic<int> refused{0};
  std::thread other([&] {
    for (int i = 1; i < kFetches; i += 2) {
      refused += fetch(i, asked[i]) ? 0 : 1;
    }
  });
  for (int i = 2; i < kFetches; i += 2) {
    refused += fetch(i, asked[i]) ? 0 : 1;
  }
  other.join();
  ASSERT_EQ(refused, 0);
  std::unique_lock lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(20), [&] {
    return std::count(answers.begin(), answers.end(), 1) == kFetches;
  })) << "not every fetch was answered once";
  EXPECT_EQ(failed, 0);
  lock.unlock();
  for (int i = 0; i < kFetches; ++i) {
    auto ordinary = store_.flows->GetFlowAnswer(asked[i]);
    ASSERT_TRUE(ordinary.ok());
    ASSERT_EQ(got[i].has_value(), ordinary->has_value()) << i;
    if (got[i]) {
      EXPECT_EQ(got[i]->body, (*ordinary)->body) << i;
      EXPECT_EQ(got[i]->api, (*ordinary)->api) << i;
      EXPECT_EQ(got[i]->expires_at, (*ordinary)->expires_at) << i;
      EXPECT_EQ(got[i]->csrf_token, (*ordinary)->csrf_token) << i;
    }
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const std::lock_guard again(mu);
  EXPECT_EQ(std::count(answers.begin(), answers.end(), 1), kFetches);
}

TEST_P(StoreContract, SignInFailuresCountUpAndStartOver) {
  login::AttemptStore& attempts = *store_.database;
  const std::string key = "identifier:" + Unique("ann");
  EXPECT_FALSE(attempts.GetAttempts(key)->has_value());
  EXPECT_EQ(*attempts.RecordFailure(key, T(100), T(0), T(1000)), 1);
  EXPECT_EQ(*attempts.RecordFailure(key, T(200), T(50), T(1000)), 2);
  auto got = attempts.GetAttempts(key);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->failures, 2);
  EXPECT_EQ((*got)->last_failure, T(200));
  // The last failure is older than the restart point: the count starts over.
  EXPECT_EQ(*attempts.RecordFailure(key, T(900), T(300), T(2000)), 1);
  got = attempts.GetAttempts(key);
  EXPECT_EQ((*got)->failures, 1);
  EXPECT_EQ((*got)->last_failure, T(900));
  ASSERT_TRUE(attempts.ResetAttempts(key).ok());
  EXPECT_FALSE(attempts.GetAttempts(key)->has_value());
}

// Instances behind a balancer record failures of one key at once: none may be lost, and each
// gets back its own count (the code method checks only the first max_submissions of them).
TEST_P(StoreContract, ConcurrentFailuresAreAllCountedEachWithItsOwnCount) {
  login::AttemptStore& attempts = *store_.database;
  const std::string key = "ip:" + NewUuid();
  constexpr int kThreads = 4;
  std::mutex mu;
  std::vector<int64_t> seen;
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        const auto n = attempts.RecordFailure(key, T(100 + i), T(0), T(1000));
        ASSERT_TRUE(n.ok());
        const std::lock_guard lock(mu);
        seen.push_back(*n);
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ((*attempts.GetAttempts(key))->failures, kThreads * 10);
  std::sort(seen.begin(), seen.end());
  std::vector<int64_t> expected(kThreads * 10);
  std::iota(expected.begin(), expected.end(), 1);
  EXPECT_EQ(seen, expected) << "no two failures see the same count";
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

TEST_P(StoreContract, SessionTokenExchangesAreCompletedThenTakenOnce) {
  session::TokenExchangeStore& x = *store_.database;
  session::TokenExchange e;
  e.id = NewUuid();
  e.flow_id = NewUuid();
  e.init_code_digest = "init-digest";
  e.expires_at = T(100);
  e.created_at = T(1);
  ASSERT_TRUE(x.CreateTokenExchange(e).ok());
  auto of = x.TokenExchangeOfFlow(e.flow_id);
  ASSERT_TRUE(of.ok() && of->has_value());
  EXPECT_EQ((*of)->id, e.id);
  EXPECT_EQ((*of)->session_id, "");
  EXPECT_EQ((*of)->expires_at, e.expires_at);
  EXPECT_FALSE(x.TokenExchangeOfFlow(NewUuid())->has_value());
  // Not completed yet: nothing to take, even with an empty second digest.
  EXPECT_FALSE(x.TakeTokenExchange("init-digest", "")->has_value());
  const std::string sid = NewUuid();
  ASSERT_TRUE(x.CompleteTokenExchange(e.id, "return-digest", sid, "sealed").ok());
  const Status gone = x.CompleteTokenExchange(NewUuid(), "r", sid, "s");
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().code, ErrorCode::kNotFound);
  EXPECT_FALSE(x.TakeTokenExchange("init-digest", "other")->has_value());
  EXPECT_FALSE(x.TakeTokenExchange("other", "return-digest")->has_value());
  auto taken = x.TakeTokenExchange("init-digest", "return-digest");
  ASSERT_TRUE(taken.ok() && taken->has_value());
  EXPECT_EQ((*taken)->session_id, sid);
  EXPECT_EQ((*taken)->sealed_token, "sealed");
  EXPECT_FALSE(x.TakeTokenExchange("init-digest", "return-digest")->has_value()) << "single use";
  EXPECT_FALSE(x.TokenExchangeOfFlow(e.flow_id)->has_value());

  // Exchanges that were never taken go with the stale flows.
  session::TokenExchange stale = e;
  stale.id = NewUuid();
  stale.flow_id = NewUuid();
  stale.expires_at = T(10);
  session::TokenExchange live = e;
  live.id = NewUuid();
  live.flow_id = NewUuid();
  live.expires_at = T(10'000'000);
  ASSERT_TRUE(x.CreateTokenExchange(stale).ok());
  ASSERT_TRUE(x.CreateTokenExchange(live).ok());
  for (int i = 0; i < 1000; ++i) {  // a shared server may hold stale rows of earlier runs
    const auto more = store_.database->DeleteStale(store::StaleKind::kFlows, T(5'000'000), 100);
    ASSERT_TRUE(more.ok()) << more.error().reason;
    if (*more < 100) {
      break;
    }
  }
  EXPECT_FALSE(x.TokenExchangeOfFlow(stale.flow_id)->has_value());
  EXPECT_TRUE(x.TokenExchangeOfFlow(live.flow_id)->has_value());
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
  EXPECT_TRUE((*store_.identities->FindByAddress("email", ann))->id == id.id);
  EXPECT_FALSE(store_.identities->FindByAddress("email", Unique("nobody"))->has_value());
  EXPECT_FALSE(store_.identities->FindByAddress("sms", ann)->has_value())
      << "an address is found on its own channel only";
}

// What whoami shows comes back whole from one lookup: several devices and addresses, each in
// its order, by token digest and by id alike.
TEST_P(StoreContract, AWholeSessionComesBackInOneLookup) {
  const std::string ann = Unique("ann");
  auto id = NewIdentity(ann);
  id.verifiable_addresses.push_back(identity::VerifiableAddress{
      NewUuid(), Unique("second"), true, "email", "completed", T(8), T(4), T(5)});
  id.recovery_addresses.push_back(
      identity::RecoveryAddress{NewUuid(), Unique("second"), "email", T(6), T(7)});
  id.metadata_public = Json{{"k", "v"}};
  auto s = NewSession(id);
  s.devices.push_back(session::Device{NewUuid(), "10.0.0.2", std::nullopt, "Berlin"});
  ASSERT_TRUE(store_.registrations->CreateIdentityWithSession(id, s).ok());
  s.devices.push_back(session::Device{NewUuid(), "10.0.0.3", "agent/3", ""});
  s.authentication_methods.push_back(session::AuthenticationMethod{"code", "aal1", T(14)});
  ASSERT_TRUE(store_.sessions->UpdateSession(s).ok());

  for (const auto& got : {store_.sessions->GetSessionByTokenDigest(s.token_digest),
                          store_.sessions->GetSession(s.id)}) {
    ASSERT_TRUE(got.ok() && got->has_value());
    const auto& g = **got;
    EXPECT_EQ(g.ToJson("http://x/", T(0)), s.ToJson("http://x/", T(0)));
    EXPECT_EQ(g.identity_id, id.id);
    EXPECT_EQ(g.identity.state, id.state);
    ASSERT_EQ(g.devices.size(), 3u);
    EXPECT_FALSE(g.devices[1].user_agent.has_value());
    ASSERT_EQ(g.identity.verifiable_addresses.size(), 2u);
    EXPECT_TRUE(g.identity.verifiable_addresses[1].verified);
    EXPECT_EQ(g.identity.verifiable_addresses[1].verified_at, std::optional<Timestamp>(T(8)));
    ASSERT_EQ(g.identity.recovery_addresses.size(), 2u);
    EXPECT_TRUE(g.identity.credentials.empty());
  }
  EXPECT_FALSE(store_.sessions->GetSession(NewUuid())->has_value());
}

// A SessionChanges sink that records what it was told (thread-safe: a listener thread may
// report too). Static in each test, so that it outlives the store.
class RecordingChanges final : public session::SessionChanges {
 public:
  void SessionChanged(std::string_view id) override { Add("s:" + std::string(id)); }
  void IdentityChanged(std::string_view id) override { Add("i:" + std::string(id)); }
  void EverythingChanged() override { Add("*"); }
  void SetFeedUp(bool up) override { Add(up ? "up" : "down"); }
  // Whether `event` was recorded; waits up to `wait` for it.
  bool Saw(const std::string& event,
           std::chrono::milliseconds wait = std::chrono::milliseconds(0)) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, wait, [&] {
      return std::find(events_.begin(), events_.end(), event) != events_.end();
    });
  }
  void Clear() {
    std::lock_guard lock(mu_);
    events_.clear();
  }

 private:
  void Add(std::string e) {
    {
      std::lock_guard lock(mu_);
      events_.push_back(std::move(e));
    }
    cv_.notify_all();
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> events_;
};

// Every write that revokes, changes or deletes a session, or changes what whoami shows of an
// identity, is reported once it committed (so that the whoami cache drops it at once).
TEST_P(StoreContract, WritesThatChangeWhatWhoamiShowsAreReported) {
  static RecordingChanges changes;
  changes.Clear();
  store_.database->ReportSessionChanges(changes);
  const auto id = NewIdentity(Unique("ann"));
  const auto s = NewSession(id);
  ASSERT_TRUE(store_.registrations->CreateIdentityWithSession(id, s).ok());
  const std::string sid = "s:" + s.id;
  const std::string iid = "i:" + id.id;

  ASSERT_TRUE(store_.sessions->UpdateSession(s).ok());
  EXPECT_TRUE(changes.Saw(sid)) << "re-authentication";
  changes.Clear();
  ASSERT_TRUE(store_.sessions->SetSessionExpiry(s.id, T(20)).ok());
  EXPECT_TRUE(changes.Saw(sid)) << "extend";
  changes.Clear();
  ASSERT_TRUE(store_.sessions->RevokeSessionOfIdentity(id.id, s.id).ok());
  EXPECT_TRUE(changes.Saw(sid)) << "revoke one of mine";
  changes.Clear();
  ASSERT_TRUE(store_.sessions->RevokeSession(s.id).ok());
  EXPECT_TRUE(changes.Saw(sid)) << "logout, admin revoke";
  changes.Clear();
  ASSERT_TRUE(store_.sessions->RevokeSessionsOfIdentity(id.id, "").ok());
  EXPECT_TRUE(changes.Saw(iid)) << "revoke the others";
  changes.Clear();
  verification::AddressStore* addresses = store_.database;
  ASSERT_TRUE(addresses->MarkAddressSent(id.verifiable_addresses[0].id, T(30)).ok());
  EXPECT_TRUE(changes.Saw(iid)) << "address status shows in whoami";
  changes.Clear();
  ASSERT_TRUE(addresses->MarkAddressVerified(id.verifiable_addresses[0].id, T(31)).ok());
  EXPECT_TRUE(changes.Saw(iid)) << "address verified";
  changes.Clear();
  ASSERT_TRUE(store_.sessions->DeleteSessionsOfIdentity(id.id).ok());
  EXPECT_TRUE(changes.Saw(iid)) << "admin delete of an identity's sessions";
  store_ = {};  // the store (and any listener of it) goes before the test ends
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
  EXPECT_FALSE(store_.identities->FindByAddress("email", two)->has_value());
  // The identifier is still free afterwards.
  const auto retry = NewIdentity(two);
  EXPECT_TRUE(store_.registrations->CreateIdentityWithSession(retry, NewSession(retry)).ok());
}

// Web hook notifications are queued in the transaction of the identity (ARCHITECTURE.md "Hooks
// and the outbox"): with it, or not at all.
// Metrics: the outbox depth and the pool read at scrape time. Deltas only: a shared PostgreSQL
// server keeps what earlier runs queued.
TEST_P(StoreContract, PendingMessagesAndThePoolAreCountedForMetrics) {
  Database& db = *store_.database;
  const auto before = db.PendingMessages();
  ASSERT_TRUE(before.ok()) << before.error().reason;
  const auto message = [] {
    courier::Message m;
    m.id = NewUuid();
    m.recipient = "metrics@example.com";
    m.subject = "s";
    m.body = "b";
    m.template_type = "verification_code_valid";
    // Due before anything an earlier run left behind, so that the claim below takes it.
    m.created_at = m.updated_at = m.next_attempt_at = Timestamp(std::chrono::microseconds(1));
    return m;
  };
  const courier::Message first = message();
  ASSERT_TRUE(db.Enqueue(first).ok());
  ASSERT_TRUE(db.Enqueue(message()).ok());
  const auto queued = db.PendingMessages();
  ASSERT_TRUE(queued.ok());
  EXPECT_EQ(queued->first, before->first + 2);
  EXPECT_EQ(queued->second, before->second);

  const auto claimed = db.ClaimDue("metrics-test", T(20), T(30), 1);
  ASSERT_TRUE(claimed.ok());
  ASSERT_EQ(claimed->size(), 1U);
  const auto after = db.PendingMessages();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->first, before->first + 1);
  EXPECT_EQ(after->second, before->second + 1);

  const Database::PoolStats pool = db.Pool();
  EXPECT_GE(pool.size, 1);
  EXPECT_EQ(pool.in_use, 0);  // nothing holds a connection between calls
}

TEST_P(StoreContract, HookMessagesAreWrittenWithTheIdentityOrNotAtAll) {
  const auto message = [](const std::string& body) {
    courier::Message m;
    m.id = NewUuid();
    m.type = courier::MessageType::kWebhook;
    m.recipient = "http://hooks.test/notify";
    m.subject = "POST";
    m.body = body;
    m.template_type = "web_hook";
    m.template_data = {{"hook", "key"}, {"trigger_id", "flow"}};
    m.created_at = m.updated_at = m.next_attempt_at = T(20);
    return m;
  };
  const std::string addr = Unique("hooked");
  const auto first = NewIdentity(addr);
  const std::vector<courier::Message> queued = {message("a"), message("b")};
  ASSERT_TRUE(
      store_.registrations->CreateIdentityWithSessionAndMessages(first, NewSession(first), queued)
          .ok());
  for (const auto& m : queued) {
    const auto got = store_.database->GetMessage(m.id);
    ASSERT_TRUE(got.ok() && got->has_value()) << m.id;
    EXPECT_EQ((*got)->type, courier::MessageType::kWebhook);
    EXPECT_EQ((*got)->status, courier::MessageStatus::kQueued);
    EXPECT_EQ((*got)->body, m.body);
    EXPECT_EQ((*got)->template_data, m.template_data);
  }
  // A duplicate identifier rolls the identity back, and its notification with it.
  const auto second = NewIdentity(addr);
  const auto lost = message("c");
  const auto st = store_.registrations->CreateIdentityWithSessionAndMessages(
      second, NewSession(second), {&lost, 1});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kConflict);
  const auto gone = store_.database->GetMessage(lost.id);
  ASSERT_TRUE(gone.ok());
  EXPECT_FALSE(gone->has_value()) << "nothing half-written";
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

// Session lists see every session in the database, and a shared PostgreSQL server keeps those
// of earlier runs: each test issues its sessions in a random stretch of time far in the future
// (after any other test's, before the first keyset position) and reads from just after it.
inline Timestamp FarFuture() {
  const std::string r = RandomBytes(4);
  uint64_t spread = 0;
  for (const char c : r) {
    spread = (spread << 8) | static_cast<unsigned char>(c);
  }
  return Timestamp(std::chrono::seconds(5'900'000'000)) + std::chrono::microseconds(spread * 1000);
}

// A session of `id` issued at `issued_at` (with one device), valid until `expires_at`.
inline session::Session SessionAt(const identity::Identity& id, Timestamp issued_at,
                                  Timestamp expires_at) {
  session::Session s = NewSession(id);
  s.issued_at = issued_at;
  s.authenticated_at = issued_at;
  s.expires_at = expires_at;
  s.identity.credentials.clear();
  return s;
}

inline std::vector<std::string> SessionIds(const std::vector<session::Session>& sessions) {
  std::vector<std::string> out;
  for (const auto& s : sessions) {
    out.push_back(s.id);
  }
  return out;
}

TEST_P(StoreContract, SessionsOfAnIdentityComeNewestFirstInPagesWithDevicesAndIdentity) {
  const Timestamp base = FarFuture();
  const Timestamp later = base + std::chrono::hours(1);
  const auto ann = NewIdentity(Unique("ann"));
  const auto current = SessionAt(ann, base, later);
  ASSERT_TRUE(store_.registrations->CreateIdentityWithSession(ann, current).ok());
  std::vector<session::Session> others;  // newest first
  for (int i = 4; i >= 1; --i) {
    others.push_back(SessionAt(ann, base + std::chrono::microseconds(i), later));
    ASSERT_TRUE(store_.sessions->CreateSession(others.back()).ok());
  }
  const auto bob = NewIdentity(Unique("bob"));
  ASSERT_TRUE(store_.registrations->CreateIdentityWithSession(bob, NewSession(bob)).ok());

  const auto first = store_.sessions->ListSessionsOfIdentity(
      ann.id, current.id, session::ActiveFilter::kActive, base, 0, 3);
  ASSERT_TRUE(first.ok()) << first.error().reason;
  EXPECT_EQ(first->total, 4);
  ASSERT_EQ(first->sessions.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(first->sessions[i].ToJson("http://x/", base), others[i].ToJson("http://x/", base))
        << "devices and identity (with addresses) come along, exactly";
    EXPECT_EQ(first->sessions[i].ToAdminJson("http://x/", base, true, true, nullptr),
              others[i].ToAdminJson("http://x/", base, true, true, nullptr));
    EXPECT_TRUE(first->sessions[i].identity.credentials.empty());
    EXPECT_TRUE(first->sessions[i].token.empty());
  }
  const auto rest = store_.sessions->ListSessionsOfIdentity(
      ann.id, current.id, session::ActiveFilter::kActive, base, 3, 3);
  ASSERT_TRUE(rest.ok());
  EXPECT_EQ(SessionIds(rest->sessions), std::vector<std::string>{others[3].id});
  EXPECT_EQ(rest->total, 4);

  const auto all = store_.sessions->ListSessionsOfIdentity(ann.id, "", session::ActiveFilter::kAny,
                                                           base, 0, 100);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->total, 5);
  EXPECT_EQ(all->sessions.back().id, current.id) << "the oldest last";
  const auto nobody = store_.sessions->ListSessionsOfIdentity(
      NewUuid(), "", session::ActiveFilter::kAny, base, 0, 100);
  ASSERT_TRUE(nobody.ok());
  EXPECT_TRUE(nobody->sessions.empty());
  EXPECT_EQ(nobody->total, 0);
}

TEST_P(StoreContract, TheActiveFilterTellsRevokedAndExpiredSessionsFromTheRest) {
  const Timestamp base = FarFuture();
  const Timestamp now = base + std::chrono::hours(1);
  const auto ann = NewIdentity(Unique("ann"));
  const auto live = SessionAt(ann, base, now + std::chrono::hours(1));
  ASSERT_TRUE(store_.registrations->CreateIdentityWithSession(ann, live).ok());
  const auto revoked =
      SessionAt(ann, base + std::chrono::microseconds(1), now + std::chrono::hours(1));
  ASSERT_TRUE(store_.sessions->CreateSession(revoked).ok());
  ASSERT_TRUE(*store_.sessions->RevokeSession(revoked.id));
  const auto expired =
      SessionAt(ann, base + std::chrono::microseconds(2), now - std::chrono::seconds(1));
  ASSERT_TRUE(store_.sessions->CreateSession(expired).ok());
  const auto edge = SessionAt(ann, base + std::chrono::microseconds(3), now);
  ASSERT_TRUE(store_.sessions->CreateSession(edge).ok());

  const auto list = [&](session::ActiveFilter f) {
    auto r = store_.sessions->ListSessionsOfIdentity(ann.id, "", f, now, 0, 100);
    EXPECT_TRUE(r.ok());
    return r.ok() ? SessionIds(r->sessions) : std::vector<std::string>{};
  };
  EXPECT_EQ(list(session::ActiveFilter::kActive), (std::vector<std::string>{edge.id, live.id}))
      << "expiring right now still counts as active (expires_at >= now, as Kratos)";
  EXPECT_EQ(list(session::ActiveFilter::kInactive),
            (std::vector<std::string>{expired.id, revoked.id}));
  EXPECT_EQ(list(session::ActiveFilter::kAny).size(), 4u);

  // The list of all sessions applies the same filter.
  const session::SessionCursor after{now, ""};
  const auto mine = [&](session::ActiveFilter f) {
    auto r = store_.sessions->ListSessions(f, now, after, 1000, false);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().reason);
    std::vector<std::string> out;
    for (const auto& s : r.ok() ? *r : std::vector<session::Session>{}) {
      if (s.identity_id == ann.id) {
        out.push_back(s.id);
      }
    }
    return out;
  };
  EXPECT_EQ(mine(session::ActiveFilter::kActive), (std::vector<std::string>{edge.id, live.id}));
  EXPECT_EQ(mine(session::ActiveFilter::kInactive),
            (std::vector<std::string>{expired.id, revoked.id}));
}

TEST_P(StoreContract, AllSessionsArePagedByKeysetNewestFirstThenById) {
  const Timestamp base = FarFuture();
  const Timestamp until = base + std::chrono::hours(1);
  const auto ann = NewIdentity(Unique("ann"));
  const auto bob = NewIdentity(Unique("bob"));
  auto first = SessionAt(ann, base, until);
  ASSERT_TRUE(store_.registrations->CreateIdentityWithSession(ann, first).ok());
  auto second = SessionAt(bob, base + std::chrono::microseconds(1), until);
  ASSERT_TRUE(store_.registrations->CreateIdentityWithSession(bob, second).ok());
  std::vector<session::Session> expected = {second, first};
  // Three more issued at one instant, newer than the others: ordered by id among themselves.
  std::vector<session::Session> same;
  for (int i = 0; i < 3; ++i) {
    same.push_back(SessionAt(i % 2 == 0 ? ann : bob, base + std::chrono::microseconds(7), until));
    ASSERT_TRUE(store_.sessions->CreateSession(same.back()).ok());
  }
  std::sort(same.begin(), same.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  expected.insert(expected.begin(), same.begin(), same.end());

  // From just after the newest, pages of two; the pages after ours hold older tests' sessions.
  session::SessionCursor after{base + std::chrono::microseconds(8), ""};
  std::vector<session::Session> seen;
  while (seen.size() < expected.size()) {
    auto page = store_.sessions->ListSessions(session::ActiveFilter::kAny, base, after, 2, true);
    ASSERT_TRUE(page.ok()) << page.error().reason;
    ASSERT_FALSE(page->empty());
    ASSERT_LE(page->size(), 2u);
    seen.insert(seen.end(), page->begin(), page->end());
    after = session::SessionCursor{page->back().issued_at, page->back().id};
  }
  seen.resize(expected.size());
  EXPECT_EQ(SessionIds(seen), SessionIds(expected));
  for (size_t i = 0; i < seen.size(); ++i) {
    EXPECT_EQ(seen[i].ToAdminJson("http://x/", base, true, true, nullptr),
              expected[i].ToAdminJson("http://x/", base, true, true, nullptr))
        << "with devices and the identity with its addresses";
  }

  auto bare = store_.sessions->ListSessions(session::ActiveFilter::kAny, base,
                                            {base + std::chrono::microseconds(8), ""}, 1, false);
  ASSERT_TRUE(bare.ok());
  ASSERT_EQ(bare->size(), 1u);
  EXPECT_EQ((*bare)[0].identity_id, expected[0].identity_id);
  EXPECT_TRUE((*bare)[0].identity.id.empty()) << "no identity unless asked for";
  EXPECT_EQ((*bare)[0].devices.size(), 1u) << "devices always";
}

TEST_P(StoreContract, SessionsAreRevokedExtendedAndDeletedOnlyWhereTheyMatch) {
  const auto ann = NewIdentity(Unique("ann"));
  const auto s1 = NewSession(ann);
  ASSERT_TRUE(store_.registrations->CreateIdentityWithSession(ann, s1).ok());
  const auto s2 = NewSession(ann);
  ASSERT_TRUE(store_.sessions->CreateSession(s2).ok());
  const auto bob = NewIdentity(Unique("bob"));
  const auto b1 = NewSession(bob);
  ASSERT_TRUE(store_.registrations->CreateIdentityWithSession(bob, b1).ok());

  EXPECT_FALSE(*store_.sessions->RevokeSessionOfIdentity(bob.id, s2.id)) << "not bob's";
  EXPECT_TRUE((*store_.sessions->GetSession(s2.id))->active);
  EXPECT_TRUE(*store_.sessions->RevokeSessionOfIdentity(ann.id, s2.id));
  EXPECT_FALSE((*store_.sessions->GetSession(s2.id))->active);
  EXPECT_TRUE(*store_.sessions->RevokeSessionOfIdentity(ann.id, s2.id)) << "matched again";
  EXPECT_EQ(*store_.sessions->RevokeSessionsOfIdentity(ann.id, s1.id), 1)
      << "rows matched, the already inactive one included";

  const Timestamp later = s1.expires_at + std::chrono::hours(5);
  EXPECT_TRUE(*store_.sessions->SetSessionExpiry(s1.id, later));
  const auto extended = store_.sessions->GetSession(s1.id);
  ASSERT_TRUE(extended.ok() && extended->has_value());
  EXPECT_EQ((*extended)->expires_at, later);
  session::Session expected = s1;
  expected.expires_at = later;
  EXPECT_EQ((*extended)->ToJson("http://x/", T(0)), expected.ToJson("http://x/", T(0)))
      << "nothing but the expiry changed";
  EXPECT_FALSE(*store_.sessions->SetSessionExpiry(NewUuid(), later));

  EXPECT_EQ(*store_.sessions->DeleteSessionsOfIdentity(ann.id), 2);
  EXPECT_FALSE(store_.sessions->GetSession(s1.id)->has_value());
  EXPECT_FALSE(store_.sessions->GetSessionByTokenDigest(s2.token_digest)->has_value());
  EXPECT_TRUE(store_.sessions->GetSession(b1.id)->has_value());
  EXPECT_TRUE(store_.identities->GetIdentity(ann.id)->has_value()) << "the identity stays";
  EXPECT_EQ(*store_.sessions->DeleteSessionsOfIdentity(ann.id), 0);
}

TEST_P(StoreContract, CodesAreIssuedWithTheirMessagesUsedOnceAndRetiredByNewerOnes) {
  otp::CodeStore& codes = *store_.database;
  const std::string flow_id = NewUuid();
  const std::string address = Unique("code");
  auto code = [&](const std::string& digest) {
    otp::Code c;
    c.id = NewUuid();
    c.flow_id = flow_id;
    c.purpose = otp::Purpose::kRegistration;
    c.address = address;
    c.via = "email";
    c.digest = digest;
    c.expires_at = T(100);
    c.created_at = T(10);
    return c;
  };
  courier::Message m;
  m.id = NewUuid();
  m.recipient = address;
  m.subject = "Use code 123456";
  m.body = "123456";
  m.template_type = "registration_code_valid";
  m.created_at = m.updated_at = m.next_attempt_at = T(10);
  const std::vector<otp::Code> first = {code("d1")};
  ASSERT_TRUE(codes.IssueCodes(flow_id, otp::Purpose::kRegistration, first, {&m, 1}).ok());
  auto active = codes.ActiveCodes(flow_id, otp::Purpose::kRegistration);
  ASSERT_TRUE(active.ok());
  ASSERT_EQ(active->size(), 1U);
  EXPECT_EQ(active->at(0).digest, "d1");
  EXPECT_EQ(active->at(0).address, address);
  EXPECT_EQ(active->at(0).expires_at, T(100));
  EXPECT_TRUE(codes.ActiveCodes(flow_id, otp::Purpose::kVerification)->empty())
      << "purposes never mix";

  // A message id that exists already fails the whole issue: the new code is not stored either.
  const std::vector<otp::Code> clash = {code("d-clash")};
  EXPECT_FALSE(codes.IssueCodes(flow_id, otp::Purpose::kRegistration, clash, {&m, 1}).ok());
  active = codes.ActiveCodes(flow_id, otp::Purpose::kRegistration);
  ASSERT_EQ(active->size(), 1U);
  EXPECT_EQ(active->at(0).digest, "d1") << "nothing of the failed issue was kept";

  courier::Message m2 = m;
  m2.id = NewUuid();
  const std::vector<otp::Code> second = {code("d2")};
  ASSERT_TRUE(codes.IssueCodes(flow_id, otp::Purpose::kRegistration, second, {&m2, 1}).ok());
  active = codes.ActiveCodes(flow_id, otp::Purpose::kRegistration);
  ASSERT_EQ(active->size(), 1U);
  EXPECT_EQ(active->at(0).digest, "d2") << "a resend retires the earlier code";
  EXPECT_EQ(*codes.CountCodesToAddress(address, T(0)), 2) << "retired codes still count";
  EXPECT_EQ(*codes.CountCodesToAddress(address, T(11)), 0);
  EXPECT_EQ(*codes.CountCodesOfFlow(flow_id, T(0)), 2);

  EXPECT_TRUE(*codes.UseCode(active->at(0).id, T(20)));
  EXPECT_FALSE(*codes.UseCode(active->at(0).id, T(21))) << "single use";
  EXPECT_TRUE(codes.ActiveCodes(flow_id, otp::Purpose::kRegistration)->empty());
}

TEST_P(StoreContract, VerificationFlowsRoundTripAndAddressesAreMarkedSentThenVerified) {
  store::Database& db = *store_.database;
  verification::Flow f;
  f.id = NewUuid();
  f.type = verification::FlowType::kBrowser;
  f.issued_at = f.created_at = f.updated_at = T(1);
  f.expires_at = T(100);
  f.request_url = "http://x/self-service/verification/browser?return_to=http%3A%2F%2Fx%2Fdone";
  f.active = "code";
  f.csrf_token = "masked";
  f.ui.action = "http://x/self-service/verification?flow=" + f.id;
  ASSERT_TRUE(db.CreateVerificationFlow(f).ok());
  auto got = db.GetVerificationFlow(f.id);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->ToJson(), f.ToJson());
  EXPECT_EQ((*got)->csrf_token, "masked");
  f.state = "sent_email";
  f.code_sends = 2;
  ASSERT_TRUE(db.UpdateVerificationFlow(f).ok());
  got = db.GetVerificationFlow(f.id);
  EXPECT_EQ((*got)->state, "sent_email");
  EXPECT_EQ((*got)->code_sends, 2);
  EXPECT_FALSE(db.GetVerificationFlow(NewUuid())->has_value());
  verification::Flow unknown = f;
  unknown.id = NewUuid();
  EXPECT_EQ(db.UpdateVerificationFlow(unknown).error().code, ErrorCode::kNotFound);

  const std::string ann = Unique("verify");
  const auto id = NewIdentity(ann);
  ASSERT_TRUE(store_.registrations->CreateIdentityWithSession(id, NewSession(id)).ok());
  auto owned = db.FindVerifiableAddress("email", ann);
  ASSERT_TRUE(owned.ok() && owned->has_value());
  EXPECT_EQ((*owned)->identity_id, id.id);
  EXPECT_EQ((*owned)->address.id, id.verifiable_addresses[0].id);
  EXPECT_FALSE(db.FindVerifiableAddress("sms", ann)->has_value()) << "per channel";
  EXPECT_FALSE(db.FindVerifiableAddress("email", Unique("nobody"))->has_value());

  const std::string address_id = (*owned)->address.id;
  ASSERT_TRUE(db.MarkAddressSent(address_id, T(50)).ok());
  auto a = (*db.FindVerifiableAddress("email", ann))->address;
  EXPECT_EQ(a.status, "sent");
  EXPECT_FALSE(a.verified);
  EXPECT_EQ(a.updated_at, T(50));
  ASSERT_TRUE(db.MarkAddressVerified(address_id, T(60)).ok());
  a = (*db.FindVerifiableAddress("email", ann))->address;
  EXPECT_EQ(a.status, "completed");
  EXPECT_TRUE(a.verified);
  EXPECT_EQ(a.verified_at, T(60));
  EXPECT_EQ(a.updated_at, T(60));
  EXPECT_EQ((*store_.identities->GetIdentity(id.id))->verifiable_addresses[0].status, "completed");
  EXPECT_EQ(db.MarkAddressSent(NewUuid(), T(70)).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(db.MarkAddressVerified(NewUuid(), T(70)).error().code, ErrorCode::kNotFound);
}

}  // namespace atrium::store::contract
