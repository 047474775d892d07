// FakeKubernetes: control routes, faults, authentication, RBAC and the Secret GET / PATCH routes.
#include "sim/fake_kubernetes.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>

#include <fmt/format.h>

#include "core/time_format.h"
#include "http/url.h"
#include "sim/fake_sink_faults.h"

namespace patbot::fakes {

using nlohmann::json;

namespace {

const char* kImmutable = "Forbidden: field is immutable when `immutable` is set";

json status(int code, const std::string& reason, const std::string& message, json details = nullptr) {
  json s{{"kind", "Status"}, {"apiVersion", "v1"}, {"metadata", json::object()}, {"status", "Failure"},
         {"message", message}, {"reason", reason}};
  if (!details.is_null()) s["details"] = details;
  s["code"] = code;
  return s;
}

http::Response reply(int code, const json& body) { return http::Response::json(code, body.dump()); }

json secretDetails(const std::string& name) { return {{"name", name}, {"kind", "secrets"}}; }

std::string uuid() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string h;
  for (int i = 0; i < 32; ++i) h += "0123456789abcdef"[rng() % 16];
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" + h.substr(20);
}

// RFC 3339 with whole seconds, as the API server writes creationTimestamp.
std::string k8sTime(TimePoint t) {
  std::string s = formatTimestamp(t);
  return s.substr(0, s.find('.')) + "Z";
}

struct Token {
  std::string value, serviceAccount;
  std::optional<TimePoint> expires;
};

struct Rule {
  std::string serviceAccount, ns;
  std::vector<std::string> verbs, names;
};

std::string str(const json& j, const char* key, const std::string& dflt = "") {
  if (!j.contains(key) || j[key].is_null()) return dflt;
  if (!j[key].is_string()) throw std::invalid_argument(std::string(key) + " must be a string");
  return j[key].get<std::string>();
}

std::vector<std::string> strings(const json& j, const char* key) {
  std::vector<std::string> out;
  for (const auto& s : j.value(key, json::array())) {
    if (!s.is_string()) throw std::invalid_argument(std::string(key) + " must hold strings");
    out.push_back(s.get<std::string>());
  }
  return out;
}

// Folds stringData into data (base64), as the API server does on every write.
void foldStringData(json& secret) {
  if (!secret.contains("stringData")) return;
  if (secret["stringData"].is_object()) {
    if (!secret.contains("data") || !secret["data"].is_object()) secret["data"] = json::object();
    for (const auto& [k, v] : secret["stringData"].items()) {
      secret["data"][k] = base64Encode(v.is_string() ? v.get<std::string>() : v.dump());
    }
  }
  secret.erase("stringData");
}

bool contains(const std::vector<std::string>& list, const std::string& v) {
  return std::find(list.begin(), list.end(), v) != list.end() || std::find(list.begin(), list.end(), "*") != list.end();
}

}  // namespace

struct FakeKubernetes::Impl {
  const Clock& clock;
  mutable std::mutex mutex;
  int64_t resourceVersion = 1000;
  std::vector<Token> tokens;
  std::vector<Rule> rules;
  std::map<std::pair<std::string, std::string>, json> secrets;   // (namespace, name) -> Secret
  SinkFaultQueue faults;
  SinkCallLog calls;

  Impl(const json& seed, const Clock& c) : clock(c) { load(seed); }

  void load(const json& seed) {
    if (!seed.is_object()) throw std::invalid_argument("the seed is a JSON object");
    int64_t rv = seed.value("resource_version", int64_t{1000});
    std::vector<Token> t;
    std::vector<Rule> r;
    std::map<std::pair<std::string, std::string>, json> s;
    for (const auto& j : seed.value("tokens", json::array())) {
      Token tok{str(j, "token"), str(j, "service_account"), std::nullopt};
      if (tok.value.empty() || tok.serviceAccount.empty()) throw std::invalid_argument("a token needs token and service_account");
      if (std::string e = str(j, "expires_at"); !e.empty()) {
        tok.expires = parseTimestamp(e);
        if (!tok.expires) throw std::invalid_argument("expires_at is not RFC 3339");
      }
      t.push_back(tok);
    }
    for (const auto& j : seed.value("rbac", json::array())) {
      r.push_back({str(j, "service_account"), str(j, "namespace"), strings(j, "verbs"), strings(j, "resource_names")});
    }
    for (const auto& j : seed.value("secrets", json::array())) {
      std::string ns = str(j, "namespace", "default"), name = str(j, "name");
      if (name.empty()) throw std::invalid_argument("a secret needs a name");
      json data = j.value("data", json::object());
      for (const auto& [k, v] : data.items()) {
        std::string decoded;
        size_t bad = 0;
        if (!v.is_string() || !base64Decode(v.get<std::string>(), decoded, bad)) {
          throw std::invalid_argument("data." + k + " is not base64");
        }
      }
      json meta{{"name", name}, {"namespace", ns}, {"uid", str(j, "uid", uuid())},
                {"resourceVersion", str(j, "resource_version", std::to_string(rv))},
                {"creationTimestamp", str(j, "creation_timestamp", k8sTime(clock.now()))}};
      if (j.contains("labels")) meta["labels"] = j["labels"];
      if (j.contains("annotations")) meta["annotations"] = j["annotations"];
      json secret{{"kind", "Secret"}, {"apiVersion", "v1"}, {"metadata", meta}, {"data", data},
                  {"type", str(j, "type", "Opaque")}};
      if (j.contains("string_data")) secret["stringData"] = j["string_data"];
      foldStringData(secret);
      if (j.value("immutable", false)) secret["immutable"] = true;
      s[{ns, name}] = secret;
    }
    resourceVersion = rv;
    tokens = std::move(t);
    rules = std::move(r);
    secrets = std::move(s);
  }

  json stateJson() const {
    json list = json::array();
    for (const auto& [key, s] : secrets) {
      json values = json::object();
      const json data = s.value("data", json::object());
      for (const auto& [k, v] : data.items()) {
        std::string decoded;
        size_t bad = 0;
        base64Decode(v.get<std::string>(), decoded, bad);
        values[k] = decoded;
      }
      json e{{"namespace", key.first}, {"name", key.second}, {"uid", s["metadata"]["uid"]},
             {"resource_version", s["metadata"]["resourceVersion"]},
             {"creation_timestamp", s["metadata"]["creationTimestamp"]}, {"type", s.value("type", "Opaque")},
             {"immutable", s.value("immutable", false)}, {"data", s.value("data", json::object())}, {"values", values}};
      if (s["metadata"].contains("labels")) e["labels"] = s["metadata"]["labels"];
      if (s["metadata"].contains("annotations")) e["annotations"] = s["metadata"]["annotations"];
      list.push_back(e);
    }
    json toks = json::array(), rbac = json::array();
    for (const auto& t : tokens) {
      toks.push_back({{"token", t.value}, {"service_account", t.serviceAccount},
                      {"expires_at", t.expires ? json(formatTimestamp(*t.expires)) : json()}});
    }
    for (const auto& r : rules) {
      rbac.push_back({{"service_account", r.serviceAccount}, {"namespace", r.ns}, {"verbs", r.verbs},
                      {"resource_names", r.names}});
    }
    return {{"resource_version", resourceVersion}, {"tokens", toks}, {"rbac", rbac}, {"secrets", list}};
  }

  http::Response control(const http::Request& req);
  http::Response api(const http::Request& req, std::string& auth);
  http::Response patch(const http::Request& req, const std::string& ns, const std::string& name);
};

FakeKubernetes::FakeKubernetes(const json& seed, const Clock& clock) : impl_(std::make_unique<Impl>(seed, clock)) {}
FakeKubernetes::~FakeKubernetes() = default;

json FakeKubernetes::state() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->stateJson();
}

http::Response FakeKubernetes::handle(const http::Request& req) {
  try {
    if (req.path.rfind("/_fake/", 0) == 0) return impl_->control(req);
    SinkCall call{0, req.method, req.path, req.query, 0, "none", false};
    http::Response res;
    if (auto fault = impl_->faults.take(req.method, req.path)) {
      call.faulted = true;
      int retryAfter = fault->retryAfter >= 0 ? fault->retryAfter : fault->status == 429 ? 1 : -1;
      json body = fault->body;
      if (body.is_null()) {
        if (fault->status == 429) {
          body = status(429, "TooManyRequests", "Too many requests, please try again later.",
                        json{{"retryAfterSeconds", retryAfter}});
        } else if (fault->status == 503) {
          body = status(503, "ServiceUnavailable", "the server is currently unable to handle the request");
        } else {
          body = status(fault->status, "InternalError", "Internal error occurred: injected fault");
        }
      }
      res = reply(fault->status, body);
      if (retryAfter >= 0) res.headers["retry-after"] = std::to_string(retryAfter);
    } else {
      res = impl_->api(req, call.auth);
    }
    call.status = res.status;
    impl_->calls.record(std::move(call));
    return res;
  } catch (const std::exception& e) {
    return reply(500, status(500, "InternalError", std::string("Internal error occurred: ") + e.what()));
  }
}

http::Response FakeKubernetes::Impl::control(const http::Request& req) {
  json body = req.body.empty() ? json::object() : json::parse(req.body, nullptr, false);
  if (body.is_discarded()) return reply(400, json{{"error", "body is not JSON"}});
  try {
    if (req.path == "/_fake/calls" && req.method == "GET") {
      int64_t since = 0;
      for (const auto& [k, v] : http::parseQuery(req.query)) {
        if (k == "since") since = std::stoll(v);
      }
      return reply(200, calls.toJson(since));
    }
    if (req.path == "/_fake/state" && req.method == "GET") {
      std::lock_guard lock(mutex);
      return reply(200, stateJson());
    }
    if (req.path == "/_fake/reset" && req.method == "POST") {
      faults.clear();
      calls.clear();
      std::lock_guard lock(mutex);
      load(body);
      return reply(200, json{{"ok", true}});
    }
    if (req.path == "/_fake/fault" && req.method == "GET") return reply(200, faults.toJson());
    if (req.path == "/_fake/fault" && req.method == "POST") {
      if (body.value("clear", false)) faults.clear();
      else faults.add(body);
      return reply(200, faults.toJson());
    }
    if (req.path == "/_fake/edit" && req.method == "POST") {
      std::lock_guard lock(mutex);
      auto it = secrets.find({body.value("namespace", "default"), body.value("name", "")});
      if (it == secrets.end()) return reply(404, json{{"error", "no such secret"}});
      json& s = it->second;
      if (!s.contains("data") || !s["data"].is_object()) s["data"] = json::object();
      const json data = body.value("data", json::object()), stringData = body.value("string_data", json::object());
      for (const auto& [k, v] : data.items()) s["data"][k] = v;
      for (const auto& [k, v] : stringData.items()) {
        s["data"][k] = base64Encode(v.get<std::string>());
      }
      for (const auto& k : body.value("remove", json::array())) s["data"].erase(k.get<std::string>());
      s["metadata"]["resourceVersion"] = std::to_string(++resourceVersion);
      return reply(200, s);
    }
  } catch (const std::exception& e) {
    return reply(400, json{{"error", e.what()}});
  }
  return reply(404, json{{"error", "no such control route"}});
}

http::Response FakeKubernetes::Impl::api(const http::Request& req, std::string& auth) {
  std::lock_guard lock(mutex);
  const std::string* header = req.header("authorization");
  const Token* token = nullptr;
  if (header && header->rfind("Bearer ", 0) == 0) {
    for (const auto& t : tokens) {
      if (t.value == header->substr(7)) token = &t;
    }
  }
  if (!token || (token->expires && *token->expires <= clock.now())) {
    return reply(401, status(401, "Unauthorized", "Unauthorized"));
  }
  auth = token->serviceAccount;

  // /api/v1/namespaces/<ns>/secrets/<name>
  const std::string prefix = "/api/v1/namespaces/";
  std::string ns, name;
  if (req.path.rfind(prefix, 0) == 0) {
    std::string rest = req.path.substr(prefix.size());
    size_t a = rest.find('/');
    if (a != std::string::npos && rest.compare(a, 9, "/secrets/") == 0) {
      ns = rest.substr(0, a);
      name = rest.substr(a + 9);
    }
  }
  if (ns.empty() || name.empty() || name.find('/') != std::string::npos) {
    return reply(404, status(404, "NotFound", "the server could not find the requested resource",
                             json{}));
  }
  std::string verb = req.method == "GET" ? "get" : req.method == "PATCH" ? "patch"
                   : req.method == "PUT" ? "update" : req.method == "DELETE" ? "delete" : "";
  if (verb.empty()) {
    return reply(405, status(405, "MethodNotAllowed", "the server does not allow this method on the requested resource",
                             secretDetails(name)));
  }
  bool permitted = false;
  for (const auto& r : rules) {
    if (r.serviceAccount == token->serviceAccount && (r.ns == ns || r.ns == "*") && contains(r.verbs, verb) &&
        (r.names.empty() || contains(r.names, name))) {
      permitted = true;
    }
  }
  if (!permitted) {
    return reply(403, status(403, "Forbidden",
                             fmt::format("secrets \"{}\" is forbidden: User \"{}\" cannot {} resource \"secrets\" in "
                                         "API group \"\" in the namespace \"{}\"",
                                         name, token->serviceAccount, verb, ns),
                             secretDetails(name)));
  }
  if (verb != "get" && verb != "patch") {
    return reply(405, status(405, "MethodNotAllowed", "the server does not allow this method on the requested resource",
                             secretDetails(name)));
  }
  if (verb == "patch") return patch(req, ns, name);
  auto it = secrets.find({ns, name});
  if (it == secrets.end()) {
    return reply(404, status(404, "NotFound", fmt::format("secrets \"{}\" not found", name), secretDetails(name)));
  }
  return reply(200, it->second);
}

http::Response FakeKubernetes::Impl::patch(const http::Request& req, const std::string& ns, const std::string& name) {
  const std::string* ctHeader = req.header("content-type");
  std::string ct = ctHeader ? ctHeader->substr(0, ctHeader->find(';')) : "";
  if (ct != "application/merge-patch+json" && ct != "application/strategic-merge-patch+json") {
    return reply(415, status(415, "UnsupportedMediaType",
                             "the body of the request was in an unknown format - accepted media types include: "
                             "application/json-patch+json, application/merge-patch+json, "
                             "application/apply-patch+yaml, application/strategic-merge-patch+json"));
  }
  bool dryRun = false;
  for (const auto& [k, v] : http::parseQuery(req.query)) {
    if (k != "dryRun") continue;
    if (v != "All") {
      return reply(400, status(400, "BadRequest", fmt::format("Invalid dry run value: {}", v)));
    }
    dryRun = true;
  }
  json patchDoc = json::parse(req.body, nullptr, false);
  if (patchDoc.is_discarded() || !patchDoc.is_object()) {
    return reply(400, status(400, "BadRequest", "error decoding patch: invalid JSON"));
  }
  auto it = secrets.find({ns, name});
  if (it == secrets.end()) {
    return reply(404, status(404, "NotFound", fmt::format("secrets \"{}\" not found", name), secretDetails(name)));
  }
  const json& old = it->second;
  const json& meta = patchDoc.value("metadata", json::object());
  if (meta.is_object() && meta.contains("resourceVersion") && meta["resourceVersion"] != old["metadata"]["resourceVersion"]) {
    return reply(409, status(409, "Conflict",
                             fmt::format("Operation cannot be fulfilled on secrets \"{}\": the object has been "
                                         "modified; please apply your changes to the latest version and try again",
                                         name),
                             secretDetails(name)));
  }
  json next = old;
  next.merge_patch(patchDoc);
  foldStringData(next);
  // Identity fields stay; the patch's resourceVersion was only a precondition.
  next["kind"] = "Secret";
  next["apiVersion"] = "v1";
  for (const char* k : {"name", "namespace", "uid", "resourceVersion", "creationTimestamp"}) next["metadata"][k] = old["metadata"][k];
  if (!next.contains("data") || next["data"].is_null()) next["data"] = json::object();
  for (const auto& [k, v] : next["data"].items()) {
    std::string decoded;
    size_t bad = 0;
    if (!v.is_string() || !base64Decode(v.get<std::string>(), decoded, bad)) {
      return reply(400, status(400, "BadRequest",
                               fmt::format("Secret in version \"v1\" cannot be handled as a Secret: illegal base64 data "
                                           "at input byte {}", v.is_string() ? bad : 0)));
    }
  }
  if (old.value("immutable", false)) {
    std::vector<std::pair<std::string, std::string>> causes;   // field, message
    if (!(next.contains("immutable") && next["immutable"] == true)) causes.push_back({"immutable", kImmutable});
    if (next["data"] != old.value("data", json::object())) causes.push_back({"data", kImmutable});
    if (!causes.empty()) {
      json list = json::array();
      std::string text;
      for (const auto& [field, msg] : causes) {
        list.push_back({{"reason", "FieldValueForbidden"}, {"message", msg}, {"field", field}});
        text += (text.empty() ? "" : ", ") + field + ": " + msg;
      }
      if (causes.size() > 1) text = "[" + text + "]";
      return reply(422, status(422, "Invalid", fmt::format("Secret \"{}\" is invalid: {}", name, text),
                               json{{"name", name}, {"kind", "Secret"}, {"causes", list}}));
    }
  }
  if (dryRun || next == old) return reply(200, next);
  next["metadata"]["resourceVersion"] = std::to_string(++resourceVersion);
  it->second = next;
  return reply(200, next);
}

}  // namespace patbot::fakes
