// PostgreSQL's date and timestamp text: what ParsePgDate / ParsePgTimestamp accept must print
// back (AppendPgDateText / AppendPgTimestampText) to text that parses to the same value, and
// the ClickHouse-side readers (datetime_text.h) must refuse cleanly or clamp.
#include <string>

#include "common/error.h"
#include "destination/clickhouse/datetime_text.h"
#include "fuzz_input.h"
#include "pgvalue/pg_datetime.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  pg2ch::fuzz::FuzzInput in(data, size);
  std::string_view text = in.RestText();
  if (auto days = pg2ch::ParsePgDate(text);
      days && *days >= INT32_MIN + 1 && *days <= INT32_MAX - 1) {
    std::string printed;
    pg2ch::AppendPgDateText(static_cast<int32_t>(*days), printed);
    if (pg2ch::ParsePgDate(printed) != days) __builtin_trap();
  }
  if (auto micros = pg2ch::ParsePgTimestamp(text);
      micros && *micros > INT64_MIN && *micros < INT64_MAX) {
    for (bool tz : {false, true}) {
      std::string printed;
      pg2ch::AppendPgTimestampText(*micros, tz, printed);
      if (pg2ch::ParsePgTimestamp(printed) != micros) __builtin_trap();
    }
  }
  try {
    int32_t days = pg2ch::PgDateToDays(text);
    if (days < pg2ch::kMinDays || days > pg2ch::kMaxDays) __builtin_trap();  // clamped
  } catch (const pg2ch::PipeError&) {
  }
  try {
    int64_t micros = pg2ch::PgTimestampToMicros(text);
    if (micros < pg2ch::kMinMicros || micros > pg2ch::kMaxMicros) __builtin_trap();
  } catch (const pg2ch::PipeError&) {
  }
  return 0;
}
