// The session management routes (docs/wire/login.md §15): the caller's own sessions on the
// public port, every session on the admin port, and the pagination parameters and Link headers
// of both.
#include <algorithm>
#include <charconv>
#include <map>

#include "api/envelope.h"
#include "api/public_api.h"
#include "base/json.h"
#include "base/random.h"
#include "base/strings.h"
#include "base/time.h"

namespace atrium::api {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

// Go's strconv.ParseInt(s, 10, 64): an optional sign and decimal digits, within int64.
std::optional<int64_t> ParseGoInt(std::string_view s) {
  bool negative = false;
  if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s.empty() || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  uint64_t magnitude = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), magnitude);
  constexpr uint64_t kMax = uint64_t{1} << 63;  // |INT64_MIN|
  if (ec != std::errc() || end != s.data() + s.size() || magnitude > kMax ||
      (!negative && magnitude == kMax)) {
    return std::nullopt;
  }
  return negative ? static_cast<int64_t>(0 - magnitude) : static_cast<int64_t>(magnitude);
}

// Go's strconv.ParseBool.
std::optional<bool> ParseGoBool(std::string_view s) {
  for (std::string_view t : {"1", "t", "T", "TRUE", "true", "True"}) {
    if (s == t) {
      return true;
    }
  }
  for (std::string_view f : {"0", "f", "F", "FALSE", "false", "False"}) {
    if (s == f) {
      return false;
    }
  }
  return std::nullopt;
}

Error BadParameter(std::string_view name) {
  return Error::InvalidArgument("").WithMessage("could not parse parameter " + std::string(name));
}

// The `active` query parameter: absent or empty keeps every session.
Result<session::ActiveFilter> ActiveOf(const http::Request& req) {
  const std::string raw = StringQuery(req, "active");
  if (raw.empty()) {
    return session::ActiveFilter::kAny;
  }
  const auto active = ParseGoBool(raw);
  if (!active) {
    return BadParameter("active");
  }
  return *active ? session::ActiveFilter::kActive : session::ActiveFilter::kInactive;
}

struct Expansion {
  bool identity = false;
  bool devices = false;
};

// Every `expand` value, case-insensitive: "identity" or "devices".
Result<Expansion> ExpansionOf(const http::Request& req) {
  Expansion out;
  for (const auto& [key, value] : req.QueryParams()) {
    if (key != "expand") {
      continue;
    }
    const std::string v = AsciiLower(value);
    if (v == "identity") {
      out.identity = true;
    } else if (v == "devices") {
      out.devices = true;
    } else {
      return Error::InvalidArgument("Could not parse expand option: " + value);
    }
  }
  return out;
}

// The request's path and query with the keys of `set` replaced, the query written as Go's
// url.Values.Encode writes it (keys sorted, a key's values in order): Kratos builds its Link
// headers so, relative to the request.
std::string LinkTarget(const http::Request& req, const Pairs& set) {
  std::map<std::string, std::vector<std::string>> values;
  for (auto& [key, value] : req.QueryParams()) {
    values[key].push_back(value);
  }
  for (const auto& [key, value] : set) {
    values[key] = {value};
  }
  std::string query;
  for (const auto& [key, list] : values) {
    for (const auto& value : list) {
      query += (query.empty() ? "" : "&") + QueryEscape(key) + "=" + QueryEscape(value);
    }
  }
  return req.target.substr(0, req.target.find('?')) + "?" + query;
}

std::string LinkTo(const http::Request& req, const Pairs& set, std::string_view rel) {
  return "<" + LinkTarget(req, set) + ">; rel=\"" + std::string(rel) + "\"";
}

// ---- Numbered pages ("migration" pagination: page/per_page or page_token/page_size) ----

std::string OffsetToken(int64_t offset) {
  return Base64UrlEncode(R"({"offset":")" + std::to_string(offset) + R"(","v":2})");
}

// The offset an offset token holds; 0 for anything unreadable (as Kratos).
int64_t OffsetOfToken(std::string_view token) {
  const auto decoded = Base64UrlDecode(token);
  if (!decoded) {
    return 0;
  }
  auto parsed = ParseJson(*decoded, JsonLimits{.max_bytes = 4096, .max_depth = 8});
  if (!parsed.ok() || !parsed->is_object()) {
    return 0;
  }
  const auto it = parsed->find("offset");
  if (it == parsed->end()) {
    return 0;
  }
  if (it->is_string()) {
    return ParseGoInt(it->get<std::string>()).value_or(0);
  }
  if (it->is_number_integer()) {
    return it->get<int64_t>();
  }
  return 0;
}

// The page a request asks for: with page_token or page_size present the token form
// (page = offset / page_size), else page and per_page; unreadable values fall back to the
// defaults, sizes are clamped to 1..1000, negative pages are 0 (Kratos' parsing).
session::PageRequest PageOf(const http::Request& req) {
  session::PageRequest p;
  const auto token = req.Query("page_token");
  const auto size = req.Query("page_size");
  if (token || size) {
    const int64_t offset = token && !token->empty() ? OffsetOfToken(*token) : 0;
    p.per_page = ParseGoInt(size.value_or("")).value_or(session::kDefaultPageSize);
    p.per_page = std::clamp<int64_t>(p.per_page, 1, session::kMaxPageSize);
    p.page = offset > 0 ? offset / p.per_page : 0;
    return p;
  }
  p.page = std::max<int64_t>(0, ParseGoInt(StringQuery(req, "page")).value_or(0));
  p.per_page = ParseGoInt(StringQuery(req, "per_page")).value_or(session::kDefaultPageSize);
  p.per_page = std::clamp<int64_t>(p.per_page, 1, session::kMaxPageSize);
  return p;
}

// X-Total-Count and the Link header of a numbered page, link for link as Kratos writes them
// (every link sets page, page_size, page_token and per_page).
void SetPageHeaders(const http::Request& req, http::Response& res, int64_t total,
                    session::PageRequest page) {
  const int64_t per_page = std::max<int64_t>(1, page.per_page);
  const int64_t offset = page.page * per_page;
  const int64_t last = total % per_page == 0 ? total - per_page : (total / per_page) * per_page;
  const auto link = [&](std::string_view rel, int64_t size, int64_t at) {
    return LinkTo(req,
                  {{"page", std::to_string(at / size)},
                   {"page_size", std::to_string(size)},
                   {"page_token", OffsetToken(at)},
                   {"per_page", std::to_string(size)}},
                  rel);
  };
  res.SetHeader("X-Total-Count", std::to_string(total));
  const int64_t here = offset / per_page;
  std::string value;
  if (offset >= last) {
    if (total == 0) {
      value = link("first", per_page, 0) + "," + link("next", per_page, (here + 1) * per_page) +
              "," + link("prev", per_page, (here - 1) * per_page);
    } else if (total <= per_page) {
      value = link("first", total, 0);
    } else {
      value = link("first", per_page, 0) + "," + link("prev", per_page, last - per_page);
    }
  } else if (offset < per_page) {
    value = link("next", per_page, per_page) + "," + link("last", per_page, last);
  } else {
    value = link("first", per_page, 0) + "," + link("next", per_page, (here + 1) * per_page) + "," +
            link("prev", per_page, (here - 1) * per_page) + "," + link("last", per_page, last);
  }
  res.SetHeader("Link", value);
}

// ---- Keyset pages (GET /admin/sessions) ----

// A position as Kratos' map page token: base64 (standard alphabet, no padding) of
// "id=<uuid>/created_at=<YYYY-MM-DD HH:MM:SS.fraction>". Atrium writes every digit of the
// fraction (Kratos five), so no session is skipped between two that share a prefix.
std::string CursorToken(const session::SessionCursor& c) {
  std::string when = FormatRfc3339(c.issued_at);  // 2026-08-01T11:34:56.789012Z
  std::replace(when.begin(), when.end(), 'T', ' ');
  when.pop_back();
  std::string token = Base64Encode("id=" + c.id + "/created_at=" + when);
  while (!token.empty() && token.back() == '=') {
    token.pop_back();
  }
  return token;
}

Error InvalidPageToken() {
  return Error::InvalidArgument("The page token is invalid, do not craft your own page tokens");
}

// The fields of a page token, or nullopt when it is not base64.
std::optional<std::map<std::string, std::string>> TokenFields(std::string token) {
  // Link headers escape '+'; a client that sent it raw had it decoded to a space.
  std::replace(token.begin(), token.end(), ' ', '+');
  while (token.size() % 4 != 0) {
    token.push_back('=');
  }
  const auto decoded = Base64Decode(token);
  if (!decoded) {
    return std::nullopt;
  }
  std::map<std::string, std::string> fields;
  for (std::string_view part : Split(*decoded, '/')) {
    const size_t eq = part.find('=');
    if (eq != std::string_view::npos) {
      fields.emplace(part.substr(0, eq), part.substr(eq + 1));
    }
  }
  return fields;
}

Result<session::SessionCursor> CursorOf(const std::map<std::string, std::string>& fields) {
  const auto id = fields.find("id");
  const auto created_at = fields.find("created_at");
  if (id == fields.end() || created_at == fields.end()) {
    return InvalidPageToken();
  }
  auto uuid = ParseUuid(id->second);
  std::string when = created_at->second;
  std::replace(when.begin(), when.end(), ' ', 'T');
  const auto at = ParseRfc3339(when + "Z");
  if (!uuid.ok() || !at) {
    return InvalidPageToken();
  }
  return session::SessionCursor{*at, *uuid};
}

struct KeysetRequest {
  std::optional<std::map<std::string, std::string>> token;  // none: the first page
  int64_t size = 0;                                         // <= 0: the default
};

// page_token and page_size: the first non-empty value of each. A token that is not base64 and a
// size that is not an integer are both "could not parse parameter page_size" (sic, Kratos).
Result<KeysetRequest> KeysetOf(const http::Request& req) {
  std::string token;
  std::string size;
  for (const auto& [key, value] : req.QueryParams()) {
    if (key == "page_token" && token.empty()) {
      token = value;
    } else if (key == "page_size" && size.empty()) {
      size = value;
    }
  }
  KeysetRequest out;
  if (!token.empty()) {
    out.token = TokenFields(token);
    if (!out.token) {
      return BadParameter("page_size");
    }
  }
  if (!size.empty()) {
    const auto n = ParseGoInt(size);
    if (!n) {
      return BadParameter("page_size");
    }
    out.size = *n;
  }
  return out;
}

// ---- Paths and answers ----

// The segment of `path` after `prefix` up to `suffix` ("" = the rest), one trailing slash
// ignored; nullopt when the path has another shape (Kratos' router answers 404).
std::optional<std::string> PathId(std::string_view path, std::string_view prefix,
                                  std::string_view suffix) {
  if (!path.starts_with(prefix)) {
    return std::nullopt;
  }
  path.remove_prefix(prefix.size());
  if (path.ends_with('/')) {
    path.remove_suffix(1);
  }
  if (!path.ends_with(suffix)) {
    return std::nullopt;
  }
  path.remove_suffix(suffix.size());
  if (path.empty() || path.find('/') != std::string_view::npos) {
    return std::nullopt;
  }
  return std::string(path);
}

http::Response NotFound() { return ErrorResponse(Error::NotFound(""), ""); }

// 204 as Kratos' WriteCode(204, nil) writes it: no body, a JSON Content-Type (Quirk 22).
http::Response NoContentJson() {
  http::Response r;
  r.status = 204;
  r.SetHeader("Content-Type", "application/json; charset=utf-8");
  return r;
}

// 204 without any header (a bare WriteHeader).
http::Response NoContent() {
  http::Response r;
  r.status = 204;
  return r;
}

http::Response Redirect(std::string location) {
  http::Response r;
  r.status = 307;
  r.SetHeader("Location", std::move(location));
  return r;
}

}  // namespace

// ---- Public port: the caller's own sessions ----

// GET /sessions/token-exchange?init_code=&return_to_code=: a native app trades the code of its API
// flow and the code its browser came back with for the session token, once.
http::Response PublicApi::ExchangeSessionToken(const http::Request& req) const {
  if (d_.exchanges == nullptr) {
    return renderer_.Error(req, Error::NotFound("The requested resource could not be found"));
  }
  const std::string init_code = StringQuery(req, "init_code");
  const std::string return_to_code = StringQuery(req, "return_to_code");
  if (init_code.empty() || return_to_code.empty()) {
    return renderer_.Error(
        req,
        Error::InvalidArgument(R"("init_code" and "return_to_code" query params must be set)"));
  }
  auto exchanged = d_.exchanges->Exchange(init_code, return_to_code);
  if (!exchanged.ok()) {
    return renderer_.Error(req, exchanged.error());
  }
  if (!*exchanged) {
    return renderer_.Error(req, Error::NotFound(R"(no session yet for this "code")"));
  }
  http::Response res = JsonResponse(200, {{"session_token", (*exchanged)->token},
                                          {"session", d_.sessions.ToJson((*exchanged)->session)}});
  AddSelfServiceHeaders(req, res);
  return res;
}

http::Response PublicApi::ListMySessions(const http::Request& req) const {
  auto caller = d_.sessions.Find(reader_.CredentialsOf(req));
  if (!caller.ok() || !*caller) {
    return renderer_.Error(req, caller.ok() ? session::NoValidSessionCookie() : caller.error());
  }
  const session::PageRequest page = PageOf(req);
  auto slice = d_.session_management.ListOthers(**caller, page);
  if (!slice.ok()) {
    return renderer_.Error(req, slice.error());
  }
  Json list = Json::array();
  for (const auto& s : slice->sessions) {
    list.push_back(d_.sessions.ToJson(s));
  }
  http::Response res = JsonResponse(200, list);
  SetPageHeaders(req, res, slice->total, page);
  AddSelfServiceHeaders(req, res);
  return res;
}

http::Response PublicApi::RevokeMyOtherSessions(const http::Request& req) const {
  auto caller = d_.sessions.Find(reader_.CredentialsOf(req));
  if (!caller.ok() || !*caller) {
    return renderer_.Error(req, caller.ok() ? session::NoValidSessionCookie() : caller.error());
  }
  auto count = d_.session_management.RevokeOthers(**caller);
  if (!count.ok()) {
    return renderer_.Error(req, count.error());
  }
  http::Response res = JsonResponse(200, {{"count", *count}});
  AddSelfServiceHeaders(req, res);
  return res;
}

http::Response PublicApi::RevokeMySession(const http::Request& req) const {
  // DELETE /sessions/whoami is whoami's own route (Quirk 21).
  const auto id = PathId(req.path, "/sessions/", "");
  if (!id) {
    return NotFound();
  }
  auto caller = d_.sessions.Find(reader_.CredentialsOf(req));
  if (!caller.ok() || !*caller) {
    return renderer_.Error(req, caller.ok() ? session::NoValidSessionCookie() : caller.error());
  }
  auto session_id = ParseUuid(*id);
  if (!session_id.ok()) {
    return renderer_.Error(req, session_id.error());
  }
  if (auto st = d_.session_management.RevokeOwn(**caller, *session_id); !st.ok()) {
    return renderer_.Error(req, st.error());
  }
  http::Response res = NoContentJson();
  AddSelfServiceHeaders(req, res);
  return res;
}

http::Response PublicApi::ToAdminPort(const http::Request& req) const {
  // Kratos serves this redirect under /identities/{id}/sessions; /admin/... is taken too. Any
  // other path under them is not a route (404).
  const bool admin = req.path.starts_with("/admin/");
  if (!PathId(req.path, admin ? "/admin/identities/" : "/identities/", "/sessions")) {
    return NotFound();
  }
  const std::string_view target = req.target;
  const std::string_view rest = target.starts_with("/admin/")
                                    ? target.substr(std::string_view("/admin/").size())
                                    : target.substr(1);
  return Redirect(d_.config.serve_admin.base_url + "admin/" + std::string(rest));
}

// ---- Admin port: every session ----

http::Response PublicApi::ToPublicPort(const http::Request& req) const {
  return Redirect(d_.config.serve_public.base_url +
                  req.target.substr(std::string_view("/admin/").size()));
}

http::Response PublicApi::ListSessions(const http::Request& req) const {
  auto filter = ActiveOf(req);
  if (!filter.ok()) {
    return renderer_.Error(req, filter.error());
  }
  auto keyset = KeysetOf(req);
  if (!keyset.ok()) {
    return renderer_.Error(req, keyset.error());
  }
  auto expand = ExpansionOf(req);
  if (!expand.ok()) {
    return renderer_.Error(req, expand.error());
  }
  session::SessionCursor after = session::FirstCursor();
  if (keyset->token) {
    auto cursor = CursorOf(*keyset->token);
    if (!cursor.ok()) {
      return renderer_.Error(req, cursor.error());
    }
    after = *cursor;
  }
  auto page = d_.session_management.List(*filter, after, keyset->size, expand->identity);
  if (!page.ok()) {
    return renderer_.Error(req, page.error());
  }
  Json list = Json::array();
  const Timestamp now = d_.clock.Now();
  for (const auto& s : page->sessions) {
    list.push_back(s.ToAdminJson(d_.config.serve_public.base_url, now, expand->identity,
                                 expand->devices, nullptr));
  }
  http::Response res = JsonResponse(200, list);
  const std::string size = std::to_string(page->size);
  std::string link = LinkTo(
      req, {{"page_size", size}, {"page_token", CursorToken(session::FirstCursor())}}, "first");
  if (page->next) {
    link +=
        "," + LinkTo(req, {{"page_size", size}, {"page_token", CursorToken(*page->next)}}, "next");
  }
  res.SetHeader("Link", link);
  AddSelfServiceHeaders(req, res);
  return res;
}

http::Response PublicApi::AdminSession(const http::Request& req) const {
  const bool extend = req.method == "PATCH";
  const auto raw = PathId(req.path, "/admin/sessions/", extend ? "/extend" : "");
  if (!raw) {
    return NotFound();
  }
  if (req.method != "DELETE" && !extend && *raw == "whoami") {
    return Redirect(d_.config.serve_public.base_url + "sessions/whoami" +
                    (req.raw_query.empty() ? "" : "?" + req.raw_query));
  }
  auto id = ParseUuid(*raw);
  if (!id.ok()) {
    return renderer_.Error(req, id.error());
  }
  http::Response res;
  if (req.method == "DELETE") {
    const Status st = d_.session_management.Revoke(*id);
    res = st.ok() ? NoContentJson() : renderer_.Error(req, st.error());
  } else if (extend) {
    auto s = d_.session_management.Extend(*id);
    if (!s.ok()) {
      res = renderer_.Error(req, s.error());
    } else if (d_.config.session.faster_extend) {
      res = NoContent();
    } else {
      // The extended session in the public form, with its identity and "devices": [].
      s->devices.clear();
      res = JsonResponse(200, d_.sessions.ToJson(*s));
    }
  } else {
    auto expand = ExpansionOf(req);
    if (!expand.ok()) {
      return renderer_.Error(req, expand.error());
    }
    auto s = d_.session_management.Get(*id);
    res = s.ok()
              ? JsonResponse(200, s->ToAdminJson(d_.config.serve_public.base_url, d_.clock.Now(),
                                                 expand->identity, expand->devices, Json::array()))
              : renderer_.Error(req, s.error());
  }
  AddSelfServiceHeaders(req, res);
  return res;
}

http::Response PublicApi::IdentitySessions(const http::Request& req) const {
  const auto raw = PathId(req.path, "/admin/identities/", "/sessions");
  if (!raw) {
    return NotFound();
  }
  auto id = ParseUuid(*raw);
  if (!id.ok()) {
    return renderer_.Error(req, id.error());
  }
  if (req.method == "DELETE") {
    const Status st = d_.session_management.DeleteOfIdentity(*id);
    return st.ok() ? NoContent() : renderer_.Error(req, st.error());
  }
  auto filter = ActiveOf(req);
  if (!filter.ok()) {
    return renderer_.Error(req, filter.error());
  }
  const session::PageRequest page = PageOf(req);
  auto slice = d_.session_management.ListOfIdentity(*id, *filter, page);
  if (!slice.ok()) {
    return renderer_.Error(req, slice.error());
  }
  Json list = Json::array();
  const Timestamp now = d_.clock.Now();
  for (const auto& s : slice->sessions) {
    list.push_back(s.ToAdminJson(d_.config.serve_public.base_url, now, true, true, nullptr));
  }
  http::Response res = JsonResponse(200, list);
  SetPageHeaders(req, res, slice->total, page);
  AddSelfServiceHeaders(req, res);
  return res;
}

}  // namespace atrium::api
