#include "source/postgres/datetime_binary.h"

#include <limits>

#include "core/civil_date.h"

namespace pg2ch {
namespace {

constexpr int64_t kEpochShiftDays = 10957;  // 1970-01-01 -> 2000-01-01
constexpr int64_t kMicrosPerDay = 86'400'000'000;

// `value` >= 0 in at least `width` digits, zero-padded.
void AppendPadded(int64_t value, int width, std::string& out) {
  char digits[24];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value > 0);
  for (int i = n; i < width; ++i) out.push_back('0');
  while (n > 0) out.push_back(digits[--n]);
}

// "YYYY-MM-DD" of the date `days` after 1970-01-01; returns whether it is BC.
bool AppendDate(int64_t days, std::string& out) {
  const CivilDate date = CivilFromDays(days);
  const bool bc = date.year <= 0;
  AppendPadded(bc ? 1 - date.year : date.year, 4, out);
  out.push_back('-');
  AppendPadded(date.month, 2, out);
  out.push_back('-');
  AppendPadded(date.day, 2, out);
  return bc;
}

}  // namespace

void AppendPgDateText(int32_t days_since_2000, std::string& out) {
  if (days_since_2000 == std::numeric_limits<int32_t>::min()) return void(out.append("-infinity"));
  if (days_since_2000 == std::numeric_limits<int32_t>::max()) return void(out.append("infinity"));
  if (AppendDate(int64_t{days_since_2000} + kEpochShiftDays, out)) out.append(" BC");
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
  const bool bc = AppendDate(days + kEpochShiftDays, out);
  const int64_t seconds = rest / 1'000'000;
  out.push_back(' ');
  AppendPadded(seconds / 3600, 2, out);
  out.push_back(':');
  AppendPadded(seconds / 60 % 60, 2, out);
  out.push_back(':');
  AppendPadded(seconds % 60, 2, out);
  if (int64_t fraction = rest % 1'000'000; fraction != 0) {
    out.push_back('.');
    int width = 6;
    while (fraction % 10 == 0) {
      fraction /= 10;
      --width;
    }
    AppendPadded(fraction, width, out);
  }
  if (with_time_zone) out.append("+00");
  if (bc) out.append(" BC");
}

}  // namespace pg2ch
