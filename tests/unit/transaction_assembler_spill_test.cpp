// A transaction above the spill threshold reads back exactly as the in-memory one.
#include <gtest/gtest.h>
#include <unistd.h>

#include "source/postgres/transaction_assembler.h"

namespace pg2ch {
namespace {

using namespace pgoutput;

std::filesystem::path TestDir() {
  return std::filesystem::temp_directory_path() /
         ("pg2ch-assembler-spill-test-" + std::to_string(getpid()));
}

SourceTable Table() {
  SourceTable t;
  t.schema = "public";
  t.name = "t";
  t.relid = 42;
  t.columns = {{"id", 23, -1, "integer", false, true, 0}, {"v", 25, -1, "text", true, false, 0}};
  return t;
}

Relation Rel() {
  Relation r;
  r.relid = 42;
  r.namespace_name = "public";
  r.relation_name = "t";
  r.replica_identity = 'd';
  r.columns = {{1, "id", 23, -1}, {0, "v", 25, -1}};
  return r;
}

Row R(int id, Cell v) { return {Cell::Text(std::to_string(id)), std::move(v)}; }

// 25 changes of every kind, an ADD COLUMN after the 20th (rows before it are padded), then more.
std::vector<PgOutputMessage> Messages() {
  std::vector<PgOutputMessage> m;
  m.push_back(Rel());
  m.push_back(Begin{0x100, 0, 7});
  for (int i = 0; i < 5; ++i) {
    m.push_back(Insert{0, 42, R(i, Cell::Text(std::string("v\0\n", 3) + std::to_string(i)))});
    m.push_back(Update{0, 42, 0, {}, R(i, Cell::Unchanged())});
    m.push_back(Update{0, 42, 'K', R(i, Cell::Null()), R(i + 100, Cell::Text("k"))});
    m.push_back(Delete{0, 42, 'K', R(i + 100, Cell::Null())});
  }
  m.push_back(Truncate{0, 0, {42}});
  Relation added = Rel();
  added.columns.push_back({0, "n", 23, -1});
  m.push_back(std::move(added));
  for (int i = 0; i < 4; ++i)
    m.push_back(Insert{0, 42, {Cell::Text(std::to_string(i)), Cell::Null(), Cell::Text("7")}});
  m.push_back(Commit{0, 0x100, 0x128, 99});
  return m;
}

std::optional<AssembledTransaction> FeedAll(TransactionAssembler& a) {
  std::optional<AssembledTransaction> done;
  for (PgOutputMessage& message : Messages()) {
    auto txn = a.Feed(std::move(message));
    if (txn) done = std::move(txn);
  }
  return done;
}

class AssemblerSpillTest : public ::testing::Test {
 protected:
  void TearDown() override { std::filesystem::remove_all(TestDir()); }
  SpillPolicy Policy(size_t threshold) {
    return {threshold,
            [this] {
              ++files_;
              return ChangeSpill::Create(TestDir());
            },
            {}};
  }
  int files_ = 0;
};

TEST_F(AssemblerSpillTest, BelowTheThresholdNothingIsSpilled) {
  TransactionAssembler a({Table()}, Policy(100));
  auto txn = FeedAll(a);
  ASSERT_TRUE(txn);
  EXPECT_FALSE(txn->spill);
  EXPECT_EQ(txn->transaction.changes.size(), 25u);
  EXPECT_EQ(files_, 0);
}

TEST_F(AssemblerSpillTest, SpilledTransactionReadsBackAsInMemory) {
  TransactionAssembler plain({Table()});
  auto expected = FeedAll(plain);
  ASSERT_TRUE(expected && !expected->spill);

  for (size_t threshold : {1u, 3u, 20u, 25u}) {
    SCOPED_TRACE(threshold);
    TransactionAssembler a({Table()}, Policy(threshold));
    auto txn = FeedAll(a);
    ASSERT_TRUE(txn);
    ASSERT_TRUE(txn->spill);
    EXPECT_TRUE(txn->transaction.changes.empty());
    EXPECT_EQ(txn->transaction.commit_lsn, 0x100u);
    EXPECT_EQ(txn->transaction.end_lsn, 0x128u);
    EXPECT_EQ(txn->transaction.commit_time, 99);
    ASSERT_EQ(txn->transaction.schema_changes.size(), 1u);
    EXPECT_EQ(txn->transaction.schema_changes[0].added.at(0).name, "n");
    EXPECT_EQ(txn->spill->changes(), 25u);

    std::vector<RowChange> back;
    while (true) {
      auto chunk = txn->spill->ReadChunk(4);
      if (chunk.empty()) break;
      for (RowChange& c : chunk) back.push_back(std::move(c));
    }
    const auto& want = expected->transaction.changes;
    ASSERT_EQ(back.size(), want.size());
    for (size_t i = 0; i < want.size(); ++i) {
      EXPECT_EQ(back[i].op, want[i].op) << i;
      EXPECT_EQ(back[i].relid, want[i].relid) << i;
      EXPECT_EQ(back[i].row, want[i].row) << i;  // padded to 3 columns like the in-memory rows
      EXPECT_EQ(back[i].old_row, want[i].old_row) << i;
    }
    EXPECT_EQ(back[0].row.size(), 3u);
  }
  EXPECT_EQ(files_, 4);  // one file per spilled transaction
}

TEST_F(AssemblerSpillTest, CountsSpilledChangesAsOpen) {
  TransactionAssembler a({Table()}, Policy(2));
  a.Feed(Rel());
  a.Feed(Begin{1, 0, 1});
  for (int i = 0; i < 5; ++i) a.Feed(Insert{0, 42, R(i, Cell::Null())});
  EXPECT_EQ(a.open_changes(), 5u);
  auto txn = a.Feed(Commit{0, 1, 2, 0});
  ASSERT_TRUE(txn && txn->spill);
  EXPECT_EQ(a.open_changes(), 0u);
  // The next, small transaction is in memory again.
  a.Feed(Begin{3, 0, 2});
  a.Feed(Insert{0, 42, R(9, Cell::Null())});
  txn = a.Feed(Commit{0, 3, 4, 0});
  ASSERT_TRUE(txn);
  EXPECT_FALSE(txn->spill);
  EXPECT_EQ(txn->transaction.changes.size(), 1u);
}

}  // namespace
}  // namespace pg2ch
