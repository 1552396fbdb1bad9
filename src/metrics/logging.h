#pragma once
// Atrium's logs: the process-wide spdlog setup (`log.level`, `log.format` text or json, on
// stderr like Kratos) and the request log, one line per answered request with its request id.

#include <memory>
#include <string>
#include <string_view>

#include "http/http.h"

namespace spdlog {
class logger;
}  // namespace spdlog

namespace atrium::metrics {

struct LogOptions {
  std::string level = "info";   // trace, debug, info, warning/warn, error, fatal, panic
  std::string format = "text";  // text or json (every line one JSON object, messages escaped)
  // Kratos' log.leak_sensitive_values: when false (the default) query values other than flow
  // and page identifiers are replaced by `redaction_text`.
  bool leak_sensitive_values = false;
  std::string redaction_text;  // "" = Kratos' default sentence
};

// Sets the default logger: level, format and the stderr sink.
void ConfigureLogging(const LogOptions& options);

// Appends `text` JSON-escaped (without quotes) to `out`: quotes, backslashes, control
// characters, and invalid UTF-8 bytes as U+FFFD, so every line stays valid JSON.
void AppendJsonEscaped(std::string& out, std::string_view text);

// The query string as it may be logged: parameter names kept, values of parameters that cannot
// hold secrets (flow, id, page tokens) kept, every other value replaced by `redaction`.
std::string RedactQuery(std::string_view raw_query, std::string_view redaction);

// Writes "completed handling request" lines at info level through its own logger (same format
// and sink as the default one). Thread-safe; the line is built in a per-thread buffer and not
// at all when info is disabled.
class RequestLog final {
 public:
  explicit RequestLog(const LogOptions& options);
  ~RequestLog();
  RequestLog(const RequestLog&) = delete;
  RequestLog& operator=(const RequestLog&) = delete;

  // `request_id` is the answer's X-Request-Id.
  void Write(const http::Observation& exchange, std::string_view request_id);

 private:
  std::shared_ptr<spdlog::logger> logger_;
  bool json_ = false;
  bool leak_ = false;
  std::string redaction_;
};

// The request id of a request: its X-Request-Id when that is short printable ASCII, else a
// fresh random one (32 hex digits).
std::string RequestIdOf(const http::Request* request);

}  // namespace atrium::metrics
