#include "ui/sort.h"

#include <gtest/gtest.h>

namespace atrium::ui {
namespace {

Node In(std::string name, std::string group, Json value = nullptr) {
  Node n = Node::Input(std::move(name), "text", std::move(group));
  n.input.value = std::move(value);
  return n;
}

std::vector<std::string> Ids(const std::vector<Node>& nodes) {
  std::vector<std::string> out;
  for (const auto& n : nodes) {
    out.push_back(n.group + ":" + n.Id() +
                  (n.input.value.is_string() ? "=" + n.input.value.get<std::string>() : ""));
  }
  return out;
}

TEST(SortNodes, SlotsPasswordAfterTheFirstTraitAndMethodLast) {
  std::vector<Node> nodes = {In("csrf_token", "default"), In("traits.email", "default"),
                             In("traits.name", "default"), In("password", "password"),
                             In("method", "password", "password")};
  SortNodes(nodes, RegistrationSortOrder({"traits.email", "traits.name"}));
  EXPECT_EQ(Ids(nodes), (std::vector<std::string>{"default:csrf_token", "default:traits.email",
                                                  "password:password", "default:traits.name",
                                                  "password:method=password"}));
}

TEST(SortNodes, PutsOidcFirstAndProfileLast) {
  std::vector<Node> nodes = {In("method", "profile", "profile"), In("csrf_token", "default"),
                             In("provider", "oidc", "github"), In("traits.email", "default")};
  SortNodes(nodes, RegistrationSortOrder({"traits.email"}));
  EXPECT_EQ(Ids(nodes),
            (std::vector<std::string>{"oidc:provider=github", "default:csrf_token",
                                      "default:traits.email", "profile:method=profile"}));
}

TEST(SortNodes, KeepsRelativeOrderAcrossUnrelatedGroups) {
  std::vector<Node> nodes = {In("method", "code", "code"), In("method", "password", "password"),
                             In("csrf_token", "default")};
  SortNodes(nodes, RegistrationSortOrder({}));
  EXPECT_EQ(Ids(nodes), (std::vector<std::string>{"default:csrf_token", "code:method=code",
                                                  "password:method=password"}));
}

TEST(SortNodes, HandlesMoreNodesThanOneInsertionBlock) {
  // 45 nodes (more than one block of Go's insertion sort) in a scrambled order: 17 is coprime
  // with 45, so (i * 17 + 7) % 45 visits every position once.
  constexpr int kCount = 45;
  std::vector<std::string> keys;
  for (int i = 0; i < kCount; ++i) {
    keys.push_back("traits.f" + std::to_string(100 + i));
  }
  std::vector<Node> nodes;
  for (int i = 0; i < kCount; ++i) {
    nodes.push_back(In(keys[static_cast<size_t>((i * 17 + 7) % kCount)], "default"));
  }
  ASSERT_NE(nodes.front().Id(), keys.front()) << "the input must start out of order";
  SortNodes(nodes, RegistrationSortOrder(keys));
  for (size_t i = 0; i < nodes.size(); ++i) {
    EXPECT_EQ(nodes[i].Id(), keys[i]);
  }
}

// docs/wire/login.md §8.2: identifier-first groups are unranked and come first; csrf_token,
// identifier and password lead within default/password; provider buttons by value.
TEST(SortNodes, LoginOrder) {
  std::vector<Node> nodes = {In("method", "password"),    In("password", "password"),
                             In("identifier", "default"), In("csrf_token", "default"),
                             In("provider", "oidc"),      In("provider", "oidc")};
  nodes[0].input.value = "password";
  nodes[4].input.value = "google";
  nodes[5].input.value = "github";
  SortNodes(nodes, LoginSortOrder());
  std::vector<std::string> order;
  for (const auto& n : nodes) {
    order.push_back(n.Id() + (n.input.value.is_string() ? "=" + n.input.value.get<std::string>()
                                                        : std::string()));
  }
  EXPECT_EQ(order, (std::vector<std::string>{"provider=github", "provider=google", "csrf_token",
                                             "identifier", "password", "method=password"}));

  std::vector<Node> first_screen = {In("csrf_token", "default"),
                                    In("identifier", "identifier_first"),
                                    In("method", "identifier_first")};
  SortNodes(first_screen, LoginSortOrder());
  EXPECT_EQ(first_screen[0].Id(), "identifier");
  EXPECT_EQ(first_screen[1].Id(), "method");
  EXPECT_EQ(first_screen[2].Id(), "csrf_token");
}

TEST(Container, SerializesInputAttributesInKratosOrder) {
  Container c;
  c.action = "http://x/self-service/registration?flow=1";
  Node n = Node::Input("traits.email", "email", "default");
  n.input.required = true;
  n.input.autocomplete = "email";
  c.nodes.push_back(n);
  EXPECT_EQ(
      c.ToJson().dump(),
      R"({"action":"http://x/self-service/registration?flow=1","method":"POST","nodes":[)"
      R"({"type":"input","group":"default","attributes":{"name":"traits.email","type":"email",)"
      R"("required":true,"autocomplete":"email","disabled":false,"node_type":"input"},)"
      R"("messages":[],"meta":{}}]})");
  const auto back = Container::FromJson(c.ToJson());
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->ToJson(), c.ToJson());
}

}  // namespace
}  // namespace atrium::ui
