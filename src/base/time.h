#pragma once
// RFC 3339 timestamps as Kratos writes them, and Go-style duration strings ("1h30m", "10s").

#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"

namespace atrium {

// "2026-08-01T11:34:56.789012Z": UTC, nanoseconds with trailing zeros trimmed (Go RFC3339Nano).
std::string FormatRfc3339(Timestamp t);

// Parses what FormatRfc3339 writes, plus numeric offsets ("+02:00"). nullopt on bad input.
std::optional<Timestamp> ParseRfc3339(std::string_view s);

// Go time.ParseDuration: a sequence of <number><unit>, units ns us µs ms s m h. "0" is allowed.
std::optional<Duration> ParseGoDuration(std::string_view s);

// Microsecond truncation: what the databases store.
Timestamp TruncateToMicros(Timestamp t);

}  // namespace atrium
