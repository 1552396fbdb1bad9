#pragma once
// Reading a stored flow document back: the fields every self-service flow (registration, login,
// verification) stores alike, read and checked in one place. Each flow then reads its own.

#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/json.h"
#include "base/result.h"
#include "ui/node.h"

namespace atrium::flow {

// `j[key]` when it is a string, else "".
std::string StringField(const Json& j, const char* key);

struct StoredFlow {
  std::string id;
  bool api = false;  // "type": "api"
  Timestamp expires_at{};
  Timestamp issued_at{};
  std::optional<Timestamp> created_at;  // when stored (login and verification flows)
  std::optional<Timestamp> updated_at;
  std::string request_url;
  std::string active;
  std::string state;
  std::string csrf_token;
  ui::Container ui;
  Json internal_context = Json::object();
};

// What answering a fetch of a flow needs, read without decoding the flow: its public JSON as
// written when the flow was last stored (ready to send), and what decides whether that may be
// sent as it is.
struct StoredAnswer {
  bool api = false;
  Timestamp expires_at{};
  std::string csrf_token;        // browser flows: the token a fetch must match
  bool login_challenge = false;  // Hydra is asked on every fetch: not servable as stored
  std::string body;  // "" when the flow was stored by an older version (decode it instead)
};

// A flow as a store writes it: `answer`, its public JSON as a fetch answers it, serialized once
// (without what only one answer carries: transient payload, session token exchange code and
// Hydra's login request); `data`, the private rest (CSRF token, internal context, Hydra login
// challenge) as JSON.
struct StoredDocument {
  std::string answer;
  Json data;
  bool complete = true;  // nothing was left out: `answer` is the whole public JSON
};
StoredDocument SplitForStorage(Json public_json, const std::string& csrf_token,
                               const Json& internal_context);
// The document a flow's FromStorageJson reads: the parsed answer with the private fields added.
// Rows of older versions have no answer: their `data` is that whole document already.
Json JoinStored(std::optional<Json> answer, Json data);
// What a fetch needs of a stored row (`answer` "" for rows of older versions).
StoredAnswer AnswerOfStored(bool api, Timestamp expires_at, std::string answer, const Json& data);

// Internal errors name the flow `kind` ("login"): a stored document that is not an object, has
// unreadable timestamps or no valid ui was not written by us.
Result<StoredFlow> ReadStoredFlow(const Json& j, std::string_view kind);

}  // namespace atrium::flow
