#include "session/manager.h"

#include "base/time.h"
#include "crypto/hash.h"

namespace atrium::session {

Manager::Manager(ManagerOptions options, SessionStore& store, const CookieCodec& cookies,
                 IdGenerator& ids, const Clock& clock, SessionCache* cache)
    : options_(std::move(options)),
      store_(store),
      cookies_(cookies),
      ids_(ids),
      clock_(clock),
      cache_(cache) {}

Session Manager::Issue(const identity::Identity& identity, std::string method,
                       Device device) const {
  const Timestamp now = TruncateToMicros(clock_.Now());
  Session s;
  s.id = ids_.NewUuid();
  s.token = "ory_st_" + ids_.Alphanumeric(32);
  s.token_digest = TokenDigest(s.token);
  s.active = true;
  s.issued_at = now;
  s.authenticated_at = now;
  s.expires_at = now + options_.lifespan;
  s.aal = "aal1";
  s.authentication_methods.push_back({std::move(method), "aal1", now});
  s.identity_id = identity.id;
  s.identity = identity;
  s.identity.credentials.clear();  // credentials never travel with a session
  device.id = ids_.NewUuid();
  s.devices.push_back(std::move(device));
  return s;
}

std::optional<std::string> Manager::TokenOf(const Credentials& credentials) const {
  std::optional<std::string> from_cookie;
  if (credentials.cookie) {
    from_cookie = cookies_.Decode(*credentials.cookie, clock_.Now());
  }
  return TokenFromRequest(credentials.session_token_header, std::move(from_cookie),
                          credentials.authorization);
}

Result<std::optional<Session>> Manager::Find(const Credentials& credentials) const {
  using Out = std::optional<Session>;
  const auto token = TokenOf(credentials);
  if (!token) {
    return Out();
  }
  ATRIUM_ASSIGN_OR_RETURN(auto found, FindByToken(*token));
  if (!found || !found->IsActive(clock_.Now())) {
    return Out();  // unknown, expired or revoked tokens count as "no session"
  }
  return found;
}

Result<std::optional<Session>> Manager::FindByToken(std::string_view token) const {
  ATRIUM_ASSIGN_OR_RETURN(auto found, store_.GetSessionByTokenDigest(TokenDigest(token)));
  if (found) {
    found->token = std::string(token);  // for this request's answers only; never stored
  }
  return found;
}

Status Manager::Save(const Session& session) const { return store_.CreateSession(session); }

Result<Session> Manager::Reauthenticate(Session session, std::string method, Device device) const {
  const Timestamp now = TruncateToMicros(clock_.Now());
  session.active = true;
  session.authenticated_at = now;
  session.issued_at = now;
  session.expires_at = now + options_.lifespan;
  session.authentication_methods.push_back({std::move(method), "aal1", now});
  device.id = ids_.NewUuid();
  session.devices.push_back(std::move(device));
  ATRIUM_RETURN_IF_ERROR(store_.UpdateSession(session));
  return session;
}

Result<bool> Manager::Revoke(std::string_view session_id) const {
  return store_.RevokeSession(session_id);
}

Result<int64_t> Manager::RevokeOthers(std::string_view identity_id, std::string_view keep) const {
  return store_.RevokeSessionsOfIdentity(identity_id, keep);
}

namespace {

std::string LogoutTokenWith(std::string_view secret, std::string_view session_id) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  const std::string mac =
      crypto::HmacSha256(secret, "atrium logout token v1:" + std::string(session_id));
  std::string out = "ory_lo_";
  for (size_t i = 0; i < 32; ++i) {
    out.push_back(kAlphabet[static_cast<unsigned char>(mac[i]) % kAlphabet.size()]);
  }
  return out;
}

}  // namespace

std::string Manager::LogoutToken(const Session& session) const {
  return LogoutTokenWith(options_.secrets.empty() ? std::string() : options_.secrets.front(),
                         session.id);
}

bool Manager::IsLogoutToken(const Session& session, std::string_view token) const {
  bool match = false;
  for (const auto& secret : options_.secrets) {
    match = crypto::ConstantTimeEquals(LogoutTokenWith(secret, session.id), token) || match;
  }
  return match;
}

SetCookie Manager::ClearedCookie() const {
  SetCookie c = CookieFor(Session{});
  c.value = "";
  c.max_age = 0;  // "Expires=Thu, 01 Jan 1970 00:00:01 GMT; Max-Age=0"
  return c;
}

SetCookie Manager::CookieFor(const Session& session) const {
  SetCookie c;
  c.name = options_.cookie_name;
  c.value = cookies_.Encode(session.token, session.expires_at);
  c.path = options_.path;
  c.domain = options_.domain;
  if (options_.persistent) {
    c.max_age =
        std::chrono::duration_cast<std::chrono::seconds>(session.expires_at - clock_.Now()).count();
  }
  c.http_only = true;
  c.secure = options_.secure;
  c.same_site = options_.secure ? options_.same_site : "Lax";
  c.expires = true;
  return c;
}

Json Manager::ToJson(const Session& session) const {
  return session.ToJson(options_.public_base_url, clock_.Now());
}

Result<WhoAmIAnswer> Manager::WhoAmI(const Credentials& credentials) const {
  const auto token = TokenOf(credentials);
  if (!token) {
    return NoActiveSession();
  }
  const std::string digest = TokenDigest(*token);
  if (auto hit = Cached(digest)) {
    return *std::move(hit);
  }
  // Read the generation before the store: a write committed after it invalidates, and the
  // cache then refuses what this read returns.
  const uint64_t generation = cache_ != nullptr ? cache_->Generation() : 0;
  ATRIUM_ASSIGN_OR_RETURN(auto found, store_.GetSessionByTokenDigest(digest));
  const Timestamp now = clock_.Now();
  if (!found || !found->IsActive(now)) {
    return NoActiveSession();  // unknown, expired or revoked tokens, inactive identities
  }
  auto entry = std::make_shared<CachedSession>();
  entry->body = DumpJson(found->ToJson(options_.public_base_url, now)) + "\n";
  entry->session = std::move(*found);
  std::shared_ptr<const CachedSession> shared = std::move(entry);
  if (cache_ != nullptr) {
    cache_->Put(digest, shared, generation);
  }
  return WhoAmIAnswer{std::move(shared)};
}

std::optional<WhoAmIAnswer> Manager::CachedWhoAmI(const Credentials& credentials) const {
  if (cache_ == nullptr) {
    return std::nullopt;
  }
  const auto token = TokenOf(credentials);
  if (!token) {
    return std::nullopt;  // WhoAmI answers this one (401) without the store either
  }
  return Cached(TokenDigest(*token));
}

std::optional<WhoAmIAnswer> Manager::Cached(const std::string& digest) const {
  if (cache_ == nullptr) {
    return std::nullopt;
  }
  if (auto hit = cache_->Get(digest)) {
    return WhoAmIAnswer{std::move(hit)};
  }
  return std::nullopt;
}

Error NoActiveSession() {
  return Error{ErrorCode::kUnauthenticated,
               "No valid session credentials found in the request.",
               {},
               {},
               {},
               {}};
}

}  // namespace atrium::session
