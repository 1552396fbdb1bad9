#include "httpclient/mime.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <ctime>

#include "base/strings.h"

namespace atrium::httpclient::mime {
namespace {

constexpr std::string_view kCrlf = "\r\n";
constexpr size_t kMaxLine = 76;

bool IsPlainAscii(std::string_view s) {
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u > 0x7e) {
      return false;
    }
  }
  return true;
}

bool HasLineBreak(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; }

// The length of the UTF-8 sequence that starts with `lead` (1 for anything malformed).
size_t SequenceLength(unsigned char lead) {
  if (lead >= 0xf0) {
    return 4;
  }
  if (lead >= 0xe0) {
    return 3;
  }
  if (lead >= 0xc0) {
    return 2;
  }
  return 1;
}

// Fields the builder writes itself: an extra header must not repeat them.
bool IsOwnField(std::string_view name) {
  for (std::string_view own : {"date", "from", "to", "subject", "message-id", "mime-version",
                               "content-type", "content-transfer-encoding", "bcc", "cc"}) {
    if (EqualsIgnoreCase(name, own)) {
      return true;
    }
  }
  return false;
}

Status CheckAddress(std::string_view what, std::string_view address) {
  if (address.empty() || HasLineBreak(address) ||
      address.find_first_of("<>") != std::string_view::npos) {
    return Error::InvalidArgument("mail: the " + std::string(what) + " address is not valid");
  }
  return OkStatus();
}

// "Name <address>", the name quoted (or encoded) as needed.
std::string Mailbox(std::string_view name, std::string_view address) {
  if (name.empty()) {
    return "<" + std::string(address) + ">";
  }
  if (!IsPlainAscii(name)) {
    return EncodeWord(name) + " <" + std::string(address) + ">";
  }
  std::string quoted = "\"";
  for (const char c : name) {
    if (c == '"' || c == '\\') {
      quoted += '\\';
    }
    quoted += c;
  }
  return quoted + "\" <" + std::string(address) + ">";
}

void AppendPart(std::string& out, std::string_view content_type, std::string_view body) {
  out.append("Content-Type: ").append(content_type).append("; charset=UTF-8").append(kCrlf);
  out.append("Content-Transfer-Encoding: quoted-printable").append(kCrlf).append(kCrlf);
  out.append(QuotedPrintable(body));
}

}  // namespace

Status CheckHeader(const Header& header) {
  if (header.name.empty() || IsOwnField(header.name)) {
    return Error::InvalidArgument("mail: the header \"" + header.name + "\" cannot be set");
  }
  for (const char c : header.name) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == ':') {
      return Error::InvalidArgument("mail: \"" + header.name + "\" is not a header name");
    }
  }
  if (HasLineBreak(header.value)) {
    return Error::InvalidArgument("mail: the value of the header " + header.name +
                                  " has a line break");
  }
  return OkStatus();
}

std::string QuotedPrintable(std::string_view utf8) {
  static constexpr std::string_view kHex = "0123456789ABCDEF";
  std::string out;
  std::string line;  // the encoded current line, without its end
  auto flush_soft = [&] {
    out.append(line).append("=").append(kCrlf);
    line.clear();
  };
  auto append = [&](std::string_view token) {
    if (line.size() + token.size() > kMaxLine - 1) {  // keep room for the soft break's "="
      flush_soft();
    }
    line.append(token);
  };
  for (size_t i = 0; i < utf8.size(); ++i) {
    const char c = utf8[i];
    if (c == '\r' && i + 1 < utf8.size() && utf8[i + 1] == '\n') {
      continue;  // the \n ends the line
    }
    if (c == '\n' || c == '\r') {
      // Whitespace at the end of an encoded line would be lost in transport: encode it.
      if (!line.empty() && (line.back() == ' ' || line.back() == '\t')) {
        const char last = line.back();
        line.pop_back();
        append(last == ' ' ? "=20" : "=09");
      }
      out.append(line).append(kCrlf);
      line.clear();
      continue;
    }
    const auto u = static_cast<unsigned char>(c);
    if ((u >= 0x21 && u <= 0x7e && c != '=') || c == ' ' || c == '\t') {
      append(std::string_view(&c, 1));
    } else {
      const std::array<char, 3> escaped{'=', kHex[u >> 4], kHex[u & 0xf]};
      append(std::string_view(escaped.data(), escaped.size()));
    }
  }
  if (!line.empty() && (line.back() == ' ' || line.back() == '\t')) {
    const char last = line.back();
    line.pop_back();
    append(last == ' ' ? "=20" : "=09");
  }
  out.append(line);
  return out;
}

std::string EncodeWord(std::string_view utf8) {
  if (IsPlainAscii(utf8)) {
    return std::string(utf8);
  }
  // Encoded words of at most 75 characters ("=?UTF-8?B?" + 60 base64 + "?="), each holding
  // whole UTF-8 sequences (at most 45 bytes), folded onto continuation lines.
  constexpr size_t kBytesPerWord = 45;
  std::string out;
  size_t begin = 0;
  while (begin < utf8.size()) {
    size_t end = begin;
    while (end < utf8.size()) {
      const size_t next = end + SequenceLength(static_cast<unsigned char>(utf8[end]));
      if (next - begin > kBytesPerWord) {
        break;
      }
      end = std::min(next, utf8.size());
    }
    if (!out.empty()) {
      out.append(kCrlf).append(" ");
    }
    out.append("=?UTF-8?B?").append(Base64Encode(utf8.substr(begin, end - begin))).append("?=");
    begin = end;
  }
  return out;
}

std::string FormatDate(Timestamp t) {
  const std::time_t secs =
      std::chrono::system_clock::to_time_t(std::chrono::time_point_cast<std::chrono::seconds>(t));
  std::tm utc{};
  gmtime_r(&secs, &utc);
  std::array<char, 64> buf{};
  const size_t n = std::strftime(buf.data(), buf.size(), "%a, %d %b %Y %H:%M:%S +0000", &utc);
  return std::string(buf.data(), n);
}

Result<std::string> Build(const Mail& mail, Timestamp date, std::string_view message_id,
                          std::string_view boundary) {
  ATRIUM_RETURN_IF_ERROR(CheckAddress("sender", mail.from_address));
  ATRIUM_RETURN_IF_ERROR(CheckAddress("recipient", mail.to));
  for (const auto& h : mail.headers) {
    ATRIUM_RETURN_IF_ERROR(CheckHeader(h));
  }
  const size_t at = mail.from_address.rfind('@');
  const std::string domain =
      at == std::string::npos ? "localhost" : mail.from_address.substr(at + 1);

  std::string out;
  auto field = [&out](std::string_view name, std::string_view value) {
    out.append(name).append(": ").append(value).append(kCrlf);
  };
  field("Date", FormatDate(date));
  field("From", Mailbox(mail.from_name, mail.from_address));
  field("To", "<" + mail.to + ">");
  field("Subject", EncodeWord(mail.subject));  // control characters end up encoded
  field("Message-ID", "<" + std::string(message_id) + "@" + domain + ">");
  field("MIME-Version", "1.0");
  for (const auto& h : mail.headers) {
    field(h.name, IsPlainAscii(h.value) ? h.value : EncodeWord(h.value));
  }
  if (mail.html.empty()) {
    AppendPart(out, "text/plain", mail.text);
    out.append(kCrlf);
    return out;
  }
  field("Content-Type", "multipart/alternative; boundary=\"" + std::string(boundary) + "\"");
  out.append(kCrlf);
  const std::string delimiter = "--" + std::string(boundary);
  out.append(delimiter).append(kCrlf);
  AppendPart(out, "text/plain", mail.text);
  out.append(kCrlf).append(delimiter).append(kCrlf);
  AppendPart(out, "text/html", mail.html);
  out.append(kCrlf).append(delimiter).append("--").append(kCrlf);
  return out;
}

}  // namespace atrium::httpclient::mime
