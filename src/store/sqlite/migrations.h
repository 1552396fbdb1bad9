#pragma once
// The versioned schema of the SQLite store. Append only: never edit a released migration.

#include <vector>

namespace atrium::store::sqlite {

struct Migration {
  int version;
  const char* name;
  const char* sql;
};

const std::vector<Migration>& Migrations();

}  // namespace atrium::store::sqlite
