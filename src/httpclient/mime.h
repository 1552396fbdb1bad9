#pragma once
// An e-mail as an RFC 5322 message with MIME bodies, ready for SMTP DATA: CRLF line ends, RFC
// 2047 encoded subject and display name when they are not plain ASCII, text/plain alone or
// multipart/alternative with text/html, both quoted-printable. Dot-stuffing is SMTP's job
// (libcurl does it), not this builder's.

#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"

namespace atrium::httpclient::mime {

struct Header {
  std::string name;
  std::string value;
};

struct Mail {
  std::string from_address;
  std::string from_name;  // may be empty
  std::string to;
  std::string subject;
  std::string text;             // text/plain, UTF-8
  std::string html;             // text/html alternative; empty for text only
  std::vector<Header> headers;  // extra headers (courier.smtp.headers), checked by CheckHeader
};

// InvalidArgument unless `name` is an RFC 5322 field name that the builder does not write itself
// and `value` holds no line break (what would let a value inject headers).
Status CheckHeader(const Header& header);

// The message: Date (`date`, UTC), From, To, Subject, Message-ID (<random@domain of
// from_address>), MIME-Version, the extra headers, then the bodies. `boundary` separates the
// parts (callers pass a random one; tests a fixed one). InvalidArgument for addresses with line
// breaks or angle brackets, or an invalid extra header.
Result<std::string> Build(const Mail& mail, Timestamp date, std::string_view message_id,
                          std::string_view boundary);

// The pieces, for tests and for other builders.
std::string QuotedPrintable(std::string_view utf8);  // CRLF line ends, lines of at most 76
std::string EncodeWord(std::string_view utf8);       // as is if plain ASCII, else =?UTF-8?B?..?=
std::string FormatDate(Timestamp t);                 // "Fri, 27 Nov 2026 19:13:44 +0000"

}  // namespace atrium::httpclient::mime
