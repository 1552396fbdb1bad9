#pragma once
// The versioned schema of the SQLite store. Append only: never edit a released migration.

#include <vector>

#include "store/records.h"

namespace atrium::store::sqlite {

const std::vector<Migration>& Migrations();

}  // namespace atrium::store::sqlite
