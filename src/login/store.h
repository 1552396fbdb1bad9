#pragma once
// What the login flow needs from storage. Implemented in store/ (SQLite, PostgreSQL).

#include <optional>
#include <string_view>

#include "base/result.h"
#include "login/flow.h"

namespace atrium::login {

class FlowStore {
 public:
  virtual ~FlowStore() = default;
  virtual Status CreateLoginFlow(const Flow& flow) = 0;
  // nullopt for an unknown id. Unavailable on database failure.
  virtual Result<std::optional<Flow>> GetLoginFlow(std::string_view id) = 0;
  // NotFound when the flow does not exist.
  virtual Status UpdateLoginFlow(const Flow& flow) = 0;
};

}  // namespace atrium::login
