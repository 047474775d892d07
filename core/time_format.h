// Dates and timestamps as GitLab and the audit trail write them. All UTC.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"

namespace patbot {

using Date = std::chrono::sys_days;

// "YYYY-MM-DD" -> Date; nullopt on anything else (including impossible dates like 2025-02-30).
std::optional<Date> parseDate(std::string_view text);
std::string formatDate(Date date);

// ISO 8601 / RFC 3339 timestamp ("2024-10-13T12:28:02.879Z", "...+00:00", no fraction) -> time.
// nullopt for years outside 1678..2261, which TimePoint (nanoseconds) cannot hold.
std::optional<TimePoint> parseTimestamp(std::string_view text);
// RFC 3339 UTC with milliseconds: "2024-10-13T12:28:02.879Z".
std::string formatTimestamp(TimePoint t);

// The UTC calendar day containing t.
Date utcDay(TimePoint t);

}  // namespace patbot
