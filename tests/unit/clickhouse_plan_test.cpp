// Collapsing transactions into destination rows, TOAST filling and read-back choices, without a
// server.
#include <gtest/gtest.h>

#include "common/error.h"
#include "destination/clickhouse/change_plan.h"
#include "destination/clickhouse/row_binary_encoder.h"
#include "destination/clickhouse/toast_lookup.h"

namespace pg2ch {
namespace {

constexpr uint32_t kItems = 100;  // items(id int4 key, name text not null, blob text)
constexpr uint32_t kPairs = 200;  // pairs(a int8 key, b varchar key, v float8)

SourceColumn Col(std::string name, uint32_t oid, bool nullable, bool key) {
  SourceColumn c;
  c.name = std::move(name);
  c.type_oid = oid;
  c.type_name = "t" + std::to_string(oid);
  c.nullable = nullable;
  c.is_key = key;
  return c;
}

CodecMap Codecs() {
  const ServerCaps caps = ServerCaps::FromVersion("26.7.2.1");
  CodecMap codecs;
  DestinationTable items{
      {"public",
       "items",
       kItems,
       {Col("id", 23, false, true), Col("name", 25, false, false), Col("blob", 25, true, false)}},
      "db",
      "items"};
  DestinationTable pairs{
      {"public",
       "pairs",
       kPairs,
       {Col("a", 20, false, true), Col("b", 1043, false, true), Col("v", 701, true, false)}},
      "db",
      "pairs"};
  codecs.try_emplace(kItems, items, caps);
  codecs.try_emplace(kPairs, pairs, caps);
  return codecs;
}

Row Item(const std::string& id, const std::string& name, Cell blob) {
  return {Cell::Text(id), Cell::Text(name), std::move(blob)};
}
Row Key(const std::string& id) { return {Cell::Text(id), Cell::Null(), Cell::Null()}; }

RowChange Insert(uint32_t relid, Row row) { return {ChangeOp::kInsert, relid, std::move(row), {}}; }
RowChange Update(uint32_t relid, Row row, Row old = {}) {
  return {ChangeOp::kUpdate, relid, std::move(row), std::move(old)};
}
RowChange Delete(uint32_t relid, Row key) { return {ChangeOp::kDelete, relid, std::move(key), {}}; }
RowChange Truncate(uint32_t relid) { return {ChangeOp::kTruncate, relid, {}, {}}; }

Transaction Txn(Lsn end, std::vector<RowChange> changes) {
  return {end - 1, end, std::move(changes)};
}

class ClickHousePlanTest : public ::testing::Test {
 protected:
  BatchPlan Plan(std::vector<Transaction> txns) { return PlanBatch(txns, codecs_); }
  std::string KeyOf(uint32_t relid, const Row& row) { return codecs_.at(relid).EncodeKey(row); }
  const PlannedRow* Find(const BatchPlan& plan, uint32_t relid, const Row& key_row) {
    std::string key = KeyOf(relid, key_row);
    for (const TablePlan& t : plan.tables) {
      if (t.relid != relid) continue;
      for (const PlannedRow& r : t.rows) {
        if (r.key == key) return &r;
      }
    }
    return nullptr;
  }
  CodecMap codecs_ = Codecs();
};

TEST_F(ClickHousePlanTest, CollapsesToTheLastRowPerKey) {
  BatchPlan plan = Plan({
      Txn(10, {Insert(kItems, Item("1", "a", Cell::Null())),
               Insert(kItems, Item("2", "b", Cell::Null()))}),
      Txn(20, {Update(kItems, Item("1", "a2", Cell::Text("x"))), Delete(kItems, Key("2"))}),
      Txn(30, {Insert(kPairs, {Cell::Text("1"), Cell::Text("k"), Cell::Text("0.5")})}),
  });
  ASSERT_EQ(plan.tables.size(), 2u);
  EXPECT_EQ(plan.tables[0].relid, kItems);
  EXPECT_EQ(plan.tables[0].rows.size(), 2u);
  EXPECT_TRUE(plan.truncates.empty());
  const PlannedRow* one = Find(plan, kItems, Key("1"));
  ASSERT_NE(one, nullptr);
  EXPECT_EQ(one->cells, Item("1", "a2", Cell::Text("x")));
  EXPECT_EQ(one->version, 20u);
  EXPECT_FALSE(one->deleted);
  EXPECT_FALSE(one->lookup);
  const PlannedRow* two = Find(plan, kItems, Key("2"));
  ASSERT_NE(two, nullptr);
  EXPECT_TRUE(two->deleted);
  EXPECT_EQ(two->version, 20u);
  ASSERT_NE(Find(plan, kPairs, {Cell::Text("1"), Cell::Text("k"), Cell::Null()}), nullptr);
}

TEST_F(ClickHousePlanTest, KeyChangeWritesADeleteForTheOldKey) {
  BatchPlan plan = Plan({Txn(10, {Update(kItems, Item("5", "n", Cell::Null()), Key("1"))})});
  ASSERT_EQ(plan.tables.size(), 1u);
  ASSERT_EQ(plan.tables[0].rows.size(), 2u);
  EXPECT_TRUE(Find(plan, kItems, Key("1"))->deleted);
  EXPECT_FALSE(Find(plan, kItems, Key("5"))->deleted);
  // REPLICA IDENTITY FULL sends the old row with every update: same key, no delete row.
  plan =
      Plan({Txn(10, {Update(kItems, Item("1", "n", Cell::Null()), Item("1", "o", Cell::Null()))})});
  ASSERT_EQ(plan.tables[0].rows.size(), 1u);
  EXPECT_FALSE(plan.tables[0].rows[0].deleted);
}

TEST_F(ClickHousePlanTest, UnchangedToastIsFilledFromAnEarlierImage) {
  BatchPlan plan = Plan({
      Txn(10, {Insert(kItems, Item("1", "a", Cell::Text("big")))}),
      Txn(20, {Update(kItems, Item("1", "b", Cell::Unchanged()))}),
      Txn(30, {Update(kItems, Item("2", "c", Cell::Unchanged()), Key("1"))}),
  });
  const PlannedRow* two = Find(plan, kItems, Key("2"));
  ASSERT_NE(two, nullptr);
  EXPECT_EQ(two->cells, Item("2", "c", Cell::Text("big")));
  EXPECT_FALSE(two->lookup);
  EXPECT_TRUE(Find(plan, kItems, Key("1"))->deleted);
}

TEST_F(ClickHousePlanTest, UnchangedToastWithoutImageNeedsAReadBack) {
  BatchPlan plan = Plan({
      Txn(10, {Update(kItems, Item("7", "a", Cell::Unchanged()))}),
      Txn(20, {Update(kItems, Item("8", "b", Cell::Unchanged()), Key("7"))}),
  });
  const PlannedRow* eight = Find(plan, kItems, Key("8"));
  ASSERT_NE(eight, nullptr);
  ASSERT_TRUE(eight->lookup);
  // The value still comes from key 7 as stored in ClickHouse, through both updates.
  EXPECT_EQ(eight->lookup->origin_key, KeyOf(kItems, Key("7")));
  EXPECT_EQ(eight->cells[2].kind, CellKind::kUnchangedToast);
  EXPECT_EQ(eight->version, 20u);
  EXPECT_TRUE(Find(plan, kItems, Key("7"))->deleted);
}

// PlanBatch moves rows out of the batch: every planned row, delete row and read-back origin must
// still hold the values the changes carried, also where one change feeds two planned rows.
TEST_F(ClickHousePlanTest, MovedRowsKeepEveryValue) {
  const Row old7 = Item("7", "old", Cell::Text("seven"));
  std::vector<Transaction> batch = {
      Txn(10, {Insert(kItems, Item("1", "a", Cell::Text("big"))),
               Insert(kPairs, {Cell::Text("1"), Cell::Text("k"), Cell::Text("0.5")})}),
      // Key change 1 -> 2 with an unchanged TOAST value: filled from the insert above.
      Txn(20, {Update(kItems, Item("2", "b", Cell::Unchanged()), Key("1"))}),
      // REPLICA IDENTITY FULL, key change 7 -> 8, nothing earlier: read back from 7.
      Txn(30, {Update(kItems, Item("8", "c", Cell::Unchanged()), old7)}),
      // REPLICA IDENTITY FULL, same key, the key cell itself unchanged TOAST: from the old row.
      Txn(40, {Update(kItems, {Cell::Unchanged(), Cell::Text("d"), Cell::Null()},
                      Item("9", "e", Cell::Null()))}),
  };
  BatchPlan plan = PlanBatch(batch, codecs_);
  for (const Transaction& txn : batch)
    for (const RowChange& change : txn.changes) EXPECT_TRUE(change.row.empty());  // moved out

  ASSERT_EQ(plan.tables.size(), 2u);
  const PlannedRow* one = Find(plan, kItems, Key("1"));
  ASSERT_NE(one, nullptr);
  EXPECT_TRUE(one->deleted);
  EXPECT_EQ(one->cells, Key("1"));
  EXPECT_EQ(one->version, 20u);
  const PlannedRow* two = Find(plan, kItems, Key("2"));
  ASSERT_NE(two, nullptr);
  EXPECT_EQ(two->cells, Item("2", "b", Cell::Text("big")));
  EXPECT_FALSE(two->lookup);
  const PlannedRow* seven = Find(plan, kItems, Key("7"));
  ASSERT_NE(seven, nullptr);
  EXPECT_TRUE(seven->deleted);
  EXPECT_EQ(seven->cells, old7);
  const PlannedRow* eight = Find(plan, kItems, Key("8"));
  ASSERT_NE(eight, nullptr);
  EXPECT_EQ(eight->cells, Item("8", "c", Cell::Unchanged()));
  ASSERT_TRUE(eight->lookup);
  EXPECT_EQ(eight->lookup->origin_key, KeyOf(kItems, Key("7")));
  EXPECT_EQ(eight->lookup->origin_row, old7);
  const PlannedRow* nine = Find(plan, kItems, Key("9"));
  ASSERT_NE(nine, nullptr);
  EXPECT_EQ(nine->cells, Item("9", "d", Cell::Null()));
  EXPECT_EQ(nine->version, 40u);
  const PlannedRow* pair = Find(plan, kPairs, {Cell::Text("1"), Cell::Text("k"), Cell::Null()});
  ASSERT_NE(pair, nullptr);
  EXPECT_EQ(pair->cells, (Row{Cell::Text("1"), Cell::Text("k"), Cell::Text("0.5")}));
}

TEST_F(ClickHousePlanTest, TruncateDiscardsEarlierRows) {
  BatchPlan plan = Plan({
      Txn(10, {Insert(kItems, Item("1", "a", Cell::Null())),
               Insert(kPairs, {Cell::Text("1"), Cell::Text("k"), Cell::Null()})}),
      Txn(20, {Truncate(kItems), Insert(kItems, Item("2", "b", Cell::Null()))}),
      Txn(30, {Truncate(kItems)}),
      Txn(40, {Insert(kItems, Item("3", "c", Cell::Null()))}),
  });
  EXPECT_EQ(plan.truncates, std::vector<uint32_t>{kItems});
  EXPECT_EQ(Find(plan, kItems, Key("1")), nullptr);
  EXPECT_EQ(Find(plan, kItems, Key("2")), nullptr);
  EXPECT_NE(Find(plan, kItems, Key("3")), nullptr);
  EXPECT_NE(Find(plan, kPairs, {Cell::Text("1"), Cell::Text("k"), Cell::Null()}), nullptr);
}

TEST_F(ClickHousePlanTest, Refusals) {
  // The table was emptied earlier in the batch: the unchanged value cannot exist.
  EXPECT_THROW(
      Plan({Txn(10, {Truncate(kItems), Update(kItems, Item("1", "a", Cell::Unchanged()))})}),
      PipeError);
  EXPECT_THROW(Plan({Txn(10, {Delete(kItems, Key("1")),
                              Update(kItems, Item("1", "a", Cell::Unchanged()))})}),
               PipeError);
  EXPECT_THROW(Plan({Txn(10, {Insert(999, Item("1", "a", Cell::Null()))})}), PipeError);
  EXPECT_THROW(Plan({Txn(10, {Insert(kItems, {Cell::Text("1")})})}), PipeError);
  EXPECT_THROW(Plan({Txn(10, {Delete(kItems, Key(""))})}), PipeError);  // key not an integer
  EXPECT_THROW(Plan({Txn(10, {Delete(kItems, {Cell::Null(), Cell::Null(), Cell::Null()})})}),
               PipeError);
  EXPECT_THROW(
      Plan({Txn(10, {Update(kItems, {Cell::Unchanged(), Cell::Text("a"), Cell::Null()})})}),
      PipeError);
}

TEST_F(ClickHousePlanTest, LookupQueriesQuoteEveryKeyAndSplit) {
  const TableCodec& pairs = codecs_.at(kPairs);
  Row k1 = {Cell::Text("1"), Cell::Text("it's"), Cell::Null()};
  Row k2 = {Cell::Text("-2"), Cell::Text("b\\c"), Cell::Null()};
  auto queries = BuildLookupQueries(pairs, {&k1, &k2});
  ASSERT_EQ(queries.size(), 1u);
  EXPECT_EQ(queries[0],
            "SELECT `a`, `b`, `v`, `_peerdb_is_deleted`, `_peerdb_version` FROM `db`.`pairs` FINAL "
            "WHERE (`a`, `b`) IN ((1, 'it\\'s'), (-2, 'b\\\\c')) FORMAT RowBinary");
  EXPECT_EQ(BuildLookupQueries(pairs, {&k1, &k2}, 50).size(), 2u);
  Row bad = {Cell::Text("1); DROP TABLE x; --"), Cell::Text("b"), Cell::Null()};
  EXPECT_THROW(BuildLookupQueries(pairs, {&bad}), PipeError);
}

TEST_F(ClickHousePlanTest, LookupRefusesUnsupportedKeyTypes) {
  const ServerCaps caps = ServerCaps::FromVersion("26.7.2.1");
  DestinationTable floats{
      {"public", "f", 1, {Col("k", 701, false, true), Col("v", 25, true, false)}}, "db", "f"};
  TableCodec codec(floats, caps);
  Row key = {Cell::Text("1.5"), Cell::Null()};
  try {
    BuildLookupQueries(codec, {&key});
    FAIL();
  } catch (const PipeError& e) {
    EXPECT_NE(std::string(e.what()).find("unchanged TOAST value on a table keyed by t701"),
              std::string::npos)
        << e.what();
  }
}

TEST_F(ClickHousePlanTest, ChoosesTheStoredRow) {
  const TableCodec& items = codecs_.at(kItems);
  // ClickHouse's answer: key 7 live at version 5, key 8 deleted at version 9, key 9 live at 20.
  std::string answer;
  items.EncodeRow(Item("7", "seven", Cell::Text("stored7")), 5, answer);
  items.EncodeDeleteRow(Key("8"), 9, answer);
  items.EncodeRow(Item("9", "nine", Cell::Text("stored9")), 20, answer);
  items.EncodeRow(Item("9", "old", Cell::Text("older")), 3, answer);  // lower version: ignored
  StoredRows stored;
  ParseLookupAnswer(items, answer, stored);
  ASSERT_EQ(stored.size(), 3u);
  EXPECT_EQ(stored.at(KeyOf(kItems, Key("9"))).version, 20u);

  auto planned = [&](const std::string& key, const std::string& origin, uint64_t version) {
    PlannedRow row;
    row.key = KeyOf(kItems, Key(key));
    row.cells = Item(key, "n", Cell::Unchanged());
    row.version = version;
    row.lookup = ToastLookup{KeyOf(kItems, Key(origin)), Key(origin)};
    return row;
  };
  std::string expected7;
  EncodeValue(items.types()[2], "stored7", expected7);
  EXPECT_EQ(ChooseStoredRow(items, planned("7", "7", 10), stored).values[2], expected7);
  // Key change 7 -> 10: the value comes from 7.
  EXPECT_EQ(ChooseStoredRow(items, planned("10", "7", 10), stored).values[2], expected7);
  // Replay: 9 is stored at a version >= ours, so this change was applied already.
  std::string expected9;
  EncodeValue(items.types()[2], "stored9", expected9);
  EXPECT_EQ(ChooseStoredRow(items, planned("9", "8", 20), stored).values[2], expected9);
  // An earlier chunk of the same spilled transaction (version 9) deleted 8; a later chunk changes
  // key 7 into 8 leaving the TOAST value unchanged: the value comes from 7, not the delete row.
  EXPECT_EQ(ChooseStoredRow(items, planned("8", "7", 9), stored).values[2], expected7);
  // A delete row at a higher version supersedes this row anyway: used as before.
  EXPECT_EQ(&ChooseStoredRow(items, planned("8", "12", 8), stored),
            &stored.at(KeyOf(kItems, Key("8"))));
  // The origin is deleted and nothing else applies: refuse.
  EXPECT_THROW(ChooseStoredRow(items, planned("11", "8", 30), stored), PipeError);
  EXPECT_THROW(ChooseStoredRow(items, planned("9", "12", 30), stored), PipeError);

  // Encoding with the stored values splices them in verbatim.
  std::string with_stored, direct;
  items.EncodeRow(Item("10", "n", Cell::Unchanged()), 10, with_stored,
                  &ChooseStoredRow(items, planned("10", "7", 10), stored).values);
  items.EncodeRow(Item("10", "n", Cell::Text("stored7")), 10, direct);
  EXPECT_EQ(with_stored, direct);
}

TEST_F(ClickHousePlanTest, EncodeRowLeavesNothingBehindOnError) {
  const TableCodec& items = codecs_.at(kItems);
  std::string out = "prefix";
  EXPECT_THROW(items.EncodeRow(Item("1", "a", Cell::Unchanged()), 1, out), PipeError);
  EXPECT_THROW(items.EncodeRow(Item("x", "a", Cell::Null()), 1, out), PipeError);
  EXPECT_EQ(out, "prefix");
  try {
    items.EncodeRow(Item("1", "a", Cell::Unchanged()), 1, out);
  } catch (const PipeError& e) {
    EXPECT_NE(std::string(e.what()).find("table public.items column blob"), std::string::npos);
  }
}

}  // namespace
}  // namespace pg2ch
