#include <gtest/gtest.h>

#include "source/postgres/ctid_partitioner.h"
#include "source/postgres/table_copy.h"

namespace pg2ch {
namespace {

SourceTable Table() {
  SourceTable t;
  t.schema = "public";
  t.name = "Orders";
  t.columns = {{"id", 20, -1, "bigint", false, true, 0}, {"note", 25, -1, "text", true, false, 0}};
  return t;
}

TEST(TableCopySql, PartitionOfAPlainTableReadsOnlyItsPagesAndNotItsChildren) {
  CopyScope scope{true, CtidRangeCondition({100, 200})};
  EXPECT_EQ(CopySql(Table(), scope),
            "COPY (SELECT \"id\", \"note\" FROM ONLY \"public\".\"Orders\" WHERE ctid >= "
            "'(100,0)'::tid AND ctid < '(200,0)'::tid) TO STDOUT");
}

TEST(TableCopySql, WholeTableWithoutCondition) {
  EXPECT_EQ(CopySql(Table(), {}),
            "COPY (SELECT \"id\", \"note\" FROM \"public\".\"Orders\") TO STDOUT");
}

// Each column cast to its recorded base type: binary values always have the layout the decoder
// expects, even after an ALTER COLUMN ... TYPE since Setup.
TEST(TableCopySql, BinaryFormatCastsToTheRecordedTypes) {
  EXPECT_EQ(CopySql(Table(), {}, true),
            "COPY (SELECT \"id\"::pg_catalog.int8, \"note\"::pg_catalog.text FROM "
            "\"public\".\"Orders\") TO STDOUT (FORMAT binary)");
}

}  // namespace
}  // namespace pg2ch
