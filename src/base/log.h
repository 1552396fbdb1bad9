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

bool LogEnabled(LogLevel level) noexcept;
void WriteLog(LogLevel level, std::string_view line);

// A line that cannot be formatted or written (out of memory, a formatter that throws) is
// dropped: logging never throws, also not from inside a catch block.
template <typename... Args>
void Log(LogLevel level, fmt::format_string<Args...> format, Args&&... args) noexcept {
  if (LogEnabled(level)) {
    try {
      WriteLog(level, fmt::format(format, std::forward<Args>(args)...));
    } catch (...) {  // NOLINT(bugprone-empty-catch): dropped, as said above
    }
  }
}

template <typename... Args>
void LogDebug(fmt::format_string<Args...> format, Args&&... args) noexcept {
  Log(LogLevel::kDebug, format, std::forward<Args>(args)...);
}
template <typename... Args>
void LogInfo(fmt::format_string<Args...> format, Args&&... args) noexcept {
  Log(LogLevel::kInfo, format, std::forward<Args>(args)...);
}
template <typename... Args>
void LogWarning(fmt::format_string<Args...> format, Args&&... args) noexcept {
  Log(LogLevel::kWarning, format, std::forward<Args>(args)...);
}
template <typename... Args>
void LogError(fmt::format_string<Args...> format, Args&&... args) noexcept {
  Log(LogLevel::kError, format, std::forward<Args>(args)...);
}

}  // namespace atrium
