// Small helpers shared by the files of RestGitLabApi (rest_gitlab_api.cpp, rest_gitlab_tokens.cpp,
// rest_gitlab_resources.cpp): request bodies, reading 2xx answers, pages. Internal to
// patbot::gitlab; nothing here sends a request.
#pragma once

#include <algorithm>
#include <cstddef>
#include <exception>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/lower_case.h"
#include "core/result.h"

namespace patbot::gitlab::rest_detail {

// Overwrites a string that held a secret before releasing it.
inline void wipe(std::string& s) {
  std::fill(s.begin(), s.end(), '\0');
  s.clear();
}

// A parse failure of a 2xx answer, completed with what patbot was doing.
inline Error unreadableAnswer(Error e, const std::string& what, const std::string& route, int status) {
  e.message += " while " + what;
  e.detail = route + ": " + e.detail;
  e.httpStatus = status;
  return e;
}

template <typename T>
Result<T> answerOf(Result<T> parsed, const std::string& what, const std::string& route, int status) {
  if (!parsed) return unreadableAnswer(parsed.error(), what, route, status);
  return parsed;
}

// True when `body`, lower-cased, contains `phrase` (lower-case).
inline bool bodySays(const std::string& body, std::string_view phrase) {
  return lowerCase(body).find(phrase) != std::string::npos;
}

// A request body; kInvalidInput when a string in it is not UTF-8 (the text is never quoted).
inline Result<std::string> jsonBody(const nlohmann::json& body, const std::string& what) {
  try {
    return body.dump();
  } catch (const std::exception&) {
    return Error::make(ErrorKind::kInvalidInput, "patbot could not send text that is not valid UTF-8 while " + what,
                       "JSON encoding of the request body failed");
  }
}

// A fetchAllPages consumer that appends the items of each page, as `parsePage` reads them, to `out`.
template <typename T>
std::function<Result<size_t>(const std::string&)> appendingTo(
    std::vector<T>& out, Result<std::vector<T>> (*parsePage)(const std::string&)) {
  return [&out, parsePage](const std::string& body) -> Result<size_t> {
    auto page = parsePage(body);
    if (!page) return page.error();
    out.insert(out.end(), page->begin(), page->end());
    return page->size();
  };
}

// Sorts `items` by id and keeps one item per id: offset pages of a list that changes while it is
// read may repeat an item.
template <typename T>
void keepOnePerId(std::vector<T>& items) {
  std::sort(items.begin(), items.end(), [](const T& a, const T& b) { return a.id < b.id; });
  items.erase(std::unique(items.begin(), items.end(), [](const T& a, const T& b) { return a.id == b.id; }),
              items.end());
}

}  // namespace patbot::gitlab::rest_detail
