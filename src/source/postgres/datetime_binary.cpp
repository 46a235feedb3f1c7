#include "source/postgres/datetime_binary.h"

#include <limits>

#include "core/civil_date.h"

namespace pg2ch {
namespace {

constexpr int64_t kEpochShiftDays = 10957;  // 1970-01-01 -> 2000-01-01
constexpr int64_t kMicrosPerDay = 86'400'000'000;

// Writes `value` >= 0 in at least `width` digits, zero-padded; returns the end.
char* Padded(int64_t value, int width, char* p) {
  char digits[24];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value > 0);
  for (int i = n; i < width; ++i) *p++ = '0';
  while (n > 0) *p++ = digits[--n];
  return p;
}

// Two digits of `value` < 100: months, days, hours, minutes, seconds (most of the text).
char* Two(int64_t value, char* p) {
  p[0] = static_cast<char>('0' + value / 10);
  p[1] = static_cast<char>('0' + value % 10);
  return p + 2;
}

// "YYYY-MM-DD" of the date `days` after 1970-01-01; sets `bc`.
char* Date(int64_t days, bool& bc, char* p) {
  const CivilDate date = CivilFromDays(days);
  bc = date.year <= 0;
  const int64_t year = bc ? 1 - date.year : date.year;
  p = year < 10000 ? Two(year % 100, Two(year / 100, p)) : Padded(year, 4, p);
  *p++ = '-';
  p = Two(date.month, p);
  *p++ = '-';
  return Two(date.day, p);
}

// Every form fits: a 7-digit year, time, fraction, offset and " BC".
constexpr size_t kMaxText = 48;

}  // namespace

void AppendPgDateText(int32_t days_since_2000, std::string& out) {
  if (days_since_2000 == std::numeric_limits<int32_t>::min()) return void(out.append("-infinity"));
  if (days_since_2000 == std::numeric_limits<int32_t>::max()) return void(out.append("infinity"));
  char text[kMaxText];
  bool bc = false;
  char* p = Date(int64_t{days_since_2000} + kEpochShiftDays, bc, text);
  out.append(text, p);
  if (bc) out.append(" BC");
}

void AppendPgTimestampText(int64_t micros_since_2000, bool with_time_zone, std::string& out) {
  if (micros_since_2000 == std::numeric_limits<int64_t>::min())
    return void(out.append("-infinity"));
  if (micros_since_2000 == std::numeric_limits<int64_t>::max()) return void(out.append("infinity"));
  // Floor division: a time before 2000 belongs to the day that starts before it.
  int64_t days = micros_since_2000 / kMicrosPerDay;
  int64_t rest = micros_since_2000 % kMicrosPerDay;
  if (rest < 0) {
    rest += kMicrosPerDay;
    --days;
  }
  char text[kMaxText];
  bool bc = false;
  char* p = Date(days + kEpochShiftDays, bc, text);
  const int64_t seconds = rest / 1'000'000;
  *p++ = ' ';
  p = Two(seconds / 3600, p);
  *p++ = ':';
  p = Two(seconds / 60 % 60, p);
  *p++ = ':';
  p = Two(seconds % 60, p);
  if (const int64_t fraction = rest % 1'000'000; fraction != 0) {
    // Six digits, then without the trailing zeros, as PostgreSQL prints them.
    *p++ = '.';
    p = Two(fraction % 100, Two(fraction / 100 % 100, Two(fraction / 10000, p)));
    while (p[-1] == '0') --p;
  }
  out.append(text, p);
  if (with_time_zone) out.append("+00");
  if (bc) out.append(" BC");
}

}  // namespace pg2ch
