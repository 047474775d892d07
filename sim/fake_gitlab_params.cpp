#include "sim/fake_gitlab_params.h"

#include <algorithm>
#include <charconv>

#include "core/lower_case.h"
#include "http/url.h"

namespace patbot::fakes {
namespace {

using nlohmann::json;

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(sep, start);
    if (end == std::string_view::npos) end = s.size();
    if (end > start) out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

void addFormPair(json& values, const std::string& key, const std::string& value) {
  if (key.size() > 2 && key.compare(key.size() - 2, 2, "[]") == 0) {
    auto& arr = values[key.substr(0, key.size() - 2)];
    if (!arr.is_array()) arr = json::array();
    arr.push_back(value);
    return;
  }
  auto open = key.find('[');
  if (open != std::string::npos && open > 0 && key.back() == ']') {
    auto& obj = values[key.substr(0, open)];
    if (!obj.is_object()) obj = json::object();
    obj[key.substr(open + 1, key.size() - open - 2)] = value;
    return;
  }
  values[key] = value;
}

void parseForm(json& values, std::string_view text) {
  for (auto piece : split(text, '&')) {
    auto eq = piece.find('=');
    std::string key = http::urlDecode(piece.substr(0, eq), true);
    std::string value = eq == std::string_view::npos ? "" : http::urlDecode(piece.substr(eq + 1), true);
    if (!key.empty()) addFormPair(values, key, value);
  }
}

std::optional<long long> parseInt(const std::string& s) {
  long long v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

std::optional<Params> Params::fromRequest(const http::Request& req) {
  Params p;
  parseForm(p.values_, req.query);
  const std::string* ctype = req.header("content-type");
  const std::string type = ctype ? lowerCase(*ctype) : "";
  bool looksJson = type.find("json") != std::string::npos ||
                   (type.empty() && !req.body.empty() && req.body.front() == '{');
  if (req.body.empty()) return p;
  if (looksJson) {
    json body = json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) return std::nullopt;
    for (auto& [k, v] : body.items()) p.values_[k] = v;
  } else if (type.empty() || type.find("x-www-form-urlencoded") != std::string::npos) {
    parseForm(p.values_, req.body);
  }
  return p;
}

bool Params::has(const std::string& key) const { return values_.contains(key); }

std::optional<std::string> Params::str(const std::string& key) const {
  auto it = values_.find(key);
  if (it == values_.end() || it->is_null() || it->is_array() || it->is_object()) return std::nullopt;
  if (it->is_string()) return it->get<std::string>();
  return it->dump();
}

std::optional<std::vector<std::string>> Params::list(const std::string& key) const {
  auto it = values_.find(key);
  if (it == values_.end() || it->is_null()) return std::nullopt;
  std::vector<std::string> out;
  auto addSplit = [&out](const std::string& s) {
    for (auto part : split(s, ',')) {
      std::string t(part);
      while (!t.empty() && t.front() == ' ') t.erase(t.begin());
      while (!t.empty() && t.back() == ' ') t.pop_back();
      if (!t.empty()) out.push_back(t);
    }
  };
  if (it->is_array()) {
    for (const auto& v : *it) addSplit(v.is_string() ? v.get<std::string>() : v.dump());
  } else if (it->is_string()) {
    addSplit(it->get<std::string>());
  } else {
    out.push_back(it->dump());
  }
  return out;
}

std::optional<bool> Params::boolean(const std::string& key, bool* invalid) const {
  auto it = values_.find(key);
  if (it == values_.end() || it->is_null()) return std::nullopt;
  if (it->is_boolean()) return it->get<bool>();
  auto s = str(key);
  if (s == "true" || s == "1") return true;
  if (s == "false" || s == "0") return false;
  if (invalid) *invalid = true;
  return std::nullopt;
}

std::optional<std::string> Params::filter(const std::string& name) const {
  auto it = values_.find("filter");
  if (it == values_.end() || !it->is_object()) return std::nullopt;
  auto f = it->find(name);
  if (f == it->end() || f->is_null()) return std::nullopt;
  return f->is_string() ? f->get<std::string>() : f->dump();
}

http::Response jsonResponse(int status, const json& body) {
  http::Response r;
  r.status = status;
  r.headers["content-type"] = "application/json";
  r.body = body.dump();
  if (status < 400) {
    r.headers["cache-control"] = "max-age=0, private, must-revalidate";
  } else {
    r.headers["cache-control"] = "no-cache";
  }
  return r;
}

http::Response messageError(int status, const json& message) { return jsonResponse(status, {{"message", message}}); }

http::Response grapeError(int status, const std::string& error) { return jsonResponse(status, {{"error", error}}); }

http::Response noContent() {
  http::Response r;
  r.status = 204;
  r.headers["cache-control"] = "no-cache";
  return r;
}

http::Response oauthError(int status, const std::string& error, const std::string& description,
                          const std::string& scope) {
  json body = {{"error", error}, {"error_description", description}};
  if (!scope.empty()) body["scope"] = scope;
  auto r = jsonResponse(status, body);
  std::string challenge = "Bearer realm=\"Protected by OAuth 2.0\", error=\"" + error + "\", error_description=\"" +
                          description + "\"";
  if (!scope.empty()) challenge += ", scope=\"" + scope + "\"";
  r.headers["www-authenticate"] = challenge;
  return r;
}

http::Response paginate(const std::vector<json>& items, const Params& params, const std::string& linkBase,
                        const std::string& rawQuery) {
  long long page = 1, perPage = 20;
  if (auto s = params.str("page")) {
    auto v = parseInt(*s);
    if (!v) return grapeError(400, "page is invalid");
    page = std::max<long long>(1, *v);
  }
  if (auto s = params.str("per_page")) {
    auto v = parseInt(*s);
    if (!v) return grapeError(400, "per_page is invalid");
    perPage = *v < 1 ? 20 : std::min<long long>(100, *v);
  }
  long long total = static_cast<long long>(items.size());
  long long totalPages = std::max<long long>(1, (total + perPage - 1) / perPage);
  bool outOfRange = page > totalPages;

  json body = json::array();
  for (long long i = (page - 1) * perPage; i < total && i < page * perPage; ++i) body.push_back(items[i]);
  auto r = jsonResponse(200, body);

  std::vector<std::pair<std::string, std::string>> kept;   // (decoded key, raw piece)
  for (auto piece : split(rawQuery, '&')) {
    std::string key = http::urlDecode(piece.substr(0, piece.find('=')), true);
    if (key == "page" || key == "per_page" || key == "private_token") continue;
    kept.emplace_back(key, std::string(piece));
  }
  auto link = [&](long long p) {
    auto pieces = kept;
    pieces.emplace_back("page", "page=" + std::to_string(p));
    pieces.emplace_back("per_page", "per_page=" + std::to_string(perPage));
    std::stable_sort(pieces.begin(), pieces.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::string q;
    for (const auto& [k, raw] : pieces) q += (q.empty() ? "" : "&") + raw;
    return "<" + linkBase + "?" + q + ">";
  };

  bool hasPrev = page > 1 && !outOfRange;
  bool hasNext = page < totalPages;
  bool huge = total > 10000;
  std::vector<std::string> links;
  if (hasPrev) links.push_back(link(page - 1) + "; rel=\"prev\"");
  if (hasNext) links.push_back(link(page + 1) + "; rel=\"next\"");
  links.push_back(link(1) + "; rel=\"first\"");
  if (!huge) links.push_back(link(totalPages) + "; rel=\"last\"");
  std::string linkHeader;
  for (const auto& l : links) linkHeader += (linkHeader.empty() ? "" : ", ") + l;

  r.headers["link"] = linkHeader;
  r.headers["x-page"] = std::to_string(page);
  r.headers["x-per-page"] = std::to_string(perPage);
  r.headers["x-next-page"] = hasNext ? std::to_string(page + 1) : "";
  r.headers["x-prev-page"] = hasPrev ? std::to_string(page - 1) : "";
  if (!huge) {
    r.headers["x-total"] = std::to_string(total);
    r.headers["x-total-pages"] = std::to_string(totalPages);
  }
  return r;
}

}  // namespace patbot::fakes
