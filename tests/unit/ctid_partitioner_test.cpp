#include "source/postgres/ctid_partitioner.h"

#include <gtest/gtest.h>

namespace pg2ch {
namespace {

// The ranges are contiguous, start at page 0, never empty, and only the last is open-ended.
void ExpectCovering(const std::vector<PageRange>& ranges) {
  ASSERT_FALSE(ranges.empty());
  EXPECT_EQ(ranges.front().first_page, 0);
  EXPECT_FALSE(ranges.back().end_page.has_value());
  for (size_t i = 0; i + 1 < ranges.size(); ++i) {
    ASSERT_TRUE(ranges[i].end_page.has_value()) << i;
    EXPECT_GT(*ranges[i].end_page, ranges[i].first_page) << i;
    EXPECT_EQ(*ranges[i].end_page, ranges[i + 1].first_page) << i;
  }
}

TEST(CtidPartitioner, SplitsByEstimatedRowsPerPage) {
  // 1,000,000 rows on 10,000 pages (100 a page), 100,000 rows a partition -> 1,000 pages each.
  auto ranges = PlanPageRanges(10000, 100.0, 100000);
  ExpectCovering(ranges);
  ASSERT_EQ(ranges.size(), 10u);
  EXPECT_EQ(ranges[0], (PageRange{0, 1000}));
  EXPECT_EQ(ranges[9], (PageRange{9000, std::nullopt}));
}

TEST(CtidPartitioner, LastPartitionTakesTheRemainderAndAnyGrowth) {
  auto ranges = PlanPageRanges(2500, 100.0, 100000);
  ExpectCovering(ranges);
  ASSERT_EQ(ranges.size(), 3u);
  EXPECT_EQ(ranges[2].first_page, 2000);
  EXPECT_EQ(CtidRangeCondition(ranges[2]), "ctid >= '(2000,0)'::tid");
}

TEST(CtidPartitioner, EmptyUnknownOrSmallTablesAreOnePartition) {
  for (auto ranges : {PlanPageRanges(0, 100.0, 1000), PlanPageRanges(500, 0.0, 1000),
                      PlanPageRanges(500, -1.0, 1000), PlanPageRanges(10, 50.0, 100000)}) {
    ASSERT_EQ(ranges.size(), 1u);
    EXPECT_EQ(ranges[0], PageRange{});
    EXPECT_EQ(CtidRangeCondition(ranges[0]), "");  // every row, no ctid condition at all
  }
}

TEST(CtidPartitioner, WideRowsStillGetAtLeastOnePagePerPartition) {
  // 2 rows a page (TOAST-sized rows), 1 row per partition asked: one page each, not zero.
  auto ranges = PlanPageRanges(5, 2.0, 1);
  ExpectCovering(ranges);
  EXPECT_EQ(ranges.size(), 5u);
}

TEST(CtidPartitioner, PartitionCountIsCapped) {
  auto ranges = PlanPageRanges(1000000, 100.0, 1000, 100);
  ExpectCovering(ranges);
  EXPECT_EQ(ranges.size(), 100u);
  EXPECT_EQ(*ranges[0].end_page, 10000);
}

TEST(CtidPartitioner, ConditionsSelectHalfOpenPageRanges) {
  EXPECT_EQ(CtidRangeCondition({0, 7}), "ctid < '(7,0)'::tid");
  EXPECT_EQ(CtidRangeCondition({7, 14}), "ctid >= '(7,0)'::tid AND ctid < '(14,0)'::tid");
}

}  // namespace
}  // namespace pg2ch
