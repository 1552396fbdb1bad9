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

// Internal errors name the flow `kind` ("login"): a stored document that is not an object, has
// unreadable timestamps or no valid ui was not written by us.
Result<StoredFlow> ReadStoredFlow(const Json& j, std::string_view kind);

}  // namespace atrium::flow
