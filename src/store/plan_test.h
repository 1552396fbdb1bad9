#pragma once
// The lookups a request makes by a key (an identity, its identifier or address, a session, a
// flow, a code, a message), for the backends' plan tests: each backend wraps its connection in an
// executor that asks the database how it would run every statement it is given, then runs it. A
// lookup that scans a table costs time in proportion to every identity ever registered (a sign-in
// read all identities' identifiers until SQLite's migration 15).

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "store/contract_test.h"
#include "store/outbox_rows.h"
#include "store/records.h"

namespace atrium::store::plan {

// Runs every key lookup for `identity`, which the database holds with `session`. The lookups
// must find them, so that the statements each runs after its first one are explained too.
inline void RunKeyLookups(Executor& db, const identity::Identity& identity,
                          const session::Session& session) {
  const std::string& email = identity.verifiable_addresses.at(0).value;
  auto found = LoadIdentity(db, identity.id);
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->credentials.at("password").identifiers, std::vector<std::string>{email});
  found = LoadIdentityByIdentifier(db, "password", email);
  ASSERT_TRUE(found.ok() && found->has_value());
  found = LoadIdentityByAddress(db, "email", email);
  ASSERT_TRUE(found.ok() && found->has_value());
  for (const ConflictingValue& c : {ConflictingValue{"identifier", "password", email},
                                    ConflictingValue{"address", "email", email}}) {
    const auto details = ConflictDetails(db, c);
    ASSERT_TRUE(details.ok());
    EXPECT_EQ(details->at("credential_types"), Json::array({"password"}));
  }
  const auto by_token = LoadSessionByTokenDigest(db, session.token_digest);
  ASSERT_TRUE(by_token.ok() && by_token->has_value());
  const auto by_id = LoadSession(db, session.id);
  ASSERT_TRUE(by_id.ok() && by_id->has_value());
  const auto sessions = ListSessionsOfIdentityRows(db, identity.id, "", session::ActiveFilter::kAny,
                                                   session.issued_at, 0, 10);
  ASSERT_TRUE(sessions.ok());
  EXPECT_EQ(sessions->sessions.size(), 1u);
  const auto address = LoadVerifiableAddress(db, "email", email);
  ASSERT_TRUE(address.ok() && address->has_value());
  const auto owner = OwnerOfVerifiableAddressRow(db, identity.verifiable_addresses.at(0).id);
  ASSERT_TRUE(owner.ok() && *owner == identity.id);
  // Keys nothing holds here: their first statement is explained all the same.
  const std::string unknown = NewUuid();
  EXPECT_TRUE(LoadFlow(db, unknown).ok());
  EXPECT_TRUE(LoadFlowAnswer(db, unknown).ok());
  EXPECT_TRUE(LoadLoginFlow(db, unknown).ok());
  EXPECT_TRUE(LoadVerificationFlow(db, unknown).ok());
  EXPECT_TRUE(LoadError(db, unknown).ok());
  EXPECT_TRUE(LoadTokenExchangeOfFlow(db, unknown).ok());
  EXPECT_TRUE(LoadAttempts(db, unknown).ok());
  EXPECT_TRUE(LoadActiveCodes(db, unknown, otp::Purpose::kLogin).ok());
  EXPECT_TRUE(CountCodesToAddressRows(db, email, session.issued_at).ok());
  EXPECT_TRUE(CountCodesOfFlowRows(db, unknown, session.issued_at).ok());
  EXPECT_TRUE(LoadMessage(db, unknown).ok());
}

// Runs the sweeper's deletes with a cutoff before anything the database holds: they delete
// nothing, but find their candidates as a sweep does.
inline void RunSweeps(Executor& db) {
  for (const StaleKind kind :
       {StaleKind::kFlows, StaleKind::kSessions, StaleKind::kErrors, StaleKind::kLoginAttempts}) {
    const auto deleted = DeleteStaleRows(db, kind, contract::T(0), 100);
    ASSERT_TRUE(deleted.ok());
    EXPECT_EQ(*deleted, 0);
  }
}

// The whole plan test of a backend: registers one identity with a session through `store`, then
// runs every lookup and sweep through `explaining`, which sees the same database; its `scans`
// must stay empty.
template <typename ExplainingExecutor>
void CheckLookupsAndSweeps(registration::RegistrationStore& store, ExplainingExecutor& explaining) {
  const auto identity = contract::NewIdentity(contract::Unique("ann"));
  const auto session = contract::NewSession(identity);
  ASSERT_TRUE(store.CreateIdentityWithSession(identity, session).ok());
  RunKeyLookups(explaining, identity, session);
  RunSweeps(explaining);
  EXPECT_TRUE(explaining.scans.empty()) << ::testing::PrintToString(explaining.scans);
}

}  // namespace atrium::store::plan
