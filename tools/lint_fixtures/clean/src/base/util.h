#pragma once
#include <string>

namespace demo {
std::string Trim(const std::string& s);
}  // namespace demo
