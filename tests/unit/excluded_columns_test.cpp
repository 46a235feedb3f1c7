#include "pipe/excluded_columns.h"

#include <gtest/gtest.h>

#include "common/error.h"
#include "pipe/source_table_json.h"

namespace pg2ch {
namespace {

SourceTable Table() {
  SourceTable t;
  t.schema = "public";
  t.name = "t";
  t.relid = 42;
  t.columns = {{"id", 23, -1, "integer", false, true, 0},
               {"secret", 25, -1, "text", true, false, 0},
               {"v", 25, -1, "text", false, false, 0}};
  return t;
}

TEST(ExcludedColumns, LeavesThemOutAndRecordsTheirNames) {
  SourceTable t = ExcludeColumns(Table(), {"secret"});
  ASSERT_EQ(t.columns.size(), 2u);
  EXPECT_EQ(t.columns[0].name, "id");
  EXPECT_EQ(t.columns[1].name, "v");
  EXPECT_EQ(t.excluded, std::vector<std::string>{"secret"});
  // Every non-key column may go.
  EXPECT_EQ(ExcludeColumns(Table(), {"v", "secret"}).columns.size(), 1u);
  EXPECT_EQ(ExcludeColumns(Table(), {}).columns.size(), 3u);
}

TEST(ExcludedColumns, UnknownAndKeyColumnsAreListedTogether) {
  try {
    ExcludeColumns(Table(), {"nope", "id", "v"});
    ADD_FAILURE() << "accepted";
  } catch (const PipeError& e) {
    EXPECT_FALSE(e.retryable());
    EXPECT_STREQ(e.what(),
                 "source table public.t: cannot exclude columns: \"nope\" does not exist, \"id\" "
                 "is a primary-key / replica-identity column");
  }
}

TEST(ExcludedColumns, RecordedInTheCatalogDefinition) {
  SourceTable t = ExcludeColumns(Table(), {"secret"});
  SourceTable back = SourceTableFromJson(SourceTableToJson(t));
  EXPECT_EQ(back.excluded, t.excluded);
  EXPECT_EQ(back.columns.size(), 2u);
  // Definitions recorded before the field existed have none.
  EXPECT_EQ(SourceTableToJson(Table()).find("excluded"), std::string::npos);
  EXPECT_TRUE(SourceTableFromJson(SourceTableToJson(Table())).excluded.empty());
}

}  // namespace
}  // namespace pg2ch
