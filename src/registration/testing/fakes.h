#pragma once
// In-memory stand-ins for what the registration core needs from storage, a scripted method, and
// a harness that wires a registration::Service the way the composition root does, with a manual
// clock and predictable ids. For unit tests only (atrium_registration_testing).

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/ids.h"
#include "config/config.h"
#include "courier/message.h"
#include "flow/csrf.h"
#include "identity/schema_registry.h"
#include "otp/codes.h"
#include "registration/service.h"
#include "registration/store.h"
#include "session/cookie.h"
#include "session/manager.h"
#include "session/session.h"

namespace atrium::registration::testing {

// Flows, identities and sessions in maps. Unique identifiers and addresses are enforced like the
// real stores (Conflict with the same details). `fail_writes` makes every write Unavailable.
class MemoryStore final : public FlowStore, public RegistrationStore, public session::SessionStore {
 public:
  Status CreateFlow(const Flow& flow) override;
  Status CreateFlow(const Flow& flow, const flow::StoredDocument& doc) override;
  Result<std::optional<Flow>> GetFlow(std::string_view id) override;
  Status UpdateFlow(const Flow& flow) override;
  Result<std::optional<flow::StoredAnswer>> GetFlowAnswer(std::string_view id) override;
  // Only with `answers_now`, like an embedded store: GetFlowAnswer.
  std::optional<Result<std::optional<flow::StoredAnswer>>> GetFlowAnswerNow(
      std::string_view id) override;
  // Only with `answers_later`, like a networked store: GetFlowAnswer, then `done` at once on the
  // calling thread.
  bool GetFlowAnswerLater(std::string id, AnswerDone done) override;
  // Only with `writes_later`: CreateFlow, then `done` at once on the calling thread.
  bool CreateFlowLater(Flow flow, flow::StoredDocument doc,
                       std::function<void(Status)> done) override;
  Status CreateIdentityWithSession(const identity::Identity& identity,
                                   const session::Session& session) override;
  // Keeps `messages` (HookMessages) when the identity was written.
  Status CreateIdentityWithSessionAndMessages(const identity::Identity& identity,
                                              const session::Session& session,
                                              std::span<const courier::Message> messages) override;
  Status CreateSession(const session::Session& session) override;
  Result<std::optional<session::Session>> GetSessionByTokenDigest(std::string_view digest) override;
  Result<std::optional<session::Session>> GetSession(std::string_view id) override;
  Status UpdateSession(const session::Session& session) override;
  Result<bool> RevokeSession(std::string_view id) override;
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

  // What was written (copies).
  std::vector<identity::Identity> Identities() const;
  std::vector<session::Session> Sessions() const;
  std::vector<courier::Message> HookMessages() const;
  size_t FlowCount() const;

  bool fail_writes = false;
  bool fail_answer_reads = false;  // GetFlowAnswer and its variants
  bool answers_now = false;
  bool answers_later = false;
  bool writes_later = false;

 private:
  mutable std::mutex mu_;
  std::map<std::string, Flow> flows_;
  std::vector<identity::Identity> identities_;
  std::vector<session::Session> sessions_;
  std::vector<courier::Message> hook_messages_;
};

// One-time codes and the courier messages queued with them (otp::CodeStore), in memory, with
// the real stores' semantics: issuing retires the flow's earlier codes, a code is used once.
// `fail_writes` makes IssueCodes and UseCode Unavailable.
class MemoryCodeStore final : public otp::CodeStore {
 public:
  Status IssueCodes(std::string_view flow_id, otp::Purpose purpose,
                    std::span<const otp::Code> codes,
                    std::span<const courier::Message> messages) override;
  Result<std::vector<otp::Code>> ActiveCodes(std::string_view flow_id,
                                             otp::Purpose purpose) override;
  Result<bool> UseCode(std::string_view code_id, Timestamp now) override;
  Result<int64_t> CountCodesToAddress(std::string_view address, Timestamp since) override;
  Result<int64_t> CountCodesOfFlow(std::string_view flow_id, Timestamp since) override;

  // Every message queued so far, oldest first (copies).
  std::vector<courier::Message> Messages() const;

  bool fail_writes = false;

 private:
  struct Row {
    otp::Code code;
    bool retired = false;
  };
  mutable std::mutex mu_;
  std::vector<Row> codes_;
  std::vector<courier::Message> messages_;
};

// A method whose answer the test scripts: responsible for bodies with method=<id>, it answers
// `next` (or asks `answer`), and records what it saw.
class ScriptedStrategy final : public Strategy {
 public:
  explicit ScriptedStrategy(std::string id) : id_(std::move(id)) {}

  std::string_view Id() const override { return id_; }
  bool Enabled() const override { return enabled; }
  void Populate(Flow& flow, const identity::IdentitySchema& schema, FormStep step) const override;
  Outcome Register(SubmitContext& ctx) const override;
  std::optional<std::string> FlowOfCallback(const CallbackRequest& callback) const override;
  Outcome Resume(SubmitContext& ctx, const CallbackRequest& callback) const override;
  std::vector<Script> Scripts() const override { return scripts; }

  bool enabled = true;
  bool trait_inputs = false;  // also adds the schema's trait inputs (as the profile method does)
  std::function<Outcome(SubmitContext&)> answer;  // what Register and Resume return
  std::vector<Script> scripts;
  mutable int registers = 0;  // how often Register was responsible

 private:
  std::string id_;
};

// The email schema of the black-box tests: traits.email (password and code identifier,
// verification and recovery address), traits.name.
const std::string& EmailSchema();

// A Service wired like the composition root: MemoryStore, real CSRF guard and session manager,
// SequentialIds, a ManualClock at 2026-01-01T00:00:00Z, the email schema, and the given methods.
// Tweak `config` before calling Build().
class Harness {
 public:
  Harness();
  // (Re)builds the service over `methods` and post-persist `hooks` (borrowed) with the current
  // config.
  // `configured` are the hooks with a configuration (web_hook).
  void Build(std::vector<const Strategy*> methods, std::vector<const PostPersistHook*> hooks = {},
             std::vector<const ConfiguredHook*> configured = {});
  Service& service() { return *service_; }
  const flow::CsrfGuard& csrf() const { return *csrf_; }

  // Requests of the three client kinds. Browser requests carry a valid CSRF cookie.
  flow::Request Api() const;
  flow::Request Spa() const;
  flow::Request Browser() const;
  // A masked token matching the browser requests' cookie.
  std::string CsrfToken() const;

  // A flow created through the service (Init) for `request`, as stored.
  Flow NewFlow(const flow::Request& request);
  // Submits a form body to `flow_id`.
  flow::Reply Submit(const flow::Request& request, const std::string& flow_id,
                     std::vector<std::pair<std::string, std::string>> form);

  config::Config config;
  ManualClock clock;
  SequentialIds ids;
  MemoryStore store;
  std::unique_ptr<identity::SchemaRegistry> schemas;
  // Counts the rings after registrations that queued hook notifications.
  struct CountingDoorbell final : courier::Doorbell {
    void Ring() override { ++rings; }
    int rings = 0;
  } doorbell;

 private:
  std::unique_ptr<flow::CsrfGuard> csrf_;
  std::unique_ptr<session::CookieCodec> cookies_;
  std::unique_ptr<session::Manager> sessions_;
  std::unique_ptr<Service> service_;
  std::string csrf_cookie_;
};

}  // namespace atrium::registration::testing
