#include "base/strings.h"
#include "http/http.h"

namespace atrium::http {
namespace {

// The value of parameter `name` in a header value such as `form-data; name="x"; filename="y"`.
std::optional<std::string> HeaderParam(std::string_view header, std::string_view name) {
  const auto parts = Split(header, ';');
  for (size_t i = 1; i < parts.size(); ++i) {
    const std::string_view p = TrimSpace(parts[i]);
    const size_t eq = p.find('=');
    if (eq == std::string_view::npos || !EqualsIgnoreCase(TrimSpace(p.substr(0, eq)), name)) {
      continue;
    }
    std::string_view v = TrimSpace(p.substr(eq + 1));
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') {
      v = v.substr(1, v.size() - 2);
      std::string out;
      for (size_t j = 0; j < v.size(); ++j) {
        if (v[j] == '\\' && j + 1 < v.size()) {
          ++j;
        }
        out.push_back(v[j]);
      }
      return out;
    }
    return std::string(v);
  }
  return std::nullopt;
}

}  // namespace

Result<Pairs> ParseUrlEncoded(std::string_view body) {
  Pairs out;
  for (std::string_view part : Split(body, '&')) {
    if (part.empty()) {
      continue;
    }
    const size_t eq = part.find('=');
    const std::string_view raw_key = part.substr(0, eq);
    if (raw_key.find(';') != std::string_view::npos) {
      return Error::InvalidArgument("invalid semicolon separator in query");
    }
    auto key = PercentDecode(raw_key, true);
    auto value = eq == std::string_view::npos ? std::optional<std::string>("")
                                              : PercentDecode(part.substr(eq + 1), true);
    if (!key || !value) {
      return Error::InvalidArgument("invalid URL escape in the form body");
    }
    out.emplace_back(std::move(*key), std::move(*value));
  }
  return out;
}

Result<Pairs> ParseMultipart(std::string_view body, std::string_view content_type) {
  const auto boundary = HeaderParam(content_type, "boundary");
  if (!boundary || boundary->empty() || boundary->size() > 70) {
    return Error::InvalidArgument("no multipart boundary param in Content-Type");
  }
  const std::string delimiter = "--" + *boundary;
  size_t pos = body.find(delimiter);
  if (pos == std::string_view::npos) {
    return Error::InvalidArgument("multipart: NextPart: EOF");
  }
  Pairs out;
  for (;;) {
    pos += delimiter.size();
    if (body.substr(pos, 2) == "--") {
      return out;  // the closing delimiter
    }
    if (body.substr(pos, 2) != "\r\n") {
      return Error::InvalidArgument("multipart: malformed boundary line");
    }
    pos += 2;
    const size_t headers_end = body.find("\r\n\r\n", pos);
    if (headers_end == std::string_view::npos) {
      return Error::InvalidArgument("multipart: malformed part headers");
    }
    std::optional<std::string> name;
    for (std::string_view line : Split(body.substr(pos, headers_end - pos), '\n')) {
      line = TrimSpace(line);
      const size_t colon = line.find(':');
      if (colon != std::string_view::npos &&
          EqualsIgnoreCase(TrimSpace(line.substr(0, colon)), "Content-Disposition")) {
        name = HeaderParam(TrimSpace(line.substr(colon + 1)), "name");
      }
    }
    const size_t content = headers_end + 4;
    const size_t next = body.find("\r\n" + delimiter, content);
    if (next == std::string_view::npos) {
      return Error::InvalidArgument("multipart: unexpected end of body");
    }
    if (name) {
      out.emplace_back(std::move(*name), std::string(body.substr(content, next - content)));
    }
    pos = next + 2;
  }
}

}  // namespace atrium::http
