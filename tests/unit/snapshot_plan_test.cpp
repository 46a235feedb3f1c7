#include "pipe/snapshot_plan.h"

#include <gtest/gtest.h>

#include "common/error.h"

namespace pg2ch {
namespace {

SourceTable Table() {
  SourceTable t{"public", "t", 1, {}};
  t.columns = {{"id", 20, -1, "bigint", false, true},
               {"amount", 1700, (12 << 16 | 3) + 4, "numeric(12,3)"},
               {"at", 1184, -1, "timestamp with time zone"},
               {"day", 1082, -1, "date"},
               {"note", 25, -1, "text"}};
  return t;
}

TEST(SnapshotPlan, PartitionColumnMustBeOfATypeSplitByValue) {
  for (const char* column : {"id", "amount", "at", "day"})
    EXPECT_NO_THROW(CheckPartitionColumn(Table(), column)) << column;
  try {
    CheckPartitionColumn(Table(), "note");
    FAIL() << "text accepted";
  } catch (const PipeError& e) {
    EXPECT_EQ(std::string(e.what()),
              "table public.t: partition_column \"note\" is text; it must be smallint, integer, "
              "bigint, numeric, date, timestamp or timestamp with time zone");
  }
  EXPECT_THROW(CheckPartitionColumn(Table(), "missing"), PipeError);
}

// A plan read back from the catalog: the text bounds become conditions on literals of the
// column's type, the open ends by position, NULLs with the first range.
TEST(SnapshotPlan, TextBoundsOfAResumedPlanBecomeTypedConditions) {
  TableJob job;
  job.only = true;
  job.value_kind = ValueKind::kNumeric;
  job.plan.partition_column = "amount";
  job.plan.partitions = {{0, 0, 0, false, 0, 0, "-5.500", "-3.925"},
                         {1, 0, 0, false, 0, 0, "-3.925", "8.675"},
                         {2, 0, 0, false, 0, 0, "8.675", "10.250"}};
  EXPECT_EQ(job.Scope(job.plan.partitions[0]).where,
            "(\"amount\" < '-3.925'::pg_catalog.numeric OR \"amount\" IS NULL)");
  EXPECT_EQ(job.Scope(job.plan.partitions[1]).where,
            "\"amount\" >= '-3.925'::pg_catalog.numeric AND "
            "\"amount\" < '8.675'::pg_catalog.numeric");
  EXPECT_EQ(job.Scope(job.plan.partitions[2]).where, "\"amount\" >= '8.675'::pg_catalog.numeric");
  EXPECT_TRUE(job.Scope(job.plan.partitions[2]).only);
  // Without the column's type (no longer replicated) the literals cannot be cast: refuse.
  job.value_kind.reset();
  EXPECT_THROW(job.Scope(job.plan.partitions[1]), PipeError);
}

}  // namespace
}  // namespace pg2ch
