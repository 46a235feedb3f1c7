// PostgreSQL's date and timestamp text, both ways: what pg_datetime.h prints it parses back to
// the same value over PostgreSQL's whole range; offsets and malformed texts.
#include "pgvalue/pg_datetime.h"

#include <gtest/gtest.h>

#include <random>

#include "destination/clickhouse/datetime_text.h"

namespace pg2ch {
namespace {

// PostgreSQL's range: 4713-11-24 BC .. 5874897-12-31 (dates), .. 294276-12-31 (timestamps).
constexpr int64_t kFirstDay = -2451545;
constexpr int64_t kLastDay = 2145031948;
constexpr int64_t kLastMicros = 9223371331199999999;

TEST(PgDatetime, PrintedDatesAndTimestampsParseBackExactly) {
  std::mt19937_64 rng(11);
  for (int i = 0; i < 20000; ++i) {
    const int64_t day = std::uniform_int_distribution<int64_t>(kFirstDay, kLastDay)(rng);
    std::string text;
    AppendPgDateText(static_cast<int32_t>(day), text);
    EXPECT_EQ(ParsePgDate(text), day) << text;
    const int64_t micros =
        std::uniform_int_distribution<int64_t>(kFirstDay * 86'400'000'000, kLastMicros)(rng);
    for (bool tz : {false, true}) {
      text.clear();
      AppendPgTimestampText(micros, tz, text);
      EXPECT_EQ(ParsePgTimestamp(text), micros) << text;
    }
  }
}

TEST(PgDatetime, OffsetsAreUtcAndMalformedTextIsRefused) {
  EXPECT_EQ(ParsePgTimestamp("2000-01-01 02:00:00+02"), 0);
  EXPECT_EQ(ParsePgTimestamp("2000-01-01 00:00:00-05:30"), int64_t{19800} * 1'000'000);
  EXPECT_EQ(ParsePgTimestamp("1999-12-31 23:59:59.5"), -500000);
  EXPECT_EQ(ParsePgDate("0001-12-31 BC"), -730120);
  for (const char* bad : {"infinity", "2000-02-30", "2001-02-29", "0000-01-01 BC", "2000-1-01",
                          "2000-01-01 BC x", "", "2000-01-01x"})
    EXPECT_EQ(ParsePgDate(bad), std::nullopt) << bad;
  const char* bad_timestamps[] = {"-infinity",
                                  "2000-01-01",
                                  "2000-01-01 24:60:00",
                                  "2000-01-01 00:00:00.",
                                  "2000-01-01 00:00:00.1234567",
                                  "2000-01-01 00:00:00+",
                                  "2000-01-01 00:00:00 AD"};
  for (const char* bad : bad_timestamps) EXPECT_EQ(ParsePgTimestamp(bad), std::nullopt) << bad;
}

// ClickHouse literals for lookups (datetime_text.h) share the date printer.
TEST(PgDatetime, ClickHouseDateLiteralsOverTheClampRange) {
  EXPECT_EQ(FormatDays(0), "1970-01-01");
  EXPECT_EQ(FormatDays(kMinDays), "1900-01-01");
  EXPECT_EQ(FormatDays(kMaxDays), "2299-12-31");
  EXPECT_EQ(FormatDays(-1), "1969-12-31");
  EXPECT_EQ(FormatMicros(-1), "1969-12-31 23:59:59.999999");
  for (int32_t d = kMinDays; d <= kMaxDays; d += 97) EXPECT_EQ(PgDateToDays(FormatDays(d)), d);
}

}  // namespace
}  // namespace pg2ch
