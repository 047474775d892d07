#include "tests/e2e/e2e_policy.h"

#include <fmt/format.h>

namespace patbot::e2e {
namespace {

// `[{ project = "a", key = "B" }, ...]` with `ownerKey` naming the owner ("project" or "group").
std::string variableList(const char* ownerKey, const std::vector<PolicyVariable>& variables) {
  std::string out;
  for (const auto& v : variables) {
    out += fmt::format("{}{{ {} = \"{}\", key = \"{}\" }}", out.empty() ? "" : ", ", ownerKey, v.owner, v.key);
  }
  return "[" + out + "]";
}

std::string tokenTable(const PolicyToken& t) {
  std::string out = "\n[[token]]\n";
  if (t.kind == "personal") {
    out += fmt::format("account = \"{}\"\n", t.account);
  } else {
    out += fmt::format("kind = \"{}\"\n{} = \"{}\"\n", t.kind, t.kind, t.account);
  }
  out += fmt::format("name = \"{}\"\n", t.name);
  if (t.strategy) out += fmt::format("strategy = \"{}\"\n", *t.strategy);
  if (!t.ciVariables.empty()) out += "ci_variables = " + variableList("project", t.ciVariables) + "\n";
  if (!t.groupVariables.empty()) out += "group_variables = " + variableList("group", t.groupVariables) + "\n";
  if (t.verifyPipelineProject) {
    out += fmt::format("verify_pipeline = {{ project = \"{}\", ref = \"main\" }}\n", *t.verifyPipelineProject);
  }
  if (t.trackingIssue) {
    out += fmt::format("tracking_issue = {{ project = \"{}\", iid = {} }}\n", t.trackingIssue->first,
                       t.trackingIssue->second);
  }
  return out;
}

}  // namespace

PolicyToken tokenInProject(const std::string& account, const std::string& name, const std::string& project,
                           const std::string& key) {
  PolicyToken t;
  t.account = account;
  t.name = name;
  t.ciVariables = {{project, key}};
  t.groupVariables.clear();
  t.verifyPipelineProject.reset();
  return t;
}

PolicyToken resourceTokenInProject(const std::string& kind, const std::string& resource, const std::string& name,
                                   const std::string& project, const std::string& key) {
  PolicyToken t = tokenInProject(resource, name, project, key);
  t.kind = kind;
  return t;
}

std::string policyToml(const Policy& policy) {
  std::string out;
  if (!policy.operators.empty()) {
    std::string quoted;
    for (const auto& o : policy.operators) quoted += fmt::format("{}\"{}\"", quoted.empty() ? "" : ", ", o);
    out += "[access]\noperators = [" + quoted + "]\n";
  }
  if (policy.revokeGraceHours) out += fmt::format("\n[rotation]\nrevoke_grace_hours = {}\n", *policy.revokeGraceHours);
  auto quotedList = [](const std::vector<std::string>& items) {
    std::string list;
    for (const auto& i : items) list += fmt::format("{}\"{}\"", list.empty() ? "" : ", ", i);
    return "[" + list + "]";
  };
  if (policy.trackingProject || policy.autoRotateDaysBefore || !policy.watchProjects.empty() ||
      !policy.watchGroups.empty()) {
    out += "\n[watch]\n";
    if (policy.trackingProject) out += fmt::format("tracking_project = \"{}\"\n", *policy.trackingProject);
    if (policy.autoRotateDaysBefore) {
      out += fmt::format("auto_rotate_days_before = {}\n", *policy.autoRotateDaysBefore);
    }
    if (!policy.watchProjects.empty()) out += "projects = " + quotedList(policy.watchProjects) + "\n";
    if (!policy.watchGroups.empty()) out += "groups = " + quotedList(policy.watchGroups) + "\n";
  }
  for (const auto& t : policy.tokens) out += tokenTable(t);
  return out;
}

StackOptions demoStackOptions(const Policy& policy, const std::string& notifyChannel) {
  StackOptions o;
  o.demoSeed = true;
  o.policyToml = policyToml(policy);
  if (!notifyChannel.empty()) o.extraEnv = {{"PATBOT_NOTIFY_CHANNEL", notifyChannel}};
  return o;
}

}  // namespace patbot::e2e
