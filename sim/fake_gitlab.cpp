#include "sim/fake_gitlab.h"

#include <algorithm>
#include <charconv>
#include <ctime>
#include <exception>
#include <set>
#include <stdexcept>

#include "core/lower_case.h"
#include "http/url.h"
#include "sim/fake_gitlab_impl.h"

namespace patbot::fakes {
namespace {

using nlohmann::json;

constexpr std::string_view kApiPrefix = "/api/v4";
constexpr auto kHangTime = std::chrono::minutes(10);

std::vector<std::string> splitPath(std::string_view path) {
  std::vector<std::string> segs;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    segs.emplace_back(path.substr(start, end - start));
    start = end + 1;
  }
  return segs;
}

bool matchFrom(const std::vector<std::string>& pattern, size_t pi, const std::vector<std::string>& segs, size_t si,
               std::map<std::string, std::string>& out) {
  if (pi == pattern.size()) return si == segs.size();
  const std::string& p = pattern[pi];
  if (p[0] == '*') {
    std::string name = p.substr(1);
    std::string joined;
    for (size_t n = si; n < segs.size(); ++n) {
      if (segs[n].empty()) break;
      joined += (n == si ? "" : "/") + segs[n];
      out[name] = http::urlDecode(joined);
      if (matchFrom(pattern, pi + 1, segs, n + 1, out)) return true;
    }
    out.erase(name);
    return false;
  }
  if (si >= segs.size() || segs[si].empty()) return false;
  if (p[0] == ':') {
    out[p.substr(1)] = http::urlDecode(segs[si]);
    if (matchFrom(pattern, pi + 1, segs, si + 1, out)) return true;
    out.erase(p.substr(1));
    return false;
  }
  return p == segs[si] && matchFrom(pattern, pi + 1, segs, si + 1, out);
}

std::string httpDate(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

// The query as logged: private_token values never appear.
std::string redactQuery(const std::string& query) {
  std::string out;
  size_t start = 0;
  while (start <= query.size() && !query.empty()) {
    size_t end = query.find('&', start);
    if (end == std::string::npos) end = query.size();
    std::string piece = query.substr(start, end - start);
    std::string key = http::urlDecode(piece.substr(0, piece.find('=')), true);
    if (key == "private_token" || key == "access_token") piece = key + "=[REDACTED]";
    out += (out.empty() ? "" : "&") + piece;
    start = end + 1;
  }
  return out;
}

bool hasScope(const FakeToken& t, std::initializer_list<const char*> wanted) {
  for (const auto& s : t.scopes) {
    for (const char* w : wanted) {
      if (s == w) return true;
    }
  }
  return false;
}

http::Response unauthorized() { return messageError(401, "401 Unauthorized"); }

// GitLab's access_token_rotation_request? (lib/gitlab/auth/auth_finders.rb): the path matches
// access_tokens/(\d+|self)/rotate$ — personal, project, group and group service account routes.
bool rotationRequest(std::string_view path) {
  constexpr std::string_view kTail = "/rotate", kTokens = "access_tokens/";
  if (path.size() < kTail.size() || path.substr(path.size() - kTail.size()) != kTail) return false;
  path.remove_suffix(kTail.size());
  size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return false;
  std::string_view id = path.substr(slash + 1);
  bool idOk = id == "self" || (!id.empty() && std::all_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; }));
  path.remove_suffix(id.size());
  return idOk && path.size() >= kTokens.size() && path.substr(path.size() - kTokens.size()) == kTokens;
}

// The credential as GitLab looks for it: PRIVATE-TOKEN, Authorization: Bearer, private_token.
std::string credentialOf(const http::Request& req, const Params* params) {
  if (auto h = req.header("private-token")) return *h;
  if (auto a = req.header("authorization"); a && lowerCase(a->substr(0, 7)) == "bearer ") return a->substr(7);
  if (params) {
    if (auto q = params->str("private_token")) return *q;
  }
  return "";
}

}  // namespace

// --- public facade --------------------------------------------------------------------------

FakeGitLab::FakeGitLab(json seed, const Clock& clock, FakeClock* settableClock)
    : impl_(std::make_unique<Impl>(std::move(seed), clock, settableClock)) {}
FakeGitLab::~FakeGitLab() = default;
http::Response FakeGitLab::handle(const http::Request& req) { return impl_->handle(req); }
json FakeGitLab::state() const { return impl_->state(); }
void FakeGitLab::setFaults(const Faults& faults) { impl_->setFaults(faults); }
Faults FakeGitLab::faults() const { return impl_->faults(); }
void FakeGitLab::setDropsSupported(bool supported) { impl_->setDropsSupported(supported); }

bool validScheduledAction(const std::string& action) {
  static const std::set<std::string> kActions{"kill_before", "kill_after", "hang", "500_after", "500_before", "429"};
  return kActions.count(action) != 0;
}

Faults faultsFromJson(const json& j) {
  Faults f;
  if (!j.is_object()) return f;
  f.latencyMs = j.value("latency_ms", 0);
  f.latencyJitterMs = j.value("latency_jitter_ms", 0);
  f.rate429 = j.value("rate_429", 0.0);
  f.rate500 = j.value("rate_500", 0.0);
  f.hang = j.value("hang", false);
  f.hangPathPrefix = j.value("hang_path_prefix", std::string());
  f.hangMethod = j.value("hang_method", std::string());
  f.holdAnswer = j.value("hold_answer", false);
  f.dropRate = j.value("drop_rate", 0.0);
  f.dropPathPrefix = j.value("drop_path_prefix", std::string());
  f.dropMethod = j.value("drop_method", std::string());
  f.dropAfterWork = j.value("drop_after_work", false);
  for (const auto& e : j.value("schedule", json::array())) {
    ScheduledFault s;
    s.method = e.at("method").get<std::string>();
    s.path = e.at("path").get<std::string>();
    s.occurrence = e.value("occurrence", 1);
    s.action = e.at("action").get<std::string>();
    if (!validScheduledAction(s.action)) throw std::invalid_argument("unknown schedule action " + s.action);
    if (s.occurrence < 1) throw std::invalid_argument("schedule occurrence must be 1 or more");
    f.schedule.push_back(std::move(s));
  }
  return f;
}

json faultsToJson(const Faults& f) {
  json scheduleJson = json::array();
  for (const auto& e : f.schedule) {
    scheduleJson.push_back({{"method", e.method}, {"path", e.path}, {"occurrence", e.occurrence},
                            {"action", e.action}, {"seen", e.seen}, {"fired", e.fired}});
  }
  return {{"latency_ms", f.latencyMs}, {"latency_jitter_ms", f.latencyJitterMs}, {"rate_429", f.rate429},
          {"rate_500", f.rate500}, {"hang", f.hang}, {"hang_path_prefix", f.hangPathPrefix},
          {"hang_method", f.hangMethod}, {"hold_answer", f.holdAnswer}, {"drop_rate", f.dropRate},
          {"drop_path_prefix", f.dropPathPrefix}, {"drop_method", f.dropMethod},
          {"drop_after_work", f.dropAfterWork}, {"schedule", scheduleJson}};
}

// --- Impl: lifecycle, faults, dispatch ----------------------------------------------------------

FakeGitLab::Impl::Impl(json seed, const Clock& clock, FakeClock* settableClock)
    : clock_(clock), settableClock_(settableClock), world_(worldFromSeed(seed, clock.now())),
      rng_(std::random_device{}()) {}

FakeGitLab::Impl::~Impl() {
  std::unique_lock lock(faultsMutex_);
  stopping_ = true;
  faultsCv_.notify_all();
  faultsCv_.wait(lock, [this] { return inFlight_ == 0; });
}

json FakeGitLab::Impl::state() const {
  std::lock_guard lock(mutex_);
  return worldToSeed(world_);
}

void FakeGitLab::Impl::setFaults(const Faults& faults) {
  std::lock_guard lock(faultsMutex_);
  faults_ = faults;
  ++faultsGeneration_;
  faultsCv_.notify_all();
}

Faults FakeGitLab::Impl::faults() const {
  std::lock_guard lock(faultsMutex_);
  return faults_;
}

void FakeGitLab::Impl::setDropsSupported(bool supported) {
  std::lock_guard lock(faultsMutex_);
  dropsSupported_ = supported;
}

bool FakeGitLab::Impl::dropsNow(const http::Request& req, const Faults& f) {
  if (f.dropRate <= 0 || req.path.rfind(f.dropPathPrefix, 0) != 0) return false;
  if (!f.dropMethod.empty() && f.dropMethod != req.method) return false;
  std::lock_guard lock(mutex_);
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng_) < f.dropRate;
}

std::string FakeGitLab::Impl::randomHex(size_t chars) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < chars; ++i) out.push_back(kHex[rng_() & 15]);
  return out;
}

http::Response FakeGitLab::Impl::handle(const http::Request& req) {
  {
    std::lock_guard lock(faultsMutex_);
    ++inFlight_;
  }
  http::Response res;
  try {
    std::string_view path = req.path;
    if (path == "/_fake" || path.rfind("/_fake/", 0) == 0) {
      res = handleControl(req);
    } else if (path == kApiPrefix || path.rfind(std::string(kApiPrefix) + "/", 0) == 0) {
      std::string authLabel = "none";
      bool dropped = false;
      bool dropAfterWork = false;
      auto scheduled = takeScheduled(req);
      auto fault = scheduled ? std::optional<http::Response>(scheduledAnswer(req, *scheduled, &authLabel))
                             : injectFault(req);
      if (!fault) {
        Faults now = faults();
        dropped = dropsNow(req, now);
        dropAfterWork = now.dropAfterWork;
      }
      if (fault) {
        res = std::move(*fault);
      } else if (dropped && !dropAfterWork) {
        res = messageError(502, "502 Bad Gateway");   // never sent: the front closes the connection
      } else {
        {
          std::lock_guard lock(mutex_);
          res = handleApi(req, &authLabel);
        }
        std::unique_lock lock(faultsMutex_);
        if (hangsNow(req, /*afterWork=*/true)) {
          ++held_;
          faultsCv_.wait_for(lock, kHangTime, [&] { return stopping_ || !hangsNow(req, true); });
          --held_;
        }
      }
      if (dropped) res.headers[kDropHeader] = "1";
      {
        std::lock_guard lock(mutex_);
        if (authLabel == "none") {
          auto params = Params::fromRequest(req);
          auto it = world_.tokenByValue.find(credentialOf(req, params ? &*params : nullptr));
          if (it != world_.tokenByValue.end()) authLabel = "token:" + std::to_string(it->second);
        }
        // A connection dropped before the work is logged with status 0: GitLab did nothing.
        logCall(req, dropped && !dropAfterWork ? 0 : res.status, authLabel, dropped);
        if (scheduled) calls_.back()["fault"] = *scheduled;
        std::string requestId = randomHex(26);
        res.headers["x-request-id"] = requestId;
        res.headers["x-gitlab-meta"] = json{{"correlation_id", requestId}, {"version", "1"}}.dump();
      }
      res.headers["x-content-type-options"] = "nosniff";
      res.headers["x-frame-options"] = "SAMEORIGIN";
    } else {
      res = http::Response{404, {{"content-type", "text/plain"}}, "Not Found"};
    }
  } catch (const std::exception& e) {
    res = messageError(500, "500 Internal Server Error");
  }
  {
    std::lock_guard lock(faultsMutex_);
    --inFlight_;
    faultsCv_.notify_all();
  }
  return res;
}

bool FakeGitLab::Impl::hangsNow(const http::Request& req, bool afterWork) const {
  return faults_.hang && faults_.holdAnswer == afterWork && req.path.rfind(faults_.hangPathPrefix, 0) == 0 &&
         (faults_.hangMethod.empty() || faults_.hangMethod == req.method);
}

std::optional<std::string> FakeGitLab::Impl::takeScheduled(const http::Request& req) {
  std::lock_guard lock(faultsMutex_);
  std::optional<std::string> action;
  for (auto& e : faults_.schedule) {
    if (e.method != req.method || e.path != req.path) continue;
    if (++e.seen == e.occurrence && !action) {
      e.fired = true;
      action = e.action;
    }
  }
  return action;
}

void FakeGitLab::Impl::holdUntilReleased() {
  std::unique_lock lock(faultsMutex_);
  const uint64_t generation = faultsGeneration_;
  ++held_;
  faultsCv_.wait_for(lock, kHangTime, [&] { return stopping_ || faultsGeneration_ != generation; });
  --held_;
}

http::Response FakeGitLab::Impl::scheduledAnswer(const http::Request& req, const std::string& action,
                                                 std::string* authLabel) {
  if (action == "kill_before" || action == "hang") {
    holdUntilReleased();
    return messageError(503, "503 Service Unavailable");
  }
  if (action == "500_before") return messageError(500, "500 Internal Server Error");
  if (action == "429") {
    std::lock_guard lock(mutex_);
    return rateLimitedLocked();
  }
  http::Response done;
  {
    std::lock_guard lock(mutex_);
    done = handleApi(req, authLabel);
  }
  if (action == "500_after") return messageError(500, "500 Internal Server Error");
  holdUntilReleased();   // kill_after
  return done;
}

http::Response FakeGitLab::Impl::rateLimitedLocked() {
  if (rateLimitCount_++ % 2 == 1) {
    return messageError(429, json{{"error", "This endpoint has been requested too many times. Try again later."}});
  }
  auto now = std::chrono::system_clock::to_time_t(clock_.now());
  http::Response r{429, {{"content-type", "text/plain"}}, "Retry later\n"};
  r.headers["ratelimit-name"] = "throttle_authenticated_api";
  r.headers["ratelimit-limit"] = "120";
  r.headers["ratelimit-observed"] = "121";
  r.headers["ratelimit-remaining"] = "0";
  r.headers["ratelimit-reset"] = std::to_string(now + 1);
  r.headers["ratelimit-resettime"] = httpDate(now + 1);
  r.headers["retry-after"] = "1";
  return r;
}

std::optional<http::Response> FakeGitLab::Impl::injectFault(const http::Request& req) {
  Faults f;
  {
    std::unique_lock lock(faultsMutex_);
    f = faults_;
    int sleepMs = f.latencyMs;
    if (f.latencyJitterMs > 0) {
      std::lock_guard rngLock(mutex_);
      sleepMs += static_cast<int>(rng_() % static_cast<uint64_t>(f.latencyJitterMs + 1));
    }
    if (sleepMs > 0) {
      faultsCv_.wait_for(lock, std::chrono::milliseconds(sleepMs), [this] { return stopping_; });
    }
    if (hangsNow(req, /*afterWork=*/false)) {
      ++held_;
      faultsCv_.wait_for(lock, kHangTime, [&] { return stopping_ || !hangsNow(req, false); });
      --held_;
    }
    if (stopping_) return messageError(503, "503 Service Unavailable");
    f = faults_;
  }
  if (f.rate429 <= 0 && f.rate500 <= 0) return std::nullopt;
  std::lock_guard lock(mutex_);
  double roll = std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
  if (roll < f.rate429) return rateLimitedLocked();
  if (roll < f.rate429 + f.rate500) return messageError(500, "500 Internal Server Error");
  return std::nullopt;
}

void FakeGitLab::Impl::logCall(const http::Request& req, int status, const std::string& authLabel, bool dropped) {
  constexpr size_t kMaxCalls = 200000;
  if (calls_.size() >= kMaxCalls) calls_.erase(calls_.begin(), calls_.begin() + kMaxCalls / 10);
  calls_.push_back({{"seq", ++callSeq_}, {"method", req.method}, {"path", req.path},
                    {"query", redactQuery(req.query)}, {"status", status}, {"auth", authLabel}});
  if (dropped) calls_.back()["dropped"] = true;
}

http::Response FakeGitLab::Impl::handleControl(const http::Request& req) {
  const std::string& p = req.path;
  if (p == "/_fake/calls" && req.method == "GET") {
    int64_t since = 0;
    auto params = Params::fromRequest(req);
    if (params) {
      if (auto s = params->str("since")) std::from_chars(s->data(), s->data() + s->size(), since);
    }
    std::lock_guard lock(mutex_);
    json out = json::array();
    for (const auto& c : calls_) {
      if (c["seq"].get<int64_t>() > since) out.push_back(c);
    }
    return jsonResponse(200, out);
  }
  if (p == "/_fake/state" && req.method == "GET") return jsonResponse(200, state());
  if (p == "/_fake/faults" && (req.method == "POST" || req.method == "GET")) {
    if (req.method == "POST") {
      json body = json::parse(req.body.empty() ? std::string("{}") : req.body, nullptr, false);
      if (body.is_discarded() || !body.is_object()) return grapeError(400, "faults must be a JSON object");
      try {
        Faults wanted = faultsFromJson(body);
        bool supported = false;
        {
          std::lock_guard lock(faultsMutex_);
          supported = dropsSupported_;
        }
        if (wanted.dropRate > 0 && !supported) {
          return grapeError(400, "drop faults need the fake_gitlab process started with --drop-proxy");
        }
        setFaults(wanted);
      } catch (const std::exception& e) {
        return grapeError(400, std::string("bad faults: ") + e.what());
      }
    }
    json out = faultsToJson(faults());
    {
      std::lock_guard lock(faultsMutex_);
      out["held"] = held_;
    }
    return jsonResponse(200, out);
  }
  if (p == "/_fake/reset" && req.method == "POST") {
    json seed = json::parse(req.body, nullptr, false);
    if (seed.is_discarded()) return grapeError(400, "the seed is not JSON");
    try {
      FakeWorld fresh = worldFromSeed(seed, clock_.now());
      std::lock_guard lock(mutex_);
      world_ = std::move(fresh);
      calls_.clear();
    } catch (const std::exception& e) {
      return grapeError(400, e.what());
    }
    return jsonResponse(200, {{"ok", true}});
  }
  if (p == "/_fake/clock" && req.method == "POST") {
    if (!settableClock_) return grapeError(400, "this fake runs on a real clock");
    json body = json::parse(req.body, nullptr, false);
    auto t = body.is_object() && body.contains("now") && body["now"].is_string()
                 ? parseTimestamp(body["now"].get<std::string>())
                 : std::nullopt;
    if (!t) return grapeError(400, "now must be an RFC 3339 timestamp");
    settableClock_->set(*t);
    return jsonResponse(200, {{"now", formatTimestamp(*t)}});
  }
  if (p == "/_fake/clock" && req.method == "GET") return jsonResponse(200, {{"now", formatTimestamp(clock_.now())}});
  if (auto res = handleAccessControl(req)) return *res;
  return grapeError(404, "404 Not Found");
}

http::Response FakeGitLab::Impl::handleApi(const http::Request& req, std::string* authLabel) {
  auto segs = splitPath(std::string_view(req.path).substr(kApiPrefix.size()));
  if (!segs.empty() && segs.front().empty()) segs.erase(segs.begin());
  if (!segs.empty() && segs.back().empty() && segs.size() > 1) segs.pop_back();

  const Route* route = nullptr;
  std::map<std::string, std::string> pathParams;
  std::vector<std::string> allowed;
  for (const auto& r : routes()) {
    std::map<std::string, std::string> captured;
    if (!matchFrom(r.pattern, 0, segs, 0, captured)) continue;
    if (r.method == req.method || (req.method == "HEAD" && r.method == "GET")) {
      route = &r;
      pathParams = std::move(captured);
      break;
    }
    allowed.push_back(r.method);
  }
  if (!route) {
    if (allowed.empty()) return grapeError(404, "404 Not Found");
    auto res = messageError(405, "405 Method Not Allowed");
    std::sort(allowed.begin(), allowed.end());
    allowed.erase(std::unique(allowed.begin(), allowed.end()), allowed.end());
    std::string allow;
    for (const auto& m : allowed) allow += (allow.empty() ? "" : ", ") + m;
    res.headers["allow"] = allow;
    return res;
  }

  auto params = Params::fromRequest(req);
  if (!params) return messageError(400, "400 Bad request - The provided JSON is invalid");

  std::string credential = credentialOf(req, &*params);
  Ctx ctx{req, *params, std::move(pathParams), nullptr, nullptr, false, {}};
  const std::string* host = req.header("host");
  ctx.baseUrl = "http://" + (host ? *host : std::string("127.0.0.1"));
  if (auto it = world_.tokenByValue.find(credential); !credential.empty() && it != world_.tokenByValue.end()) {
    *authLabel = "token:" + std::to_string(it->second);
  }
  auto denied = authenticate(ctx, *route, credential);
  if (denied.status != 0) return denied;
  auto res = (this->*(route->handler))(ctx);
  if (req.method == "HEAD") res.body.clear();
  return res;
}

// Returns a Response with status 0 when the request may proceed.
http::Response FakeGitLab::Impl::authenticate(Ctx& ctx, const Route& route, const std::string& credential) {
  if (credential.empty()) return unauthorized();
  auto it = world_.tokenByValue.find(credential);
  if (it == world_.tokenByValue.end()) return unauthorized();
  FakeToken& t = world_.tokens.at(it->second);
  auto userIt = world_.users.find(t.userId);
  if (userIt == world_.users.end()) return unauthorized();
  if (t.revoked) {
    // Reuse detection (§2.4): a revoked token presented to a rotate endpoint kills its family.
    if (rotationRequest(ctx.req.path)) revokeFamily(t);
    return oauthError(401, "invalid_token", "Token was revoked. You have to re-authorize from the user.");
  }
  if (expired(t)) {
    return oauthError(401, "invalid_token", "Token is expired. You can either do re-authorization or token refresh.");
  }
  bool isRead = ctx.req.method == "GET" || ctx.req.method == "HEAD";
  switch (route.scope) {
    case ScopeRule::kAnyScope:
      break;
    case ScopeRule::kSelfRotate:
      if (!hasScope(t, {"api", "self_rotate"})) {
        return oauthError(403, "insufficient_scope",
                          "The request requires higher privileges than provided by the access token.",
                          "api self_rotate");
      }
      break;
    case ScopeRule::kDefault:
      if (isRead ? !hasScope(t, {"api", "read_api"}) : !hasScope(t, {"api"})) {
        return oauthError(403, "insufficient_scope",
                          "The request requires higher privileges than provided by the access token.",
                          isRead ? "api read_api" : "api");
      }
      break;
    case ScopeRule::kReadUser:
      if (isRead ? !hasScope(t, {"api", "read_api", "read_user"}) : !hasScope(t, {"api"})) {
        return oauthError(403, "insufficient_scope",
                          "The request requires higher privileges than provided by the access token.",
                          isRead ? "api read_api read_user" : "api");
      }
      break;
  }
  auto now = clock_.now();
  if (!t.lastUsedAt || now - *t.lastUsedAt >= std::chrono::minutes(10)) t.lastUsedAt = now;
  ctx.token = &t;
  ctx.user = &userIt->second;
  // Admin Mode: without the admin_mode scope an administrator's token acts as a non-admin's.
  ctx.admin = userIt->second.admin && (!world_.adminMode || hasScope(t, {"admin_mode"}));
  return http::Response{0, {}, {}};
}

const std::vector<FakeGitLab::Impl::Route>& FakeGitLab::Impl::routes() {
  using I = Impl;
  using S = ScopeRule;
  static const std::vector<Route> kRoutes = {
      {"GET", {"service_accounts"}, &I::listServiceAccounts},
      {"POST", {"service_accounts"}, &I::createServiceAccount},
      {"GET", {"personal_access_tokens"}, &I::listTokens},
      {"GET", {"personal_access_tokens", "self"}, &I::getSelf, S::kAnyScope},
      {"DELETE", {"personal_access_tokens", "self"}, &I::revokeSelf, S::kAnyScope},
      {"POST", {"personal_access_tokens", "self", "rotate"}, &I::rotateSelf, S::kSelfRotate},
      {"GET", {"personal_access_tokens", ":token_id"}, &I::getToken},
      {"POST", {"personal_access_tokens", ":token_id", "rotate"}, &I::rotateToken},
      {"DELETE", {"personal_access_tokens", ":token_id"}, &I::revokeToken},
      {"POST", {"users", ":user_id", "personal_access_tokens"}, &I::createUserToken},
      {"GET", {"user"}, &I::getCurrentUser, S::kReadUser},
      {"GET", {"users", ":user_id", "memberships"}, &I::listUserMemberships, S::kReadUser},
      {"GET", {"groups", "*id", "service_accounts"}, &I::listGroupServiceAccounts},
      {"POST", {"groups", "*id", "service_accounts"}, &I::createGroupServiceAccount},
      {"GET", {"groups", "*id", "service_accounts", ":user_id", "personal_access_tokens"}, &I::listGroupSaTokens},
      {"POST", {"groups", "*id", "service_accounts", ":user_id", "personal_access_tokens"}, &I::createGroupSaToken},
      {"POST", {"groups", "*id", "service_accounts", ":user_id", "personal_access_tokens", ":token_id", "rotate"},
       &I::rotateGroupSaToken},
      {"DELETE", {"groups", "*id", "service_accounts", ":user_id", "personal_access_tokens", ":token_id"},
       &I::revokeGroupSaToken},
      {"GET", {"groups", "*id", "variables"}, &I::listVariables},
      {"POST", {"groups", "*id", "variables"}, &I::createVariable},
      {"GET", {"groups", "*id", "variables", ":key"}, &I::getVariable},
      {"PUT", {"groups", "*id", "variables", ":key"}, &I::updateVariable},
      {"DELETE", {"groups", "*id", "variables", ":key"}, &I::deleteVariable},
      {"GET", {"projects", "*id", "variables"}, &I::listVariables},
      {"POST", {"projects", "*id", "variables"}, &I::createVariable},
      {"GET", {"projects", "*id", "variables", ":key"}, &I::getVariable},
      {"PUT", {"projects", "*id", "variables", ":key"}, &I::updateVariable},
      {"DELETE", {"projects", "*id", "variables", ":key"}, &I::deleteVariable},
      {"GET", {"projects", "*id", "pipelines"}, &I::listPipelines},
      {"GET", {"projects", "*id", "pipelines", ":pipeline_id"}, &I::getPipeline},
      {"POST", {"projects", "*id", "pipeline"}, &I::createPipeline},
      {"POST", {"projects", "*id", "pipelines", ":pipeline_id", "retry"}, &I::retryPipeline},
      {"POST", {"projects", "*id", "pipelines", ":pipeline_id", "cancel"}, &I::cancelPipeline},
      {"GET", {"projects", "*id", "issues"}, &I::listIssues},
      {"POST", {"projects", "*id", "issues"}, &I::createIssue},
      {"GET", {"projects", "*id", "issues", ":issue_iid"}, &I::getIssue},
      {"PUT", {"projects", "*id", "issues", ":issue_iid"}, &I::updateIssue},
      {"POST", {"projects", "*id", "issues", ":issue_iid", "notes"}, &I::createNote},
      {"GET", {"projects", "*id", "members", "all", ":user_id"}, &I::getMemberAll},
      {"GET", {"groups", "*id", "members", "all", ":user_id"}, &I::getMemberAll},
      {"GET", {"projects", "*id", "protected_branches"}, &I::listProtectedBranches},
      {"GET", {"projects", "*id", "protected_environments"}, &I::listProtectedEnvironments},
      {"GET", {"projects", "*id", "access_tokens"}, &I::listResourceTokens},
      {"POST", {"projects", "*id", "access_tokens"}, &I::createResourceToken},
      {"POST", {"projects", "*id", "access_tokens", "self", "rotate"}, &I::rotateResourceSelf, S::kSelfRotate},
      {"GET", {"projects", "*id", "access_tokens", ":token_id"}, &I::getResourceToken},
      {"POST", {"projects", "*id", "access_tokens", ":token_id", "rotate"}, &I::rotateResourceToken},
      {"DELETE", {"projects", "*id", "access_tokens", ":token_id"}, &I::revokeResourceToken},
      {"GET", {"groups", "*id", "access_tokens"}, &I::listResourceTokens},
      {"POST", {"groups", "*id", "access_tokens"}, &I::createResourceToken},
      {"POST", {"groups", "*id", "access_tokens", "self", "rotate"}, &I::rotateResourceSelf, S::kSelfRotate},
      {"GET", {"groups", "*id", "access_tokens", ":token_id"}, &I::getResourceToken},
      {"POST", {"groups", "*id", "access_tokens", ":token_id", "rotate"}, &I::rotateResourceToken},
      {"DELETE", {"groups", "*id", "access_tokens", ":token_id"}, &I::revokeResourceToken},
      // Last: "*id" at the end would otherwise swallow the sub-resources above.
      {"GET", {"projects", "*id"}, &I::getProject},
      {"GET", {"groups", "*id"}, &I::getGroup},
  };
  return kRoutes;
}

// --- shared helpers -----------------------------------------------------------------------------

Date FakeGitLab::Impl::today() const { return utcDay(clock_.now()); }

bool FakeGitLab::Impl::expired(const FakeToken& t) const { return t.expiresAt && *t.expiresAt <= today(); }

json FakeGitLab::Impl::userBasic(const FakeUser& u, const std::string& baseUrl) const {
  return {{"id", u.id},
          {"username", u.username},
          {"name", u.name},
          {"state", "active"},
          {"locked", false},
          {"avatar_url", nullptr},
          {"web_url", baseUrl + "/" + u.username}};
}

std::optional<int64_t> FakeGitLab::Impl::intParam(const Ctx& ctx, const std::string& name,
                                                  http::Response* error) const {
  auto it = ctx.path.find(name);
  std::optional<std::string> text;
  if (it != ctx.path.end()) {
    text = it->second;
  } else {
    text = ctx.params.str(name);
  }
  int64_t v = 0;
  if (text) {
    auto [p, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
    if (ec == std::errc() && p == text->data() + text->size()) return v;
  }
  *error = grapeError(400, name + " is invalid");
  return std::nullopt;
}

FakeGroup* FakeGitLab::Impl::findGroup(const std::string& idOrPath) {
  for (auto& [id, g] : world_.groups) {
    if (std::to_string(id) == idOrPath || g.path == idOrPath) return &g;
  }
  return nullptr;
}

FakeProject* FakeGitLab::Impl::findProject(const std::string& idOrPath) {
  for (auto& [id, p] : world_.projects) {
    if (std::to_string(id) == idOrPath || p.path == idOrPath) return &p;
  }
  return nullptr;
}

std::string FakeGitLab::Impl::linkBase(const Ctx& ctx) const { return ctx.baseUrl + ctx.req.path; }

}  // namespace patbot::fakes
