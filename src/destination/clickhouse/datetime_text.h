// PostgreSQL date / timestamp text (DateStyle=ISO, TimeZone=UTC) -> ClickHouse Date32 days and
// DateTime64(6) microseconds, clamped to the range ClickHouse can hold, as ClickPipes does:
// 1900-01-01 .. 2299-12-31 (23:59:59.999999). 'infinity' / '-infinity' clamp to the ends.
//
// Accepted forms: "2024-03-01", "0044-03-15 BC", "12345-01-01"; "2024-03-01 12:34:56[.ffffff]"
// with an optional offset "+HH[:MM[:SS]]" (timestamptz) and an optional trailing " BC".
// Anything else throws PipeError(kFatal): an unparsable value is never written as a default.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace pg2ch {

inline constexpr int32_t kMinDays = -25567;  // 1900-01-01
inline constexpr int32_t kMaxDays = 120529;  // 2299-12-31
inline constexpr int64_t kMicrosPerDay = 86'400'000'000;
inline constexpr int64_t kMinMicros = int64_t{kMinDays} * kMicrosPerDay;
inline constexpr int64_t kMaxMicros = (int64_t{kMaxDays} + 1) * kMicrosPerDay - 1;

int32_t PgDateToDays(std::string_view text);
int64_t PgTimestampToMicros(std::string_view text);

// "YYYY-MM-DD" and "YYYY-MM-DD hh:mm:ss.ffffff" of values inside the clamp range.
std::string FormatDays(int32_t days);
std::string FormatMicros(int64_t micros);

}  // namespace pg2ch
