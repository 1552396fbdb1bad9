#include "ui/sort.h"

#include <array>
#include <cmath>
#include <cstdio>
#include <functional>
#include <string_view>

#include "base/json.h"

namespace atrium::ui {
namespace {

using Less = std::function<bool(size_t, size_t)>;

// Go's sort.Stable: insertion sort on blocks of 20, then SymMerge of doubling blocks. Kratos'
// node comparator is not a strict weak order, so only this exact algorithm reproduces its output.
class GoStableSort final {
 public:
  GoStableSort(std::vector<Node>& data, Less less) : data_(data), less_(std::move(less)) {}

  void Run() {
    const size_t n = data_.size();
    size_t block = 20;
    size_t a = 0;
    size_t b = block;
    while (b <= n) {
      InsertionSort(a, b);
      a = b;
      b += block;
    }
    InsertionSort(a, n);
    while (block < n) {
      a = 0;
      b = 2 * block;
      while (b <= n) {
        SymMerge(a, a + block, b);
        a = b;
        b += 2 * block;
      }
      if (a + block < n) {
        SymMerge(a, a + block, n);
      }
      block *= 2;
    }
  }

 private:
  void Swap(size_t i, size_t j) { std::swap(data_[i], data_[j]); }

  void InsertionSort(size_t a, size_t b) {
    for (size_t i = a + 1; i < b; ++i) {
      for (size_t j = i; j > a && less_(j, j - 1); --j) {
        Swap(j, j - 1);
      }
    }
  }

  void SwapRange(size_t a, size_t b, size_t n) {
    for (size_t i = 0; i < n; ++i) {
      Swap(a + i, b + i);
    }
  }

  void Rotate(size_t a, size_t m, size_t b) {
    size_t i = m - a;
    size_t j = b - m;
    while (i != j) {
      if (i > j) {
        SwapRange(m - i, m, j);
        i -= j;
      } else {
        SwapRange(m - i, m + j - i, i);
        j -= i;
      }
    }
    SwapRange(m - i, m, i);
  }

  void SymMerge(size_t a, size_t m, size_t b) {
    if (m - a == 1) {
      size_t i = m;
      size_t j = b;
      while (i < j) {
        const size_t h = (i + j) / 2;
        if (less_(h, a)) {
          i = h + 1;
        } else {
          j = h;
        }
      }
      for (size_t k = a; k + 1 < i; ++k) {
        Swap(k, k + 1);
      }
      return;
    }
    if (b - m == 1) {
      size_t i = a;
      size_t j = m;
      while (i < j) {
        const size_t h = (i + j) / 2;
        if (!less_(m, h)) {
          i = h + 1;
        } else {
          j = h;
        }
      }
      for (size_t k = m; k > i; --k) {
        Swap(k, k - 1);
      }
      return;
    }
    const size_t mid = (a + b) / 2;
    const size_t n = mid + m;
    size_t start = 0;
    size_t r = 0;
    if (m > mid) {
      start = n - b;
      r = mid;
    } else {
      start = a;
      r = m;
    }
    const size_t p = n - 1;
    while (start < r) {
      const size_t c = (start + r) / 2;
      if (!less_(p - c, c)) {
        start = c + 1;
      } else {
        r = c;
      }
    }
    const size_t end = n - start;
    if (start < m && m < end) {
      Rotate(start, m, end);
    }
    if (a < start && start < mid) {
      SymMerge(a, start, mid);
    }
    if (mid < end && end < b) {
      SymMerge(mid, end, b);
    }
  }

  std::vector<Node>& data_;
  Less less_;
};

int GroupRank(const std::vector<std::string>& order, const std::string& group) {
  for (size_t i = 0; i < order.size(); ++i) {
    if (order[i] == group) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

// Go's fmt "%v" rendering of a JSON-decoded value, enough for node values.
std::string GoValueString(const Json& v) {
  if (v.is_null()) {
    return "<nil>";
  }
  if (v.is_string()) {
    return v.get<std::string>();
  }
  if (v.is_boolean()) {
    return v.get<bool>() ? "true" : "false";
  }
  if (v.is_number()) {
    const double d = v.get<double>();
    const double ad = std::fabs(d);
    char buf[64];
    if (d == std::floor(d) && ad < 1e21 && (ad >= 1e-4 || d == 0)) {
      std::snprintf(buf, sizeof buf, "%.0f", d);
      return buf;
    }
    std::snprintf(buf, sizeof buf, "%g", d);
    return buf;
  }
  return DumpJson(v);
}

}  // namespace

SortOrder RegistrationSortOrder(const std::vector<std::string>& schema_keys) {
  SortOrder order;
  order.groups = {"oidc", "saml",     "default", "webauthn", "passkey",
                  "code", "password", "captcha", "profile"};
  auto& keys = order.keys;
  keys.reserve(schema_keys.size() + 5);
  keys.emplace_back("csrf_token");
  if (!schema_keys.empty()) {
    keys.push_back(schema_keys.front());
  }
  keys.emplace_back("password");
  for (size_t i = 1; i < schema_keys.size(); ++i) {
    keys.push_back(schema_keys[i]);
  }
  keys.emplace_back("webauthn_remove");
  keys.emplace_back("webauthn_register_displayname");
  keys.emplace_back("webauthn_register");
  return order;
}

const SortOrder& LoginSortOrder() {
  static const SortOrder order{
      {"oidc", "default", "webauthn", "passkey", "code", "password", "totp", "lookup_secret"},
      {"csrf_token", "identifier", "password"}};
  return order;
}

void SortNodes(std::vector<Node>& nodes, const SortOrder& order) {
  const auto& keys_in_order = order.keys;
  GoStableSort by_group(nodes, [&nodes, &order](size_t i, size_t j) {
    return GroupRank(order.groups, nodes[i].group) < GroupRank(order.groups, nodes[j].group);
  });
  by_group.Run();

  const size_t method_position = nodes.size() + keys_in_order.size() + 1;
  const auto position = [&](const Node& n) {
    const std::string id = n.Id();
    if (id == "method") {
      return method_position;
    }
    for (size_t i = 0; i < keys_in_order.size(); ++i) {
      if (id.starts_with(keys_in_order[i])) {
        return i;
      }
    }
    return keys_in_order.size();
  };
  GoStableSort by_key(nodes, [&](size_t i, size_t j) {
    const Node& a = nodes[i];
    const Node& b = nodes[j];
    const bool default_and_password = (a.group == "default" && b.group == "password") ||
                                      (a.group == "password" && b.group == "default");
    if (a.group == b.group || default_and_password) {
      const size_t pa = position(a);
      const size_t pb = position(b);
      if (pa == pb) {
        return GoValueString(a.type == NodeType::kInput ? a.input.value : Json()) <
               GoValueString(b.type == NodeType::kInput ? b.input.value : Json());
      }
      return pa < pb;
    }
    return false;
  });
  by_key.Run();
}

}  // namespace atrium::ui
