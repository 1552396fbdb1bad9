#include "base/util.h"

namespace demo {
std::string Trim(const std::string& s) { return s; }
}  // namespace demo
