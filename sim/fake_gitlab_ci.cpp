// CI/CD variables (§5), pipelines (§6) and issues with notes (§7).
#include <algorithm>
#include <cctype>

#include "core/lower_case.h"
#include "sim/fake_gitlab_access.h"
#include "sim/fake_gitlab_impl.h"

namespace patbot::fakes {
namespace {

using nlohmann::json;

bool isProjectRoute(const Params&, const http::Request& req) { return req.path.rfind("/api/v4/projects/", 0) == 0; }

bool maskable(const std::string& value, bool raw) {
  if (value.size() < 8) return false;
  for (unsigned char c : value) {
    if (raw ? std::isspace(c) != 0 : !(std::isalnum(c) || std::string_view("_+=/@:.~-").find(c) != std::string_view::npos)) {
      return false;
    }
  }
  return true;
}

bool validKey(const std::string& key) {
  if (key.empty() || key.size() > 255) return false;
  return std::all_of(key.begin(), key.end(), [](unsigned char c) { return std::isalnum(c) || c == '_'; });
}

// GitLab's variable entity: the seed's fields, but never the value of a hidden variable.
json variableEntity(const FakeVariable& v) {
  json j = variableToJson(v);
  if (v.hidden) j["value"] = nullptr;
  return j;
}

const std::set<std::string>& pipelineStatuses() {
  static const std::set<std::string> kStatuses = {
      "created", "waiting_for_resource", "preparing", "waiting_for_callback", "pending", "running", "success",
      "failed",  "canceling",            "canceled",  "skipped",              "manual",  "scheduled"};
  return kStatuses;
}

bool finished(const std::string& status) {
  return status == "success" || status == "failed" || status == "canceled" || status == "skipped";
}

std::string pipelineSha(int64_t id) {
  static const char* kHex = "0123456789abcdef";
  uint64_t x = static_cast<uint64_t>(id) * 0x9E3779B97F4A7C15ull + 0xabcdefull;
  std::string out;
  for (int i = 0; i < 40; ++i) {
    x ^= x >> 29;
    x *= 0xbf58476d1ce4e5b9ull;
    out.push_back(kHex[x & 15]);
  }
  return out;
}

http::Response forbidden() { return messageError(403, "403 Forbidden"); }

}  // namespace

// --- variables --------------------------------------------------------------------------------

std::optional<http::Response> FakeGitLab::Impl::variableOwner(Ctx& ctx, std::vector<FakeVariable>** vars) {
  if (isProjectRoute(ctx.params, ctx.req)) {
    FakeProject* p = nullptr;
    if (auto err = projectTarget(ctx, &p)) return err;
    *vars = &p->variables;
    return std::nullopt;
  }
  FakeGroup* g = findGroup(ctx.path["id"]);
  if (!g) return messageError(404, "404 Group Not Found");
  if (!ctx.admin && accessLevelOf(world_, ctx.user->id, {"group", g->id}) < 50) return forbidden();
  *vars = &g->variables;
  return std::nullopt;
}

std::optional<http::Response> FakeGitLab::Impl::findVariable(Ctx& ctx, std::vector<FakeVariable>& vars,
                                                             size_t* index) {
  const std::string& key = ctx.path["key"];
  auto scope = ctx.params.filter("environment_scope");
  std::vector<size_t> matches;
  for (size_t i = 0; i < vars.size(); ++i) {
    if (vars[i].key == key && (!scope || vars[i].environmentScope == *scope)) matches.push_back(i);
  }
  if (matches.empty()) return messageError(404, "404 Variable Not Found");
  if (matches.size() > 1) {
    return messageError(409, "There are multiple variables with provided parameters. Please use "
                             "'filter[environment_scope]'");
  }
  *index = matches.front();
  return std::nullopt;
}

http::Response FakeGitLab::Impl::listVariables(Ctx& ctx) {
  std::vector<FakeVariable>* vars = nullptr;
  if (auto err = variableOwner(ctx, &vars)) return *err;
  std::vector<json> items;
  for (const auto& v : *vars) items.push_back(variableEntity(v));
  return paginate(items, ctx.params, linkBase(ctx), ctx.req.query);
}

http::Response FakeGitLab::Impl::getVariable(Ctx& ctx) {
  std::vector<FakeVariable>* vars = nullptr;
  if (auto err = variableOwner(ctx, &vars)) return *err;
  size_t i = 0;
  if (auto err = findVariable(ctx, *vars, &i)) return *err;
  return jsonResponse(200, variableEntity((*vars)[i]));
}

namespace {

// Applies the optional attributes of a create or update; an error response on a bad value.
std::optional<http::Response> applyVariableParams(const Params& p, FakeVariable& v) {
  bool invalid = false;
  for (const auto& [name, field] : std::vector<std::pair<std::string, bool*>>{
           {"protected", &v.isProtected}, {"masked", &v.masked}, {"raw", &v.raw}}) {
    if (auto b = p.boolean(name, &invalid)) *field = *b;
    if (invalid) return grapeError(400, name + " is invalid");
  }
  if (auto value = p.str("value")) v.value = *value;
  if (auto t = p.str("variable_type")) {
    if (*t != "env_var" && *t != "file") return grapeError(400, "variable_type does not have a valid value");
    v.variableType = *t;
  }
  if (auto s = p.str("environment_scope")) v.environmentScope = *s;
  if (p.has("description")) v.description = p.all().at("description");
  return std::nullopt;
}

std::optional<http::Response> validateVariable(const std::vector<FakeVariable>& vars, const FakeVariable& v,
                                               std::optional<size_t> self) {
  if (!validKey(v.key)) {
    return messageError(400, json{{"key", {"can contain only letters, digits and '_'."}}});
  }
  for (size_t i = 0; i < vars.size(); ++i) {
    if (self && *self == i) continue;
    if (vars[i].key == v.key && vars[i].environmentScope == v.environmentScope) {
      return messageError(400, json{{"key", {"(" + v.key + ") has already been taken"}}});
    }
  }
  if (v.masked && !maskable(v.value, v.raw)) return messageError(400, json{{"value", {"is invalid"}}});
  return std::nullopt;
}

}  // namespace

http::Response FakeGitLab::Impl::createVariable(Ctx& ctx) {
  std::vector<FakeVariable>* vars = nullptr;
  if (auto err = variableOwner(ctx, &vars)) return *err;
  std::string missing;
  if (!ctx.params.str("key")) missing = "key is missing";
  if (!ctx.params.str("value")) missing += std::string(missing.empty() ? "" : ", ") + "value is missing";
  if (!missing.empty()) return grapeError(400, missing);
  FakeVariable v;
  v.key = *ctx.params.str("key");
  if (auto err = applyVariableParams(ctx.params, v)) return *err;
  bool invalid = false;
  if (ctx.params.boolean("masked_and_hidden", &invalid).value_or(false)) v.masked = v.hidden = true;
  if (invalid) return grapeError(400, "masked_and_hidden is invalid");
  if (auto err = validateVariable(*vars, v, std::nullopt)) return *err;
  vars->push_back(v);
  return jsonResponse(201, variableEntity(v));
}

http::Response FakeGitLab::Impl::updateVariable(Ctx& ctx) {
  std::vector<FakeVariable>* vars = nullptr;
  if (auto err = variableOwner(ctx, &vars)) return *err;
  size_t i = 0;
  if (auto err = findVariable(ctx, *vars, &i)) return *err;
  FakeVariable v = (*vars)[i];
  if (auto err = applyVariableParams(ctx.params, v)) return *err;
  if (auto err = validateVariable(*vars, v, i)) return *err;
  (*vars)[i] = v;
  return jsonResponse(200, variableEntity(v));
}

http::Response FakeGitLab::Impl::deleteVariable(Ctx& ctx) {
  std::vector<FakeVariable>* vars = nullptr;
  if (auto err = variableOwner(ctx, &vars)) return *err;
  size_t i = 0;
  if (auto err = findVariable(ctx, *vars, &i)) return *err;
  vars->erase(vars->begin() + static_cast<std::ptrdiff_t>(i));
  return noContent();
}

// --- pipelines --------------------------------------------------------------------------------

std::optional<http::Response> FakeGitLab::Impl::projectTarget(Ctx& ctx, FakeProject** project) {
  FakeProject* p = findProject(ctx.path["id"]);
  if (!p) return messageError(404, "404 Project Not Found");
  if (!ctx.admin && accessLevelOf(world_, ctx.user->id, {"project", p->id}) < 40) return forbidden();
  *project = p;
  return std::nullopt;
}

std::string FakeGitLab::Impl::verifyOutcome(const FakeProject& p) const {
  if (p.verifyVariable.empty()) return "success";
  for (const auto& v : p.variables) {
    if (v.key != p.verifyVariable) continue;
    auto it = world_.tokenByValue.find(v.value);
    if (it != world_.tokenByValue.end() && active(world_.tokens.at(it->second))) return "success";
  }
  return "failed";
}

json FakeGitLab::Impl::pipelineJson(const Ctx& ctx, const FakeProject& p, const FakePipeline& pl, bool detail) const {
  auto ts = [](const std::optional<TimePoint>& t) { return t ? json(formatTimestamp(*t)) : json(nullptr); };
  json j = {{"id", pl.id},
            {"iid", pl.iid},
            {"project_id", p.id},
            {"sha", pl.sha},
            {"ref", pl.ref},
            {"status", pl.status},
            {"source", pl.source},
            {"created_at", formatTimestamp(pl.createdAt)},
            {"updated_at", formatTimestamp(pl.updatedAt)},
            {"web_url", ctx.baseUrl + "/" + p.path + "/-/pipelines/" + std::to_string(pl.id)}};
  if (!detail) return j;
  j["before_sha"] = std::string(40, '0');
  j["tag"] = false;
  j["yaml_errors"] = nullptr;
  j["user"] = userBasic(*ctx.user, ctx.baseUrl);
  j["started_at"] = ts(pl.startedAt);
  j["finished_at"] = ts(pl.finishedAt);
  j["committed_at"] = nullptr;
  j["duration"] = pl.startedAt && pl.finishedAt
                      ? json(std::chrono::duration_cast<std::chrono::seconds>(*pl.finishedAt - *pl.startedAt).count())
                      : json(nullptr);
  j["queued_duration"] = nullptr;
  j["coverage"] = nullptr;
  std::string details = "/" + p.path + "/-/pipelines/" + std::to_string(pl.id);
  j["detailed_status"] = {{"icon", "status_" + pl.status}, {"text", pl.status}, {"label", pl.status},
                          {"group", pl.status},            {"tooltip", pl.status}, {"has_details", true},
                          {"details_path", details},       {"illustration", nullptr},
                          {"favicon", "/assets/ci_favicons/favicon_status_" + pl.status + ".png"}};
  return j;
}

// Any member may read a project (GitLab: Guest and up); the others get the 403 of projectTarget.
http::Response FakeGitLab::Impl::getProject(Ctx& ctx) {
  FakeProject* p = findProject(ctx.path["id"]);
  if (!p) return messageError(404, "404 Project Not Found");
  if (!ctx.admin && accessLevelOf(world_, ctx.user->id, {"project", p->id}) <= 0) return forbidden();
  return jsonResponse(200, {{"id", p->id},
                            {"path_with_namespace", p->path},
                            {"name", p->path.substr(p->path.rfind('/') + 1)},
                            {"web_url", ctx.baseUrl + "/" + p->path}});
}

http::Response FakeGitLab::Impl::listPipelines(Ctx& ctx) {
  FakeProject* p = nullptr;
  if (auto err = projectTarget(ctx, &p)) return *err;
  auto status = ctx.params.str("status");
  if (status && !pipelineStatuses().count(*status)) return grapeError(400, "status does not have a valid value");
  auto orderBy = ctx.params.str("order_by").value_or("id");
  if (orderBy != "id" && orderBy != "status" && orderBy != "ref" && orderBy != "updated_at" && orderBy != "user_id") {
    return grapeError(400, "order_by does not have a valid value");
  }
  auto sort = ctx.params.str("sort").value_or("desc");
  if (sort != "asc" && sort != "desc") return grapeError(400, "sort does not have a valid value");
  auto ref = ctx.params.str("ref");
  std::vector<const FakePipeline*> rows;
  for (const auto& [id, pl] : p->pipelines) {
    if (status && pl.status != *status) continue;
    if (ref && pl.ref != *ref) continue;
    rows.push_back(&pl);
  }
  auto key = [&](const FakePipeline* pl) {
    if (orderBy == "status") return pl->status;
    if (orderBy == "ref") return pl->ref;
    if (orderBy == "updated_at") return formatTimestamp(pl->updatedAt);
    return std::string();
  };
  std::stable_sort(rows.begin(), rows.end(), [&](const FakePipeline* a, const FakePipeline* b) {
    auto ka = key(a), kb = key(b);
    if (ka != kb) return sort == "asc" ? ka < kb : kb < ka;
    return sort == "asc" ? a->id < b->id : b->id < a->id;
  });
  std::vector<json> items;
  for (const FakePipeline* pl : rows) items.push_back(pipelineJson(ctx, *p, *pl, false));
  return paginate(items, ctx.params, linkBase(ctx), ctx.req.query);
}

http::Response FakeGitLab::Impl::getPipeline(Ctx& ctx) {
  FakeProject* p = nullptr;
  FakePipeline* found = nullptr;
  if (auto err = pipelineTarget(ctx, &p, &found)) return *err;
  FakePipeline& pl = *found;
  if (pl.simulate && !finished(pl.status)) {
    auto now = clock_.now();
    if (pl.status == "running") {
      pl.status = verifyOutcome(*p);
      pl.finishedAt = now;
      pl.simulate = false;
    } else {
      pl.status = "running";
      pl.startedAt = now;
    }
    pl.updatedAt = now;
  }
  return jsonResponse(200, pipelineJson(ctx, *p, pl, true));
}

http::Response FakeGitLab::Impl::createPipeline(Ctx& ctx) {
  FakeProject* p = nullptr;
  if (auto err = projectTarget(ctx, &p)) return *err;
  auto ref = ctx.params.str("ref");
  if (!ref || ref->empty()) return grapeError(400, "ref is missing");
  FakePipeline pl;
  pl.id = world_.nextPipelineId++;
  pl.iid = 1;
  for (const auto& [id, other] : p->pipelines) pl.iid = std::max(pl.iid, other.iid + 1);
  pl.ref = *ref;
  pl.status = "pending";
  pl.sha = pipelineSha(pl.id);
  pl.source = "api";
  pl.createdAt = pl.updatedAt = clock_.now();
  pl.simulate = true;
  auto& stored = p->pipelines.emplace(pl.id, pl).first->second;
  return jsonResponse(201, pipelineJson(ctx, *p, stored, true));
}

http::Response FakeGitLab::Impl::retryPipeline(Ctx& ctx) {
  FakeProject* p = nullptr;
  FakePipeline* found = nullptr;
  if (auto err = pipelineTarget(ctx, &p, &found)) return *err;
  FakePipeline& pl = *found;
  if (pl.status == "failed" || pl.status == "canceled") {
    pl.status = "pending";
    pl.simulate = true;
    pl.startedAt.reset();
    pl.finishedAt.reset();
    pl.updatedAt = clock_.now();
  }
  return jsonResponse(201, pipelineJson(ctx, *p, pl, true));
}

http::Response FakeGitLab::Impl::cancelPipeline(Ctx& ctx) {
  FakeProject* p = nullptr;
  FakePipeline* found = nullptr;
  if (auto err = pipelineTarget(ctx, &p, &found)) return *err;
  FakePipeline& pl = *found;
  if (!finished(pl.status)) {
    pl.status = "canceled";
    pl.simulate = false;
    pl.finishedAt = pl.updatedAt = clock_.now();
  }
  return jsonResponse(200, pipelineJson(ctx, *p, pl, true));
}

// --- issues and notes ---------------------------------------------------------------------------

json FakeGitLab::Impl::issueJson(const Ctx& ctx, const FakeProject& p, const FakeIssue& is) const {
  auto userJson = [&](int64_t id) {
    auto it = world_.users.find(id);
    return it == world_.users.end() ? json(nullptr) : userBasic(it->second, ctx.baseUrl);
  };
  int64_t authorId = p.maintainers.empty() ? ctx.user->id : *p.maintainers.begin();
  std::string ref = "#" + std::to_string(is.iid);
  return {{"id", is.id},
          {"iid", is.iid},
          {"project_id", p.id},
          {"title", is.title},
          {"description", is.description},
          {"state", is.state},
          {"created_at", formatTimestamp(is.createdAt)},
          {"updated_at", formatTimestamp(is.updatedAt)},
          {"closed_at", is.closedAt ? json(formatTimestamp(*is.closedAt)) : json(nullptr)},
          {"closed_by", is.closedBy ? userJson(*is.closedBy) : json(nullptr)},
          {"labels", is.labels},
          {"author", userJson(authorId)},
          {"assignees", json::array()},
          {"type", "ISSUE"},
          {"issue_type", "issue"},
          {"confidential", false},
          {"user_notes_count", is.notes.size()},
          {"references", {{"short", ref}, {"relative", ref}, {"full", p.path + ref}}},
          {"web_url", ctx.baseUrl + "/" + p.path + "/-/issues/" + std::to_string(is.iid)}};
}

std::optional<http::Response> FakeGitLab::Impl::pipelineTarget(Ctx& ctx, FakeProject** project,
                                                               FakePipeline** pipeline) {
  if (auto err = projectTarget(ctx, project)) return err;
  http::Response err;
  auto id = intParam(ctx, "pipeline_id", &err);
  if (!id) return err;
  auto it = (*project)->pipelines.find(*id);
  if (it == (*project)->pipelines.end()) return messageError(404, "404 Not found");
  *pipeline = &it->second;
  return std::nullopt;
}

std::optional<http::Response> FakeGitLab::Impl::issueTarget(Ctx& ctx, FakeProject** project, FakeIssue** issue) {
  if (auto err = projectTarget(ctx, project)) return err;
  http::Response err;
  auto iid = intParam(ctx, "issue_iid", &err);
  if (!iid) return err;
  auto it = (*project)->issues.find(*iid);
  if (it == (*project)->issues.end()) return messageError(404, "404 Not found");
  *issue = &it->second;
  return std::nullopt;
}

http::Response FakeGitLab::Impl::listIssues(Ctx& ctx) {
  FakeProject* p = nullptr;
  if (auto err = projectTarget(ctx, &p)) return *err;
  auto state = ctx.params.str("state").value_or("all");
  if (state != "opened" && state != "closed" && state != "all") {
    return grapeError(400, "state does not have a valid value");
  }
  auto labels = ctx.params.list("labels").value_or(std::vector<std::string>{});
  auto search = ctx.params.str("search");
  bool titleOnly = ctx.params.str("in").value_or("") == "title";
  auto sort = ctx.params.str("sort").value_or("desc");
  auto orderBy = ctx.params.str("order_by").value_or("created_at");
  std::vector<const FakeIssue*> rows;
  for (const auto& [iid, is] : p->issues) {
    if (state != "all" && is.state != state) continue;
    // The labels are captured by name: clang 14 (scripts/sanitize.sh) cannot capture a binding.
    bool hasAll = std::all_of(labels.begin(), labels.end(), [&has = is.labels](const std::string& l) {
      return std::find(has.begin(), has.end(), l) != has.end();
    });
    if (!hasAll) continue;
    if (search) {
      std::string hay = lowerCase(is.title) + (titleOnly ? "" : "\n" + lowerCase(is.description));
      if (hay.find(lowerCase(*search)) == std::string::npos) continue;
    }
    rows.push_back(&is);
  }
  std::stable_sort(rows.begin(), rows.end(), [&](const FakeIssue* a, const FakeIssue* b) {
    auto ka = orderBy == "updated_at" ? a->updatedAt : a->createdAt;
    auto kb = orderBy == "updated_at" ? b->updatedAt : b->createdAt;
    if (ka != kb) return sort == "asc" ? ka < kb : kb < ka;
    return sort == "asc" ? a->id < b->id : b->id < a->id;
  });
  std::vector<json> items;
  for (const FakeIssue* is : rows) items.push_back(issueJson(ctx, *p, *is));
  return paginate(items, ctx.params, linkBase(ctx), ctx.req.query);
}

http::Response FakeGitLab::Impl::getIssue(Ctx& ctx) {
  FakeProject* p = nullptr;
  FakeIssue* is = nullptr;
  if (auto err = issueTarget(ctx, &p, &is)) return *err;
  return jsonResponse(200, issueJson(ctx, *p, *is));
}

http::Response FakeGitLab::Impl::createIssue(Ctx& ctx) {
  FakeProject* p = nullptr;
  if (auto err = projectTarget(ctx, &p)) return *err;
  auto title = ctx.params.str("title");
  if (!title || title->empty()) return grapeError(400, "title is missing");
  FakeIssue is;
  is.id = world_.nextIssueId++;
  is.iid = p->issues.empty() ? 1 : p->issues.rbegin()->first + 1;
  is.title = *title;
  is.description = ctx.params.str("description").value_or("");
  is.labels = ctx.params.list("labels").value_or(std::vector<std::string>{});
  is.createdAt = is.updatedAt = clock_.now();
  auto& stored = p->issues.emplace(is.iid, is).first->second;
  return jsonResponse(201, issueJson(ctx, *p, stored));
}

namespace {

void setState(FakeIssue& is, bool close, int64_t by, TimePoint now) {
  if (close && is.state != "closed") {
    is.state = "closed";
    is.closedAt = now;
    is.closedBy = by;
  } else if (!close && is.state == "closed") {
    is.state = "opened";
    is.closedAt.reset();
    is.closedBy.reset();
  }
  is.updatedAt = now;
}

}  // namespace

http::Response FakeGitLab::Impl::updateIssue(Ctx& ctx) {
  FakeProject* p = nullptr;
  FakeIssue* is = nullptr;
  if (auto err = issueTarget(ctx, &p, &is)) return *err;
  static const std::vector<std::string> kKnown = {"title", "description", "labels", "add_labels", "remove_labels",
                                                  "state_event", "assignee_ids", "milestone_id", "due_date",
                                                  "confidential", "discussion_locked"};
  bool any = std::any_of(kKnown.begin(), kKnown.end(), [&](const std::string& k) { return ctx.params.has(k); });
  if (!any) {
    std::string names;
    for (const auto& k : kKnown) names += (names.empty() ? "" : ", ") + k;
    return grapeError(400, names + " are missing, at least one parameter must be provided");
  }
  auto event = ctx.params.str("state_event");
  if (event && *event != "close" && *event != "reopen") {
    return grapeError(400, "state_event does not have a valid value");
  }
  auto now = clock_.now();
  if (auto t = ctx.params.str("title")) is->title = *t;
  if (auto d = ctx.params.str("description")) is->description = *d;
  if (auto l = ctx.params.list("labels")) is->labels = *l;
  for (const auto& l : ctx.params.list("add_labels").value_or(std::vector<std::string>{})) {
    if (std::find(is->labels.begin(), is->labels.end(), l) == is->labels.end()) is->labels.push_back(l);
  }
  for (const auto& l : ctx.params.list("remove_labels").value_or(std::vector<std::string>{})) {
    is->labels.erase(std::remove(is->labels.begin(), is->labels.end(), l), is->labels.end());
  }
  is->updatedAt = now;
  if (event) setState(*is, *event == "close", ctx.user->id, now);
  return jsonResponse(200, issueJson(ctx, *p, *is));
}

http::Response FakeGitLab::Impl::createNote(Ctx& ctx) {
  FakeProject* p = nullptr;
  FakeIssue* is = nullptr;
  if (auto err = issueTarget(ctx, &p, &is)) return *err;
  auto body = ctx.params.str("body");
  if (!body || body->empty()) return grapeError(400, "body is missing");
  if (body->size() > 1000000) return messageError(400, "400 Bad request - Note {:note=>[\"is too long\"]}");
  auto now = clock_.now();
  std::string trimmed = *body;
  while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.back()))) trimmed.pop_back();
  if (trimmed == "/close" || trimmed == "/reopen") {
    bool close = trimmed == "/close";
    setState(*is, close, ctx.user->id, now);
    return jsonResponse(202, {{"commands_changes", {{"state_event", close ? "close" : "reopen"}}},
                              {"summary", {close ? "Closed this issue." : "Reopened this issue."}}});
  }
  FakeNote n;
  n.id = world_.nextNoteId++;
  n.body = *body;
  n.authorId = ctx.user->id;
  n.createdAt = now;
  is->notes.push_back(n);
  is->updatedAt = now;
  return jsonResponse(201, {{"id", n.id},
                            {"type", nullptr},
                            {"body", n.body},
                            {"author", userBasic(*ctx.user, ctx.baseUrl)},
                            {"created_at", formatTimestamp(now)},
                            {"updated_at", formatTimestamp(now)},
                            {"system", false},
                            {"noteable_id", is->id},
                            {"noteable_type", "Issue"},
                            {"project_id", p->id},
                            {"resolvable", false},
                            {"confidential", false},
                            {"internal", false},
                            {"imported", false},
                            {"imported_from", "none"},
                            {"noteable_iid", is->iid},
                            {"commands_changes", json::object()}});
}

}  // namespace patbot::fakes
