// Dispatch of plain Requests to handlers by method and path. Used as the RequestHandler of the
// bot's server and of the fake GitLab and Slack servers.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "http/http_types.h"
#include "http/server.h"

namespace patbot::http {

// Register every route before the first handle(); after that the Router is read-only and
// handle() may run on many threads at once. A Router is copyable and callable, so it can be
// passed wherever a RequestHandler is expected.
class Router {
 public:
  // Exact path match (the decoded path, without the query). Registering the same method and
  // path again replaces the earlier handler.
  void add(std::string method, std::string path, RequestHandler handler);
  // Matches every path that starts with `prefix`; exact routes win, then the longest prefix.
  void addPrefix(std::string method, std::string prefix, RequestHandler handler);

  // Unknown path: 404 text "not found". Known path, other method: 405 with an `allow` header
  // listing the registered methods. Exceptions from the handler propagate to the caller (the
  // server turns them into a 500).
  Response handle(const Request& request) const;
  Response operator()(const Request& request) const { return handle(request); }

 private:
  using MethodTable = std::map<std::string, RequestHandler>;

  static Response dispatch(const MethodTable& table, const Request& request);

  std::map<std::string, MethodTable> exact_;
  std::map<std::string, MethodTable> prefixes_;
};

}  // namespace patbot::http
