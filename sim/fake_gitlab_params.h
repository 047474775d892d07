// Request parameters and response shapes of the fake GitLab: GitLab accepts parameters from the
// query string, a form body or a JSON body (gitlab-api.md §1.1); errors come in the shapes of §1.4
// and lists carry the offset-pagination headers of §1.6.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "http/http_types.h"

namespace patbot::fakes {

// Merged parameters: query first, then the body (JSON object or form) overriding it. Form and
// query keys "a[]" build arrays and "a[b]" nested objects, as Rack does.
class Params {
 public:
  // nullopt when the body claims to be JSON but is not a JSON object.
  static std::optional<Params> fromRequest(const http::Request& req);

  bool has(const std::string& key) const;
  // Strings as given; numbers and booleans as their text; nullopt when absent or null.
  std::optional<std::string> str(const std::string& key) const;
  // An array of strings, or a comma-separated string split (GitLab's CommaSeparatedToArray).
  std::optional<std::vector<std::string>> list(const std::string& key) const;
  // nullopt when absent; false/true from booleans or "true"/"false"/"1"/"0"; sets *invalid else.
  std::optional<bool> boolean(const std::string& key, bool* invalid) const;
  // filter[<name>] (form, query or a JSON "filter" object).
  std::optional<std::string> filter(const std::string& name) const;
  const nlohmann::json& all() const { return values_; }

 private:
  nlohmann::json values_ = nlohmann::json::object();
};

http::Response jsonResponse(int status, const nlohmann::json& body);
http::Response messageError(int status, const nlohmann::json& message);   // {"message": ...}
http::Response grapeError(int status, const std::string& error);          // {"error": "..."}
http::Response noContent();                                               // 204, no body
http::Response oauthError(int status, const std::string& error, const std::string& description,
                          const std::string& scope = {});

// One page of `items` with X-Page, X-Per-Page, X-Next-Page, X-Prev-Page (empty when none),
// X-Total, X-Total-Pages (omitted above 10,000 items) and Link (prev, next, first, last).
// `linkBase` is "<scheme://host>/api/v4/<path>"; the query's other parameters are repeated
// (sorted, private_token dropped). A bad page/per_page gives the Grape 400.
http::Response paginate(const std::vector<nlohmann::json>& items, const Params& params, const std::string& linkBase,
                        const std::string& rawQuery);

}  // namespace patbot::fakes
