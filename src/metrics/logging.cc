#include "metrics/logging.h"

#include <array>
#include <charconv>
#include <cstring>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "base/random.h"
#include "base/strings.h"

namespace atrium::metrics {
namespace {

constexpr std::string_view kTimeAndLevelJson = R"({"time":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l",)";
constexpr std::string_view kTextPattern = "%Y-%m-%dT%H:%M:%S.%eZ %l %v";
constexpr std::string_view kKratosRedaction =
    R"(Value is sensitive and has been redacted. To see the value set config key "log.leak_sensitive_values = true".)";

// %* : the message, JSON-escaped (spdlog's %v is written raw).
class EscapedMessage final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm& /*time*/,
              spdlog::memory_buf_t& dest) override {
    std::string escaped;
    AppendJsonEscaped(escaped, std::string_view(msg.payload.data(), msg.payload.size()));
    dest.append(escaped.data(), escaped.data() + escaped.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return spdlog::details::make_unique<EscapedMessage>();
  }
};

spdlog::level::level_enum LevelOf(const std::string& level) {
  if (level == "warning" || level == "warn") {
    return spdlog::level::warn;
  }
  if (level == "fatal" || level == "panic") {
    return spdlog::level::critical;
  }
  return spdlog::level::from_str(level);
}

std::unique_ptr<spdlog::formatter> DefaultFormatter(const LogOptions& options) {
  auto f = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  if (options.format == "json") {
    f->add_flag<EscapedMessage>('*').set_pattern(std::string(kTimeAndLevelJson) + R"("msg":"%*"})");
  } else {
    f->set_pattern(std::string(kTextPattern));
  }
  return f;
}

// The request logger's lines are built whole by RequestLog::Write (fields already escaped).
std::unique_ptr<spdlog::formatter> RequestFormatter(const LogOptions& options) {
  auto f = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  f->set_pattern(options.format == "json" ? std::string(kTimeAndLevelJson) + "%v}"
                                          : std::string(kTextPattern));
  return f;
}

// Length of the valid UTF-8 sequence at s[i], or 0.
std::size_t Utf8Length(std::string_view s, std::size_t i) {
  const auto b = static_cast<unsigned char>(s[i]);
  std::size_t n = 0;
  std::uint32_t cp = 0;
  if (b >= 0xC2 && b <= 0xDF) {
    n = 2;
    cp = b & 0x1Fu;
  } else if (b >= 0xE0 && b <= 0xEF) {
    n = 3;
    cp = b & 0x0Fu;
  } else if (b >= 0xF0 && b <= 0xF4) {
    n = 4;
    cp = b & 0x07u;
  } else {
    return 0;
  }
  if (i + n > s.size()) {
    return 0;
  }
  for (std::size_t k = 1; k < n; ++k) {
    const auto c = static_cast<unsigned char>(s[i + k]);
    if ((c & 0xC0u) != 0x80u) {
      return 0;
    }
    cp = (cp << 6) | (c & 0x3Fu);
  }
  const bool overlong = (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000);
  const bool surrogate = cp >= 0xD800 && cp <= 0xDFFF;
  return overlong || surrogate || cp > 0x10FFFF ? 0 : n;
}

bool KeepsValue(std::string_view name) {
  return name == "flow" || name == "id" || name == "page_size" || name == "page_token" ||
         name == "per_page" || name == "page";
}

void AppendField(std::string& out, bool json, std::string_view name, std::string_view value) {
  if (json) {
    out += ",\"";
    out += name;
    out += "\":\"";
    AppendJsonEscaped(out, value);
    out += '"';
  } else {
    out += ' ';
    out += name;
    out += "=\"";
    AppendJsonEscaped(out, value);
    out += '"';
  }
}

void AppendNumber(std::string& out, bool json, std::string_view name, std::int64_t value) {
  std::array<char, 24> buf{};
  const auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), value);
  out += json ? ",\"" : " ";
  out += name;
  out += json ? "\":" : "=";
  out.append(buf.data(), ec == std::errc() ? end : buf.data());
}

}  // namespace

void ConfigureLogging(const LogOptions& options) {
  auto logger =
      std::make_shared<spdlog::logger>("atrium", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  logger->set_formatter(DefaultFormatter(options));
  logger->set_level(LevelOf(options.level));
  spdlog::set_default_logger(std::move(logger));
}

void AppendJsonEscaped(std::string& out, std::string_view text) {
  static constexpr std::string_view kHex = "0123456789abcdef";
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7F) {
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 0x0Fu];
    } else if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (const std::size_t n = Utf8Length(text, i); n > 0) {
      out.append(text.substr(i, n));
      i += n - 1;
    } else {
      out += "\\ufffd";
    }
  }
}

std::string RedactQuery(std::string_view raw_query, std::string_view redaction) {
  std::string out;
  if (raw_query.empty()) {
    return out;
  }
  // Every '&'-separated piece is kept, empty ones too, so the logged query has the input's shape.
  for (bool first = true;; first = false) {
    const std::size_t amp = raw_query.find('&');
    const std::string_view pair = raw_query.substr(0, amp);
    const std::size_t eq = pair.find('=');
    const std::string_view name = pair.substr(0, eq);
    if (!first) {
      out += '&';
    }
    out += name;
    if (eq != std::string_view::npos) {
      out += '=';
      out += KeepsValue(name) ? pair.substr(eq + 1) : redaction;
    }
    if (amp == std::string_view::npos) {
      return out;
    }
    raw_query = raw_query.substr(amp + 1);
  }
}

RequestLog::RequestLog(const LogOptions& options)
    : logger_(std::make_shared<spdlog::logger>("request",
                                               std::make_shared<spdlog::sinks::stderr_sink_mt>())),
      json_(options.format == "json"),
      leak_(options.leak_sensitive_values),
      redaction_(options.redaction_text.empty() ? std::string(kKratosRedaction)
                                                : options.redaction_text) {
  logger_->set_formatter(RequestFormatter(options));
  logger_->set_level(LevelOf(options.level));
}

RequestLog::~RequestLog() = default;

void RequestLog::Write(const http::Observation& exchange, std::string_view request_id) {
  if (!logger_->should_log(spdlog::level::info)) {
    return;
  }
  thread_local std::string line;
  line.clear();
  line += json_ ? R"("msg":"completed handling request")" : "completed handling request";
  AppendField(line, json_, "request_id", request_id);
  if (json_) {
    line += R"(,"http_request":{)";
    line += R"("remote":")";
    AppendJsonEscaped(line, exchange.remote_address);
    line += '"';
  } else {
    AppendField(line, json_, "remote", exchange.remote_address);
  }
  if (exchange.request != nullptr) {
    const http::Request& req = *exchange.request;
    AppendField(line, json_, "method", req.method);
    AppendField(line, json_, "path", req.path);
    if (!req.raw_query.empty()) {
      AppendField(line, json_, "query",
                  leak_ ? std::string(req.raw_query) : RedactQuery(req.raw_query, redaction_));
    }
    AppendField(line, json_, "route", exchange.route);
  }
  if (json_) {
    line += R"(},"http_response":{"status":)";
    line += std::to_string(exchange.status);
    AppendNumber(line, json_, "took",
                 std::chrono::duration_cast<std::chrono::nanoseconds>(exchange.duration).count());
    line += '}';
  } else {
    AppendNumber(line, json_, "status", exchange.status);
    AppendNumber(line, json_, "took_ns",
                 std::chrono::duration_cast<std::chrono::nanoseconds>(exchange.duration).count());
  }
  logger_->info(std::string_view(line));
}

std::string RequestIdOf(const http::Request* request) {
  if (request != nullptr) {
    if (const auto given = request->Header("X-Request-Id");
        given && !given->empty() && given->size() <= 128) {
      bool printable = true;
      for (const char c : *given) {
        printable = printable && c > 0x20 && c < 0x7F;
      }
      if (printable) {
        return std::string(*given);
      }
    }
  }
  // Not a secret, only unique: a per-thread random start and a counter.
  thread_local const std::string start = KernelRandomBytes(8);
  thread_local std::uint64_t counter = 0;
  ++counter;
  std::array<char, sizeof counter> tail{};
  std::memcpy(tail.data(), &counter, sizeof counter);
  return HexEncode(start + std::string(tail.data(), tail.size()));
}

}  // namespace atrium::metrics
