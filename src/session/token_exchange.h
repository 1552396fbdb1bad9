#pragma once
// The native apps' session token exchange (docs/wire/registration.md §17.6): an API flow created
// with `return_session_token_exchange_code=true` gets an `init_code` (its digest is kept here);
// when the flow ends in the browser after a social sign-in, the session's token is kept sealed
// and the browser goes to `return_to?code=<return_to_code>`; the app then trades both codes at
// `GET /sessions/token-exchange`, once.

#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/ids.h"
#include "base/result.h"
#include "crypto/aead.h"
#include "session/manager.h"
#include "session/session.h"

namespace atrium::session {

struct TokenExchange {
  std::string id;
  std::string flow_id;
  std::string init_code_digest;       // hex SHA-256 of the init code
  std::string return_to_code_digest;  // "" until the flow succeeded
  std::string session_id;             // "" until the flow succeeded
  std::string sealed_token;           // the session token, sealed with the cookie secrets
  Timestamp expires_at;
  Timestamp created_at;
};

class TokenExchangeStore {
 public:
  virtual ~TokenExchangeStore() = default;
  virtual Status CreateTokenExchange(const TokenExchange& exchange) = 0;
  // The exchange of a flow, or nullopt.
  virtual Result<std::optional<TokenExchange>> TokenExchangeOfFlow(std::string_view flow_id) = 0;
  // Records the session of a finished flow. NotFound when the exchange is gone.
  virtual Status CompleteTokenExchange(std::string_view id, std::string_view return_to_code_digest,
                                       std::string_view session_id,
                                       std::string_view sealed_token) = 0;
  // Deletes and returns the completed exchange with both digests (single use; concurrent callers
  // get it at most once), or nullopt.
  virtual Result<std::optional<TokenExchange>> TakeTokenExchange(
      std::string_view init_code_digest, std::string_view return_to_code_digest) = 0;
};

// The exchange's use cases, for the flows (start, complete) and the API (exchange).
class TokenExchanges final {
 public:
  // All references must outlive this object; `secrets` (the cookie secrets) seal the tokens.
  TokenExchanges(TokenExchangeStore& store, const Manager& sessions,
                 const std::vector<std::string>& secrets, IdGenerator& ids, const Clock& clock);

  // Remembers the init code of a new API flow (only its digest is kept).
  Status Start(std::string_view flow_id, std::string_view init_code, Timestamp expires_at) const;
  // The flow ended with `session`: keeps its token sealed and returns the return_to code, or
  // nullopt when the flow has no exchange.
  Result<std::optional<std::string>> Complete(std::string_view flow_id,
                                              const Session& session) const;
  // Trades both codes for the session and its token, once. nullopt when they name nothing
  // (unknown, already used, expired, or the flow has not finished).
  struct Exchanged {
    std::string token;
    Session session;
  };
  Result<std::optional<Exchanged>> Exchange(std::string_view init_code,
                                            std::string_view return_to_code) const;

 private:
  TokenExchangeStore& store_;
  const Manager& sessions_;
  crypto::Aead sealer_;
  IdGenerator& ids_;
  const Clock& clock_;
};

}  // namespace atrium::session
