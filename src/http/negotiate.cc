// Accept negotiation exactly as github.com/golang/gddo/httputil (docs/wire/registration.md §2.2),
// quirks included.
#include "base/strings.h"
#include "http/http.h"

namespace atrium::http {
namespace {

struct AcceptSpec {
  std::string value;
  double q = 1.0;
};

bool IsTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
    return true;
  }
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

std::string_view SkipSpace(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) {
    ++i;
  }
  return s.substr(i);
}

// gddo expectQuality: "0", "1", "0.5", "1.000"; -1 when malformed.
double ExpectQuality(std::string_view& s) {
  if (s.empty() || (s[0] != '0' && s[0] != '1')) {
    return -1;
  }
  double q = s[0] == '1' ? 1 : 0;
  s.remove_prefix(1);
  if (!s.starts_with('.')) {
    return q;
  }
  s.remove_prefix(1);
  long n = 0;
  long d = 1;
  size_t i = 0;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9' && i < 9; ++i) {
    n = n * 10 + (s[i] - '0');
    d *= 10;
  }
  s.remove_prefix(i);
  return q + static_cast<double>(n) / static_cast<double>(d);
}

std::vector<AcceptSpec> ParseAccept(std::string_view s) {
  std::vector<AcceptSpec> specs;
  for (;;) {
    size_t i = 0;
    while (i < s.size() && (IsTokenChar(s[i]) || s[i] == '/')) {
      ++i;
    }
    AcceptSpec spec;
    spec.value = std::string(s.substr(0, i));
    if (spec.value.empty()) {
      return specs;
    }
    s = SkipSpace(s.substr(i));
    if (s.starts_with(';')) {
      s = SkipSpace(s.substr(1));
      if (!s.starts_with("q=")) {
        return specs;  // a parameter other than q ends parsing of the header line
      }
      s.remove_prefix(2);
      spec.q = ExpectQuality(s);
      if (spec.q < 0) {
        return specs;
      }
    }
    specs.push_back(std::move(spec));
    s = SkipSpace(s);
    if (!s.starts_with(',')) {
      return specs;
    }
    s = SkipSpace(s.substr(1));
  }
}

}  // namespace

std::string MediaType(std::string_view content_type) {
  const size_t semi = content_type.find(';');
  return AsciiLower(TrimSpace(content_type.substr(0, semi)));
}

std::string NegotiateContentType(std::optional<std::string_view> accept,
                                 const std::vector<std::string>& offers,
                                 const std::string& default_offer) {
  std::string best = default_offer;
  if (!accept) {
    return best;
  }
  const auto specs = ParseAccept(*accept);
  double best_q = -1;
  int best_wild = 3;
  for (const auto& offer : offers) {
    for (const auto& spec : specs) {
      if (spec.q == 0 || spec.q < best_q) {
        continue;
      }
      if (spec.value == "*/*") {
        if (spec.q > best_q || best_wild > 2) {
          best_q = spec.q;
          best_wild = 2;
          best = offer;
        }
      } else if (spec.value.ends_with("/*")) {
        if (offer.starts_with(std::string_view(spec.value).substr(0, spec.value.size() - 1)) &&
            (spec.q > best_q || best_wild > 1)) {
          best_q = spec.q;
          best_wild = 1;
          best = offer;
        }
      } else if (spec.value == offer && (spec.q > best_q || best_wild > 0)) {
        best_q = spec.q;
        best_wild = 0;
        best = offer;
      }
    }
  }
  return best;
}

}  // namespace atrium::http
