// SMTP through libcurl: one easy handle per message (mail is rare next to HTTP calls, and a
// fresh connection keeps each message's time budget its own).

#include "httpclient/smtp.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <memory>

#include "base/strings.h"
#include "httpclient/curl_library.h"

namespace atrium::httpclient::smtp {
namespace {

Result<bool> ParseBool(std::string_view key, std::string_view value) {
  const std::string v = AsciiLower(value);
  if (v == "true" || v == "1" || v == "t") {
    return true;
  }
  if (v == "false" || v == "0" || v == "f" || v.empty()) {
    return false;
  }
  return Error::InvalidArgument("courier.smtp.connection_uri: " + std::string(key) +
                                " is not a boolean");
}

Error Malformed(std::string_view why) {
  return Error::InvalidArgument("courier.smtp.connection_uri is malformed: " + std::string(why));
}

// Reads `data` out to libcurl in chunks.
struct Upload {
  std::string_view data;
  size_t offset = 0;
};

size_t OnRead(char* buffer, size_t size, size_t count, void* user) {
  auto* up = static_cast<Upload*>(user);
  const size_t n = std::min(size * count, up->data.size() - up->offset);
  std::copy_n(up->data.data() + up->offset, n, buffer);
  up->offset += n;
  return n;
}

struct EasyDeleter {
  const CurlLibrary* curl = nullptr;
  void operator()(CURL* h) const { curl->easy_cleanup(h); }
};
struct ListDeleter {
  const CurlLibrary* curl = nullptr;
  void operator()(curl_slist* l) const { curl->slist_free_all(l); }
};

// Why a transfer failed, in words that hold neither credentials nor message content.
Error Classify(const CurlLibrary& curl, const Endpoint& e, CURLcode rc, long reply) {
  std::string what = e.Origin() + ": ";
  if (rc == CURLE_OPERATION_TIMEDOUT) {
    return Error::GatewayTimeout(what + "the time budget ran out");
  }
  if (reply >= 500 && rc != CURLE_LOGIN_DENIED) {
    return Error::Unprocessable(what + "refused with " + std::to_string(reply) + " (" +
                                curl.easy_strerror(rc) + ")");
  }
  if (reply >= 400) {
    return Error::Unavailable(what + "answered " + std::to_string(reply) + " (" +
                              curl.easy_strerror(rc) + ")");
  }
  return Error::Unavailable(what + curl.easy_strerror(rc));
}

}  // namespace

std::string Endpoint::Origin() const {
  const bool v6 = host.find(':') != std::string::npos;
  return scheme + "://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<Endpoint> ParseConnectionUri(std::string_view uri) {
  Endpoint e;
  const size_t colon = uri.find("://");
  if (colon == std::string_view::npos) {
    return Malformed("no scheme");
  }
  e.scheme = AsciiLower(uri.substr(0, colon));
  if (e.scheme != "smtp" && e.scheme != "smtps") {
    return Malformed("the scheme must be smtp or smtps");
  }
  std::string_view rest = uri.substr(colon + 3);
  const size_t authority_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view query;
  if (authority_end != std::string_view::npos) {
    std::string_view tail = rest.substr(authority_end);
    tail = tail.substr(0, tail.find('#'));
    if (const size_t q = tail.find('?'); q != std::string_view::npos) {
      query = tail.substr(q + 1);
    }
  }
  if (const size_t at = authority.rfind('@'); at != std::string_view::npos) {
    const std::string_view userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    const size_t sep = userinfo.find(':');
    auto user = PercentDecode(userinfo.substr(0, sep), false);
    auto pass = sep == std::string_view::npos ? std::optional<std::string>("")
                                              : PercentDecode(userinfo.substr(sep + 1), false);
    if (!user || !pass) {
      return Malformed("bad percent-encoding in the user info");
    }
    e.username = std::move(*user);
    e.password = std::move(*pass);
  }
  std::string_view port;
  if (authority.starts_with('[')) {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return Malformed("unclosed IPv6 address");
    }
    e.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (after.starts_with(':')) {
      port = after.substr(1);
    } else if (!after.empty()) {
      return Malformed("junk after the IPv6 address");
    }
  } else {
    const size_t c = authority.rfind(':');
    e.host = std::string(authority.substr(0, c));
    if (c != std::string_view::npos) {
      port = authority.substr(c + 1);
    }
  }
  if (e.host.empty()) {
    return Malformed("no host");
  }
  e.port = e.scheme == "smtps" ? 465 : 25;
  if (!port.empty()) {
    int p = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
    if (ec != std::errc() || end != port.data() + port.size() || p <= 0 || p > 65535) {
      return Malformed("bad port");
    }
    e.port = p;
  }
  for (std::string_view pair : Split(query, '&')) {
    if (pair.empty()) {
      continue;
    }
    const size_t eq = pair.find('=');
    const std::string_view key = pair.substr(0, eq);
    auto value = PercentDecode(eq == std::string_view::npos ? "" : pair.substr(eq + 1), true);
    if (!value) {
      return Malformed("bad percent-encoding in the query");
    }
    if (key == "disable_starttls") {
      ATRIUM_ASSIGN_OR_RETURN(const bool off, ParseBool(key, *value));
      e.starttls = !off;
    } else if (key == "skip_ssl_verify") {
      ATRIUM_ASSIGN_OR_RETURN(e.skip_ssl_verify, ParseBool(key, *value));
    } else if (key == "legacy_ssl") {
      return Error::InvalidArgument(
          "courier.smtp.connection_uri: legacy_ssl is gone (as in Kratos): use smtps:// for "
          "implicit TLS");
    }
    // Other parameters (server_name, ...) are ignored, as Kratos ignores what it does not know.
  }
  if (e.scheme == "smtps") {
    e.starttls = false;  // TLS from the first byte
  }
  return e;
}

Status Send(const Endpoint& e, const Options& options, std::string_view from, std::string_view to,
            std::string_view data) {
  // One handle per sending thread, reset for every message: libcurl keeps the SMTP connection
  // open and the next message to the same server goes out on it (no new connect, greeting,
  // EHLO, TLS handshake or AUTH), and it reconnects by itself when the server closed it.
  ATRIUM_ASSIGN_OR_RETURN(const CurlLibrary* curl, LoadCurl());
  thread_local std::unique_ptr<CURL, EasyDeleter> h(curl->easy_init(), EasyDeleter{curl});
  if (!h) {
    return Error::Internal("smtp: curl_easy_init failed");
  }
  curl->easy_reset(h.get());
  // The path of an SMTP URL is libcurl's EHLO name.
  const bool v6 = e.host.find(':') != std::string::npos;
  const std::string url = e.scheme + "://" + (v6 ? "[" + e.host + "]" : e.host) + ":" +
                          std::to_string(e.port) + "/" + QueryEscape(options.local_name);
  const std::string mail_from = "<" + std::string(from) + ">";
  std::unique_ptr<curl_slist, ListDeleter> rcpt(
      curl->slist_append(nullptr, ("<" + std::string(to) + ">").c_str()), ListDeleter{curl});
  Upload upload{data, 0};
  const long budget_ms = static_cast<long>(std::max<int64_t>(1, options.timeout.count()));
  CURL* c = h.get();
  curl->easy_setopt(c, CURLOPT_URL, url.c_str());
  curl->easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl->easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl->easy_setopt(c, CURLOPT_TIMEOUT_MS, budget_ms);
  curl->easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, budget_ms);
  if (e.scheme == "smtp") {
    curl->easy_setopt(c, CURLOPT_USE_SSL, e.starttls ? CURLUSESSL_ALL : CURLUSESSL_NONE);
  }
  if (e.skip_ssl_verify) {
    curl->easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    curl->easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (!e.username.empty()) {
    curl->easy_setopt(c, CURLOPT_USERNAME, e.username.c_str());
    curl->easy_setopt(c, CURLOPT_PASSWORD, e.password.c_str());
  }
  curl->easy_setopt(c, CURLOPT_MAIL_FROM, mail_from.c_str());
  curl->easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt.get());
  curl->easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl->easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(data.size()));
  curl->easy_setopt(c, CURLOPT_READFUNCTION, &OnRead);
  curl->easy_setopt(c, CURLOPT_READDATA, &upload);
  const CURLcode rc = curl->easy_perform(c);
  if (rc == CURLE_OK) {
    return OkStatus();
  }
  long reply = 0;
  curl->easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply);
  return Classify(*curl, e, rc, reply);
}

}  // namespace atrium::httpclient::smtp
