#include "registration/forms.h"

#include "flow/csrf.h"
#include "flow/errors.h"
#include "jsonschema/messages.h"
#include "text/messages.h"

namespace atrium::registration {
namespace {

std::string InputTypeFor(const jsonschema::PathInfo& p, std::string* autocomplete) {
  std::string type = "text";
  if (p.name == "password") {
    type = "password";
  } else if (p.name == "csrf_token") {
    type = "hidden";
  } else if (p.type == "number" || p.type == "integer") {
    type = "number";
  } else if (p.type == "boolean") {
    type = "checkbox";
  }
  if (p.format == "email") {
    type = "email";
    *autocomplete = "email";
  } else if (p.format == "tel") {
    type = "tel";
    *autocomplete = "tel";
  } else if (p.format == "date-time") {
    type = "datetime-local";
  } else if (p.format == "date") {
    type = "date";
  } else if (p.format == "uri") {
    type = "url";
    *autocomplete = "url";
  }
  return type;
}

// "/traits/a~1b/c" -> "traits.a/b.c".
std::string PointerToNodeName(const std::string& pointer) {
  std::string out;
  for (size_t i = 1; i < pointer.size(); ++i) {
    const char c = pointer[i];
    if (c == '/') {
      out.push_back('.');
    } else if (c == '~' && i + 1 < pointer.size()) {
      out.push_back(pointer[i + 1] == '1' ? '/' : '~');
      ++i;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

void Flatten(const Json& value, const std::string& prefix,
             std::vector<std::pair<std::string, Json>>& out) {
  if (value.is_object()) {
    for (const auto& [k, v] : value.items()) {
      Flatten(v, prefix + "." + k, out);
    }
    return;
  }
  out.emplace_back(prefix, value);
}

}  // namespace

std::vector<ui::Node> TraitNodes(const identity::IdentitySchema& schema, const std::string& group) {
  std::vector<ui::Node> nodes;
  for (const auto& p : schema.paths) {
    if (!p.name.starts_with("traits.") || p.type == "object" ||
        (p.type == "array" && (p.item_type == "object" || p.item_type.empty()))) {
      continue;
    }
    std::string autocomplete;
    ui::Node n = ui::Node::Input(p.name, InputTypeFor(p, &autocomplete), group);
    n.input.required = p.required;
    n.input.autocomplete = std::move(autocomplete);
    n.input.pattern = p.pattern;
    if (p.enum_values.is_array()) {
      Json options = Json::array();
      for (const auto& v : p.enum_values) {
        if (options.size() >= 500) {
          break;
        }
        options.push_back({{"value", v}});
      }
      n.input.options = std::move(options);
    }
    if (!p.title.empty()) {
      n.label = text::TraitLabel(p.title, p.name);
    }
    nodes.push_back(std::move(n));
  }
  return nodes;
}

ui::Node CsrfNode(const RequestContext& request) {
  ui::Node n = ui::Node::Input("csrf_token", "hidden", "default");
  n.input.value = request.masked_csrf;
  n.input.required = true;
  return n;
}

void RefreshCsrf(Flow& flow, const RequestContext& request) {
  ui::Node node = CsrfNode(request);
  if (flow.IsApi()) {
    node.input.value = "";  // API requests carry no CSRF cookie
  }
  flow.ui.Upsert(std::move(node));
}

void CopyTraitsIntoNodes(Flow& flow, const Json& traits) {
  if (!traits.is_object()) {
    return;
  }
  std::vector<std::pair<std::string, Json>> leaves;
  Flatten(traits, "traits", leaves);
  for (const auto& [name, value] : leaves) {
    flow.ui.SetValue(name, value);
  }
}

Status VerifyRequestOrigin(const RequestContext& request, const Flow& flow,
                           const std::string& submitted_csrf) {
  if (flow.IsApi()) {
    if (request.has_origin) {
      return flow::ApiFlowWithOrigin();
    }
    if (request.has_non_cloudflare_cookie) {
      return flow::ApiFlowWithCookies();
    }
    return OkStatus();
  }
  if (!request.has_cookie_header) {
    return flow::CsrfError(flow::CsrfViolation::kNoCookieHeader, request.ajax);
  }
  if (request.csrf_cookie.empty()) {
    return flow::CsrfError(flow::CsrfViolation::kNoCsrfCookie, request.ajax);
  }
  if (submitted_csrf.empty() && !request.json_content_type) {
    return flow::CsrfError(flow::CsrfViolation::kTokenNotSent, request.ajax);
  }
  if (!flow::CsrfTokensMatch(request.csrf_cookie, submitted_csrf)) {
    return flow::CsrfError(flow::CsrfViolation::kMismatch, request.ajax);
  }
  return OkStatus();
}

std::vector<FieldMessage> ToFieldMessages(const std::vector<jsonschema::ValidationError>& errors) {
  std::vector<FieldMessage> out;
  for (const auto& e : errors) {
    std::string node = PointerToNodeName(e.instance_pointer);
    if (e.keyword == "required") {
      const std::string property = e.params.value("property", "");
      node = node.empty() ? property : node + "." + property;
    }
    out.push_back(FieldMessage{std::move(node), jsonschema::ToUiMessage(e)});
  }
  return out;
}

}  // namespace atrium::registration
