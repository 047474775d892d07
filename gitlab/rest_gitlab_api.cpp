// RestGitLabApi: the transport loop (execute: retries, 429 waits, deadlines, the in-flight limit),
// pagination, service accounts and inventory(), variables, pipelines and issues. Token calls are in
// rest_gitlab_tokens.cpp, projects, groups and users in rest_gitlab_resources.cpp.
#include "gitlab/rest_gitlab_api.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <utility>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "gitlab/json_mapping.h"
#include "gitlab/rate_limit.h"
#include "gitlab/rest_helpers.h"
#include "http/client.h"

namespace patbot::gitlab {
namespace {

using namespace rest_detail;
using std::chrono::milliseconds;

constexpr const char* kRequestsTotal = "patbot_gitlab_requests_total";
constexpr const char* kRequestDuration = "patbot_gitlab_request_duration_seconds";
constexpr int kPerPage = 100;
constexpr int kMaxPages = 10000;
constexpr milliseconds kFirstBackoff{250};
// A 429 backoff is shortened to leave this much of the operation for one last try.
constexpr milliseconds kLastTryMargin{2000};

std::string hostOf(const std::string& url) {
  std::string rest = url;
  if (auto scheme = rest.find("://"); scheme != std::string::npos) rest = rest.substr(scheme + 3);
  if (auto at = rest.find('@'); at != std::string::npos && at < rest.find('/')) rest = rest.substr(at + 1);
  return rest.substr(0, rest.find('/'));
}

std::string apiBaseOf(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  static const std::string kSuffix = "/api/v4";
  if (url.size() >= kSuffix.size() && url.compare(url.size() - kSuffix.size(), kSuffix.size(), kSuffix) == 0) {
    url.resize(url.size() - kSuffix.size());
  }
  return url + kSuffix;
}

bool retryableMethod(const std::string& method) {
  return method == "GET" || method == "HEAD" || method == "PUT" || method == "DELETE";
}

bool retryableStatus(int status) { return status == 429 || (status >= 500 && status <= 599); }

// Any transport failure means no complete answer arrived (http_types.h): refused, reset, timed out,
// or closed before or during the answer (kProtocol). An idempotent request may be sent again.
bool retryableTransport(ErrorKind kind) {
  return kind == ErrorKind::kUnavailable || kind == ErrorKind::kTimeout || kind == ErrorKind::kProtocol;
}

// Backoff with jitter: a uniform wait in [base/2, base].
milliseconds jittered(milliseconds base) {
  thread_local std::mt19937 rng{std::random_device{}()};
  auto half = base.count() / 2;
  std::uniform_int_distribution<long long> dist(half, std::max<long long>(half, base.count()));
  return milliseconds(dist(rng));
}

// The X-Next-Page value: the page number, or nullopt at the end ("" or absent with a short page).
std::optional<int> nextPage(const http::ClientResponse& response, int page, size_t items) {
  if (items == 0) return std::nullopt;
  const std::string* next = response.header("x-next-page");
  if (!next) return items >= static_cast<size_t>(kPerPage) ? std::optional<int>(page + 1) : std::nullopt;
  if (next->empty()) return std::nullopt;
  int n = 0;
  for (char c : *next) {
    if (c < '0' || c > '9' || n > kMaxPages) return std::nullopt;
    n = n * 10 + (c - '0');
  }
  if (n <= page) return std::nullopt;
  return n;
}

// Replaces every form in which `secret` may come back in an answer (as sent, JSON-escaped,
// percent-encoded) with "[redacted]".
std::string scrubbed(std::string text, const Secret& secret) {
  const std::string& raw = secret.reveal();
  if (raw.empty()) return text;
  std::string escaped = nlohmann::json(raw).dump();
  escaped = escaped.substr(1, escaped.size() - 2);
  for (const std::string& form : {raw, escaped, http::urlEncode(raw)}) {
    for (size_t pos = 0; (pos = text.find(form, pos)) != std::string::npos;) {
      text.replace(pos, form.size(), "[redacted]");
      pos += 10;
    }
  }
  return text;
}

std::string ownerName(const VariableRef& ref) {
  return (ref.kind == VariableOwnerKind::kGroup ? "group " : "project ") + ref.owner;
}

std::string variableName(const VariableRef& ref) {
  std::string out = "CI/CD variable " + ref.key + " in " + ownerName(ref);
  if (!ref.environmentScope.empty()) out += " (environment scope " + ref.environmentScope + ")";
  return out;
}

std::string variablePath(const VariableRef& ref) {
  return std::string(ref.kind == VariableOwnerKind::kGroup ? "/groups/" : "/projects/") +
         http::urlEncode(ref.owner) + "/variables/" + http::urlEncode(ref.key);
}

std::string variableRoute(const VariableRef& ref) {
  return ref.kind == VariableOwnerKind::kGroup ? "/groups/:id/variables/:key" : "/projects/:id/variables/:key";
}

// 404 Variable Not Found and the 409 same-key ambiguity, as sentences that say what to do.
void refineVariableError(const VariableRef& ref, Error& e, int status, const std::string& body) {
  if (status == 404 && bodySays(body, "variable not found")) {
    e.message = "The CI/CD variable " + ref.key + " does not exist in " + ownerName(ref) +
                (ref.environmentScope.empty() ? "" : " for environment scope " + ref.environmentScope) +
                "; patbot does not create variables: create it in GitLab or fix the [[token]] entry";
  } else if (status == 409 && bodySays(body, "multiple variables")) {
    e.message = "Several CI/CD variables named " + ref.key + " exist in " + ownerName(ref) +
                "; set environment_scope for this consumer in the [[token]] entry to pick one";
  }
}

std::string projectPath(const std::string& project) { return "/projects/" + http::urlEncode(project); }

std::string withPage(const std::string& pathAndQuery, int page) {
  char sep = pathAndQuery.find('?') == std::string::npos ? '?' : '&';
  return pathAndQuery + sep + "per_page=" + std::to_string(kPerPage) + "&page=" + std::to_string(page);
}

const Clock& systemClock() {
  static const SystemClock clock;
  return clock;
}

}  // namespace

RestGitLabApi::RestGitLabApi(http::Transport& transport, RestGitLabOptions options)
    : transport_(transport),
      options_(std::move(options)),
      apiBase_(apiBaseOf(options_.baseUrl)),
      host_(hostOf(options_.baseUrl)),
      groupId_(http::urlEncode(options_.group)),
      routes_(options_.mode, options_.group),
      clock_(options_.clock ? *options_.clock : systemClock()),
      limiter_(options_.concurrency) {
  options_.maxAttempts = std::max(options_.maxAttempts, 1);
  if (options_.metrics) {
    options_.metrics->declareCounter(kRequestsTotal, "GitLab API requests by endpoint and status");
    options_.metrics->declareHistogram(kRequestDuration, "GitLab API request duration",
                                       {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30});
  }
}

RestGitLabApi::~RestGitLabApi() = default;

RestGitLabApi::Operation RestGitLabApi::startOperation() const {
  const SteadyTimePoint start = clock_.steadyNow();
  return Operation{start + options_.operationDeadline, start};
}

Error RestGitLabApi::timeoutError(const std::string& what, const std::string& lastProblem) const {
  auto ms = options_.operationDeadline.count();
  long long seconds = std::max<long long>(1, (ms + 999) / 1000);
  Error e = Error::make(ErrorKind::kTimeout,
                        "GitLab did not answer within " + std::to_string(seconds) + " seconds while " + what,
                        lastProblem.empty() ? "operation deadline passed" : "operation deadline passed; last: " + lastProblem);
  return e;
}

void RestGitLabApi::record(const std::string& route, const std::string& status, std::chrono::nanoseconds took) {
  if (!options_.metrics) return;
  options_.metrics->inc(kRequestsTotal, {{"endpoint", route}, {"status", status}});
  options_.metrics->observe(kRequestDuration, {{"endpoint", route}},
                            std::chrono::duration<double>(took).count());
}

Result<http::ClientResponse> RestGitLabApi::execute(const Call& call, Operation& op) {
  const bool mayRetry = retryableMethod(call.method);
  milliseconds backoff = kFirstBackoff;
  RateLimitBackoff rateLimits;
  int failedAttempts = 0;        // counted against maxAttempts; a 429 is not a failed attempt
  int rateLimitedAnswers = 0;
  std::string lastProblem;
  for (int attempt = 1;; ++attempt) {
    if (op.cancelled.load()) return Error::make(ErrorKind::kInternal, "cancelled", "operation cancelled");
    auto remaining = std::chrono::duration_cast<milliseconds>(op.deadline - clock_.steadyNow());
    if (remaining <= milliseconds::zero()) return timeoutError(call.what, lastProblem);

    http::ClientRequest request;
    request.method = call.method;
    request.url = apiBase_ + call.pathAndQuery;
    request.headers["PRIVATE-TOKEN"] = (call.token ? *call.token : options_.token).reveal();
    request.headers["Accept"] = "application/json";
    if (!call.body.empty()) {
      request.headers["Content-Type"] = "application/json";
      request.body = call.body;
    }

    Result<http::ClientResponse> answer = Error::make(ErrorKind::kInternal, "not sent");
    auto started = clock_.steadyNow();
    {
      InFlightSlot slot(limiter_, remaining);
      if (!slot.held()) return timeoutError(call.what, "waiting for a free request slot");
      started = clock_.steadyNow();
      auto left = std::chrono::duration_cast<milliseconds>(op.deadline - started);
      if (left <= milliseconds::zero()) return timeoutError(call.what, "waiting for a free request slot");
      request.deadline = std::min(options_.requestDeadline, left);
      try {
        answer = transport_.send(request);
      } catch (const std::exception& e) {
        answer = Error::make(ErrorKind::kUnavailable, "the HTTP client failed",
                             std::string("transport threw: ") + e.what());
      }
    }
    auto took = clock_.steadyNow() - started;
    op.requests.fetch_add(1);

    std::optional<Error> failure;
    bool retryable = false;
    milliseconds wait{0};
    std::optional<RateLimitWait> limited;   // set for a 429
    if (!answer) {
      record(call.route, "error", took);
      Error transportError = answer.error();
      if (call.scrub) {
        transportError.message = scrubbed(transportError.message, *call.scrub);
        transportError.detail = scrubbed(transportError.detail, *call.scrub);
      }
      failure = errorFromTransport(transportError, host_, call.what);
      retryable = mayRetry && retryableTransport(answer.error().kind);
      wait = jittered(backoff);
    } else {
      int status = answer->status;
      record(call.route, std::to_string(status), took);
      if (status >= 200 && status <= 299) {
        spdlog::debug("GitLab {} {} -> {} ({} ms)", call.method, call.route, status,
                      std::chrono::duration_cast<milliseconds>(took).count());
        return answer;
      }
      std::string body = call.scrub ? scrubbed(answer->body, *call.scrub) : answer->body;
      failure = errorFromResponse(status, answer->headers, body, call.what, call.role, options_.mode);
      if (call.refine) call.refine(*failure, status, body);
      // A 429 was refused before any work (Rack::Attack or an application limiter), so even a
      // POST may be sent again after Retry-After; a 5xx may come after the work was done.
      retryable = mayRetry ? retryableStatus(status) : status == 429;
      if (status != 429) {
        wait = jittered(backoff);
      } else {
        limited = rateLimits.next(answer->headers, clock_.now());
        wait = limited->wait;
        ++rateLimitedAnswers;
      }
    }

    if (call.scrub) {
      failure->message = scrubbed(failure->message, *call.scrub);
      failure->detail = scrubbed(failure->detail, *call.scrub);
    }
    lastProblem = failure->detail;
    if (!limited) ++failedAttempts;
    if (!retryable || failedAttempts >= options_.maxAttempts) {
      spdlog::warn("GitLab {} {} failed after {} attempt(s): {}", call.method, call.route, attempt, failure->detail);
      return *failure;
    }
    const auto now = clock_.steadyNow();
    const auto left = std::chrono::duration_cast<milliseconds>(op.deadline - now);
    if (limited) {
      // A backoff is cut short to leave one last try before the deadline; a Retry-After or
      // RateLimit-Reset is not (GitLab refuses a try before it).
      if (limited->source == RateLimitWait::Source::kBackoff) wait = std::min(wait, left - kLastTryMargin);
      if (wait <= milliseconds::zero() || wait >= left) {
        spdlog::warn("GitLab {} {}: rate-limited {} time(s), no time left to retry ({})", call.method, call.route,
                     rateLimitedAnswers, failure->detail);
        return rateLimitGiveUp(*failure, call.what, std::chrono::duration_cast<milliseconds>(now - op.started),
                               options_.operationDeadline, *limited, rateLimitedAnswers);
      }
    } else if (wait >= left) {
      spdlog::warn("GitLab {} {}: no time left to retry ({})", call.method, call.route, failure->detail);
      return timeoutError(call.what, lastProblem);
    }
    spdlog::info("GitLab {} {} attempt {} failed ({}); retrying in {} ms", call.method, call.route, attempt,
                 failure->detail, wait.count());
    clock_.sleepFor(wait);
    backoff = std::min(backoff * 2, options_.maxBackoff);
  }
}

Status RestGitLabApi::fetchAllPages(const Call& firstPage, Operation& op,
                                    const std::function<Result<size_t>(const std::string&)>& consume) {
  Call call = firstPage;
  for (int page = 1; page <= kMaxPages;) {
    call.pathAndQuery = withPage(firstPage.pathAndQuery, page);
    auto response = execute(call, op);
    if (!response) return response.error();
    auto items = consume(response->body);
    if (!items) {
      Error e = items.error();
      e.message += " while " + call.what;
      e.detail = "GET " + call.route + " page " + std::to_string(page) + ": " + e.detail;
      e.httpStatus = response->status;
      return e;
    }
    auto next = nextPage(*response, page, *items);
    if (!next) return okStatus();
    page = *next;
  }
  return okStatus();
}

Result<std::vector<TokenOwner>> RestGitLabApi::listAccountsIn(Operation& op) {
  Call call;
  call.what = "listing service accounts";
  if (options_.mode == Mode::kGroup) {
    call.pathAndQuery = "/groups/" + groupId_ + "/service_accounts?order_by=id&sort=asc";
    call.route = "/groups/:id/service_accounts";
  } else {
    call.pathAndQuery = "/service_accounts?order_by=id&sort=asc";
    call.route = "/service_accounts";
  }
  std::vector<TokenOwner> accounts;
  auto status = fetchAllPages(call, op, appendingTo(accounts, parseServiceAccounts));
  if (!status) return status.error();
  keepOnePerId(accounts);
  return accounts;
}

Result<std::vector<TokenOwner>> RestGitLabApi::listServiceAccounts() {
  Operation op = startOperation();
  return listAccountsIn(op);
}

Result<AccountTokens> RestGitLabApi::inventoryEntry(size_t i, const std::vector<TokenOwner>& accounts,
                                                    Operation& op) {
  TokenOwner owner;
  if (i < accounts.size()) {
    owner = accounts[i];
  } else {
    const ResourceRef& ref = options_.resources[i - accounts.size()];
    auto resolved = getResourceIn(ref.kind, ref.idOrPath, op);
    if (!resolved) return resolved.error();
    owner = std::move(resolved).value();
  }
  auto tokens = listTokensIn(owner, op);
  if (!tokens) return tokens.error();
  return AccountTokens{std::move(owner), std::move(tokens).value()};
}

Result<Inventory> RestGitLabApi::inventory() {
  Operation op = startOperation();
  auto accounts = listAccountsIn(op);
  if (!accounts) return accounts.error();

  // Owners 0..accounts-1 are the service accounts, the rest the configured projects and groups.
  const size_t n = accounts->size() + options_.resources.size();
  std::vector<AccountTokens> results(n);
  std::atomic<size_t> nextIndex{0};
  std::mutex errorMutex;
  std::optional<Error> firstError;
  std::mutex progressMutex;
  size_t done = 0;

  auto worker = [&] {
    for (;;) {
      size_t i = nextIndex.fetch_add(1);
      if (i >= n || op.cancelled.load()) return;
      Result<AccountTokens> entry = Error::make(ErrorKind::kInternal, "not listed");
      try {
        entry = inventoryEntry(i, *accounts, op);
      } catch (const std::exception& e) {
        entry = Error::make(ErrorKind::kInternal, "patbot failed while listing tokens", e.what());
      }
      if (!entry) {
        std::lock_guard lock(errorMutex);
        if (!firstError && !op.cancelled.load()) firstError = entry.error();
        op.cancelled.store(true);
        return;
      }
      results[i] = std::move(entry).value();
      if (options_.onInventoryProgress) {
        std::lock_guard lock(progressMutex);
        options_.onInventoryProgress(++done, n, op.requests.load());
      }
    }
  };

  size_t threads = std::min(n, static_cast<size_t>(limiter_.slots()));
  std::vector<std::thread> pool;
  pool.reserve(threads);
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(worker);
  if (threads > 0) worker();
  for (auto& th : pool) th.join();

  if (firstError) return *firstError;
  // Service accounts, then projects, then groups (the TokenKind order), each by username / path.
  std::sort(results.begin(), results.end(), [](const AccountTokens& a, const AccountTokens& b) {
    if (a.account.kind != b.account.kind) return a.account.kind < b.account.kind;
    return a.account.username != b.account.username ? a.account.username < b.account.username
                                                    : a.account.id < b.account.id;
  });
  // A project or group configured twice (by id and by path) is listed once.
  results.erase(std::unique(results.begin(), results.end(),
                            [](const AccountTokens& a, const AccountTokens& b) {
                              return a.account.kind != TokenKind::kPersonal && a.account.kind == b.account.kind &&
                                     a.account.id == b.account.id;
                            }),
                results.end());
  Inventory inv;
  inv.accounts = std::move(results);
  inv.requests = op.requests.load();
  return inv;
}

Result<AccessToken> RestGitLabApi::readSelf(const Secret* token, TokenRole role, const std::string& what) {
  Operation op = startOperation();
  Call call;
  call.pathAndQuery = "/personal_access_tokens/self";
  call.route = "/personal_access_tokens/self";
  call.token = token;
  call.role = role;
  call.what = what;
  auto response = execute(call, op);
  if (!response) return response.error();
  auto parsed = parseAccessToken(response->body);
  if (!parsed) {
    Error e = parsed.error();
    e.message += " while " + what;
    e.httpStatus = response->status;
    return e;
  }
  return parsed;
}

Result<AccessToken> RestGitLabApi::selfToken() {
  return readSelf(nullptr, TokenRole::kBot, "reading patbot's own token");
}

Result<AccessToken> RestGitLabApi::tokenSelf(const Secret& token) {
  return readSelf(&token, TokenRole::kGiven, "checking a token");
}

Result<http::ClientResponse> RestGitLabApi::executeOnce(const Call& call) {
  Operation op = startOperation();
  return execute(call, op);
}

Result<CiVariable> RestGitLabApi::getVariable(const VariableRef& ref) {
  Call call;
  call.pathAndQuery = variablePath(ref);
  if (!ref.environmentScope.empty()) {
    call.pathAndQuery += "?filter%5Benvironment_scope%5D=" + http::urlEncode(ref.environmentScope);
  }
  call.route = variableRoute(ref);
  call.what = "reading " + variableName(ref);
  call.refine = [&ref](Error& e, int status, const std::string& body) { refineVariableError(ref, e, status, body); };
  auto response = executeOnce(call);
  if (!response) return response.error();
  auto variable = parseCiVariable(response->body);
  wipe(response->body);
  return answerOf(std::move(variable), call.what, call.route, response->status);
}

Status RestGitLabApi::updateVariable(const VariableRef& ref, const Secret& value) {
  Call call;
  call.method = "PUT";
  call.pathAndQuery = variablePath(ref);
  call.route = variableRoute(ref);
  call.what = "updating " + variableName(ref);
  call.scrub = &value;
  call.refine = [&ref](Error& e, int status, const std::string& body) { refineVariableError(ref, e, status, body); };
  nlohmann::json json = {{"value", value.reveal()}};
  if (!ref.environmentScope.empty()) json["filter"] = {{"environment_scope", ref.environmentScope}};
  auto body = jsonBody(json, call.what);
  json = nullptr;
  if (!body) return body.error();
  call.body = std::move(body).value();
  auto response = executeOnce(call);
  wipe(call.body);
  if (!response) return response.error();
  wipe(response->body);
  return okStatus();
}

Result<Project> RestGitLabApi::getProject(const std::string& project) {
  Call call;
  call.pathAndQuery = projectPath(project);
  call.route = "/projects/:id";
  call.what = "reading project " + project;
  auto response = executeOnce(call);
  if (!response) return response.error();
  return answerOf(parseProject(response->body), call.what, call.route, response->status);
}

Result<std::optional<Pipeline>> RestGitLabApi::latestPipeline(const std::string& project, const std::string& ref,
                                                              const std::string& status) {
  Call call;
  call.pathAndQuery = projectPath(project) + "/pipelines?ref=" + http::urlEncode(ref);
  if (!status.empty()) call.pathAndQuery += "&status=" + http::urlEncode(status);
  call.pathAndQuery += "&order_by=id&sort=desc&per_page=1";
  call.route = "/projects/:id/pipelines";
  call.what = "looking for the latest " + (status.empty() ? std::string() : status + " ") + "pipeline on " + ref +
              " in project " + project;
  auto response = executeOnce(call);
  if (!response) return response.error();
  auto pipelines = answerOf(parsePipelines(response->body), call.what, call.route, response->status);
  if (!pipelines) return pipelines.error();
  if (pipelines->empty()) return std::optional<Pipeline>();
  auto newest = std::max_element(pipelines->begin(), pipelines->end(),
                                 [](const Pipeline& a, const Pipeline& b) { return a.id < b.id; });
  return std::optional<Pipeline>(*newest);
}

Result<Pipeline> RestGitLabApi::retryPipeline(const std::string& project, int64_t pipelineId) {
  Call call;
  call.method = "POST";
  call.pathAndQuery = projectPath(project) + "/pipelines/" + std::to_string(pipelineId) + "/retry";
  call.route = "/projects/:id/pipelines/:pipeline_id/retry";
  call.what = "retrying pipeline " + std::to_string(pipelineId) + " in project " + project;
  auto response = executeOnce(call);
  if (!response) return response.error();
  return answerOf(parsePipeline(response->body), call.what, call.route, response->status);
}

Result<Pipeline> RestGitLabApi::createPipeline(const std::string& project, const std::string& ref) {
  Call call;
  call.method = "POST";
  call.pathAndQuery = projectPath(project) + "/pipeline";
  call.route = "/projects/:id/pipeline";
  call.what = "running a pipeline on " + ref + " in project " + project;
  auto body = jsonBody({{"ref", ref}}, call.what);
  if (!body) return body.error();
  call.body = std::move(body).value();
  auto response = executeOnce(call);
  if (!response) return response.error();
  return answerOf(parsePipeline(response->body), call.what, call.route, response->status);
}

Result<Pipeline> RestGitLabApi::getPipeline(const std::string& project, int64_t pipelineId) {
  Call call;
  call.pathAndQuery = projectPath(project) + "/pipelines/" + std::to_string(pipelineId);
  call.route = "/projects/:id/pipelines/:pipeline_id";
  call.what = "reading pipeline " + std::to_string(pipelineId) + " in project " + project;
  auto response = executeOnce(call);
  if (!response) return response.error();
  return answerOf(parsePipeline(response->body), call.what, call.route, response->status);
}

Status RestGitLabApi::addIssueNote(const std::string& project, int64_t iid, const std::string& text) {
  Call call;
  call.method = "POST";
  call.pathAndQuery = projectPath(project) + "/issues/" + std::to_string(iid) + "/notes";
  call.route = "/projects/:id/issues/:issue_iid/notes";
  call.what = "commenting on issue #" + std::to_string(iid) + " in project " + project;
  auto body = jsonBody({{"body", text}}, call.what);
  if (!body) return body.error();
  call.body = std::move(body).value();
  auto response = executeOnce(call);
  if (!response) return response.error();
  return okStatus();
}

Status RestGitLabApi::closeIssue(const std::string& project, int64_t iid) {
  Call call;
  call.method = "PUT";
  call.pathAndQuery = projectPath(project) + "/issues/" + std::to_string(iid);
  call.route = "/projects/:id/issues/:issue_iid";
  call.what = "closing issue #" + std::to_string(iid) + " in project " + project;
  call.body = R"({"state_event":"close"})";
  auto response = executeOnce(call);
  if (!response) return response.error();
  auto issue = answerOf(parseIssue(response->body), call.what, call.route, response->status);
  if (!issue) return issue.error();
  if (issue->state != "closed") {
    return Error::make(ErrorKind::kConflict,
                       "GitLab left issue #" + std::to_string(iid) + " in project " + project + " " + issue->state +
                           " after patbot asked to close it",
                       "PUT " + call.route + " answered state \"" + issue->state + "\"");
  }
  return okStatus();
}

Result<Issue> RestGitLabApi::createIssue(const std::string& project, const IssueSpec& spec) {
  Call call;
  call.method = "POST";
  call.pathAndQuery = projectPath(project) + "/issues";
  call.route = "/projects/:id/issues";
  call.what = "opening an issue in project " + project;
  auto body = jsonBody(toJson(spec), call.what);
  if (!body) return body.error();
  call.body = std::move(body).value();
  auto response = executeOnce(call);
  if (!response) return response.error();
  return answerOf(parseIssue(response->body), call.what, call.route, response->status);
}

Result<std::vector<Issue>> RestGitLabApi::listIssues(const std::string& project, const IssueQuery& query) {
  Call call;
  call.pathAndQuery = projectPath(project) + "/issues?order_by=created_at&sort=asc";
  if (!query.state.empty()) call.pathAndQuery += "&state=" + http::urlEncode(query.state);
  if (!query.labels.empty()) {
    std::string labels;
    for (const auto& l : query.labels) labels += (labels.empty() ? "" : ",") + l;
    call.pathAndQuery += "&labels=" + http::urlEncode(labels);
  }
  if (!query.search.empty()) call.pathAndQuery += "&search=" + http::urlEncode(query.search) + "&in=title";
  call.route = "/projects/:id/issues";
  call.what = "listing the issues of project " + project;
  Operation op = startOperation();
  std::vector<Issue> issues;
  auto status = fetchAllPages(call, op, appendingTo(issues, parseIssues));
  if (!status) return status.error();
  return issues;
}

}  // namespace patbot::gitlab

