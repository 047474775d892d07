#include "http/router.h"

#include <utility>

namespace patbot::http {

void Router::add(std::string method, std::string path, RequestHandler handler) {
  exact_[std::move(path)][std::move(method)] = std::move(handler);
}

void Router::addPrefix(std::string method, std::string prefix, RequestHandler handler) {
  prefixes_[std::move(prefix)][std::move(method)] = std::move(handler);
}

Response Router::handle(const Request& request) const {
  if (auto it = exact_.find(request.path); it != exact_.end()) {
    return dispatch(it->second, request);
  }
  const MethodTable* best = nullptr;
  size_t bestLength = 0;
  for (const auto& [prefix, table] : prefixes_) {
    if (request.path.compare(0, prefix.size(), prefix) == 0 && (best == nullptr || prefix.size() > bestLength)) {
      best = &table;
      bestLength = prefix.size();
    }
  }
  if (best != nullptr) return dispatch(*best, request);
  return Response::text(404, "not found");
}

Response Router::dispatch(const MethodTable& table, const Request& request) {
  if (auto it = table.find(request.method); it != table.end()) {
    return it->second(request);
  }
  std::string allow;
  for (const auto& entry : table) {
    if (!allow.empty()) allow += ", ";
    allow += entry.first;
  }
  Response response = Response::text(405, "method not allowed");
  response.headers["allow"] = allow;
  return response;
}

}  // namespace patbot::http
