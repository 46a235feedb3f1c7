#include "source/postgres/transaction_assembler.h"

#include <gtest/gtest.h>

#include "common/error.h"

namespace pg2ch {
namespace {

using namespace pgoutput;

SourceTable Table() {
  SourceTable t;
  t.schema = "public";
  t.name = "t";
  t.relid = 42;
  t.columns = {{"id", 23, -1, "integer", false, true, 0}, {"v", 25, -1, "text", true, false, 0}};
  return t;
}

Relation Rel(uint32_t relid = 42, char ident = 'd') {
  Relation r;
  r.relid = relid;
  r.namespace_name = "public";
  r.relation_name = "t";
  r.replica_identity = ident;
  r.columns = {{1, "id", 23, -1}, {0, "v", 25, -1}};
  return r;
}

Row R(const char* id, Cell v) { return {Cell::Text(id), std::move(v)}; }

TEST(TransactionAssembler, FramesChangesBetweenBeginAndCommit) {
  TransactionAssembler a({Table()});
  EXPECT_FALSE(a.Feed(Begin{0x100, 0, 7}));
  EXPECT_TRUE(a.in_transaction());
  EXPECT_FALSE(a.Feed(Rel()));
  EXPECT_FALSE(a.Feed(Insert{0, 42, R("1", Cell::Text("a"))}));
  EXPECT_FALSE(a.Feed(Update{0, 42, 0, {}, R("1", Cell::Unchanged())}));
  EXPECT_FALSE(a.Feed(Delete{0, 42, 'K', R("1", Cell::Null())}));
  EXPECT_FALSE(a.Feed(Truncate{0, 0, {42, 99}}));
  auto txn = a.Feed(Commit{0, 0x100, 0x128, 0});
  ASSERT_TRUE(txn);
  EXPECT_FALSE(a.in_transaction());
  EXPECT_EQ(txn->transaction.commit_lsn, 0x100u);
  EXPECT_EQ(txn->transaction.end_lsn, 0x128u);
  ASSERT_EQ(txn->transaction.changes.size(), 4u);  // the truncate of relid 99 is not ours
  EXPECT_EQ(txn->transaction.changes[0].op, ChangeOp::kInsert);
  EXPECT_EQ(txn->transaction.changes[1].op, ChangeOp::kUpdate);
  EXPECT_TRUE(txn->transaction.changes[1].old_row.empty());
  EXPECT_EQ(txn->transaction.changes[1].row[1], Cell::Unchanged());
  EXPECT_EQ(txn->transaction.changes[2].op, ChangeOp::kDelete);
  EXPECT_EQ(txn->transaction.changes[2].row[0], Cell::Text("1"));
  EXPECT_EQ(txn->transaction.changes[3].op, ChangeOp::kTruncate);
}

TEST(TransactionAssembler, KeyChangeAndReplicaIdentityFull) {
  TransactionAssembler a({Table()});
  a.Feed(Begin{1, 0, 1});
  a.Feed(Rel(42, 'f'));
  // 'K': the key changed.
  a.Feed(Update{0, 42, 'K', R("1", Cell::Null()), R("2", Cell::Text("x"))});
  // 'O' with the same key: not a key change, and the unchanged TOAST value comes from the old row.
  a.Feed(Update{0, 42, 'O', R("2", Cell::Text("old wide")), R("2", Cell::Unchanged())});
  // 'O' with another key: a key change.
  a.Feed(Update{0, 42, 'O', R("2", Cell::Text("y")), R("3", Cell::Text("y"))});
  auto txn = a.Feed(Commit{0, 1, 2, 0});
  ASSERT_TRUE(txn);
  ASSERT_EQ(txn->transaction.changes.size(), 3u);
  EXPECT_EQ(txn->transaction.changes[0].old_row, R("1", Cell::Null()));
  EXPECT_TRUE(txn->transaction.changes[1].old_row.empty());
  EXPECT_EQ(txn->transaction.changes[1].row[1], Cell::Text("old wide"));
  EXPECT_EQ(txn->transaction.changes[2].old_row, R("2", Cell::Text("y")));
}

// The error of `fn`, which must throw a fatal PipeError.
template <typename F>
std::string FatalError(F&& fn) {
  try {
    fn();
  } catch (const PipeError& e) {
    EXPECT_FALSE(e.retryable());
    return e.what();
  }
  ADD_FAILURE() << "did not throw";
  return "";
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(TransactionAssembler, UnchangedRelationIsTheIdentity) {
  TransactionAssembler a({Table()});
  a.Feed(Begin{1, 0, 1});
  a.Feed(Rel());
  a.Feed(Insert{0, 42, R("1", Cell::Text("a"))});
  // Key flags are not a schema change: another replica identity, same columns.
  Relation rekeyed = Rel(42, 'f');
  rekeyed.columns[1].flags = RelationColumn::kKeyFlag;
  a.Feed(std::move(rekeyed));
  a.Feed(Insert{0, 42, R("2", Cell::Null())});
  auto txn = a.Feed(Commit{0, 1, 2, 0});
  ASSERT_TRUE(txn);
  EXPECT_TRUE(txn->transaction.schema_changes.empty());
  ASSERT_EQ(txn->transaction.changes.size(), 2u);
  EXPECT_EQ(txn->transaction.changes[0].row, R("1", Cell::Text("a")));
  EXPECT_EQ(txn->transaction.changes[1].row, R("2", Cell::Null()));
}

TEST(TransactionAssembler, ColumnsAreMatchedByName) {
  TransactionAssembler a({Table()});
  a.Feed(Begin{1, 0, 1});
  Relation swapped = Rel();
  std::swap(swapped.columns[0], swapped.columns[1]);
  a.Feed(std::move(swapped));
  a.Feed(Insert{0, 42, {Cell::Text("a"), Cell::Text("1")}});
  a.Feed(Update{0, 42, 'K', {Cell::Null(), Cell::Text("1")}, {Cell::Text("b"), Cell::Text("2")}});
  a.Feed(Delete{0, 42, 'K', {Cell::Null(), Cell::Text("2")}});
  auto txn = a.Feed(Commit{0, 1, 2, 0});
  ASSERT_TRUE(txn);
  EXPECT_TRUE(txn->transaction.schema_changes.empty());
  ASSERT_EQ(txn->transaction.changes.size(), 3u);
  EXPECT_EQ(txn->transaction.changes[0].row, R("1", Cell::Text("a")));
  EXPECT_EQ(txn->transaction.changes[1].row, R("2", Cell::Text("b")));
  EXPECT_EQ(txn->transaction.changes[1].old_row, R("1", Cell::Null()));
  EXPECT_EQ(txn->transaction.changes[2].row, R("2", Cell::Null()));
}

// ALTER TABLE t ADD COLUMN n int inside a transaction: rows before it are padded with NULL.
TEST(TransactionAssembler, AddedColumnWidensEveryRowOfTheTransaction) {
  TransactionAssembler a({Table()});
  a.Feed(Begin{1, 0, 1});
  a.Feed(Rel());
  a.Feed(Insert{0, 42, R("1", Cell::Text("before"))});
  a.Feed(Update{0, 42, 'K', R("1", Cell::Null()), R("2", Cell::Text("before"))});
  Relation added = Rel();
  added.columns.push_back({0, "n", 23, -1});
  a.Feed(std::move(added));
  a.Feed(Insert{0, 42, {Cell::Text("3"), Cell::Text("after"), Cell::Text("7")}});
  auto txn = a.Feed(Commit{0, 1, 2, 0});
  ASSERT_TRUE(txn);
  ASSERT_EQ(txn->transaction.schema_changes.size(), 1u);
  const SchemaChange& change = txn->transaction.schema_changes[0];
  EXPECT_EQ(change.relid, 42u);
  EXPECT_TRUE(change.dropped.empty());
  ASSERT_EQ(change.added.size(), 1u);
  EXPECT_EQ(change.added[0].name, "n");
  EXPECT_EQ(change.added[0].type_oid, 23u);
  EXPECT_TRUE(change.added[0].nullable);
  EXPECT_FALSE(change.added[0].is_key);
  ASSERT_EQ(txn->transaction.changes.size(), 3u);
  Row before = {Cell::Text("1"), Cell::Text("before"), Cell::Null()};
  EXPECT_EQ(txn->transaction.changes[0].row, before);
  EXPECT_EQ(txn->transaction.changes[1].row,
            (Row{Cell::Text("2"), Cell::Text("before"), Cell::Null()}));
  EXPECT_EQ(txn->transaction.changes[1].old_row,
            (Row{Cell::Text("1"), Cell::Null(), Cell::Null()}));
  EXPECT_EQ(txn->transaction.changes[2].row,
            (Row{Cell::Text("3"), Cell::Text("after"), Cell::Text("7")}));

  // The next transaction sees the same columns: no change, rows pass through.
  a.Feed(Begin{3, 0, 2});
  a.Feed(Insert{0, 42, {Cell::Text("4"), Cell::Null(), Cell::Text("8")}});
  txn = a.Feed(Commit{0, 3, 4, 0});
  ASSERT_TRUE(txn);
  EXPECT_TRUE(txn->transaction.schema_changes.empty());
  EXPECT_EQ(txn->transaction.changes[0].row, (Row{Cell::Text("4"), Cell::Null(), Cell::Text("8")}));
}

TEST(TransactionAssembler, DroppedNullableColumnBecomesNullAndIsReportedOnce) {
  TransactionAssembler a({Table()});
  Relation dropped = Rel();
  dropped.columns.pop_back();
  a.Feed(Begin{1, 0, 1});
  a.Feed(Relation(dropped));
  a.Feed(Insert{0, 42, {Cell::Text("1")}});
  a.Feed(Update{0, 42, 0, {}, {Cell::Text("1")}});
  auto txn = a.Feed(Commit{0, 1, 2, 0});
  ASSERT_TRUE(txn);
  ASSERT_EQ(txn->transaction.schema_changes.size(), 1u);
  EXPECT_TRUE(txn->transaction.schema_changes[0].added.empty());
  EXPECT_EQ(txn->transaction.schema_changes[0].dropped, std::vector<std::string>{"v"});
  EXPECT_EQ(txn->transaction.changes[0].row, R("1", Cell::Null()));
  EXPECT_EQ(txn->transaction.changes[1].row, R("1", Cell::Null()));
  EXPECT_TRUE(txn->transaction.changes[1].old_row.empty());
  // The same Relation again (a new session, another table's change): nothing new to report.
  a.Feed(Begin{3, 0, 2});
  a.Feed(Relation(dropped));
  a.Feed(Delete{0, 42, 'K', {Cell::Text("1")}});
  txn = a.Feed(Commit{0, 3, 4, 0});
  ASSERT_TRUE(txn);
  EXPECT_TRUE(txn->transaction.schema_changes.empty());
  EXPECT_EQ(txn->transaction.changes[0].row, R("1", Cell::Null()));
}

TEST(TransactionAssembler, DroppedKeyOrNotNullColumnIsFatal) {
  SourceTable t = Table();
  t.columns.push_back({"req", 25, -1, "text", false, false, 0});
  TransactionAssembler a({t});
  Relation all = Rel();
  all.columns.push_back({0, "req", 25, -1});

  Relation no_key = all;
  no_key.columns.erase(no_key.columns.begin());
  std::string error = FatalError([&] { a.Feed(std::move(no_key)); });
  EXPECT_TRUE(Contains(error, "public.t column \"id\" (a key column) is no longer replicated"))
      << error;
  EXPECT_TRUE(Contains(error, "resync the pipe")) << error;

  Relation no_req = all;
  no_req.columns.pop_back();
  error = FatalError([&] { a.Feed(std::move(no_req)); });
  EXPECT_TRUE(Contains(error, "column \"req\" (NOT NULL) is no longer replicated")) << error;
}

TEST(TransactionAssembler, TypeChangeIsFatal) {
  TransactionAssembler a({Table()});
  Relation retyped = Rel();
  retyped.columns[0].type_oid = 20;
  std::string error = FatalError([&] { a.Feed(std::move(retyped)); });
  EXPECT_TRUE(Contains(error,
                       "source table public.t column \"id\" changed type from integer to "
                       "type oid 20; pg2ch cannot change the type of a ClickHouse column: "
                       "resync the pipe"))
      << error;
  Relation new_typmod = Rel();
  new_typmod.columns[1].typmod = 14;
  error = FatalError([&] { a.Feed(std::move(new_typmod)); });
  EXPECT_TRUE(Contains(error, "column \"v\" changed type from text to type oid 25 typmod 14"))
      << error;
  // Another table's relation may look like anything.
  Relation other = Rel(7);
  other.columns.pop_back();
  other.columns[0].type_oid = 20;
  EXPECT_NO_THROW(a.Feed(std::move(other)));
}

// After a crash CDC replays from the checkpoint: pgoutput describes the table as it was then,
// without a column the catalog already records. That column is simply NULL.
TEST(TransactionAssembler, ReplayWithAnOlderRelationPadsWithNull) {
  SourceTable t = Table();
  t.columns.push_back({"n", 23, -1, "integer", true, false, 0});
  TransactionAssembler a({t});
  a.Feed(Begin{1, 0, 1});
  a.Feed(Rel());  // from before ADD COLUMN n
  a.Feed(Insert{0, 42, R("1", Cell::Text("old"))});
  a.Feed(Update{0, 42, 'K', R("1", Cell::Null()), R("2", Cell::Text("old"))});
  auto txn = a.Feed(Commit{0, 1, 2, 0});
  ASSERT_TRUE(txn);
  ASSERT_EQ(txn->transaction.schema_changes.size(), 1u);  // only logged: NULL from here on
  EXPECT_TRUE(txn->transaction.schema_changes[0].added.empty());
  EXPECT_EQ(txn->transaction.schema_changes[0].dropped, std::vector<std::string>{"n"});
  EXPECT_EQ(txn->transaction.changes[0].row,
            (Row{Cell::Text("1"), Cell::Text("old"), Cell::Null()}));
  EXPECT_EQ(txn->transaction.changes[1].old_row,
            (Row{Cell::Text("1"), Cell::Null(), Cell::Null()}));
  // Then the ALTER in the replayed stream: the column is known, nothing to add.
  Relation now = Rel();
  now.columns.push_back({0, "n", 23, -1});
  a.Feed(Begin{3, 0, 2});
  a.Feed(std::move(now));
  a.Feed(Insert{0, 42, {Cell::Text("3"), Cell::Null(), Cell::Text("7")}});
  txn = a.Feed(Commit{0, 3, 4, 0});
  ASSERT_TRUE(txn);
  EXPECT_TRUE(txn->transaction.schema_changes.empty());
  EXPECT_EQ(txn->transaction.changes[0].row, (Row{Cell::Text("3"), Cell::Null(), Cell::Text("7")}));
}

// RENAME COLUMN v TO w: v is no longer sent (NULL from now on), w is a new column.
TEST(TransactionAssembler, RenamedColumnIsDroppedAndAdded) {
  TransactionAssembler a({Table()});
  Relation renamed = Rel();
  renamed.columns[1].name = "w";
  a.Feed(std::move(renamed));  // outside a transaction: reported with the next one
  a.Feed(Begin{1, 0, 1});
  a.Feed(Insert{0, 42, R("1", Cell::Text("x"))});
  auto txn = a.Feed(Commit{0, 1, 2, 0});
  ASSERT_TRUE(txn);
  ASSERT_EQ(txn->transaction.schema_changes.size(), 1u);
  EXPECT_EQ(txn->transaction.schema_changes[0].dropped, std::vector<std::string>{"v"});
  ASSERT_EQ(txn->transaction.schema_changes[0].added.size(), 1u);
  EXPECT_EQ(txn->transaction.schema_changes[0].added[0].name, "w");
  EXPECT_EQ(txn->transaction.changes[0].row, (Row{Cell::Text("1"), Cell::Null(), Cell::Text("x")}));
}

TEST(TransactionAssembler, ProtocolViolationsAreErrors) {
  TransactionAssembler a({Table()});
  a.Feed(Rel());
  EXPECT_THROW(a.Feed(Insert{0, 42, R("1", Cell::Null())}), DecodeError);  // outside a txn
  EXPECT_THROW(a.Feed(Commit{}), DecodeError);
  a.Feed(Begin{});
  EXPECT_THROW(a.Feed(Begin{}), DecodeError);
  EXPECT_THROW(a.Feed(Insert{0, 42, {Cell::Text("1")}}), DecodeError);    // wrong column count
  EXPECT_THROW(a.Feed(Insert{0, 5, R("1", Cell::Null())}), DecodeError);  // unknown relation
}

// An excluded column is dropped from every tuple, whatever its type; so is a column created
// later under an excluded name (dropped and added again): it is never reported as added.
TEST(TransactionAssembler, ExcludedColumnsAreIgnoredNeverAdded) {
  SourceTable table = Table();
  table.excluded = {"secret"};
  TransactionAssembler a({table});
  a.Feed(Begin{1, 0, 1});
  Relation rel = Rel(42, 'f');
  rel.columns.insert(rel.columns.begin() + 1, {0, "secret", 17, -1});
  a.Feed(Relation(rel));
  a.Feed(Insert{0, 42, {Cell::Text("1"), Cell::Text("hidden"), Cell::Text("a")}});
  a.Feed(Update{0,
                42,
                'O',
                {Cell::Text("1"), Cell::Text("hidden"), Cell::Text("a")},
                {Cell::Text("1"), Cell::Text("changed"), Cell::Unchanged()}});
  a.Feed(Delete{0, 42, 'O', {Cell::Text("1"), Cell::Text("changed"), Cell::Text("a")}});
  auto txn = a.Feed(Commit{0, 1, 2, 0});
  ASSERT_TRUE(txn);
  EXPECT_TRUE(txn->transaction.schema_changes.empty());
  ASSERT_EQ(txn->transaction.changes.size(), 3u);
  EXPECT_EQ(txn->transaction.changes[0].row, R("1", Cell::Text("a")));
  EXPECT_EQ(txn->transaction.changes[1].row,
            R("1", Cell::Text("a")));                        // TOAST filled from the old row
  EXPECT_TRUE(txn->transaction.changes[1].old_row.empty());  // the excluded cell is no key change
  EXPECT_EQ(txn->transaction.changes[2].row, R("1", Cell::Text("a")));

  // ALTER TABLE t DROP COLUMN secret, ADD COLUMN secret int, ADD COLUMN n int.
  a.Feed(Begin{3, 0, 2});
  Relation again = Rel();
  again.columns.push_back({0, "secret", 23, -1});
  again.columns.push_back({0, "n", 23, -1});
  a.Feed(std::move(again));
  a.Feed(Insert{0, 42, {Cell::Text("2"), Cell::Text("b"), Cell::Text("9"), Cell::Text("7")}});
  txn = a.Feed(Commit{0, 3, 4, 0});
  ASSERT_TRUE(txn);
  ASSERT_EQ(txn->transaction.schema_changes.size(), 1u);
  ASSERT_EQ(txn->transaction.schema_changes[0].added.size(), 1u);
  EXPECT_EQ(txn->transaction.schema_changes[0].added[0].name, "n");
  EXPECT_EQ(txn->transaction.changes[0].row,
            (Row{Cell::Text("2"), Cell::Text("b"), Cell::Text("7")}));
}

}  // namespace
}  // namespace pg2ch
