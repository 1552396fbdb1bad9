#pragma once
// Log lines of every module, formatted with {fmt} and written through the process-wide logger
// that metrics::ConfigureLogging sets up (level, text or JSON, stderr). Only base/log.cc and
// metrics/logging.cc see spdlog: it is compiled into those two files instead of being loaded as
// a shared library (0.4 MiB of every process's memory), and a module that logs needs no more
// than this header. A line below the configured level is not formatted at all.

#include <string_view>
#include <utility>

#include <fmt/format.h>

namespace atrium {

enum class LogLevel { kDebug, kInfo, kWarning, kError };

bool LogEnabled(LogLevel level);
void WriteLog(LogLevel level, std::string_view line);

template <typename... Args>
void Log(LogLevel level, fmt::format_string<Args...> format, Args&&... args) {
  if (LogEnabled(level)) {
    WriteLog(level, fmt::format(format, std::forward<Args>(args)...));
  }
}

template <typename... Args>
void LogDebug(fmt::format_string<Args...> format, Args&&... args) {
  Log(LogLevel::kDebug, format, std::forward<Args>(args)...);
}
template <typename... Args>
void LogInfo(fmt::format_string<Args...> format, Args&&... args) {
  Log(LogLevel::kInfo, format, std::forward<Args>(args)...);
}
template <typename... Args>
void LogWarning(fmt::format_string<Args...> format, Args&&... args) {
  Log(LogLevel::kWarning, format, std::forward<Args>(args)...);
}
template <typename... Args>
void LogError(fmt::format_string<Args...> format, Args&&... args) {
  Log(LogLevel::kError, format, std::forward<Args>(args)...);
}

}  // namespace atrium
