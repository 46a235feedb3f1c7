// Sorting keys: which columns the ORDER BY gets, the DDL on both server flavours, and delete rows
// that carry the sorting-key values of the row they replace.
#include "destination/clickhouse/sorting_key.h"

#include <gtest/gtest.h>

#include "common/error.h"
#include "destination/clickhouse/change_plan.h"
#include "destination/clickhouse/row_binary_encoder.h"
#include "destination/clickhouse/table_ddl.h"
#include "destination/clickhouse/toast_lookup.h"

namespace pg2ch {
namespace {

constexpr uint32_t kEvents = 7;

SourceColumn Col(std::string name, uint32_t oid, bool nullable, bool key) {
  SourceColumn c;
  c.name = std::move(name);
  c.type_oid = oid;
  c.type_name = "t";
  c.nullable = nullable;
  c.is_key = key;
  return c;
}

// events(id int8, region text, primary key (id, region), day int4 not null, note text)
SourceTable Events() {
  SourceTable t{"public",
                "events",
                kEvents,
                {Col("id", 20, false, true), Col("region", 25, false, true),
                 Col("day", 23, false, false), Col("note", 25, true, false)}};
  t.excluded = {"secret"};
  return t;
}

DestinationTable Dest(std::vector<std::string> sorting_keys) {
  return {Events(), "db", "events", false, std::move(sorting_keys)};
}

TEST(SortingKey, KeysFirstThenTheKeyColumnsNotListed) {
  EXPECT_EQ(OrderByColumns(Events(), {}), (std::vector<size_t>{0, 1}));
  EXPECT_EQ(OrderByColumns(Events(), {"day"}), (std::vector<size_t>{2, 0, 1}));
  EXPECT_EQ(OrderByColumns(Events(), {"region", "day"}), (std::vector<size_t>{1, 2, 0}));
}

TEST(SortingKey, RefusesMissingExcludedAndNullableColumnsListingThemAll) {
  try {
    OrderByColumns(Events(), {"nope", "secret", "note", "day"});
    ADD_FAILURE() << "accepted";
  } catch (const PipeError& e) {
    EXPECT_FALSE(e.retryable());
    EXPECT_STREQ(e.what(),
                 "source table public.events: cannot use as ClickHouse sorting keys: \"nope\" does "
                 "not exist, \"secret\" is excluded, \"note\" is nullable (make it NOT NULL in "
                 "PostgreSQL)");
  }
  EXPECT_THROW(TableCodec(Dest({"note"}), ServerCaps::FromVersion("26.7.2.1")), PipeError);
}

TEST(SortingKey, CreateTableOrdersBySortingKeysThenKeyOnBothServers) {
  for (const char* version : {"26.7.2.1", "18.16.1"}) {
    ServerCaps caps = ServerCaps::FromVersion(version);
    std::string sql = CreateTableSql(TableCodec(Dest({"day", "region"}), caps), caps);
    EXPECT_NE(sql.find(") ENGINE = ReplacingMergeTree(`_peerdb_version`) ORDER BY (`day`, "
                       "`region`, `id`)"),
              std::string::npos)
        << version << ": " << sql;
    EXPECT_EQ(sql.substr(sql.size() - 1), ")");
  }
}

TEST(SortingKey, OutsideTheKeyNeedsAKeyThatDeletesCanLookUp) {
  // Deletes read sorting-key values back by key; a timestamptz key is DateTime64 on modern
  // servers, for which no key literal is built, and its exact text (String) on 18.16.
  DestinationTable table{
      {"public", "ts", 8, {Col("at", 1184, false, true), Col("day", 23, false, false)}},
      "db",
      "ts",
      false,
      {"day"}};
  try {
    TableCodec(table, ServerCaps::FromVersion("26.7.2.1"));
    ADD_FAILURE() << "accepted";
  } catch (const PipeError& e) {
    EXPECT_NE(std::string(e.what()).find("key column at is t"), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW(TableCodec(table, ServerCaps::FromVersion("18.16.1")));
  table.sorting_keys = {"at"};  // within the key: deletes need nothing more
  EXPECT_NO_THROW(TableCodec(table, ServerCaps::FromVersion("26.7.2.1")));
}

class SortingKeyPlanTest : public ::testing::Test {
 protected:
  SortingKeyPlanTest() {
    codecs_.try_emplace(kEvents, Dest({"day"}), ServerCaps::FromVersion("26.7.2.1"));
  }
  const TableCodec& codec() const { return codecs_.at(kEvents); }
  BatchPlan Plan(std::vector<RowChange> changes) {
    std::vector<Transaction> txns = {{0x10, 0x11, std::move(changes)}};
    return PlanBatch(txns, codecs_);
  }
  CodecMap codecs_;
};

Row Event(const char* id, const char* day, Cell note) {
  return {Cell::Text(id), Cell::Text("eu"), Cell::Text(day), std::move(note)};
}
// What pgoutput sends for a delete under REPLICA IDENTITY DEFAULT: the key only.
Row KeyOnly(const char* id) {
  return {Cell::Text(id), Cell::Text("eu"), Cell::Null(), Cell::Null()};
}

TEST_F(SortingKeyPlanTest, DeleteTakesTheSortingKeyFromAnEarlierImage) {
  BatchPlan plan = Plan({{ChangeOp::kInsert, kEvents, Event("1", "5", Cell::Text("n")), {}},
                         {ChangeOp::kDelete, kEvents, KeyOnly("1"), {}}});
  ASSERT_EQ(plan.tables.size(), 1u);
  ASSERT_EQ(plan.tables[0].rows.size(), 1u);
  const PlannedRow& row = plan.tables[0].rows[0];
  EXPECT_TRUE(row.deleted);
  EXPECT_FALSE(row.lookup);
  EXPECT_EQ(row.cells[2], Cell::Text("5"));

  // The delete row: key and sorting key written, the other column its default.
  std::string out, expected;
  codec().EncodeDeleteRow(row.cells, 9, out);
  EncodeValue(codec().types()[0], "1", expected);
  EncodeValue(codec().types()[1], "eu", expected);
  EncodeValue(codec().types()[2], "5", expected);
  EncodeDefault(codec().types()[3], expected);
  AppendUInt8(1, expected);
  AppendUInt64(9, expected);
  EXPECT_EQ(out, expected);
}

TEST_F(SortingKeyPlanTest, DeleteWithoutImageReadsTheSortingKeyBack) {
  BatchPlan plan = Plan({{ChangeOp::kDelete, kEvents, KeyOnly("1"), {}}});
  const PlannedRow& row = plan.tables[0].rows[0];
  ASSERT_TRUE(row.lookup);
  EXPECT_EQ(row.cells[2], Cell::Unchanged());
  EXPECT_EQ(row.lookup->origin_key, row.key);
  // Without the stored values the delete row cannot be written.
  std::string out;
  EXPECT_THROW(codec().EncodeDeleteRow(row.cells, 9, out), PipeError);
  EXPECT_TRUE(out.empty());

  std::string day;
  EncodeValue(codec().types()[2], "5", day);
  StoredRows stored;
  EXPECT_EQ(FindStoredRow(row, stored), nullptr);  // not in ClickHouse: nothing to delete
  stored[row.key] = {3, false, {"", "", day, ""}};
  const StoredRow* found = FindStoredRow(row, stored);
  ASSERT_NE(found, nullptr);
  codec().EncodeDeleteRow(row.cells, 9, out, &found->values);
  EXPECT_NE(out.find(day), std::string::npos);
}

TEST_F(SortingKeyPlanTest, FullReplicaIdentityNeedsNoReadBack) {
  // REPLICA IDENTITY FULL: the old tuple carries every value. A key change deletes the old key
  // under its own sorting-key value.
  BatchPlan plan = Plan(
      {{ChangeOp::kUpdate, kEvents, Event("2", "6", Cell::Null()), Event("1", "5", Cell::Null())},
       {ChangeOp::kDelete, kEvents, Event("2", "6", Cell::Null()), {}}});
  ASSERT_EQ(plan.tables[0].rows.size(), 2u);
  for (const PlannedRow& row : plan.tables[0].rows) {
    EXPECT_TRUE(row.deleted);
    EXPECT_FALSE(row.lookup);
  }
  EXPECT_EQ(plan.tables[0].rows[0].cells[2], Cell::Text("5"));
  EXPECT_EQ(plan.tables[0].rows[1].cells[2], Cell::Text("6"));
}

TEST_F(SortingKeyPlanTest, KeyChangeWithKeyOnlyOldTupleReadsTheOldSortingKeyBack) {
  BatchPlan plan =
      Plan({{ChangeOp::kUpdate, kEvents, Event("2", "6", Cell::Null()), KeyOnly("1")}});
  ASSERT_EQ(plan.tables[0].rows.size(), 2u);
  const PlannedRow& gone = plan.tables[0].rows[0];
  EXPECT_TRUE(gone.deleted);
  ASSERT_TRUE(gone.lookup);
  EXPECT_EQ(gone.cells[2], Cell::Unchanged());
  EXPECT_FALSE(plan.tables[0].rows[1].lookup);
}

}  // namespace
}  // namespace pg2ch
