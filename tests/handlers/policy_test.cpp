#include "handlers/policy.h"

#include <gtest/gtest.h>

namespace patbot {
namespace {

TokenPolicy entry(std::string account, std::string name, std::string variable) {
  TokenPolicy t;
  t.account = std::move(account);
  t.name = std::move(name);
  t.ciVariables = {{"sec/app", std::move(variable), ""}};
  return t;
}

Policy twoAccountsSharingATokenName() {
  Policy p;
  p.tokens = {entry("inventory-bot", "registry", "INVENTORY"), entry("deploy-bot", "registry", "DEPLOY"),
              entry("deploy-bot", "nightly", "NIGHTLY")};
  return p;
}

TEST(PolicyTokenFor, FindsTheEntryOfThatAccountAndName) {
  const Policy p = twoAccountsSharingATokenName();
  const TokenPolicy* found = p.tokenFor("deploy-bot", "registry");
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found, &p.tokens[1]);
  EXPECT_EQ(found->ciVariables[0].key, "DEPLOY");
  ASSERT_NE(p.tokenFor("inventory-bot", "registry"), nullptr);
  EXPECT_EQ(p.tokenFor("inventory-bot", "registry")->ciVariables[0].key, "INVENTORY");
}

TEST(PolicyTokenFor, NullWhenAccountOrNameDiffers) {
  const Policy p = twoAccountsSharingATokenName();
  EXPECT_EQ(p.tokenFor("inventory-bot", "nightly"), nullptr) << "the name belongs to another account";
  EXPECT_EQ(p.tokenFor("deploy-bot", "Registry"), nullptr) << "names compare exactly";
  EXPECT_EQ(p.tokenFor("deploy", "registry"), nullptr) << "no prefix match";
  EXPECT_EQ(p.tokenFor("", ""), nullptr);
  EXPECT_EQ(Policy{}.tokenFor("deploy-bot", "registry"), nullptr);
}

TEST(AccessPolicyIsOperator, ListedUsersOnly) {
  AccessPolicy a;
  a.operators = {"U1", "U2"};
  EXPECT_TRUE(a.isOperator("U1"));
  EXPECT_TRUE(a.isOperator("U2"));
  EXPECT_FALSE(a.isOperator("U3"));
  EXPECT_FALSE(a.isOperator("u1")) << "Slack ids compare exactly";
  EXPECT_FALSE(a.isOperator(""));
}

TEST(AccessPolicyIsOperator, NobodyByDefaultEveryoneWithStar) {
  AccessPolicy a;
  EXPECT_FALSE(a.isOperator("U1")) << "readers default to everyone, operators to nobody";
  a.operators = {"U9", "*"};
  EXPECT_TRUE(a.isOperator("U1"));
}

TEST(AccessPolicyIsReader, EveryoneByDefault) {
  AccessPolicy a;
  EXPECT_TRUE(a.isReader("U1"));
}

TEST(AccessPolicyIsReader, ListedReadersAndEveryOperator) {
  AccessPolicy a;
  a.readers = {"U1"};
  a.operators = {"U2"};
  EXPECT_TRUE(a.isReader("U1"));
  EXPECT_TRUE(a.isReader("U2")) << "an operator may also read";
  EXPECT_FALSE(a.isReader("U3"));
  EXPECT_FALSE(a.isOperator("U1")) << "a reader is not an operator";
  a.readers.clear();
  EXPECT_FALSE(a.isReader("U1"));
  a.operators = {"*"};
  EXPECT_TRUE(a.isReader("U1")) << "everyone is an operator, so everyone may read";
}

TEST(AccessPolicyAllowsChannel, AnyWhenEmptyElseListedOnly) {
  AccessPolicy a;
  EXPECT_TRUE(a.allowsChannel("C1"));
  a.channels = {"C1"};
  EXPECT_TRUE(a.allowsChannel("C1"));
  EXPECT_FALSE(a.allowsChannel("C2"));
}

}  // namespace
}  // namespace patbot
