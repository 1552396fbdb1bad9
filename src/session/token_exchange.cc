#include "session/token_exchange.h"

#include "base/strings.h"
#include "base/time.h"
#include "crypto/hash.h"

namespace atrium::session {
namespace {

std::string Digest(std::string_view code) { return HexEncode(crypto::Sha256(code)); }

// What the sealed token is bound to, so that it cannot be moved to another exchange.
std::string Binding(const TokenExchange& e) { return "session_token_exchange:" + e.id; }

}  // namespace

TokenExchanges::TokenExchanges(TokenExchangeStore& store, const Manager& sessions,
                               const std::vector<std::string>& secrets, IdGenerator& ids,
                               const Clock& clock)
    : store_(store), sessions_(sessions), sealer_(secrets), ids_(ids), clock_(clock) {}

Status TokenExchanges::Start(std::string_view flow_id, std::string_view init_code,
                             Timestamp expires_at) const {
  TokenExchange e;
  e.id = ids_.NewUuid();
  e.flow_id = std::string(flow_id);
  e.init_code_digest = Digest(init_code);
  e.expires_at = expires_at;
  e.created_at = TruncateToMicros(clock_.Now());
  return store_.CreateTokenExchange(e);
}

Result<std::optional<std::string>> TokenExchanges::Complete(std::string_view flow_id,
                                                            const Session& session) const {
  using Out = std::optional<std::string>;
  ATRIUM_ASSIGN_OR_RETURN(auto found, store_.TokenExchangeOfFlow(flow_id));
  if (!found) {
    return Out();
  }
  const std::string code = ids_.Alphanumeric(32);
  ATRIUM_RETURN_IF_ERROR(store_.CompleteTokenExchange(
      found->id, Digest(code), session.id, sealer_.Seal(session.token, Binding(*found))));
  return Out(code);
}

Result<std::optional<TokenExchanges::Exchanged>> TokenExchanges::Exchange(
    std::string_view init_code, std::string_view return_to_code) const {
  using Out = std::optional<Exchanged>;
  ATRIUM_ASSIGN_OR_RETURN(auto taken,
                          store_.TakeTokenExchange(Digest(init_code), Digest(return_to_code)));
  if (!taken || taken->expires_at < clock_.Now()) {
    return Out();
  }
  auto token = sealer_.Open(taken->sealed_token, Binding(*taken));
  if (!token.ok()) {
    return Out();  // sealed under a secret that is gone
  }
  ATRIUM_ASSIGN_OR_RETURN(auto session, sessions_.FindByToken(*token));
  if (!session || session->id != taken->session_id) {
    return Out();  // revoked or expired since
  }
  return Out(Exchanged{*token, std::move(*session)});
}

}  // namespace atrium::session
