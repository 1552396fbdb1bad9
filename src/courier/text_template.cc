#include "courier/text_template.h"

#include <cctype>
#include <vector>

#include "base/json.h"
#include "base/strings.h"

namespace atrium::courier {

// A sequence of parts; an `if` holds two sequences.
struct TextTemplate::Node {
  enum class Kind { kText, kValue, kIf };
  Kind kind = Kind::kText;
  std::string text;               // kText
  std::vector<std::string> path;  // kValue, kIf
  std::vector<Node> then_parts;   // kIf
  std::vector<Node> else_parts;   // kIf
  std::vector<Node> parts;        // the root
};

namespace {

using Node = TextTemplate::Node;

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// One {{ action }} between pieces of text.
struct Action {
  std::string_view body;  // without delimiters, trim markers and surrounding space
  bool trim_before = false;
  bool trim_after = false;
};

struct Token {
  bool is_action = false;
  std::string text;
  Action action;
};

Result<std::vector<Token>> Lex(std::string_view name, std::string_view in) {
  std::vector<Token> tokens;
  size_t pos = 0;
  while (pos <= in.size()) {
    const size_t open = in.find("{{", pos);
    tokens.push_back({false, std::string(in.substr(pos, open - pos)), {}});
    if (open == std::string_view::npos) {
      break;
    }
    const size_t close = in.find("}}", open + 2);
    if (close == std::string_view::npos) {
      return Error::InvalidArgument(std::string(name) + ": unclosed action");
    }
    std::string_view body = in.substr(open + 2, close - open - 2);
    Action a;
    if (body.size() >= 2 && body[0] == '-' && IsSpace(body[1])) {
      a.trim_before = true;
      body.remove_prefix(1);
    }
    if (body.size() >= 2 && body.back() == '-' && IsSpace(body[body.size() - 2])) {
      a.trim_after = true;
      body.remove_suffix(1);
    }
    a.body = TrimSpace(body);
    tokens.push_back({true, {}, a});
    pos = close + 2;
  }
  // Apply the trim markers to the neighbouring text.
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (!tokens[i].is_action) {
      continue;
    }
    if (tokens[i].action.trim_before && i > 0) {
      std::string& t = tokens[i - 1].text;
      while (!t.empty() && IsSpace(t.back())) {
        t.pop_back();
      }
    }
    if (tokens[i].action.trim_after && i + 1 < tokens.size()) {
      std::string& t = tokens[i + 1].text;
      size_t n = 0;
      while (n < t.size() && IsSpace(t[n])) {
        ++n;
      }
      t.erase(0, n);
    }
  }
  return tokens;
}

Error Unsupported(std::string_view name, std::string_view action, std::string_view why) {
  return Error::InvalidArgument(std::string(name) + ": {{ " + std::string(action) + " }} " +
                                std::string(why) +
                                " (Atrium's templates support {{ .Field.path }}, {{ if .Field }} "
                                "... {{ else }} ... {{ end }} and {{/* comments */}})");
}

// ".A.b.c" into {"A", "b", "c"}.
Result<std::vector<std::string>> ParsePath(std::string_view name, std::string_view action,
                                           std::string_view expr,
                                           const std::set<std::string, std::less<>>& fields) {
  if (expr.size() < 2 || expr[0] != '.') {
    return Unsupported(name, action, "is not supported");
  }
  std::vector<std::string> path;
  for (std::string_view seg : Split(expr.substr(1), '.')) {
    if (seg.empty()) {
      return Unsupported(name, action, "is not supported");
    }
    for (const char c : seg) {
      if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '_') {
        return Unsupported(name, action, "is not supported");
      }
    }
    path.emplace_back(seg);
  }
  if (!fields.contains(path.front())) {
    return Unsupported(name, action, "names a field this template's model does not have");
  }
  return path;
}

// Parses tokens[pos...] into `out` until {{ else }} / {{ end }} (returned) or the end ("").
Result<std::string> Parse(std::string_view name, const std::vector<Token>& tokens, size_t& pos,
                          std::vector<Node>& out,
                          const std::set<std::string, std::less<>>& fields) {
  for (; pos < tokens.size(); ++pos) {
    const Token& t = tokens[pos];
    if (!t.is_action) {
      if (!t.text.empty()) {
        out.push_back(Node{Node::Kind::kText, t.text, {}, {}, {}, {}});
      }
      continue;
    }
    const std::string_view body = t.action.body;
    if (body.starts_with("/*") && body.ends_with("*/")) {
      continue;
    }
    if (body == "else" || body == "end") {
      return std::string(body);
    }
    if (body.starts_with("if ")) {
      Node node{Node::Kind::kIf, {}, {}, {}, {}, {}};
      ATRIUM_ASSIGN_OR_RETURN(node.path, ParsePath(name, body, TrimSpace(body.substr(3)), fields));
      ++pos;
      ATRIUM_ASSIGN_OR_RETURN(std::string ended, Parse(name, tokens, pos, node.then_parts, fields));
      if (ended == "else") {
        ++pos;
        ATRIUM_ASSIGN_OR_RETURN(ended, Parse(name, tokens, pos, node.else_parts, fields));
      }
      if (ended != "end") {
        return Error::InvalidArgument(std::string(name) + ": {{ " + std::string(body) +
                                      " }} has no {{ end }}");
      }
      out.push_back(std::move(node));
      continue;
    }
    Node node{Node::Kind::kValue, {}, {}, {}, {}, {}};
    ATRIUM_ASSIGN_OR_RETURN(node.path, ParsePath(name, body, body, fields));
    out.push_back(std::move(node));
  }
  return std::string();
}

// The value at `path`; nullptr when a key is missing (`found` counts the keys that were).
const Json* Lookup(const Json& model, const std::vector<std::string>& path, size_t& found) {
  const Json* at = &model;
  found = 0;
  for (const auto& seg : path) {
    if (!at->is_object()) {
      return nullptr;
    }
    auto it = at->find(seg);
    if (it == at->end()) {
      return nullptr;
    }
    at = &*it;
    ++found;
  }
  return at;
}

bool Truthy(const Json* v) {
  if (v == nullptr || v->is_null()) {
    return false;
  }
  if (v->is_boolean()) {
    return v->get<bool>();
  }
  if (v->is_number()) {
    return v->get<double>() != 0;
  }
  if (v->is_string()) {
    return !v->get_ref<const std::string&>().empty();
  }
  return !v->empty();
}

std::string Text(const Json* v, size_t found) {
  if (v == nullptr) {
    return found == 0 ? "" : "<no value>";
  }
  if (v->is_null()) {
    return "";
  }
  if (v->is_string()) {
    return v->get<std::string>();
  }
  return DumpJson(*v);  // numbers print as Go prints them; objects as JSON
}

std::string EscapeHtml(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&#34;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

void RenderParts(const std::vector<Node>& parts, const Json& model, Escaping escaping,
                 std::string& out) {
  for (const auto& n : parts) {
    size_t found = 0;
    switch (n.kind) {
      case Node::Kind::kText:
        out += n.text;
        break;
      case Node::Kind::kValue: {
        const Json* value = Lookup(model, n.path, found);
        const std::string v = Text(value, found);
        out += escaping == Escaping::kHtml ? EscapeHtml(v) : v;
        break;
      }
      case Node::Kind::kIf:
        RenderParts(Truthy(Lookup(model, n.path, found)) ? n.then_parts : n.else_parts, model,
                    escaping, out);
        break;
    }
  }
}

}  // namespace

Result<TextTemplate> TextTemplate::Compile(std::string_view name, std::string_view text,
                                           const std::set<std::string, std::less<>>& fields) {
  ATRIUM_ASSIGN_OR_RETURN(auto tokens, Lex(name, text));
  auto root = std::make_shared<Node>();
  size_t pos = 0;
  ATRIUM_ASSIGN_OR_RETURN(const std::string ended, Parse(name, tokens, pos, root->parts, fields));
  if (!ended.empty()) {
    return Error::InvalidArgument(std::string(name) + ": {{ " + ended + " }} without {{ if }}");
  }
  return TextTemplate(std::move(root));
}

std::string TextTemplate::Render(const Json& model, Escaping escaping) const {
  std::string out;
  RenderParts(root_->parts, model, escaping, out);
  return out;
}

}  // namespace atrium::courier
