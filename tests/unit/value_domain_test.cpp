#include "source/postgres/value_domain.h"

#include <gtest/gtest.h>

#include "common/error.h"
#include "source/postgres/value_image.h"

namespace pg2ch {
namespace {

// The ranges that meet at `bounds`: open below the first and above the last, each bound the
// upper end of one range and the lower end of the next, so every value falls in exactly one.
std::vector<LiteralRange> Meeting(const std::vector<std::string>& bounds) {
  std::vector<LiteralRange> out(bounds.size() + 1);
  for (size_t i = 0; i < bounds.size(); ++i) out[i].upper = out[i + 1].lower = bounds[i];
  return out;
}

TEST(ValueDomain, TimestamptzSplitsIntoEqualSpansOfTime) {
  auto ranges = PlanLiteralRanges(ValueKind::kTimestamptz, "2024-01-01 00:00:00+00",
                                  "2024-01-11 00:00:00+00", 1e6, 100000);
  std::vector<std::string> days;
  for (int day = 2; day <= 10; ++day)
    days.push_back("2024-01-" + std::string(day < 10 ? "0" : "") + std::to_string(day) +
                   " 00:00:00+00");
  EXPECT_EQ(ranges, Meeting(days));
  // Microseconds where the span does not divide evenly; no time zone for timestamp.
  auto odd = PlanLiteralRanges(ValueKind::kTimestamp, "2024-02-28 23:59:59.5",
                               "2024-02-29 00:00:00.5", 3e3, 1000);
  EXPECT_EQ(odd, Meeting({"2024-02-28 23:59:59.833333", "2024-02-29 00:00:00.166667"}));
}

TEST(ValueDomain, DatesSplitByDays) {
  auto ranges = PlanLiteralRanges(ValueKind::kDate, "2023-12-30", "2024-03-09", 7e3, 1000);
  // 71 days in 7 ranges: floor(i * 71 / 7) days from the first, across a leap day.
  EXPECT_EQ(ranges, Meeting({"2024-01-09", "2024-01-19", "2024-01-29", "2024-02-08", "2024-02-18",
                             "2024-02-28"}));
  // Far apart, BC included.
  auto wide = PlanLiteralRanges(ValueKind::kDate, "4713-01-01 BC", "5874897-12-31", 2e3, 1000);
  EXPECT_EQ(wide, Meeting({"2935093-01-01"}));
}

TEST(ValueDomain, NumericSplitsFractionalValuesExactly) {
  auto ranges = PlanLiteralRanges(ValueKind::kNumeric, "-5.500", "10.250", 7e3, 1000);
  EXPECT_EQ(ranges, Meeting({"-3.25", "-1", "1.25", "3.5", "5.75", "8"}));
  // Values far beyond int64: split on their 18 leading digits.
  auto big = PlanLiteralRanges(ValueKind::kNumeric, "100000000000000000000000000000",
                               "100000000000000003000000000000.5", 3e3, 1000);
  EXPECT_EQ(big, Meeting({"100000000000000001000000000000", "100000000000000002000000000000"}));
  // Closer together than those digits tell apart: one range, which is still correct.
  EXPECT_EQ(PlanLiteralRanges(ValueKind::kNumeric, "100000000000000000000000000000",
                              "100000000000000000000000000003", 3e3, 1000)
                .size(),
            1u);
  // Tiny values: the unit gets as small as they need.
  auto tiny = PlanLiteralRanges(ValueKind::kNumeric, "0.000000000000000000001",
                                "0.000000000000000000005", 2e3, 1000);
  EXPECT_EQ(tiny, Meeting({"0.000000000000000000003"}));
  // One value, or none: one range that takes everything.
  EXPECT_EQ(PlanLiteralRanges(ValueKind::kNumeric, "1.5", "1.50", 1e6, 10), Meeting({}));
  EXPECT_EQ(PlanLiteralRanges(ValueKind::kTimestamp, std::nullopt, std::nullopt, 1e6, 10),
            Meeting({}));
}

TEST(ValueDomain, NumericImagesAreFloors) {
  ValueImage cents(ValueKind::kNumeric, -2);
  EXPECT_EQ(cents.Of("1.239"), 123);
  EXPECT_EQ(cents.Of("-1.231"), -124);
  EXPECT_EQ(cents.Of("-0.001"), -1);
  EXPECT_EQ(cents.Of("-0.00"), 0);
  EXPECT_EQ(cents.Text(-1), "-0.01");
  EXPECT_EQ(cents.Text(-100), "-1");
  EXPECT_EQ(ValueImage(ValueKind::kNumeric, 3).Text(42), "42000");
  EXPECT_EQ(ValueImage::Spanning(ValueKind::kNumeric, "-5.5", "10.25").exponent(), -16);
  EXPECT_EQ(ValueImage::Spanning(ValueKind::kNumeric, "0", std::nullopt).exponent(), 0);
  // More than 18 digits in the image: the unit was not chosen for this value.
  EXPECT_THROW(cents.Of("100000000000000000"), PipeError);
}

TEST(ValueDomain, DateTimeTextRoundTripsThroughImages) {
  struct Case {
    ValueKind kind;
    const char* text;
    int64_t image;
  };
  for (const Case& c : {
           Case{ValueKind::kTimestamp, "2000-01-01 00:00:00", 0},
           Case{ValueKind::kTimestamp, "1999-12-31 23:59:59.999999", -1},
           Case{ValueKind::kTimestamp, "2000-01-02 00:00:00.25", 86400250000},
           Case{ValueKind::kTimestamptz, "2000-01-01 00:00:01+00", 1000000},
           // PostgreSQL's extremes.
           Case{ValueKind::kTimestamp, "4714-11-24 00:00:00 BC", -211813488000000000},
           Case{ValueKind::kTimestamptz, "294276-12-31 23:59:59.999999+00", 9223371331199999999},
           Case{ValueKind::kDate, "2000-03-01", 60},
           Case{ValueKind::kDate, "0001-01-01 BC", -730485},
           Case{ValueKind::kDate, "5874897-12-31", 2145031948},
           Case{ValueKind::kDate, "4713-01-01 BC", -2451507},
       }) {
    ValueImage image(c.kind, 0);
    EXPECT_EQ(image.Of(c.text), c.image) << c.text;
    EXPECT_EQ(image.Text(c.image), c.text) << c.text;
  }
  // Offsets other than UTC's are read as the instant they name.
  ValueImage tz(ValueKind::kTimestamptz, 0);
  EXPECT_EQ(tz.Of("2024-06-01 12:30:00+02"), tz.Of("2024-06-01 10:30:00+00"));
  EXPECT_EQ(tz.Of("2024-06-01 12:30:00-05:30"), tz.Of("2024-06-01 18:00:00+00"));
}

TEST(ValueDomain, NonFiniteOrForeignTextIsRefused) {
  for (ValueKind kind : {ValueKind::kTimestamp, ValueKind::kTimestamptz, ValueKind::kDate}) {
    ValueImage image(kind, 0);
    EXPECT_THROW(image.Of("infinity"), PipeError);
    EXPECT_THROW(image.Of("-infinity"), PipeError);
    EXPECT_THROW(image.Of("2024-13-01 00:00:00+00"), PipeError);
  }
  ValueImage numeric(ValueKind::kNumeric, 0);
  for (const char* text : {"NaN", "Infinity", "-Infinity", "1e5", "", "-", "1.2.3"})
    EXPECT_THROW(numeric.Of(text), PipeError) << text;
  EXPECT_THROW(PlanLiteralRanges(ValueKind::kNumeric, "NaN", "1", 1e6, 10), PipeError);
  EXPECT_EQ(ParseIntegerBound("-42"), -42);
  EXPECT_EQ(ParseIntegerBound(std::nullopt), std::nullopt);
  EXPECT_THROW(ParseIntegerBound("4.2"), PipeError);
}

TEST(ValueDomain, ConditionsCastQuotedLiteralsToTheColumnsType) {
  EXPECT_EQ(LiteralRangeCondition("ts", ValueKind::kTimestamptz,
                                  {"2024-01-02 00:00:00+00", "2024-01-03 00:00:00+00"}, false),
            "\"ts\" >= '2024-01-02 00:00:00+00'::pg_catalog.timestamptz AND "
            "\"ts\" < '2024-01-03 00:00:00+00'::pg_catalog.timestamptz");
  EXPECT_EQ(LiteralRangeCondition("d", ValueKind::kDate, {std::nullopt, "2024-01-09"}, true),
            "(\"d\" < '2024-01-09'::pg_catalog.date OR \"d\" IS NULL)");
  EXPECT_EQ(LiteralRangeCondition("n", ValueKind::kNumeric, {"-1.25", std::nullopt}, false),
            "\"n\" >= '-1.25'::pg_catalog.numeric");
  EXPECT_EQ(LiteralRangeCondition("t", ValueKind::kTimestamp, {"x'y", std::nullopt}, false),
            "\"t\" >= 'x''y'::pg_catalog.timestamp");
  EXPECT_EQ(LiteralRangeCondition("n", ValueKind::kNumeric, {}, true), "");
}

TEST(ValueDomain, FiniteConditionsLeaveOutInfinitiesAndNaN) {
  EXPECT_EQ(FiniteCondition(ValueKind::kInteger, "id", 150000), "");
  EXPECT_EQ(FiniteCondition(ValueKind::kTimestamptz, "ts", 150000),
            "\"ts\" > '-infinity'::pg_catalog.timestamptz AND "
            "\"ts\" < 'infinity'::pg_catalog.timestamptz");
  EXPECT_EQ(FiniteCondition(ValueKind::kDate, "d", 120000),
            "\"d\" > '-infinity'::pg_catalog.date AND \"d\" < 'infinity'::pg_catalog.date");
  EXPECT_EQ(FiniteCondition(ValueKind::kNumeric, "n", 140000),
            "\"n\" > '-Infinity'::pg_catalog.numeric AND \"n\" < 'Infinity'::pg_catalog.numeric");
  // Before 14, numeric has no infinities and no literal for them.
  EXPECT_EQ(FiniteCondition(ValueKind::kNumeric, "n", 130000), "\"n\" < 'NaN'::pg_catalog.numeric");
}

TEST(ValueDomain, PartitionTypes) {
  EXPECT_EQ(PartitionValueKind(20), ValueKind::kInteger);
  EXPECT_EQ(PartitionValueKind(1700), ValueKind::kNumeric);
  EXPECT_EQ(PartitionValueKind(1114), ValueKind::kTimestamp);
  EXPECT_EQ(PartitionValueKind(1184), ValueKind::kTimestamptz);
  EXPECT_EQ(PartitionValueKind(1082), ValueKind::kDate);
  EXPECT_EQ(PartitionValueKind(25), std::nullopt);    // text
  EXPECT_EQ(PartitionValueKind(701), std::nullopt);   // double precision
  EXPECT_EQ(PartitionValueKind(1083), std::nullopt);  // time
}

}  // namespace
}  // namespace pg2ch
