#include "pgvalue/pg_datetime.h"

#include <limits>

#include "core/civil_date.h"

namespace pg2ch {
namespace {

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

// Reads text left to right; every step fails rather than skipping.
struct Cursor {
  std::string_view text;
  size_t at = 0;

  bool Eat(char c) {
    if (at >= text.size() || text[at] != c) return false;
    ++at;
    return true;
  }
  bool Eat(std::string_view word) {
    if (text.substr(at, word.size()) != word) return false;
    at += word.size();
    return true;
  }
  // Between `fewest` and `most` decimal digits.
  bool Number(int64_t& out, size_t fewest, size_t most) {
    const size_t start = at;
    out = 0;
    while (at < text.size() && at - start < most && text[at] >= '0' && text[at] <= '9')
      out = out * 10 + (text[at++] - '0');
    return at - start >= fewest;
  }
};

bool ValidDate(int64_t year, int64_t month, int64_t day) {
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month >= 1 && month <= 12 && day >= 1 && day <= kDays[month - 1] &&
         !(month == 2 && day == 29 && !(year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)));
}

// "YYYY-MM-DD" (YYYY may be longer): its astronomical year, month and day, once the whole text
// is known (a trailing " BC" changes the year), as days since 2000-01-01.
struct DatePart {
  int64_t year = 0, month = 0, day = 0;
  bool Read(Cursor& c) {
    return c.Number(year, 4, 9) && c.Eat('-') && c.Number(month, 2, 2) && c.Eat('-') &&
           c.Number(day, 2, 2);
  }
  // nullopt for a date that does not exist (or year 0 BC).
  std::optional<int64_t> Days(bool bc) const {
    const int64_t y = bc ? 1 - year : year;
    if (!ValidDate(y, month, day) || (bc && year == 0)) return std::nullopt;
    return DaysFromCivil(y, static_cast<unsigned>(month), static_cast<unsigned>(day)) -
           kPgEpochShiftDays;
  }
};

}  // namespace

void AppendPgDateText(int32_t days_since_2000, std::string& out) {
  if (days_since_2000 == std::numeric_limits<int32_t>::min()) return void(out.append("-infinity"));
  if (days_since_2000 == std::numeric_limits<int32_t>::max()) return void(out.append("infinity"));
  char text[kMaxText];
  bool bc = false;
  char* p = Date(int64_t{days_since_2000} + kPgEpochShiftDays, bc, text);
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
  char* p = Date(days + kPgEpochShiftDays, bc, text);
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

std::optional<int64_t> ParsePgDate(std::string_view text) {
  Cursor c{text};
  DatePart date;
  if (!date.Read(c)) return std::nullopt;
  const bool bc = c.Eat(" BC");
  if (c.at != text.size()) return std::nullopt;
  return date.Days(bc);
}

std::optional<int64_t> ParsePgTimestamp(std::string_view text) {
  Cursor c{text};
  DatePart date;
  int64_t hour = 0, minute = 0, second = 0;
  if (!date.Read(c) || !c.Eat(' ') || !c.Number(hour, 2, 2) || !c.Eat(':') ||
      !c.Number(minute, 2, 2) || !c.Eat(':') || !c.Number(second, 2, 2) || hour > 24 ||
      minute >= 60 || second >= 60)
    return std::nullopt;
  int64_t micros = 0;
  if (c.Eat('.')) {
    const size_t start = c.at;
    if (!c.Number(micros, 1, 6)) return std::nullopt;
    for (size_t n = c.at - start; n < 6; ++n) micros *= 10;
  }
  int64_t offset = 0;  // seconds east of UTC
  if (c.at < text.size() && (text[c.at] == '+' || text[c.at] == '-')) {
    const int64_t sign = text[c.at++] == '-' ? -1 : 1;
    int64_t oh = 0, om = 0, os = 0;
    if (!c.Number(oh, 2, 2) ||
        (c.Eat(':') && (!c.Number(om, 2, 2) || (c.Eat(':') && !c.Number(os, 2, 2)))))
      return std::nullopt;
    offset = sign * (oh * 3600 + om * 60 + os);
  }
  const bool bc = c.Eat(" BC");
  if (c.at != text.size()) return std::nullopt;
  const std::optional<int64_t> days = date.Days(bc);
  if (!days) return std::nullopt;
  // Local time minus its offset is UTC; a far-off year overflows rather than wraps.
  int64_t result = 0;
  const int64_t seconds = hour * 3600 + minute * 60 + second - offset;
  if (__builtin_mul_overflow(*days, kMicrosPerDay, &result) ||
      __builtin_add_overflow(result, seconds * 1'000'000 + micros, &result))
    return std::nullopt;
  return result;
}

}  // namespace pg2ch
