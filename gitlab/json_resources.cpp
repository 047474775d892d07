#include "gitlab/json_resources.h"

#include <utility>

#include "gitlab/json_field_reader.h"

namespace patbot::gitlab {
namespace {

using namespace json_detail;

int levelOf(FieldReader& r, const char* key) {
  int64_t level = r.integer(key, true);
  if (level < 0 || level > kMaxAccessLevel) {
    r.fail(std::string("field \"") + key + "\" is " + std::to_string(level) + ", not an access level");
    return 0;
  }
  return static_cast<int>(level);
}

// The rules in `r`'s array `key` that name a user, appended to `out` as `action`.
void userRulesIn(FieldReader& r, const char* key, const char* action, std::vector<UserRule>& out) {
  const json* rules = r.member(key);
  if (!rules) return;
  if (!rules->is_array()) {
    r.fail(std::string("field \"") + key + "\" is " + rules->type_name() + ", expected an array");
    return;
  }
  for (const auto& rule : *rules) {
    if (!rule.is_object()) {
      r.fail(std::string("field \"") + key + "\" holds " + rule.type_name() + ", expected objects");
      return;
    }
    FieldReader inner(rule, key);
    auto user = inner.optionalInteger("user_id");
    if (inner.failed()) {
      r.fail(std::string("field \"") + key + "\": user_id is not an integer or null");
      return;
    }
    if (user) out.push_back(UserRule{action, *user});
  }
}

Result<ProtectedRef> branchFrom(const json& v, const std::string& where) {
  return readObject<ProtectedRef>(v, where, [](FieldReader& r, ProtectedRef& p) {
    p.name = r.string("name", true);
    userRulesIn(r, "push_access_levels", "push", p.userRules);
    userRulesIn(r, "merge_access_levels", "merge", p.userRules);
    userRulesIn(r, "unprotect_access_levels", "unprotect", p.userRules);
  });
}

Result<ProtectedRef> environmentFrom(const json& v, const std::string& where) {
  return readObject<ProtectedRef>(v, where, [](FieldReader& r, ProtectedRef& p) {
    p.name = r.string("name", true);
    userRulesIn(r, "deploy_access_levels", "deploy", p.userRules);
    userRulesIn(r, "approval_rules", "approve", p.userRules);
  });
}

Result<Membership> membershipFrom(const json& v, const std::string& where) {
  return readObject<Membership>(v, where, [](FieldReader& r, Membership& m) {
    m.sourceId = r.integer("source_id", true);
    m.sourceName = r.optionalString("source_name").value_or("");
    std::string type = r.string("source_type", true);
    if (type == "Project") {
      m.sourceKind = TokenKind::kProject;
    } else if (type == "Namespace") {
      m.sourceKind = TokenKind::kGroup;
    } else if (!r.failed()) {
      r.fail("field \"source_type\" is neither Project nor Namespace");
    }
    m.accessLevel = levelOf(r, "access_level");
  });
}

}  // namespace

Result<TokenOwner> parseResourceOwner(const std::string& text, TokenKind kind) {
  const bool group = kind == TokenKind::kGroup;
  return objectFrom<TokenOwner>(text, group ? "group" : "project",
                                [kind, group](const json& v, const std::string& where) {
                                  return readObject<TokenOwner>(v, where, [kind, group](FieldReader& r, TokenOwner& o) {
                                    o.id = r.integer("id", true);
                                    o.username = r.string(group ? "full_path" : "path_with_namespace", true);
                                    o.name = r.optionalString("name").value_or("");
                                    o.kind = kind;
                                  });
                                });
}

Result<CurrentUser> parseCurrentUser(const std::string& text) {
  return objectFrom<CurrentUser>(text, "user", [](const json& v, const std::string& where) {
    return readObject<CurrentUser>(v, where, [](FieldReader& r, CurrentUser& u) {
      u.id = r.integer("id", true);
      u.admin = r.boolean("is_admin", false);
    });
  });
}

Result<int> parseMemberAccessLevel(const std::string& text) {
  return objectFrom<int>(text, "member", [](const json& v, const std::string& where) {
    return readObject<int>(v, where, [](FieldReader& r, int& level) { level = levelOf(r, "access_level"); });
  });
}

Result<std::vector<Membership>> parseMemberships(const std::string& text) {
  return arrayFrom<Membership>(text, "membership", membershipFrom);
}

Result<std::vector<ProtectedRef>> parseProtectedBranches(const std::string& text) {
  return arrayFrom<ProtectedRef>(text, "protected branch", branchFrom);
}

Result<std::vector<ProtectedRef>> parseProtectedEnvironments(const std::string& text) {
  return arrayFrom<ProtectedRef>(text, "protected environment", environmentFrom);
}

}  // namespace patbot::gitlab
