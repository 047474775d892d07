#include "core/time_format.h"

#include <cctype>
#include <cstdio>

namespace patbot {
namespace {

bool readInt(std::string_view s, size_t pos, size_t len, int& out) {
  if (pos + len > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + len; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

// TimePoint counts nanoseconds in an int64 (about 1677-09-22 to 2262-04-11). Whole years well
// inside that range, so that adding a time of day and a UTC offset cannot overflow.
constexpr int kFirstTimestampYear = 1678;
constexpr int kLastTimestampYear = 2261;

std::optional<Date> makeDate(int y, int m, int d) {
  std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{static_cast<unsigned>(m)},
                                  std::chrono::day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  return Date{ymd};
}

}  // namespace

std::optional<Date> parseDate(std::string_view s) {
  int y = 0, m = 0, d = 0;
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  if (!readInt(s, 0, 4, y) || !readInt(s, 5, 2, m) || !readInt(s, 8, 2, d)) return std::nullopt;
  return makeDate(y, m, d);
}

std::string formatDate(Date date) {
  std::chrono::year_month_day ymd{date};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

std::optional<TimePoint> parseTimestamp(std::string_view s) {
  auto date = parseDate(s.substr(0, std::min<size_t>(10, s.size())));
  if (!date) return std::nullopt;
  const int year = static_cast<int>(std::chrono::year_month_day{*date}.year());
  if (year < kFirstTimestampYear || year > kLastTimestampYear) return std::nullopt;
  TimePoint t = *date;
  if (s.size() == 10) return t;
  if (s[10] != 'T' && s[10] != 't' && s[10] != ' ') return std::nullopt;
  int hh = 0, mm = 0, ss = 0;
  if (!readInt(s, 11, 2, hh) || s.size() < 19 || s[13] != ':' || !readInt(s, 14, 2, mm) ||
      s[16] != ':' || !readInt(s, 17, 2, ss) || hh > 23 || mm > 59 || ss > 60) {
    return std::nullopt;
  }
  t += std::chrono::hours(hh) + std::chrono::minutes(mm) + std::chrono::seconds(ss);
  size_t pos = 19;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    long long frac = 0;
    int digits = 0;
    while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) {
      if (digits < 6) { frac = frac * 10 + (s[pos] - '0'); ++digits; }
      ++pos;
    }
    if (digits == 0) return std::nullopt;
    while (digits < 6) { frac *= 10; ++digits; }
    t += std::chrono::microseconds(frac);
  }
  std::string_view zone = s.substr(pos);
  if (zone == "Z" || zone == "z" || zone.empty() || zone == " UTC") return t;
  int zh = 0, zm = 0;
  if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && readInt(zone, 1, 2, zh) &&
      zone[3] == ':' && readInt(zone, 4, 2, zm)) {
    auto offset = std::chrono::hours(zh) + std::chrono::minutes(zm);
    return zone[0] == '+' ? t - offset : t + offset;
  }
  return std::nullopt;
}

std::string formatTimestamp(TimePoint t) {
  auto ms = std::chrono::time_point_cast<std::chrono::milliseconds>(t);
  auto day = std::chrono::floor<std::chrono::days>(ms);
  std::chrono::hh_mm_ss<std::chrono::milliseconds> hms{ms - day};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%sT%02d:%02d:%02d.%03dZ", formatDate(day).c_str(),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()), static_cast<int>(hms.subseconds().count()));
  return buf;
}

Date utcDay(TimePoint t) { return std::chrono::floor<std::chrono::days>(t); }

}  // namespace patbot
