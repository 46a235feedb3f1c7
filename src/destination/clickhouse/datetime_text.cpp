#include "destination/clickhouse/datetime_text.h"

#include <algorithm>
#include <cstdio>

#include "common/error.h"
#include "core/civil_date.h"

namespace pg2ch {
namespace {

[[noreturn]] void Malformed(std::string_view text, const char* what) {
  ThrowFatal("cannot read '" + std::string(text) + "' as a PostgreSQL " + what);
}

// Reads exactly `count` digits (or at least `count` when `at_least`).
bool Digits(std::string_view text, size_t& pos, size_t count, int64_t& value, bool at_least) {
  size_t begin = pos;
  value = 0;
  while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9' &&
         (at_least || pos - begin < count) && pos - begin < 12) {
    value = value * 10 + (text[pos++] - '0');
  }
  return pos - begin >= count;
}

bool Expect(std::string_view text, size_t& pos, char c) {
  if (pos >= text.size() || text[pos] != c) return false;
  ++pos;
  return true;
}

bool ValidDate(int64_t year, int64_t month, int64_t day) {
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month >= 1 && month <= 12 && day >= 1 && day <= kDays[month - 1] &&
         !(month == 2 && day == 29 && !(year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)));
}

// Reads "YYYY-MM-DD" at pos (YYYY may be longer); a trailing " BC" is the caller's to read.
bool ParseDatePart(std::string_view text, size_t& pos, int64_t& year, int64_t& month,
                   int64_t& day) {
  return Digits(text, pos, 4, year, true) && Expect(text, pos, '-') &&
         Digits(text, pos, 2, month, false) && Expect(text, pos, '-') &&
         Digits(text, pos, 2, day, false);
}

bool ConsumeBc(std::string_view text, size_t& pos) {
  if (text.substr(pos) == " BC") {
    pos = text.size();
    return true;
  }
  return false;
}

}  // namespace

int32_t PgDateToDays(std::string_view text) {
  if (text == "infinity") return kMaxDays;
  if (text == "-infinity") return kMinDays;
  size_t pos = 0;
  int64_t year, month, day;
  if (!ParseDatePart(text, pos, year, month, day)) Malformed(text, "date");
  bool bc = ConsumeBc(text, pos);
  if (pos != text.size() || !ValidDate(bc ? 1 - year : year, month, day) || (bc && year == 0)) {
    Malformed(text, "date");
  }
  int64_t days =
      DaysFromCivil(bc ? 1 - year : year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  return static_cast<int32_t>(std::clamp<int64_t>(days, kMinDays, kMaxDays));
}

int64_t PgTimestampToMicros(std::string_view text) {
  if (text == "infinity") return kMaxMicros;
  if (text == "-infinity") return kMinMicros;
  size_t pos = 0;
  int64_t year, month, day, hour, minute, second;
  bool ok = ParseDatePart(text, pos, year, month, day) && Expect(text, pos, ' ') &&
            Digits(text, pos, 2, hour, false) && Expect(text, pos, ':') &&
            Digits(text, pos, 2, minute, false) && Expect(text, pos, ':') &&
            Digits(text, pos, 2, second, false) && hour <= 24 && minute < 60 && second < 60;
  if (!ok) Malformed(text, "timestamp");
  int64_t micros = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9' && digits < 6) {
      micros = micros * 10 + (text[pos++] - '0');
      ++digits;
    }
    if (digits == 0) Malformed(text, "timestamp");
    for (; digits < 6; ++digits) micros *= 10;
  }
  int64_t offset_seconds = 0;
  if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int sign = text[pos++] == '-' ? -1 : 1;
    int64_t oh = 0, om = 0, os = 0;
    if (!Digits(text, pos, 2, oh, false)) Malformed(text, "timestamp");
    if (pos < text.size() && text[pos] == ':' && !Digits(text, ++pos, 2, om, false)) {
      Malformed(text, "timestamp");
    }
    if (pos < text.size() && text[pos] == ':' && !Digits(text, ++pos, 2, os, false)) {
      Malformed(text, "timestamp");
    }
    offset_seconds = sign * (oh * 3600 + om * 60 + os);
  }
  bool bc = ConsumeBc(text, pos);
  if (pos != text.size() || !ValidDate(bc ? 1 - year : year, month, day) || (bc && year == 0)) {
    Malformed(text, "timestamp");
  }
  // Far-off years are clamped by the day count alone, before anything could overflow.
  int64_t days =
      DaysFromCivil(bc ? 1 - year : year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  if (days < kMinDays - 1) return kMinMicros;
  if (days > kMaxDays + 1) return kMaxMicros;
  int64_t seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset_seconds;
  return std::clamp<int64_t>(seconds * 1'000'000 + micros, kMinMicros, kMaxMicros);
}

std::string FormatDays(int32_t days) {
  const CivilDate date = CivilFromDays(days);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lld", static_cast<long long>(date.year),
                static_cast<long long>(date.month), static_cast<long long>(date.day));
  return buf;
}

std::string FormatMicros(int64_t micros) {
  int64_t days =
      micros >= 0 ? micros / kMicrosPerDay : -((-micros + kMicrosPerDay - 1) / kMicrosPerDay);
  int64_t rest = micros - days * kMicrosPerDay;
  char buf[96];
  std::snprintf(
      buf, sizeof buf, " %02lld:%02lld:%02lld.%06lld", static_cast<long long>(rest / 3'600'000'000),
      static_cast<long long>(rest / 60'000'000 % 60), static_cast<long long>(rest / 1'000'000 % 60),
      static_cast<long long>(rest % 1'000'000));
  return FormatDays(static_cast<int32_t>(days)) + buf;
}

}  // namespace pg2ch
