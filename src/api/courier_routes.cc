#include "api/courier_routes.h"

#include <algorithm>
#include <charconv>
#include <map>

#include "api/envelope.h"
#include "base/random.h"
#include "base/strings.h"
#include "base/time.h"

namespace atrium::api {
namespace {

constexpr int kDefaultPageSize = 10;  // Kratos' ListMessages default
constexpr int kMaxPageSize = 1000;
constexpr std::string_view kRedacted = "<redacted-unless-dev-mode>";
constexpr std::string_view kMessagesPath = "/admin/courier/messages";

// Kratos' answer for an unknown message (sqlcon.ErrNoRows).
Error MessageNotFound() { return Error::NotFound("").WithMessage("Unable to locate the resource"); }

// Page tokens are opaque to clients: base64url of "<created_at nanos>/<id>".
std::string TokenOf(const courier::Message& m) {
  return Base64UrlEncode(std::to_string(m.created_at.time_since_epoch().count()) + "/" + m.id);
}

Error InvalidPageToken() {
  return Error::InvalidArgument("The page token is invalid, do not craft your own page tokens");
}

Result<courier::MessageCursor> CursorOf(std::string_view token) {
  const auto decoded = Base64UrlDecode(token);
  if (!decoded) {
    return InvalidPageToken();
  }
  const size_t slash = decoded->find('/');
  if (slash == std::string::npos) {
    return InvalidPageToken();
  }
  int64_t nanos = 0;
  const char* begin = decoded->data();
  const auto [end, ec] = std::from_chars(begin, begin + slash, nanos);
  if (ec != std::errc() || end != begin + slash || !IsUuid(decoded->substr(slash + 1))) {
    return InvalidPageToken();
  }
  return courier::MessageCursor{Timestamp(Duration(nanos)), decoded->substr(slash + 1)};
}

Result<int> PageSizeOf(const http::Request& req) {
  const auto raw = req.Query("page_size");
  if (!raw || raw->empty()) {
    return kDefaultPageSize;
  }
  int size = 0;
  const auto [end, ec] = std::from_chars(raw->data(), raw->data() + raw->size(), size);
  if (ec != std::errc() || end != raw->data() + raw->size()) {
    return Error::InvalidArgument("").WithMessage("could not parse parameter page_size");
  }
  return std::clamp(size, 1, kMaxPageSize);
}

std::string LinkTo(const http::Request& req, const std::map<std::string, std::string>& set,
                   std::string_view rel) {
  std::map<std::string, std::string> values;
  for (const auto& [key, value] : req.QueryParams()) {
    values.emplace(key, value);
  }
  for (const auto& [key, value] : set) {
    values[key] = value;
  }
  std::string query;
  for (const auto& [key, value] : values) {
    query += (query.empty() ? "" : "&") + QueryEscape(key) + "=" + QueryEscape(value);
  }
  return "<" + std::string(kMessagesPath) + "?" + query + ">; rel=\"" + std::string(rel) + "\"";
}

Json DispatchJson(const courier::Message& m, const courier::Dispatch& d) {
  Json j = {{"id", d.id},
            {"message_id", m.id},
            {"status", d.status},
            {"created_at", FormatRfc3339(d.created_at)},
            {"updated_at", FormatRfc3339(d.created_at)}};
  if (!d.error.empty()) {
    // Kratos keeps herodot's rendering of the error.
    j["error"] = {{"code", 500}, {"status", "Internal Server Error"}, {"message", d.error}};
  }
  return j;
}

}  // namespace

Json MessageJson(const courier::Message& m, bool redact) {
  Json j = {{"id", m.id},
            {"status", courier::ToString(m.status)},
            {"type", courier::ToString(m.type)},
            {"recipient", m.recipient},
            {"body", redact ? std::string(kRedacted) : m.body},
            {"subject", redact ? std::string(kRedacted) : m.subject},
            {"template_type", m.template_type},
            {"channel", courier::ToString(m.type)},
            {"send_count", m.send_count}};
  if (!m.dispatches.empty()) {
    Json dispatches = Json::array();
    for (const auto& d : m.dispatches) {
      dispatches.push_back(DispatchJson(m, d));
    }
    j["dispatches"] = std::move(dispatches);
  }
  j["created_at"] = FormatRfc3339(m.created_at);
  j["updated_at"] = FormatRfc3339(m.updated_at);
  return j;
}

void CourierAdmin::Register(http::Router& admin) const {
  admin.Add("GET", std::string(kMessagesPath),
            [this](const http::Request& req) { return List(req); });
  admin.AddPrefix("GET", std::string(kMessagesPath) + "/",
                  [this](const http::Request& req) { return Get(req); });
}

http::Response CourierAdmin::List(const http::Request& req) const {
  courier::MessageFilter filter;
  if (const auto status = req.Query("status"); status) {
    filter.status = courier::ParseMessageStatus(*status);
    if (!filter.status) {
      return ErrorResponse(Error::InvalidArgument("Message status is not valid"), "");
    }
  }
  filter.recipient = req.Query("recipient").value_or("");
  auto size = PageSizeOf(req);
  if (!size.ok()) {
    return ErrorResponse(size.error(), "");
  }
  std::optional<courier::MessageCursor> after;
  if (const auto token = req.Query("page_token"); token && !token->empty()) {
    auto cursor = CursorOf(*token);
    if (!cursor.ok()) {
      return ErrorResponse(cursor.error(), "");
    }
    after = std::move(cursor).value();
  }
  // One more than asked tells whether a next page exists.
  auto page = outbox_.ListMessages(filter, after, *size + 1);
  if (!page.ok()) {
    return ErrorResponse(page.error(), "");
  }
  const bool more = static_cast<int>(page->size()) > *size;
  if (more) {
    page->resize(static_cast<size_t>(*size));
  }
  Json list = Json::array();
  for (const auto& m : *page) {
    list.push_back(MessageJson(m, !config_.dev));
  }
  http::Response res = JsonResponse(200, list);
  const std::string size_text = std::to_string(*size);
  std::string link = LinkTo(req, {{"page_size", size_text}, {"page_token", ""}}, "first");
  if (more) {
    link += "," +
            LinkTo(req, {{"page_size", size_text}, {"page_token", TokenOf(page->back())}}, "next");
  }
  res.SetHeader("Link", link);
  return res;
}

http::Response CourierAdmin::Get(const http::Request& req) const {
  std::string_view raw = std::string_view(req.path).substr(kMessagesPath.size() + 1);
  if (raw.ends_with('/')) {
    raw.remove_suffix(1);
  }
  if (raw.empty() || raw.find('/') != std::string_view::npos) {
    return ErrorResponse(Error::NotFound(""), "");  // the router's 404: no such route
  }
  auto id = ParseUuid(raw);
  if (!id.ok()) {
    return ErrorResponse(id.error(), "");
  }
  auto m = outbox_.GetMessage(*id);
  if (!m.ok()) {
    return ErrorResponse(m.error(), "");
  }
  if (!m->has_value()) {
    return ErrorResponse(MessageNotFound(), "");
  }
  return JsonResponse(200, MessageJson(**m, !config_.dev));
}

}  // namespace atrium::api
