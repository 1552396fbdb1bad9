#include "registration/testing/fakes.h"

#include <algorithm>

#include "base/json.h"
#include "base/strings.h"
#include "base/time.h"
#include "flow/errors.h"
#include "flow/stored.h"

namespace atrium::registration::testing {
namespace {

Error Down() { return Error::Unavailable("the test store is down"); }

// The Conflict the real stores answer: who owns the value, and which credentials it has.
Error ConflictOn(const identity::Identity& owner, const std::string& type,
                 const std::string& value) {
  Json types = Json::array();
  for (const auto& [t, c] : owner.credentials) {
    types.push_back(t);
  }
  return Error::Conflict("an account with the same identifier exists already")
      .WithDetails({{"credential_types", types}, {"identifier", value}, {"type", type}});
}

}  // namespace

Status MemoryStore::CreateFlow(const Flow& flow) {
  std::lock_guard lock(mu_);
  if (fail_writes) {
    return Down();
  }
  flows_[flow.id] = flow;
  return OkStatus();
}

Status MemoryStore::CreateFlow(const Flow& flow, const flow::StoredDocument& doc) {
  (void)doc;  // kept as the flow itself; GetFlow and GetFlowAnswer split it as the stores do
  return CreateFlow(flow);
}

std::optional<Result<std::optional<flow::StoredAnswer>>> MemoryStore::GetFlowAnswerNow(
    std::string_view id) {
  if (!answers_now) {
    return std::nullopt;
  }
  return GetFlowAnswer(id);
}

bool MemoryStore::GetFlowAnswerLater(std::string id, AnswerDone done) {
  if (!answers_later) {
    return false;
  }
  done(GetFlowAnswer(id));
  return true;
}

bool MemoryStore::CreateFlowLater(Flow flow, flow::StoredDocument doc,
                                  std::function<void(Status)> done) {
  if (!writes_later) {
    return false;
  }
  done(CreateFlow(flow, doc));
  return true;
}

Result<std::optional<Flow>> MemoryStore::GetFlow(std::string_view id) {
  std::lock_guard lock(mu_);
  const auto it = flows_.find(std::string(id));
  if (it == flows_.end()) {
    return std::optional<Flow>();
  }
  // What a real store gives back: the persisted part only (as it round-trips through storage).
  const Flow& stored = it->second;
  flow::StoredDocument doc =
      flow::SplitForStorage(stored.ToJson(), stored.csrf_token, stored.internal_context);
  ATRIUM_ASSIGN_OR_RETURN(Json answer, ParseJson(doc.answer));
  ATRIUM_ASSIGN_OR_RETURN(Flow f,
                          Flow::FromStorageJson(flow::JoinStored(answer, std::move(doc.data))));
  return std::optional<Flow>(std::move(f));
}

Result<std::optional<flow::StoredAnswer>> MemoryStore::GetFlowAnswer(std::string_view id) {
  std::lock_guard lock(mu_);
  if (fail_answer_reads) {
    return Down();
  }
  const auto it = flows_.find(std::string(id));
  if (it == flows_.end()) {
    return std::optional<flow::StoredAnswer>();
  }
  const Flow& stored = it->second;
  flow::StoredDocument doc =
      flow::SplitForStorage(stored.ToJson(), stored.csrf_token, stored.internal_context);
  return std::optional<flow::StoredAnswer>(
      flow::AnswerOfStored(stored.IsApi(), stored.expires_at, std::move(doc.answer), doc.data));
}

Status MemoryStore::UpdateFlow(const Flow& flow) {
  std::lock_guard lock(mu_);
  if (fail_writes) {
    return Down();
  }
  if (!flows_.contains(flow.id)) {
    return Error::NotFound("flow " + flow.id + " does not exist");
  }
  flows_[flow.id] = flow;
  return OkStatus();
}

Status MemoryStore::CreateIdentityWithSession(const identity::Identity& identity,
                                              const session::Session& session) {
  std::lock_guard lock(mu_);
  if (fail_writes) {
    return Down();
  }
  for (const auto& other : identities_) {
    for (const auto& [type, credential] : identity.credentials) {
      const auto theirs = other.credentials.find(type);
      for (const auto& id : credential.identifiers) {
        if (theirs != other.credentials.end() &&
            std::count(theirs->second.identifiers.begin(), theirs->second.identifiers.end(), id) >
                0) {
          return ConflictOn(other, type, id);
        }
      }
    }
    for (const auto& a : identity.verifiable_addresses) {
      for (const auto& b : other.verifiable_addresses) {
        if (a.value == b.value && a.via == b.via) {
          return ConflictOn(other, a.via, a.value);
        }
      }
    }
  }
  identities_.push_back(identity);
  sessions_.push_back(session);
  return OkStatus();
}

Status MemoryStore::CreateSession(const session::Session& session) {
  std::lock_guard lock(mu_);
  if (fail_writes) {
    return Down();
  }
  sessions_.push_back(session);
  return OkStatus();
}

Result<std::optional<session::Session>> MemoryStore::GetSessionByTokenDigest(
    std::string_view digest) {
  std::lock_guard lock(mu_);
  for (const auto& s : sessions_) {
    if (s.token_digest == digest) {
      session::Session out = s;
      out.token.clear();  // stores keep the digest only
      return std::optional<session::Session>(std::move(out));
    }
  }
  return std::optional<session::Session>();
}

Result<std::optional<session::Session>> MemoryStore::GetSession(std::string_view id) {
  std::lock_guard lock(mu_);
  for (const auto& s : sessions_) {
    if (s.id == id) {
      session::Session out = s;
      out.token.clear();
      return std::optional<session::Session>(std::move(out));
    }
  }
  return std::optional<session::Session>();
}

Status MemoryStore::UpdateSession(const session::Session& session) {
  std::lock_guard lock(mu_);
  if (fail_writes) {
    return Down();
  }
  for (auto& s : sessions_) {
    if (s.id == session.id) {
      const std::string token = s.token;
      s = session;
      s.token = token;
      return OkStatus();
    }
  }
  return Error::NotFound("no such session");
}

Result<bool> MemoryStore::RevokeSession(std::string_view id) {
  std::lock_guard lock(mu_);
  for (auto& s : sessions_) {
    if (s.id == id) {
      s.active = false;
      return true;
    }
  }
  return false;
}

Result<int64_t> MemoryStore::RevokeSessionsOfIdentity(std::string_view identity_id,
                                                      std::string_view keep) {
  std::lock_guard lock(mu_);
  int64_t n = 0;
  for (auto& s : sessions_) {
    if (s.identity_id == identity_id && s.id != keep) {
      s.active = false;
      ++n;
    }
  }
  return n;
}

namespace {

bool Keeps(session::ActiveFilter filter, const session::Session& s, Timestamp now) {
  const bool active = s.active && s.expires_at >= now;
  switch (filter) {
    case session::ActiveFilter::kAny:
      return true;
    case session::ActiveFilter::kActive:
      return active;
    case session::ActiveFilter::kInactive:
      return !active;
  }
  return true;
}

// Newest first, then by id: the order of the real stores.
bool Newer(const session::Session& a, const session::Session& b) {
  return a.issued_at != b.issued_at ? a.issued_at > b.issued_at : a.id < b.id;
}

// What a real store gives back: never the plain token, nor credentials.
session::Session Stored(session::Session s) {
  s.token.clear();
  s.identity.credentials.clear();
  return s;
}

}  // namespace

Result<session::SessionSlice> MemoryStore::ListSessionsOfIdentity(std::string_view identity_id,
                                                                  std::string_view except,
                                                                  session::ActiveFilter filter,
                                                                  Timestamp now, int64_t offset,
                                                                  int64_t limit) {
  std::lock_guard lock(mu_);
  std::vector<session::Session> kept;
  for (const auto& s : sessions_) {
    if (s.identity_id == identity_id && s.id != except && Keeps(filter, s, now)) {
      kept.push_back(Stored(s));
    }
  }
  std::sort(kept.begin(), kept.end(), Newer);
  session::SessionSlice out;
  out.total = static_cast<int64_t>(kept.size());
  for (int64_t i = offset; i < out.total && i < offset + limit; ++i) {
    out.sessions.push_back(std::move(kept[static_cast<size_t>(i)]));
  }
  return out;
}

Result<std::vector<session::Session>> MemoryStore::ListSessions(session::ActiveFilter filter,
                                                                Timestamp now,
                                                                const session::SessionCursor& after,
                                                                int64_t limit, bool with_identity) {
  std::lock_guard lock(mu_);
  std::vector<session::Session> kept;
  for (const auto& s : sessions_) {
    const bool beyond =
        s.issued_at < after.issued_at || (s.issued_at == after.issued_at && s.id > after.id);
    if (beyond && Keeps(filter, s, now)) {
      kept.push_back(Stored(s));
      if (!with_identity) {
        kept.back().identity = identity::Identity{};
      }
    }
  }
  std::sort(kept.begin(), kept.end(), Newer);
  if (static_cast<int64_t>(kept.size()) > limit) {
    kept.resize(static_cast<size_t>(limit));
  }
  return kept;
}

Result<bool> MemoryStore::RevokeSessionOfIdentity(std::string_view identity_id,
                                                  std::string_view session_id) {
  std::lock_guard lock(mu_);
  for (auto& s : sessions_) {
    if (s.id == session_id && s.identity_id == identity_id) {
      s.active = false;
      return true;
    }
  }
  return false;
}

Result<bool> MemoryStore::SetSessionExpiry(std::string_view session_id, Timestamp expires_at) {
  std::lock_guard lock(mu_);
  if (fail_writes) {
    return Down();
  }
  for (auto& s : sessions_) {
    if (s.id == session_id) {
      s.expires_at = expires_at;
      return true;
    }
  }
  return false;
}

Result<int64_t> MemoryStore::DeleteSessionsOfIdentity(std::string_view identity_id) {
  std::lock_guard lock(mu_);
  if (fail_writes) {
    return Down();
  }
  const auto n =
      std::erase_if(sessions_, [&](const auto& s) { return s.identity_id == identity_id; });
  return static_cast<int64_t>(n);
}

std::vector<identity::Identity> MemoryStore::Identities() const {
  std::lock_guard lock(mu_);
  return identities_;
}

Status MemoryStore::CreateIdentityWithSessionAndMessages(
    const identity::Identity& identity, const session::Session& session,
    std::span<const courier::Message> messages) {
  ATRIUM_RETURN_IF_ERROR(CreateIdentityWithSession(identity, session));
  std::lock_guard lock(mu_);
  hook_messages_.insert(hook_messages_.end(), messages.begin(), messages.end());
  return OkStatus();
}

std::vector<courier::Message> MemoryStore::HookMessages() const {
  std::lock_guard lock(mu_);
  return hook_messages_;
}

std::vector<session::Session> MemoryStore::Sessions() const {
  std::lock_guard lock(mu_);
  return sessions_;
}

size_t MemoryStore::FlowCount() const {
  std::lock_guard lock(mu_);
  return flows_.size();
}

Status MemoryCodeStore::IssueCodes(std::string_view flow_id, otp::Purpose purpose,
                                   std::span<const otp::Code> codes,
                                   std::span<const courier::Message> messages) {
  std::lock_guard lock(mu_);
  if (fail_writes) {
    return Down();
  }
  for (auto& row : codes_) {
    if (row.code.flow_id == flow_id && row.code.purpose == purpose) {
      row.retired = true;
    }
  }
  for (const auto& c : codes) {
    codes_.push_back(Row{c, false});
  }
  messages_.insert(messages_.end(), messages.begin(), messages.end());
  return OkStatus();
}

Result<std::vector<otp::Code>> MemoryCodeStore::ActiveCodes(std::string_view flow_id,
                                                            otp::Purpose purpose) {
  std::lock_guard lock(mu_);
  std::vector<otp::Code> out;
  for (const auto& row : codes_) {
    if (row.code.flow_id == flow_id && row.code.purpose == purpose && !row.retired &&
        !row.code.used_at) {
      out.push_back(row.code);
    }
  }
  return out;
}

Result<bool> MemoryCodeStore::UseCode(std::string_view code_id, Timestamp now) {
  std::lock_guard lock(mu_);
  if (fail_writes) {
    return Down();
  }
  for (auto& row : codes_) {
    if (row.code.id == code_id && !row.code.used_at) {
      row.code.used_at = now;
      return true;
    }
  }
  return false;
}

Result<int64_t> MemoryCodeStore::CountCodesToAddress(std::string_view address, Timestamp since) {
  std::lock_guard lock(mu_);
  return static_cast<int64_t>(std::count_if(codes_.begin(), codes_.end(), [&](const Row& row) {
    return row.code.address == address && row.code.created_at >= since;
  }));
}

Result<int64_t> MemoryCodeStore::CountCodesOfFlow(std::string_view flow_id, Timestamp since) {
  std::lock_guard lock(mu_);
  return static_cast<int64_t>(std::count_if(codes_.begin(), codes_.end(), [&](const Row& row) {
    return row.code.flow_id == flow_id && row.code.created_at >= since;
  }));
}

std::vector<courier::Message> MemoryCodeStore::Messages() const {
  std::lock_guard lock(mu_);
  return messages_;
}

void ScriptedStrategy::Populate(Flow& flow, const identity::IdentitySchema& schema,
                                FormStep) const {
  if (trait_inputs) {
    for (auto& n : flow::TraitNodes(schema, "default")) {
      flow.ui.Upsert(std::move(n));
    }
  }
  ui::Node submit = ui::Node::Input("method", "submit", id_);
  submit.input.value = id_;
  flow.ui.Remove("method", id_);
  flow.ui.nodes.push_back(std::move(submit));
}

Outcome ScriptedStrategy::Register(SubmitContext& ctx) const {
  if (flow::PeekField(ctx.body, "method") != id_) {
    return NotResponsible{};
  }
  ++registers;
  return answer ? answer(ctx) : Outcome(NotResponsible{});
}

std::optional<std::string> ScriptedStrategy::FlowOfCallback(const CallbackRequest& callback) const {
  for (const auto& [k, v] : callback.params) {
    if (k == "state") {
      return v;
    }
  }
  return std::nullopt;
}

Outcome ScriptedStrategy::Resume(SubmitContext& ctx, const CallbackRequest&) const {
  return answer ? answer(ctx) : Outcome(Failed{flow::MethodDisabled()});
}

const std::string& EmailSchema() {
  static const std::string schema = R"({
  "$id": "https://atrium.test/email.schema.json",
  "$schema": "http://json-schema.org/draft-07/schema#",
  "type": "object",
  "properties": {
    "traits": {
      "type": "object",
      "properties": {
        "email": {
          "type": "string", "format": "email", "title": "E-Mail",
          "ory.sh/kratos": {
            "credentials": {"password": {"identifier": true}, "code": {"identifier": true}},
            "verification": {"via": "email"},
            "recovery": {"via": "email"}
          }
        },
        "name": {"type": "string", "title": "Name"}
      },
      "required": ["email"],
      "additionalProperties": false
    }
  }
})";
  return schema;
}

Harness::Harness() : clock(*ParseRfc3339("2026-01-01T00:00:00Z")) {
  config.serve_public.base_url = "http://127.0.0.1:4433/";
  config.serve_public.configured_base_url = config.serve_public.base_url;
  config.selfservice.default_browser_return_url = "http://127.0.0.1:4455/welcome";
  config.selfservice.allowed_return_urls = {"http://127.0.0.1:4455/"};
  config.selfservice.registration.ui_url = "http://127.0.0.1:4455/registration";
  config.selfservice.registration.style = "unified";
  config.selfservice.error_ui_url = "http://127.0.0.1:4455/error";
  config.secrets.cookie = {"a-test-cookie-secret-of-32-chars!"};
  config.identity_schemas = {{"default", "base64://" + Base64Encode(EmailSchema()), false}};
  auto loaded = identity::SchemaRegistry::Load(config.identity_schemas, "default");
  schemas = std::move(loaded).value();
}

void Harness::Build(std::vector<const Strategy*> methods, std::vector<const PostPersistHook*> hooks,
                    std::vector<const ConfiguredHook*> configured) {
  csrf_ = std::make_unique<flow::CsrfGuard>(
      flow::CsrfOptions{config.serve_public.configured_base_url, "/", "", false, "Lax"});
  csrf_cookie_ = *csrf_->Read(std::nullopt, false, true).issued;
  cookies_ = std::make_unique<session::CookieCodec>(config.secrets.cookie);
  session::ManagerOptions options;
  options.lifespan = config.session.lifespan;
  options.public_base_url = config.serve_public.base_url;
  options.secure = false;
  sessions_ = std::make_unique<session::Manager>(options, store, *cookies_, ids, clock);
  service_ = std::make_unique<Service>(
      Dependencies{config, *schemas, store, store, *sessions_, *csrf_, std::move(methods), ids,
                   clock, std::move(hooks), std::move(configured), &doorbell});
}

flow::Request Harness::Api() const {
  flow::Request r;
  r.url = config.serve_public.base_url + "self-service/registration/api";
  r.is_json = true;
  r.accepts_json = true;
  r.device.ip_address = "127.0.0.1";
  return r;
}

flow::Request Harness::Spa() const {
  flow::Request r = Browser();
  r.is_json = true;
  r.accepts_json = true;
  r.json_content_type = true;
  return r;
}

flow::Request Harness::Browser() const {
  flow::Request r;
  r.url = config.serve_public.base_url + "self-service/registration/browser";
  r.csrf = csrf_->Read(csrf_cookie_, true, false);
  r.has_non_cloudflare_cookie = true;
  r.device.ip_address = "127.0.0.1";
  return r;
}

std::string Harness::CsrfToken() const { return csrf_->Read(csrf_cookie_, true, false).masked; }

Flow Harness::NewFlow(const flow::Request& request) {
  const bool api = !request.csrf.has_cookie_header;
  const flow::Reply created =
      api ? service_->InitApi(request, InitParams{}) : service_->InitBrowser(request, InitParams{});
  std::string id;
  if (created.kind == flow::Reply::Kind::kJson) {
    id = created.Document().value("id", "");
  } else {
    id = created.location.substr(created.location.find("flow=") + 5);
  }
  return **store.GetFlow(id);
}

flow::Reply Harness::Submit(const flow::Request& request, const std::string& flow_id,
                            std::vector<std::pair<std::string, std::string>> form) {
  SubmitParams params;
  params.flow_id = flow_id;
  flow::Body body;
  body.form = std::move(form);
  params.body = std::move(body);
  return service_->Submit(request, params);
}

}  // namespace atrium::registration::testing
