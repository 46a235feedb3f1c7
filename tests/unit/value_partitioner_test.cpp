#include "source/postgres/value_partitioner.h"

#include <gtest/gtest.h>

#include <limits>

namespace pg2ch {
namespace {

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

// Only the first range is open below and only the last above; the bounds between are strictly
// increasing and shared by neighbours, so every value falls in exactly one range.
void ExpectCovering(const std::vector<ValueRange>& ranges) {
  ASSERT_FALSE(ranges.empty());
  EXPECT_FALSE(ranges.front().lower.has_value());
  EXPECT_FALSE(ranges.back().upper.has_value());
  for (size_t i = 0; i + 1 < ranges.size(); ++i) {
    ASSERT_TRUE(ranges[i].upper.has_value()) << i;
    ASSERT_TRUE(ranges[i + 1].lower.has_value()) << i;
    EXPECT_EQ(*ranges[i].upper, *ranges[i + 1].lower) << i;
    if (ranges[i].lower) {
      EXPECT_LT(*ranges[i].lower, *ranges[i].upper) << i;
    }
  }
}

TEST(ValuePartitioner, SplitsMinToMaxIntoEqualWidths) {
  // ids 1..1,000,000, 100,000 rows a partition -> 10 ranges of 100,000 values.
  auto ranges = PlanValueRanges(1, 1000000, 1e6, 100000);
  ExpectCovering(ranges);
  ASSERT_EQ(ranges.size(), 10u);
  EXPECT_EQ(ranges[0], (ValueRange{std::nullopt, 100001}));
  EXPECT_EQ(ranges[1], (ValueRange{100001, 200001}));
  EXPECT_EQ(ranges[9], (ValueRange{900001, std::nullopt}));
}

TEST(ValuePartitioner, EmptySingleValueOrSmallTablesAreOnePartition) {
  for (auto ranges : {PlanValueRanges(std::nullopt, std::nullopt, 1e6, 1000),  // no values
                      PlanValueRanges(7, 7, 1e6, 1000),                        // min == max
                      PlanValueRanges(1, 1000000, 0, 1000),                    // no estimate
                      PlanValueRanges(1, 1000000, 500, 1000)}) {               // fits in one
    ASSERT_EQ(ranges.size(), 1u);
    EXPECT_EQ(ranges[0], ValueRange{});
    // Every row, NULLs included: no condition at all.
    EXPECT_EQ(ValueRangeCondition("id", ranges[0], true), "");
  }
}

TEST(ValuePartitioner, NeverMoreRangesThanValues) {
  // Many rows on few distinct values (a skewed column): a range holds at least one value.
  auto ranges = PlanValueRanges(10, 12, 1e6, 1000);
  ExpectCovering(ranges);
  ASSERT_EQ(ranges.size(), 3u);
  EXPECT_EQ(*ranges[0].upper, 11);
  EXPECT_EQ(*ranges[1].upper, 12);
}

TEST(ValuePartitioner, NegativeValues) {
  auto ranges = PlanValueRanges(-1000, -1, 1000, 250);
  ExpectCovering(ranges);
  ASSERT_EQ(ranges.size(), 4u);
  EXPECT_EQ(*ranges[0].upper, -750);
  EXPECT_EQ(*ranges[3].lower, -250);
  EXPECT_EQ(ValueRangeCondition("id", ranges[1], false), "\"id\" >= -750 AND \"id\" < -500");
}

TEST(ValuePartitioner, WholeInt64RangeWithoutOverflow) {
  auto ranges = PlanValueRanges(kMin, kMax, 4e6, 1000000);
  ExpectCovering(ranges);
  ASSERT_EQ(ranges.size(), 4u);
  EXPECT_EQ(*ranges[0].upper, kMin / 2);  // -2^62
  EXPECT_EQ(*ranges[1].upper, 0);
  EXPECT_EQ(*ranges[2].upper, kMax / 2 + 1);  // 2^62
  // Near the top only: the bounds stay below max and above min.
  auto top = PlanValueRanges(kMax - 10, kMax, 1e9, 1000, 3);
  ExpectCovering(top);
  ASSERT_EQ(top.size(), 3u);
  EXPECT_GT(*top[0].upper, kMax - 10);
  EXPECT_LE(*top[1].upper, kMax);
  auto bottom = PlanValueRanges(kMin, kMin + 1, 1e9, 1000);
  ExpectCovering(bottom);
  ASSERT_EQ(bottom.size(), 2u);
  EXPECT_EQ(*bottom[0].upper, kMin + 1);
}

TEST(ValuePartitioner, PartitionCountIsCapped) {
  auto ranges = PlanValueRanges(0, 999999, 1e12, 1000, 100);
  ExpectCovering(ranges);
  EXPECT_EQ(ranges.size(), 100u);
  EXPECT_EQ(*ranges[0].upper, 10000);
}

TEST(ValuePartitioner, ConditionsAreHalfOpenWithNullsInTheFirstRangeOnly) {
  EXPECT_EQ(ValueRangeCondition("id", {std::nullopt, 100}, false), "\"id\" < 100");
  EXPECT_EQ(ValueRangeCondition("id", {std::nullopt, 100}, true),
            "(\"id\" < 100 OR \"id\" IS NULL)");
  EXPECT_EQ(ValueRangeCondition("id", {100, 200}, false), "\"id\" >= 100 AND \"id\" < 200");
  EXPECT_EQ(ValueRangeCondition("id", {200, std::nullopt}, false), "\"id\" >= 200");
  // Identifiers are quoted: any column name is safe.
  EXPECT_EQ(ValueRangeCondition("Odd \"Name\"", {1, std::nullopt}, false),
            "\"Odd \"\"Name\"\"\" >= 1");
}

TEST(ValuePartitioner, IntegerTypesAreTheInt64Domain) {
  EXPECT_TRUE(IsIntegerPartitionType(21));     // smallint
  EXPECT_TRUE(IsIntegerPartitionType(23));     // integer
  EXPECT_TRUE(IsIntegerPartitionType(20));     // bigint
  EXPECT_FALSE(IsIntegerPartitionType(1700));  // numeric
  EXPECT_FALSE(IsIntegerPartitionType(1114));  // timestamp
  EXPECT_FALSE(IsIntegerPartitionType(25));    // text
}

}  // namespace
}  // namespace pg2ch
