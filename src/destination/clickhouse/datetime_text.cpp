#include "destination/clickhouse/datetime_text.h"

#include <algorithm>
#include <cstdio>

#include "common/error.h"
#include "pgvalue/pg_datetime.h"

namespace pg2ch {
namespace {

[[noreturn]] void Malformed(std::string_view text, const char* what) {
  ThrowFatal("cannot read '" + std::string(text) + "' as a PostgreSQL " + what);
}

constexpr int64_t kPgEpochShiftMicros = kPgEpochShiftDays * kMicrosPerDay;

}  // namespace

int32_t PgDateToDays(std::string_view text) {
  if (text == "infinity") return kMaxDays;
  if (text == "-infinity") return kMinDays;
  std::optional<int64_t> days = ParsePgDate(text);
  if (!days) Malformed(text, "date");
  return static_cast<int32_t>(std::clamp<int64_t>(*days + kPgEpochShiftDays, kMinDays, kMaxDays));
}

int64_t PgTimestampToMicros(std::string_view text) {
  if (text == "infinity") return kMaxMicros;
  if (text == "-infinity") return kMinMicros;
  std::optional<int64_t> micros = ParsePgTimestamp(text);
  if (!micros) Malformed(text, "timestamp");
  // Clamped before moving to 1970's epoch, which PostgreSQL's far end would overflow.
  return std::clamp(*micros, kMinMicros - kPgEpochShiftMicros, kMaxMicros - kPgEpochShiftMicros) +
         kPgEpochShiftMicros;
}

std::string FormatDays(int32_t days) {
  // Inside the clamp range PostgreSQL's form and ClickHouse's are the same "YYYY-MM-DD".
  std::string out;
  AppendPgDateText(static_cast<int32_t>(days - kPgEpochShiftDays), out);
  return out;
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
