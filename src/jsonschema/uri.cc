#include "jsonschema/uri.h"

#include <cctype>
#include <vector>

#include "base/strings.h"

namespace atrium::jsonschema::internal {
namespace {

bool HasScheme(std::string_view uri) {
  const size_t colon = uri.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return false;
  }
  for (size_t i = 0; i < colon; ++i) {
    const char c = uri[i];
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') {
      return false;
    }
  }
  return true;
}

std::string RemoveDotSegments(const std::string& uri) {
  const size_t scheme_end = uri.find("://");
  const size_t path_start = scheme_end == std::string::npos ? 0 : uri.find('/', scheme_end + 3);
  if (path_start == std::string::npos) {
    return uri;
  }
  std::vector<std::string> out;
  const std::string path = uri.substr(path_start);
  for (std::string_view seg : Split(path, '/')) {
    if (seg == ".") {
      continue;
    }
    if (seg == "..") {
      if (out.size() > 1) {
        out.pop_back();
      }
      continue;
    }
    out.emplace_back(seg);
  }
  std::string joined;
  for (size_t i = 0; i < out.size(); ++i) {
    joined += (i ? "/" : "") + out[i];
  }
  if (path.ends_with("/.") || path.ends_with("/..")) {
    joined += "/";
  }
  return uri.substr(0, path_start) + joined;
}

}  // namespace

std::string StripFragment(std::string_view uri) {
  return std::string(uri.substr(0, uri.find('#')));
}

std::string ResolveUri(const std::string& base, const std::string& ref) {
  if (ref.empty()) {
    return base;
  }
  if (HasScheme(ref)) {
    return RemoveDotSegments(ref);
  }
  const std::string b = StripFragment(base);
  if (ref[0] == '#') {
    return b + ref;
  }
  const size_t scheme_end = b.find("://");
  if (ref.starts_with("//")) {
    return scheme_end == std::string::npos ? ref : b.substr(0, scheme_end + 1) + ref;
  }
  if (ref[0] == '/') {
    if (scheme_end == std::string::npos) {
      return ref;
    }
    const size_t path = b.find('/', scheme_end + 3);
    return RemoveDotSegments((path == std::string::npos ? b : b.substr(0, path)) + ref);
  }
  const size_t slash = b.rfind('/');
  const std::string dir = slash == std::string::npos ? "" : b.substr(0, slash + 1);
  return RemoveDotSegments(dir + ref);
}

}  // namespace atrium::jsonschema::internal
