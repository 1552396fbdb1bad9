#pragma once
// The embedded SQLite store: implements every store interface of the domain modules on one
// database file (WAL, foreign keys, prepared statements cached per connection, a small
// connection pool). Writes are serialized by SQLite; each registration is one transaction.

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "base/result.h"
#include "store/database.h"

namespace atrium::store {

class SqliteStore final : public Database {
 public:
  // dsn: "sqlite://path/to/file.db[?...]", "sqlite:///abs/path.db", "sqlite::memory:" or
  // "memory" (a private in-memory database shared by the pool). `pool_size` >= 1 connections.
  static Result<std::unique_ptr<SqliteStore>> Open(std::string_view dsn, int pool_size);
  ~SqliteStore() override;

  // Database. Migrations run in order, each in its own transaction.
  Status Migrate() override;
  void ReportSessionChanges(session::SessionChanges& sink) override;
  Result<int> PendingMigrations() override;
  Status Ping() override;
  PoolStats Pool() const override;
  Result<std::pair<int64_t, int64_t>> PendingMessages() override;
  Result<std::string> GetOrCreateSecret(std::string_view name,
                                        const std::function<std::string()>& make) override;
  Result<int64_t> DeleteStale(StaleKind kind, Timestamp cutoff, int limit) override;

  // registration::FlowStore
  Status CreateFlow(const registration::Flow& flow) override;
  Status CreateFlow(const registration::Flow& flow, const flow::StoredDocument& doc) override;
  bool CreateFlowLater(registration::Flow flow, flow::StoredDocument doc,
                       std::function<void(Status)> done) override;
  Result<std::optional<registration::Flow>> GetFlow(std::string_view id) override;
  Result<std::optional<flow::StoredAnswer>> GetFlowAnswer(std::string_view id) override;
  std::optional<Result<std::optional<flow::StoredAnswer>>> GetFlowAnswerNow(
      std::string_view id) override;
  Status UpdateFlow(const registration::Flow& flow) override;
  // registration::RegistrationStore
  Status CreateIdentityWithSession(const identity::Identity& identity,
                                   const session::Session& session) override;
  Status CreateIdentityWithSessionAndMessages(const identity::Identity& identity,
                                              const session::Session& session,
                                              std::span<const courier::Message> messages) override;
  Status CreateSession(const session::Session& session) override;
  // login::FlowStore
  Status CreateLoginFlow(const login::Flow& flow) override;
  Result<std::optional<login::Flow>> GetLoginFlow(std::string_view id) override;
  Status UpdateLoginFlow(const login::Flow& flow) override;
  // verification::FlowStore
  Status CreateVerificationFlow(const verification::Flow& flow) override;
  Result<std::optional<verification::Flow>> GetVerificationFlow(std::string_view id) override;
  Status UpdateVerificationFlow(const verification::Flow& flow) override;
  // verification::AddressStore
  Result<std::optional<verification::OwnedAddress>> FindVerifiableAddress(
      std::string_view via, std::string_view value) override;
  Status MarkAddressSent(std::string_view address_id, Timestamp now) override;
  Status MarkAddressVerified(std::string_view address_id, Timestamp now) override;
  // identity::IdentityStore (writes)
  Status UpdateCredentialConfig(std::string_view identity_id, std::string_view type,
                                const Json& config) override;
  // session::SessionStore (beyond the lookup by digest)
  Result<std::optional<session::Session>> GetSession(std::string_view id) override;
  Status UpdateSession(const session::Session& session) override;
  Result<bool> RevokeSession(std::string_view id) override;
  // login::AttemptStore
  Result<std::optional<Counter>> GetAttempts(std::string_view key) override;
  Result<int64_t> RecordFailure(std::string_view key, Timestamp now, Timestamp restart_before,
                                Timestamp expires_at) override;
  Status ResetAttempts(std::string_view key) override;
  Result<int64_t> RevokeSessionsOfIdentity(std::string_view identity_id,
                                           std::string_view keep) override;
  Result<session::SessionSlice> ListSessionsOfIdentity(std::string_view identity_id,
                                                       std::string_view except,
                                                       session::ActiveFilter filter, Timestamp now,
                                                       int64_t offset, int64_t limit) override;
  Result<std::vector<session::Session>> ListSessions(session::ActiveFilter filter, Timestamp now,
                                                     const session::SessionCursor& after,
                                                     int64_t limit, bool with_identity) override;
  Result<bool> RevokeSessionOfIdentity(std::string_view identity_id,
                                       std::string_view session_id) override;
  Result<bool> SetSessionExpiry(std::string_view session_id, Timestamp expires_at) override;
  Result<int64_t> DeleteSessionsOfIdentity(std::string_view identity_id) override;
  // identity::IdentityStore
  Result<std::optional<identity::Identity>> GetIdentity(std::string_view id) override;
  Result<std::optional<identity::Identity>> FindByCredentialIdentifier(
      std::string_view type, std::string_view identifier) override;
  Result<std::optional<identity::Identity>> FindByAddress(std::string_view via,
                                                          std::string_view value) override;
  // session::SessionStore
  Result<std::optional<session::Session>> GetSessionByTokenDigest(std::string_view digest) override;
  // otp::CodeStore
  Status IssueCodes(std::string_view flow_id, otp::Purpose purpose,
                    std::span<const otp::Code> codes,
                    std::span<const courier::Message> messages) override;
  Result<std::vector<otp::Code>> ActiveCodes(std::string_view flow_id,
                                             otp::Purpose purpose) override;
  Result<bool> UseCode(std::string_view code_id, Timestamp now) override;
  Result<int64_t> CountCodesToAddress(std::string_view address, Timestamp since) override;
  Result<int64_t> CountCodesOfFlow(std::string_view flow_id, Timestamp since) override;
  // flow::ErrorStore
  // session::TokenExchangeStore
  Status CreateTokenExchange(const session::TokenExchange& exchange) override;
  Result<std::optional<session::TokenExchange>> TokenExchangeOfFlow(
      std::string_view flow_id) override;
  Status CompleteTokenExchange(std::string_view id, std::string_view return_to_code_digest,
                               std::string_view session_id, std::string_view sealed_token) override;
  Result<std::optional<session::TokenExchange>> TakeTokenExchange(
      std::string_view init_code_digest, std::string_view return_to_code_digest) override;
  Status CreateError(const flow::ErrorContainer& e) override;
  Result<std::optional<flow::ErrorContainer>> GetError(std::string_view id) override;

  // courier::Outbox
  Status Enqueue(const courier::Message& message) override;
  Result<std::vector<courier::Message>> ClaimDue(std::string_view owner, Timestamp now,
                                                 Timestamp lease_until, int limit) override;
  Result<bool> MarkSent(std::string_view id, std::string_view owner, Timestamp now) override;
  Result<bool> MarkFailed(std::string_view id, std::string_view owner,
                          const courier::Failure& failure, Timestamp now) override;
  Result<std::vector<courier::Message>> ListMessages(
      const courier::MessageFilter& filter, const std::optional<courier::MessageCursor>& after,
      int limit) override;
  Result<std::optional<courier::Message>> GetMessage(std::string_view id) override;

 private:
  struct Impl;
  explicit SqliteStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  SessionChangeReports changes_;
};

}  // namespace atrium::store
