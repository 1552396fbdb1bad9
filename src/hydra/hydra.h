#pragma once
// Ory Hydra as the OAuth2 and OpenID Connect provider Atrium signs users in for
// (docs/wire/registration.md §20): a flow started with ?login_challenge= fetches Hydra's login
// request, and after sign-up accepts it with the new identity as subject. The domain uses the
// interface; the HTTP implementation talks to Hydra's admin API through the one HTTP client.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "base/json.h"
#include "base/result.h"

namespace atrium::httpclient {
class Client;
}

namespace atrium::hydra {

// Hydra's OAuth2LoginRequest: what the flow shows as `oauth2_login_request`, and the fields
// Atrium reads.
struct LoginRequest {
  bool skip = false;        // Hydra knows the user already: accept without asking
  std::string subject;      // set when skip
  std::string request_url;  // the OAuth2 authorization request that started it
  Json raw;                 // the object as Hydra sent it (bounded parse)
};

struct Acceptance {
  std::string challenge;
  std::string subject;  // the identity id
  std::string session_id;
  std::vector<std::string> amr;  // the session's authentication methods
  bool remember = true;          // session.cookie.persistent
  std::chrono::seconds remember_for{0};
};

class Provider {
 public:
  virtual ~Provider() = default;
  // Errors (Kratos' texts): 400 "invalid login_challenge" for an empty one; 400 "Unable to get
  // OAuth 2.0 Login Challenge." when Hydra refuses it (unknown, used, expired), 500 with that
  // reason when Hydra is down, slow or answers garbage; details carry Hydra's status code.
  virtual Result<LoginRequest> GetLoginRequest(const std::string& challenge) const = 0;
  // Hydra's redirect_to. Errors: 500 "Unable to accept OAuth 2.0 Login Challenge.".
  virtual Result<std::string> AcceptLoginRequest(const Acceptance& acceptance) const = 0;
};

struct Options {
  std::string admin_url;                                     // oauth2_provider.url
  std::vector<std::pair<std::string, std::string>> headers;  // oauth2_provider.headers
  std::chrono::milliseconds timeout = std::chrono::seconds(5);
};

// Hydra's admin API over `http` (which must outlive the provider).
std::unique_ptr<Provider> NewHttpProvider(httpclient::Client& http, Options options);

}  // namespace atrium::hydra
