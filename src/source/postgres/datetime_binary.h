// PostgreSQL date / timestamp / timestamptz values from the binary send format -> the exact text
// date_out / timestamp_out / timestamptz_out print in pg2ch's sessions (DateStyle=ISO,
// TimeZone=UTC, see pg_connection.h). Where ClickHouse keeps these as text (18.16 has no Date32
// or DateTime64), a binary COPY then stores what a text COPY would:
//   date         "2024-03-01", "0044-03-15 BC", "12345-01-01", "infinity", "-infinity"
//   timestamp    "2024-03-01 12:34:56", fraction trimmed of trailing zeros: "...56.5"
//   timestamptz  as timestamp plus "+00" (before any " BC")
// Inputs are the send format's integers: days / microseconds since 2000-01-01, with the int32 /
// int64 extremes meaning -infinity and infinity. Pure functions.
#pragma once

#include <cstdint>
#include <string>

namespace pg2ch {

void AppendPgDateText(int32_t days_since_2000, std::string& out);
void AppendPgTimestampText(int64_t micros_since_2000, bool with_time_zone, std::string& out);

}  // namespace pg2ch
