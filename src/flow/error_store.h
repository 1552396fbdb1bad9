#pragma once
// Persisted errors for the error UI ("error manager", docs/wire/registration.md §3.3).

#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/json.h"
#include "base/result.h"

namespace atrium::flow {

struct ErrorContainer {
  std::string id;
  Json error;  // the error object itself, not wrapped in {"error": ...}
  Timestamp created_at;
  Timestamp updated_at;
};

class ErrorStore {
 public:
  virtual ~ErrorStore() = default;
  virtual Status CreateError(const ErrorContainer& container) = 0;
  virtual Result<std::optional<ErrorContainer>> GetError(std::string_view id) = 0;
};

}  // namespace atrium::flow
