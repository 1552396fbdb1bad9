// The libcurl adapter of Client (smtp.cc is the other user of libcurl, curl_library.h loads it).
//
// Sharing. DNS answers and TLS sessions live in one CURLSH for all calls (locked per data kind).
// Connections do not: libcurl 7.88 documents a shared connection cache as unsupported across
// concurrent threads (CURLSHOPT_SHARE(3)), so each easy handle keeps its own keep-alive
// connections and the handles are pooled, last in first out, so that the next call to a
// neighbour picks up a handle whose connection to it is still open.

#include <array>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/strings.h"
#include "httpclient/client.h"
#include "httpclient/curl_library.h"

namespace atrium::httpclient {
namespace {

constexpr std::size_t kMaxHeaderBytes = 64 << 10;
constexpr long kMaxRedirects = 5;

// What the callbacks of one transfer write into.
struct Transfer {
  std::size_t max_body = 0;
  bool body_too_large = false;
  std::size_t header_bytes = 0;
  bool headers_too_large = false;
  Response response;
};

std::size_t OnBody(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  if (t->response.body.size() + n > t->max_body) {
    t->body_too_large = true;
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  t->response.body.append(data, n);
  return n;
}

std::size_t OnHeader(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  t->header_bytes += n;
  if (t->header_bytes > kMaxHeaderBytes) {
    t->headers_too_large = true;
    return 0;
  }
  const std::string_view line(data, n);
  if (line.starts_with("HTTP/")) {
    // A new response starts (after a redirect or a 100 Continue): keep only the final headers.
    t->response.headers.clear();
    return n;
  }
  const std::size_t colon = line.find(':');
  if (colon != std::string_view::npos && colon > 0) {
    t->response.headers.push_back(Header{std::string(TrimSpace(line.substr(0, colon))),
                                         std::string(TrimSpace(line.substr(colon + 1)))});
  }
  return n;
}

bool IsHttpUrl(std::string_view url) {
  const std::string lower = AsciiLower(url.substr(0, 8));
  return lower.starts_with("http://") || lower.starts_with("https://");
}

// Maps a failed transfer to the error codes promised in client.h.
Error TransferError(const CurlLibrary& curl, CURLcode rc, const Transfer& t, const char* detail,
                    const std::string& origin, long budget_ms) {
  const std::string why = detail[0] != '\0' ? detail : curl.easy_strerror(rc);
  switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
      return Error::GatewayTimeout(origin + ": no complete answer within " +
                                   std::to_string(budget_ms) + " ms");
    case CURLE_FILESIZE_EXCEEDED:
      return Error::BadGateway(origin + ": response body over " + std::to_string(t.max_body) +
                               " bytes");
    case CURLE_WRITE_ERROR:
      if (t.body_too_large) {
        return Error::BadGateway(origin + ": response body over " + std::to_string(t.max_body) +
                                 " bytes");
      }
      break;
    case CURLE_URL_MALFORMAT:
      return Error::InvalidArgument(origin + ": " + why);
    case CURLE_UNSUPPORTED_PROTOCOL:  // only an HTTP/0.9 answer gets here (schemes are checked)
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_PARTIAL_FILE:
    case CURLE_BAD_CONTENT_ENCODING:
    case CURLE_TOO_MANY_REDIRECTS:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return Error::BadGateway(origin + " answered improperly: " + why);
    default:
      break;
  }
  if (t.headers_too_large) {
    return Error::BadGateway(origin + ": response headers over " + std::to_string(kMaxHeaderBytes) +
                             " bytes");
  }
  return Error::Unavailable(origin + " unreachable: " + why);
}

class CurlClient final : public Client {
 public:
  explicit CurlClient(ClientOptions options) : options_(std::move(options)) {}

  ~CurlClient() override {
    if (curl_ == nullptr) {
      return;  // never used
    }
    // Handles first: a share still in use cannot be cleaned up.
    for (CURL* h : idle_) {
      curl_->easy_cleanup(h);
    }
    curl_->share_cleanup(share_);
  }

  Result<Response> Do(const Request& request) override {
    const std::string origin = OriginOf(request.url);
    if (!IsHttpUrl(request.url)) {
      return Error::InvalidArgument("only http:// and https:// URLs can be fetched, not " +
                                    GoQuote(origin));
    }
    ATRIUM_RETURN_IF_ERROR(Ready());
    CURL* h = Acquire();
    if (h == nullptr) {
      return Error::Internal("curl_easy_init failed");
    }
    const long budget_ms = static_cast<long>(
        (request.timeout.count() > 0 ? request.timeout : options_.timeout).count());
    Transfer t;
    t.max_body =
        request.max_response_bytes > 0 ? request.max_response_bytes : options_.max_response_bytes;
    std::array<char, CURL_ERROR_SIZE> detail{};
    curl_slist* headers = HeaderList(request);
    Configure(h, request, budget_ms, t, headers, detail.data());
    const CURLcode rc = curl_->easy_perform(h);
    long status = 0;
    curl_->easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    // The handle goes back to the pool: forget every pointer into this stack frame.
    curl_->easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);
    curl_->easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);
    curl_->slist_free_all(headers);
    Release(h);
    if (rc != CURLE_OK) {
      return TransferError(*curl_, rc, t, detail.data(), origin, budget_ms);
    }
    t.response.status = static_cast<int>(status);
    return std::move(t.response);
  }

 private:
  // Loads libcurl and sets up the share on the first request, not at construction: a server
  // that never calls out never loads libcurl.
  Status Ready() {
    std::call_once(ready_, [this] {
      auto curl = LoadCurl();
      if (!curl.ok()) {
        unusable_ = std::move(curl).error();
        return;
      }
      CURLSH* share = (*curl)->share_init();
      ATRIUM_CHECK(share != nullptr, "curl_share_init failed (out of memory?)");
      (*curl)->share_setopt(share, CURLSHOPT_LOCKFUNC, &CurlClient::Lock);
      (*curl)->share_setopt(share, CURLSHOPT_UNLOCKFUNC, &CurlClient::Unlock);
      (*curl)->share_setopt(share, CURLSHOPT_USERDATA, this);
      (*curl)->share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
      (*curl)->share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
      share_ = share;
      curl_ = *curl;
    });
    if (curl_ == nullptr) {
      return *unusable_;
    }
    return OkStatus();
  }

  static void Lock(CURL*, curl_lock_data data, curl_lock_access, void* self) {
    static_cast<CurlClient*>(self)->share_locks_[Slot(data)].lock();
  }
  static void Unlock(CURL*, curl_lock_data data, void* self) {
    static_cast<CurlClient*>(self)->share_locks_[Slot(data)].unlock();
  }
  static std::size_t Slot(curl_lock_data data) {
    const auto i = static_cast<std::size_t>(data);
    return i < CURL_LOCK_DATA_LAST ? i : 0;
  }

  curl_slist* HeaderList(const Request& request) const {
    curl_slist* list = nullptr;
    for (const Header& header : request.headers) {
      // "Name;" is libcurl's spelling of a header with an empty value.
      const std::string line =
          header.value.empty() ? header.name + ";" : header.name + ": " + header.value;
      list = curl_->slist_append(list, line.c_str());
    }
    // No "Expect: 100-continue" round trip (and its 1 s wait) before request bodies.
    return curl_->slist_append(list, "Expect:");
  }

  void Configure(CURL* h, const Request& request, long budget_ms, Transfer& t, curl_slist* headers,
                 char* detail) const {
    curl_->easy_setopt(h, CURLOPT_SHARE, share_);
    curl_->easy_setopt(h, CURLOPT_URL, request.url.c_str());
    curl_->easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_->easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_->easy_setopt(h, CURLOPT_FOLLOWLOCATION, request.follow_redirects ? 1L : 0L);
    curl_->easy_setopt(h, CURLOPT_MAXREDIRS, kMaxRedirects);
    curl_->easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_->easy_setopt(h, CURLOPT_TIMEOUT_MS, budget_ms);
    curl_->easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, budget_ms);
    curl_->easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(t.max_body));
    curl_->easy_setopt(h, CURLOPT_USERAGENT, options_.user_agent.c_str());
    curl_->easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_->easy_setopt(h, CURLOPT_ERRORBUFFER, detail);
    curl_->easy_setopt(h, CURLOPT_WRITEFUNCTION, &OnBody);
    curl_->easy_setopt(h, CURLOPT_WRITEDATA, &t);
    curl_->easy_setopt(h, CURLOPT_HEADERFUNCTION, &OnHeader);
    curl_->easy_setopt(h, CURLOPT_HEADERDATA, &t);
    const std::string& method = request.method;
    if (method == "HEAD") {
      curl_->easy_setopt(h, CURLOPT_NOBODY, 1L);
      return;
    }
    if (!request.body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
      curl_->easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                         static_cast<curl_off_t>(request.body.size()));
      curl_->easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
    }
    if (method != "GET" && method != "POST") {
      curl_->easy_setopt(h, CURLOPT_CUSTOMREQUEST, method.c_str());
    }
  }

  // Most recently used first: its connections are the likeliest to be alive.
  CURL* Acquire() {
    CURL* h = nullptr;
    {
      std::lock_guard lock(pool_mu_);
      if (!idle_.empty()) {
        h = idle_.back();
        idle_.pop_back();
      }
    }
    if (h == nullptr) {
      return curl_->easy_init();
    }
    curl_->easy_reset(h);  // options only: the connections and caches stay
    return h;
  }

  void Release(CURL* h) {
    {
      std::lock_guard lock(pool_mu_);
      if (idle_.size() < options_.pool_size) {
        idle_.push_back(h);
        return;
      }
    }
    curl_->easy_cleanup(h);
  }

  const ClientOptions options_;
  // Set once by Ready(), constant after.
  std::once_flag ready_;
  const CurlLibrary* curl_ = nullptr;  // null: not loaded (yet, or it failed: unusable_)
  CURLSH* share_ = nullptr;
  std::optional<Error> unusable_;

  std::array<std::mutex, CURL_LOCK_DATA_LAST> share_locks_;
  std::mutex pool_mu_;
  std::vector<CURL*> idle_;  // protected by pool_mu_
};

}  // namespace

Status GlobalInit() {
  auto curl = LoadCurl();
  if (!curl.ok()) {
    return std::move(curl).error();
  }
  return OkStatus();
}

std::unique_ptr<Client> NewClient(ClientOptions options) {
  return std::make_unique<CurlClient>(std::move(options));
}

std::optional<std::string_view> Response::HeaderValue(std::string_view name) const {
  for (const Header& h : headers) {
    if (EqualsIgnoreCase(h.name, name)) {
      return std::string_view(h.value);
    }
  }
  return std::nullopt;
}

std::string OriginOf(std::string_view url) {
  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    return "(not a URL)";
  }
  std::string_view authority = url.substr(scheme_end + 3);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
    authority = authority.substr(at + 1);  // user info may hold credentials
  }
  return AsciiLower(url.substr(0, scheme_end)) + "://" + std::string(authority);
}

}  // namespace atrium::httpclient
