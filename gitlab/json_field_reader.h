// Reading GitLab's JSON answers field by field (gitlab/json_mapping.cpp, gitlab/json_resources.cpp):
// FieldReader keeps the first problem (a missing or mistyped field), readObject / objectFrom /
// arrayFrom turn it into Error kProtocol kUnreadableAnswer whose detail names the field and never
// quotes the text (an answer may hold a token value). Nothing here throws: objectFrom and
// arrayFrom catch what nlohmann::json might. Internal to patbot::gitlab.
#pragma once

#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.h"
#include "core/time_format.h"
#include "gitlab/json_mapping.h"

namespace patbot::gitlab::json_detail {

using nlohmann::json;

// GitLab's access levels go up to 60 (Admin); a value far beyond is not one.
inline constexpr int64_t kMaxAccessLevel = 1000;

inline Error unreadable(std::string detail) {
  return Error::make(ErrorKind::kProtocol, kUnreadableAnswer, std::move(detail));
}

// Reads fields of one JSON object, keeping the first problem found.
class FieldReader {
 public:
  FieldReader(const json& object, std::string where) : object_(object), where_(std::move(where)) {}

  bool failed() const { return !problem_.empty(); }
  Error error() const { return unreadable(problem_); }

  int64_t integer(const char* key, bool required, int64_t fallback = 0) {
    const json* v = field(key, required);
    if (!v) return fallback;
    if (!v->is_number_integer()) {
      wrongType(key, *v, "an integer");
      return fallback;
    }
    return v->get<int64_t>();
  }

  // nullopt when absent or null.
  std::optional<int64_t> optionalInteger(const char* key) {
    const json* v = field(key, false);
    if (!v) return std::nullopt;
    if (!v->is_number_integer()) {
      wrongType(key, *v, "an integer or null");
      return std::nullopt;
    }
    return v->get<int64_t>();
  }

  // The member `key` itself (nullptr when absent or null), for nested arrays.
  const json* member(const char* key) { return field(key, false); }

  std::string string(const char* key, bool required) {
    const json* v = field(key, required);
    if (!v) return {};
    if (!v->is_string()) {
      wrongType(key, *v, "a string");
      return std::string();
    }
    return v->get<std::string>();
  }

  std::optional<std::string> optionalString(const char* key) {
    const json* v = field(key, false);
    if (!v) return std::nullopt;
    if (!v->is_string()) {
      wrongType(key, *v, "a string or null");
      return std::nullopt;
    }
    return v->get<std::string>();
  }

  bool boolean(const char* key, bool fallback) {
    const json* v = field(key, false);
    if (!v) return fallback;
    if (!v->is_boolean()) {
      wrongType(key, *v, "true or false");
      return fallback;
    }
    return v->get<bool>();
  }

  std::vector<std::string> strings(const char* key) {
    std::vector<std::string> out;
    const json* v = field(key, false);
    if (!v) return out;
    if (!v->is_array()) {
      wrongType(key, *v, "an array of strings");
      return out;
    }
    for (const auto& item : *v) {
      if (!item.is_string()) {
        wrongType(key, item, "an array of strings");
        return out;
      }
      out.push_back(item.get<std::string>());
    }
    return out;
  }

  std::optional<Date> date(const char* key) {
    auto text = optionalString(key);
    if (!text) return std::nullopt;
    if (auto d = parseDate(*text)) return d;
    if (auto t = parseTimestamp(*text)) return utcDay(*t);
    fail(std::string("field \"") + key + "\" is not a date (YYYY-MM-DD)");
    return std::nullopt;
  }

  std::optional<TimePoint> timestamp(const char* key) {
    auto text = optionalString(key);
    if (!text) return std::nullopt;
    if (auto t = parseTimestamp(*text)) return t;   // also takes a bare YYYY-MM-DD
    fail(std::string("field \"") + key + "\" is not a timestamp");
    return std::nullopt;
  }

  // Records a problem of the object being read (only the first one is kept).
  void fail(std::string what) {
    if (problem_.empty()) problem_ = where_ + ": " + what;
  }

 private:
  // nullptr when absent or null (and records a problem if required).
  const json* field(const char* key, bool required) {
    auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) {
      if (required) fail(std::string("field \"") + key + "\" is missing");
      return nullptr;
    }
    return &*it;
  }

  void wrongType(const char* key, const json& v, const char* expected) {
    fail(std::string("field \"") + key + "\" is " + v.type_name() + ", expected " + expected);
  }

  const json& object_;
  std::string where_;
  std::string problem_;
};

// Reads a T from the JSON object `v` with `fill(reader, out)`, which reads T's fields in order;
// the first problem found (a non-object, a missing or mistyped field) is the Error.
template <typename T, typename Fill>
Result<T> readObject(const json& v, const std::string& where, Fill fill) {
  if (!v.is_object()) return unreadable(where + ": is " + v.type_name() + ", expected an object");
  FieldReader r(v, where);
  T out;
  fill(r, out);
  if (r.failed()) return r.error();
  return out;
}

// Parses without exceptions; the detail never quotes the text (it may hold a token value).
inline Result<json> parseText(const std::string& text) {
  json v = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (v.is_discarded()) {
    return unreadable("malformed JSON (" + std::to_string(text.size()) + " bytes)");
  }
  return v;
}

template <typename T, typename ItemFn>
Result<T> objectFrom(const std::string& text, const char* itemName, ItemFn item) {
  try {
    auto v = parseText(text);
    if (!v) return v.error();
    return item(*v, itemName);
  } catch (const std::exception& e) {
    return unreadable(std::string("unexpected JSON error: ") + e.what());
  }
}

template <typename T, typename ItemFn>
Result<std::vector<T>> arrayFrom(const std::string& text, const char* itemName, ItemFn item) {
  try {
    auto v = parseText(text);
    if (!v) return v.error();
    if (!v->is_array()) {
      return unreadable(std::string("expected an array of ") + itemName + ", got " + v->type_name());
    }
    std::vector<T> out;
    out.reserve(v->size());
    for (size_t i = 0; i < v->size(); ++i) {
      auto one = item((*v)[i], std::string(itemName) + " [" + std::to_string(i) + "]");
      if (!one) return one.error();
      out.push_back(std::move(one).value());
    }
    return out;
  } catch (const std::exception& e) {
    return unreadable(std::string("unexpected JSON error: ") + e.what());
  }
}

}  // namespace patbot::gitlab::json_detail
