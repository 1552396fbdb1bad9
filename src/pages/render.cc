// The only translation unit that includes kainjow/mustache (a heavy header).
#include "pages/render.h"

#include <algorithm>
#include <set>

#include <kainjow/mustache.hpp>

#include "base/json.h"
#include "base/random.h"
#include "base/strings.h"
#include "base/time.h"
#include "pages/i18n.h"

namespace atrium::pages {
namespace {
using kainjow::mustache::data;
using kainjow::mustache::mustache;

constexpr char kCss[] = R"css(
:root{--fg:#1d2330;--muted:#5b6475;--line:#d8dde6;--bg:#f4f6fa;--card:#fff;--accent:#3f51d4;
--accent-fg:#fff;--error:#b42318;--error-bg:#fef3f2;--info-bg:#eef2ff;--ok:#067647}
*{box-sizing:border-box}
body{margin:0;min-height:100vh;display:flex;align-items:flex-start;justify-content:center;
background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{width:100%;max-width:28rem;margin:3rem 1rem;background:var(--card);border:1px solid var(--line);
border-radius:12px;padding:2rem;box-shadow:0 1px 3px rgba(16,24,40,.06)}
h1{font-size:1.5rem;margin:0 0 1.25rem}
h2{font-size:1.05rem;margin:1.5rem 0 .5rem}
.brand{font-weight:700;letter-spacing:.04em;color:var(--accent);margin-bottom:.75rem;font-size:.85rem;text-transform:uppercase}
.field{margin-bottom:1rem}
label{display:block;font-weight:600;margin-bottom:.3rem}
.req{color:var(--muted);font-weight:400;font-size:.85rem}
input[type=text],input[type=email],input[type=password],input[type=tel],input[type=number],
input[type=url],input[type=date],input[type=datetime-local],select{width:100%;padding:.6rem .75rem;
font:inherit;border:1px solid var(--line);border-radius:8px;background:#fff;color:inherit}
input:focus,select:focus,button:focus{outline:3px solid rgba(63,81,212,.35);outline-offset:1px}
input[aria-invalid=true]{border-color:var(--error)}
.check{display:flex;gap:.5rem;align-items:center}
.check label{display:inline;font-weight:400;margin:0}
.actions{display:flex;flex-wrap:wrap;gap:.5rem;margin-top:1.25rem}
button{flex:1 1 auto;padding:.65rem 1rem;font:inherit;font-weight:600;border-radius:8px;border:1px solid var(--accent);
background:var(--accent);color:var(--accent-fg);cursor:pointer}
button.secondary{background:#fff;color:var(--accent)}
button[disabled]{opacity:.6;cursor:progress}
.messages p,.global p{margin:.35rem 0 0;font-size:.9rem}
.messages .error{color:var(--error)}
.global{margin-bottom:1rem}
.global p{padding:.6rem .75rem;border-radius:8px;background:var(--info-bg)}
.global p.error{background:var(--error-bg);color:var(--error)}
.global p.success{color:var(--ok)}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.35rem 1rem;margin:0}
dt{color:var(--muted)}dd{margin:0;word-break:break-all}
a{color:var(--accent)}
a.button{flex:1 1 auto;display:inline-block;text-align:center;padding:.65rem 1rem;font-weight:600;
border-radius:8px;border:1px solid var(--accent);background:#fff;color:var(--accent);text-decoration:none}
.muted{color:var(--muted);font-size:.9rem}
.switch{margin:1.5rem 0 0;text-align:center}
@media (max-width:30rem){main{margin:0;border-radius:0;border-left:0;border-right:0;padding:1.25rem}}
)css";

constexpr char kLayout[] = R"html(<!doctype html>
<html lang="{{lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{title}} · Atrium</title>
<style nonce="{{nonce}}">{{{css}}}</style>
</head>
<body>
<main>
<div class="brand">Atrium</div>
<h1>{{title}}</h1>
{{{content}}}
</main>
<script nonce="{{nonce}}">
document.querySelectorAll("button[data-trigger]").forEach(function (b) {
  if (!window.PublicKeyCredential || !navigator.credentials) {
    b.hidden = true;
    var note = document.getElementById("webauthn-unsupported");
    if (note) { note.hidden = false; }
    return;
  }
  b.addEventListener("click", function () {
    var run = window[b.getAttribute("data-trigger")];
    if (typeof run === "function") { if (b.value) { run(JSON.parse(b.value)); } else { run(); } }
  });
});
document.querySelectorAll("form").forEach(function (f) {
  f.addEventListener("submit", function () {
    setTimeout(function () { f.querySelectorAll("button").forEach(function (b) { b.disabled = true; }); }, 0);
  });
});
</script>
</body>
</html>
)html";

// A flow's form (registration or login): global messages, the identifier a second screen is for,
// the nodes, and the link to the other flow.
constexpr char kFlowForm[] =
    R"html({{#has_global}}<div class="global" role="alert">{{#global}}<p class="{{type}}" data-message-id="{{id}}">{{text}}</p>{{/global}}</div>{{/has_global}}
{{#has_identifier}}<p class="muted" id="signing-in-as">{{signing_in_as}} <strong>{{identifier}}</strong>{{#restart}} · <a id="switch-account" href="{{restart}}">{{restart_text}}</a>{{/restart}}</p>
{{/has_identifier}}
{{#has_form}}<form action="{{action}}" method="{{method}}">
{{#hidden}}<input type="hidden" name="{{name}}" value="{{value}}">
{{/hidden}}
{{#fields}}
{{#is_select}}<div class="field"><label for="{{id}}">{{label}}{{#required}} <span class="req">({{required_text}})</span>{{/required}}</label>
<select id="{{id}}" name="{{name}}"{{#required}} required{{/required}}{{#invalid}} aria-invalid="true"{{/invalid}}{{#has_messages}} aria-describedby="{{id}}-messages"{{/has_messages}}>{{#options}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/options}}</select>
{{#has_messages}}<div class="messages" id="{{id}}-messages">{{#messages}}<p class="{{type}}" data-message-id="{{id}}">{{text}}</p>{{/messages}}</div>{{/has_messages}}</div>
{{/is_select}}{{#is_checkbox}}<div class="field"><div class="check"><input type="hidden" name="{{name}}" value="false"><input id="{{id}}" type="checkbox" name="{{name}}" value="true"{{#checked}} checked{{/checked}}{{#invalid}} aria-invalid="true"{{/invalid}}{{#has_messages}} aria-describedby="{{id}}-messages"{{/has_messages}}><label for="{{id}}">{{label}}</label></div>
{{#has_messages}}<div class="messages" id="{{id}}-messages">{{#messages}}<p class="{{type}}" data-message-id="{{id}}">{{text}}</p>{{/messages}}</div>{{/has_messages}}</div>
{{/is_checkbox}}{{#is_input}}<div class="field"><label for="{{id}}">{{label}}{{#required}} <span class="req">({{required_text}})</span>{{/required}}</label>
<input id="{{id}}" type="{{type}}" name="{{name}}"{{#has_value}} value="{{value}}"{{/has_value}}{{#required}} required{{/required}}{{#autocomplete}} autocomplete="{{autocomplete}}"{{/autocomplete}}{{#pattern}} pattern="{{pattern}}"{{/pattern}}{{#disabled}} disabled{{/disabled}}{{#invalid}} aria-invalid="true"{{/invalid}}{{#has_messages}} aria-describedby="{{id}}-messages"{{/has_messages}}>
{{#has_messages}}<div class="messages" id="{{id}}-messages">{{#messages}}<p class="{{type}}" data-message-id="{{id}}">{{text}}</p>{{/messages}}</div>{{/has_messages}}</div>
{{/is_input}}{{#is_text}}<div class="field"><p id="{{id}}" class="muted">{{text}}</p></div>
{{/is_text}}{{#is_img}}<div class="field"><img id="{{id}}" src="{{src}}" alt="{{label}}" width="{{width}}" height="{{height}}"></div>
{{/is_img}}{{#is_a}}<div class="field"><a id="{{id}}" href="{{href}}">{{label}}</a></div>
{{/is_a}}{{#is_script}}<script src="{{src}}" nonce="{{page_nonce}}"{{#async}} async{{/async}}{{#integrity}} integrity="{{integrity}}" crossorigin="anonymous"{{/integrity}}></script>
{{/is_script}}
{{/fields}}
{{#has_button_messages}}<div class="messages" role="alert">{{#button_messages}}<p class="{{type}}" data-message-id="{{id}}">{{text}}</p>{{/button_messages}}</div>{{/has_button_messages}}
{{#has_triggers}}<p class="muted" id="webauthn-unsupported" hidden>{{unsupported_text}}</p>
{{/has_triggers}}<div class="actions">{{#buttons}}<button type="{{button_type}}" name="{{name}}" value="{{value}}"{{#trigger}} data-trigger="{{trigger}}"{{/trigger}}{{#secondary}} class="secondary"{{/secondary}}{{#novalidate}} formnovalidate{{/novalidate}}{{#disabled}} disabled{{/disabled}}>{{label}}</button>{{/buttons}}</div>
</form>{{/has_form}}
{{#switch_url}}<p class="muted switch" id="switch-flow">{{switch_question}} <a href="{{switch_url}}">{{switch_text}}</a></p>{{/switch_url}}
)html";

constexpr char kError[] =
    R"html(<div class="global" role="alert"><p class="error">{{message}}</p></div>
<dl>
<dt>Code</dt><dd>{{code}} {{status}}</dd>
{{#id}}<dt>ID</dt><dd id="error-id">{{id}}</dd>{{/id}}
{{#reason}}<dt>Reason</dt><dd id="error-reason">{{reason}}</dd>{{/reason}}
</dl>
<p><a href="{{retry}}">{{retry_text}}</a></p>
)html";

constexpr char kWelcome[] = R"html(<h2>{{traits_title}}</h2>
<dl id="traits">{{#traits}}<dt>{{key}}</dt><dd>{{value}}</dd>{{/traits}}</dl>
<h2>{{session_title}}</h2>
<dl id="session">
<dt>{{identity_label}}</dt><dd id="identity-id">{{identity_id}}</dd>
<dt>{{session_label}}</dt><dd id="session-id">{{session_id}}</dd>
<dt>{{methods_label}}</dt><dd>{{methods}}</dd>
<dt>{{authenticated_label}}</dt><dd>{{authenticated_at}}</dd>
<dt>{{expires_label}}</dt><dd>{{expires_at}}</dd>
</dl>
{{#logout}}<p class="actions"><a id="sign-out" class="button" href="{{logout}}">{{sign_out_text}}</a></p>{{/logout}}
)html";

// Sets `key` only for non-empty values: mustache treats every string, even "", as true.
void SetIf(data& d, const std::string& key, const std::string& value) {
  if (!value.empty()) {
    d.set(key, value);
  }
}

std::string NewNonce() { return Base64Encode(RandomBytes(18)); }

std::string Str(const Json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    return "";
  }
  return it->is_string() ? it->get<std::string>() : DumpJson(*it);
}

// A boolean member; false when absent or not a boolean.
bool Flag(const Json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_boolean() && it->get<bool>();
}

std::string TypeOf(const Json& message) {
  const std::string t = Str(message, "type");
  return t.empty() ? "info" : t;
}

data MessageList(const Json& messages, Language lang) {
  data list{data::type::list};
  if (messages.is_array()) {
    for (const auto& m : messages) {
      data item;
      item.set("id", Str(m, "id"));
      item.set("type", TypeOf(m));
      item.set("text", Translate(m, lang));
      list.push_back(item);
    }
  }
  return list;
}

bool HasError(const Json& messages) {
  if (!messages.is_array()) {
    return false;
  }
  for (const auto& m : messages) {
    if (TypeOf(m) == "error") {
      return true;
    }
  }
  return false;
}

std::string LabelOf(const Json& node, Language lang) {
  const auto meta = node.find("meta");
  if (meta != node.end() && meta->is_object() && meta->contains("label")) {
    return Translate((*meta)["label"], lang);
  }
  return Str(node.value("attributes", Json::object()), "name");
}

// The id attribute for a node: its name made safe ("traits.email" -> "field-traits-email").
std::string DomId(const std::string& name, size_t index) {
  std::string id = "field-";
  for (const char c : name) {
    id.push_back(std::isalnum(static_cast<unsigned char>(c)) ? c : '-');
  }
  return name.empty() ? id + std::to_string(index) : id;
}

std::string Render(const char* tmpl, const data& d) {
  mustache m{std::string(tmpl)};
  return m.render(d);
}

// `nonce` is the page's CSP nonce when the content already uses it ("" = a new one).
Page Layout(const std::string& title, const std::string& content, Language lang,
            std::string nonce = "") {
  Page page;
  page.nonce = nonce.empty() ? NewNonce() : std::move(nonce);
  data d;
  d.set("lang", lang == Language::kGerman ? "de" : "en");
  d.set("title", title);
  d.set("nonce", page.nonce);
  d.set("css", kCss);
  d.set("content", content);
  page.html = Render(kLayout, d);
  return page;
}

// What every node's template needs: id, name, label, flags, messages and value.
data NodeData(const Json& node, size_t index, Language lang) {
  const Json& a = node.value("attributes", Json::object());
  const std::string node_type = Str(a, "node_type");
  const std::string name = Str(a, "name");
  data f;
  f.set("id", DomId(node_type == "input" ? name : Str(a, "id"), index));
  f.set("name", name);
  f.set("type", Str(a, "type"));
  f.set("label", LabelOf(node, lang));
  f.set("required", Flag(a, "required"));
  f.set("required_text", UiText("required", lang));
  f.set("disabled", Flag(a, "disabled"));
  SetIf(f, "autocomplete", Str(a, "autocomplete"));
  SetIf(f, "pattern", Str(a, "pattern"));
  f.set("nonce", "");
  const Json messages = node.value("messages", Json::array());
  const data message_list = MessageList(messages, lang);
  f.set("has_messages", !message_list.list_value().empty());
  f.set("messages", message_list);
  f.set("invalid", HasError(messages));
  // A password never goes back into a page, whatever the API sent.
  const bool has_value =
      a.contains("value") && !a["value"].is_null() && Str(a, "type") != "password";
  f.set("has_value", has_value);
  f.set("value", has_value ? Str(a, "value") : "");
  return f;
}

// Marks what kind of field an input or other node renders as; false for kinds the page skips.
bool AddKind(data& f, const Json& a, Language lang) {
  const std::string node_type = Str(a, "node_type");
  const bool has_value = a.contains("value") && !a["value"].is_null();
  if (node_type == "input" && a.contains("options") && a["options"].is_array()) {
    data options{data::type::list};
    for (const auto& o : a["options"]) {
      data option;
      option.set("value", Str(o, "value"));
      option.set("selected", has_value && Str(o, "value") == Str(a, "value"));
      options.push_back(option);
    }
    f.set("options", options);
    f.set("is_select", true);
  } else if (node_type == "input" && Str(a, "type") == "checkbox") {
    f.set("is_checkbox", true);
    f.set("checked", has_value && a["value"] == true);
  } else if (node_type == "input") {
    f.set("is_input", true);
  } else if (node_type == "text") {
    f.set("is_text", true);
    f.set("text", a.contains("text") ? Translate(a["text"], lang) : "");
  } else if (node_type == "img") {
    f.set("is_img", true);
    f.set("src", Str(a, "src"));
    f.set("width", Str(a, "width"));
    f.set("height", Str(a, "height"));
  } else if (node_type == "a") {
    f.set("is_a", true);
    f.set("href", Str(a, "href"));
    f.set("label", a.contains("title") ? Translate(a["title"], lang) : Str(a, "href"));
  } else if (node_type == "script") {
    f.set("is_script", true);
    f.set("src", Str(a, "src"));
    f.set("async", Flag(a, "async"));
    SetIf(f, "integrity", Str(a, "integrity"));
  } else {
    return false;
  }
  return true;
}

// The form's nodes by where they go: hidden inputs, visible fields, and the buttons (whose
// messages show below them).
struct FormParts {
  data hidden{data::type::list};
  data fields{data::type::list};
  data buttons{data::type::list};
  data button_messages{data::type::list};
  bool any = false;
  bool has_triggers = false;
};

// The groups of the required inputs a user sees (the traits are in "default").
std::set<std::string> GroupsWithRequiredFields(const Json& nodes) {
  std::set<std::string> groups;
  for (const auto& n : nodes) {
    const Json& a = n.value("attributes", Json::object());
    const std::string type = Str(a, "type");
    if (Str(a, "node_type") == "input" && Flag(a, "required") && type != "hidden" &&
        type != "submit" && type != "button") {
      groups.insert(n.value("group", ""));
    }
  }
  return groups;
}

FormParts Arrange(const Json& nodes, Language lang) {
  FormParts out;
  if (!nodes.is_array()) {
    return out;
  }
  const std::set<std::string> required_in = GroupsWithRequiredFields(nodes);
  for (size_t i = 0; i < nodes.size(); ++i) {
    const Json& a = nodes[i].value("attributes", Json::object());
    const bool input = Str(a, "node_type") == "input";
    const std::string type = Str(a, "type");
    data f = NodeData(nodes[i], i, lang);
    out.any = true;
    if (input && type == "hidden") {
      out.hidden.push_back(f);
    } else if (input && (type == "submit" || type == "button")) {
      // "Back" and "Resend code" leave the form's fields as they are, and one method's button
      // must not wait for another method's required field (the password when a code is asked
      // for): those skip the browser's validation (the server validates every submission).
      const std::string name = Str(a, "name");
      const std::string group = nodes[i].value("group", "");
      const bool secondary = name == "screen" || name == "resend";
      const bool foreign_required =
          std::any_of(required_in.begin(), required_in.end(),
                      [&](const std::string& g) { return g != "default" && g != group; });
      f.set("secondary", secondary);
      // A social provider's button asks the provider for the traits: the form's required
      // fields may still be empty.
      const bool social = group == "oidc";
      f.set("novalidate", secondary || foreign_required || social);
      // A button that runs a script (passkeys, security keys) instead of submitting; the page's
      // own script binds it (inline onclick handlers are not allowed by the CSP).
      const std::string trigger = Str(a, "onclickTrigger");
      const bool runs_script = type == "button" && !trigger.empty();
      f.set("button_type", runs_script ? "button" : "submit");
      SetIf(f, "trigger", runs_script ? trigger : "");
      out.has_triggers = out.has_triggers || runs_script;
      for (const auto& m : f.get("messages")->list_value()) {
        out.button_messages.push_back(m);
      }
      out.buttons.push_back(f);
    } else if (AddKind(f, a, lang)) {
      out.fields.push_back(f);
    }
  }
  return out;
}

// What a flow page shows around its form.
struct FlowChrome {
  std::string identifier;  // the hidden identifier a second screen is for ("" for none)
  std::string restart;     // where "use another account" leads ("" for no such link)
  std::string switch_question;
  std::string switch_text;
  std::string switch_url;  // the other flow ("" for no link)
};

// The value of a hidden `identifier` input (identifier-first second screen, refresh), or "".
std::string HiddenIdentifier(const Json& nodes) {
  if (!nodes.is_array()) {
    return "";
  }
  for (const auto& node : nodes) {
    const Json& a = node.value("attributes", Json::object());
    if (Str(a, "node_type") == "input" && Str(a, "name") == "identifier" &&
        Str(a, "type") == "hidden" && a.contains("value") && a["value"].is_string()) {
      return a["value"].get<std::string>();
    }
  }
  return "";
}

// The form of a flow (its `ui` container) with the chrome around it.
std::string RenderFlowForm(const Json& flow, Language lang, const FlowChrome& chrome,
                           const std::string& nonce) {
  const Json& ui = flow.value("ui", Json::object());
  data d;
  d.set("page_nonce", nonce);
  data global = MessageList(ui.value("messages", Json::array()), lang);
  d.set("has_global", !global.list_value().empty());
  d.set("global", global);
  d.set("has_identifier", !chrome.identifier.empty());
  d.set("identifier", chrome.identifier);
  d.set("signing_in_as", UiText("login.signing_in_as", lang));
  SetIf(d, "restart", chrome.restart);
  d.set("restart_text", UiText("login.switch_account", lang));
  d.set("action", Str(ui, "action"));
  d.set("method", Str(ui, "method").empty() ? "POST" : Str(ui, "method"));
  const FormParts form = Arrange(ui.value("nodes", Json()), lang);
  d.set("has_form", form.any);
  d.set("hidden", form.hidden);
  d.set("fields", form.fields);
  d.set("buttons", form.buttons);
  d.set("has_button_messages", !form.button_messages.list_value().empty());
  d.set("button_messages", form.button_messages);
  d.set("has_triggers", form.has_triggers);
  d.set("unsupported_text", UiText("webauthn.unsupported", lang));
  SetIf(d, "switch_url", chrome.switch_url);
  d.set("switch_question", chrome.switch_question);
  d.set("switch_text", chrome.switch_text);
  return Render(kFlowForm, d);
}

}  // namespace

Language LanguageFor(std::string_view accept_language) {
  // The first language range decides ("de-DE,de;q=0.9,en;q=0.8" -> German).
  const std::string first =
      AsciiLower(TrimSpace(accept_language.substr(0, accept_language.find_first_of(",;"))));
  return first == "de" || first.starts_with("de-") ? Language::kGerman : Language::kEnglish;
}

Page RenderRegistration(const Json& flow, Language lang, const FlowLinks& links) {
  FlowChrome chrome;
  chrome.switch_question = UiText("registration.have_account", lang);
  chrome.switch_text = UiText("registration.sign_in", lang);
  chrome.switch_url = links.other_flow;
  std::string nonce = NewNonce();
  return Layout(UiText("title.registration", lang), RenderFlowForm(flow, lang, chrome, nonce), lang,
                nonce);
}

Page RenderLogin(const Json& flow, Language lang, const FlowLinks& links) {
  const bool refresh = Flag(flow, "refresh");
  FlowChrome chrome;
  chrome.identifier = HiddenIdentifier(flow.value("ui", Json::object()).value("nodes", Json()));
  if (!refresh) {
    // A refresh confirms the signed-in account: neither another account nor a sign-up fits.
    chrome.restart = links.restart;
    chrome.switch_question = UiText("login.no_account", lang);
    chrome.switch_text = UiText("login.sign_up", lang);
    chrome.switch_url = links.other_flow;
  }
  std::string nonce = NewNonce();
  return Layout(UiText(refresh ? "title.refresh" : "title.login", lang),
                RenderFlowForm(flow, lang, chrome, nonce), lang, nonce);
}

Page RenderVerification(const Json& flow, Language lang) {
  std::string nonce = NewNonce();
  return Layout(UiText("title.verification", lang), RenderFlowForm(flow, lang, FlowChrome{}, nonce),
                lang, nonce);
}

Page RenderError(const Json& error, Language lang, std::string_view retry_url) {
  data d;
  d.set("message", Str(error, "message"));
  d.set("code", Str(error, "code"));
  d.set("status", Str(error, "status"));
  SetIf(d, "id", Str(error, "id"));
  SetIf(d, "reason", Str(error, "reason"));
  d.set("retry", std::string(retry_url));
  d.set("retry_text", UiText("error.retry", lang));
  return Layout(UiText("title.error", lang), Render(kError, d), lang);
}

Page RenderWelcome(const Json& session, Language lang, std::string_view logout_url) {
  const Json& identity = session.value("identity", Json::object());
  data d;
  data traits{data::type::list};
  const Json t = identity.value("traits", Json::object());
  for (const auto& [key, value] : t.items()) {
    data item;
    item.set("key", key);
    item.set("value", value.is_string() ? value.get<std::string>() : DumpJson(value));
    traits.push_back(item);
  }
  std::string methods;
  for (const auto& m : session.value("authentication_methods", Json::array())) {
    methods += (methods.empty() ? "" : ", ") + Str(m, "method");
  }
  d.set("traits", traits);
  d.set("traits_title", UiText("welcome.traits", lang));
  d.set("session_title", UiText("welcome.session", lang));
  d.set("identity_label", UiText("identity.id", lang));
  d.set("session_label", UiText("session.id", lang));
  d.set("methods_label", UiText("session.methods", lang));
  d.set("authenticated_label", UiText("session.authenticated_at", lang));
  d.set("expires_label", UiText("session.expires_at", lang));
  d.set("identity_id", Str(identity, "id"));
  d.set("session_id", Str(session, "id"));
  d.set("methods", methods);
  d.set("authenticated_at", Str(session, "authenticated_at"));
  d.set("expires_at", Str(session, "expires_at"));
  SetIf(d, "logout", std::string(logout_url));
  d.set("sign_out_text", UiText("welcome.sign_out", lang));
  return Layout(UiText("title.welcome", lang), Render(kWelcome, d), lang);
}

}  // namespace atrium::pages
