// PostgreSQL date / timestamp / timestamptz values as it stores and sends them (days /
// microseconds since 2000-01-01 UTC) <-> the exact text date_out / timestamp_out /
// timestamptz_out print in pg2ch's sessions (DateStyle=ISO, TimeZone=UTC, see pg_connection.h).
// Printing: where ClickHouse keeps these as text (18.16 has no Date32 or DateTime64), a binary
// COPY then stores what a text COPY would:
//   date         "2024-03-01", "0044-03-15 BC", "12345-01-01", "infinity", "-infinity"
//   timestamp    "2024-03-01 12:34:56", fraction trimmed of trailing zeros: "...56.5"
//   timestamptz  as timestamp plus "+00" (before any " BC")
// Inputs are the send format's integers, with the int32 / int64 extremes meaning -infinity and
// infinity. Parsing reads those forms back (any "+HH[:MM[:SS]]" offset, for text from other
// sessions too), exactly, without clamping; "infinity" and anything malformed or out of range
// give nullopt (callers decide what infinity means to them). Pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pg2ch {

// Days from 1970-01-01 (ClickHouse's and civil_date.h's epoch) to PostgreSQL's 2000-01-01.
inline constexpr int64_t kPgEpochShiftDays = 10957;

void AppendPgDateText(int32_t days_since_2000, std::string& out);
void AppendPgTimestampText(int64_t micros_since_2000, bool with_time_zone, std::string& out);

std::optional<int64_t> ParsePgDate(std::string_view text);       // days since 2000-01-01
std::optional<int64_t> ParsePgTimestamp(std::string_view text);  // microseconds since 2000, UTC

}  // namespace pg2ch
