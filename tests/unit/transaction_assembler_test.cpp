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
  EXPECT_EQ(txn->commit_lsn, 0x100u);
  EXPECT_EQ(txn->end_lsn, 0x128u);
  ASSERT_EQ(txn->changes.size(), 4u);  // the truncate of relid 99 is not ours
  EXPECT_EQ(txn->changes[0].op, ChangeOp::kInsert);
  EXPECT_EQ(txn->changes[1].op, ChangeOp::kUpdate);
  EXPECT_TRUE(txn->changes[1].old_row.empty());
  EXPECT_EQ(txn->changes[1].row[1], Cell::Unchanged());
  EXPECT_EQ(txn->changes[2].op, ChangeOp::kDelete);
  EXPECT_EQ(txn->changes[2].row[0], Cell::Text("1"));
  EXPECT_EQ(txn->changes[3].op, ChangeOp::kTruncate);
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
  ASSERT_EQ(txn->changes.size(), 3u);
  EXPECT_EQ(txn->changes[0].old_row, R("1", Cell::Null()));
  EXPECT_TRUE(txn->changes[1].old_row.empty());
  EXPECT_EQ(txn->changes[1].row[1], Cell::Text("old wide"));
  EXPECT_EQ(txn->changes[2].old_row, R("2", Cell::Text("y")));
}

TEST(TransactionAssembler, SchemaChangeOfOurTableIsFatal) {
  TransactionAssembler a({Table()});
  Relation changed = Rel();
  changed.columns.push_back({0, "added", 23, -1});
  try {
    a.Feed(std::move(changed));
    FAIL() << "accepted a changed schema";
  } catch (const PipeError& e) {
    EXPECT_FALSE(e.retryable());
    EXPECT_NE(std::string(e.what()).find("schema of source table public.t changed"),
              std::string::npos);
  }
  Relation retyped = Rel();
  retyped.columns[1].type_oid = 1043;
  EXPECT_THROW(a.Feed(std::move(retyped)), PipeError);
  // Another table's relation may look like anything.
  Relation other = Rel(7);
  other.columns.pop_back();
  EXPECT_NO_THROW(a.Feed(std::move(other)));
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

}  // namespace
}  // namespace pg2ch
