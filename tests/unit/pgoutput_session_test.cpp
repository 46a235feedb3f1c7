// Transactions streamed while in progress (pgoutput v2) come out whole, in commit order, exactly
// as if sent after their commit: interleaved with others, across blocks, without the changes of
// rolled-back subtransactions, and with their schema applied only when they commit.
#include "source/postgres/pgoutput_session.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <iterator>

#include "common/error.h"

namespace pg2ch {
namespace {

// Big-endian pgoutput payloads, as a walsender sends them (pgoutput_messages.h).
class Payload {
 public:
  explicit Payload(char tag) { bytes_.push_back(static_cast<uint8_t>(tag)); }
  Payload& U8(uint8_t v) {
    bytes_.push_back(v);
    return *this;
  }
  Payload& U16(uint16_t v) { return Be(v, 2); }
  Payload& U32(uint32_t v) { return Be(v, 4); }
  Payload& U64(uint64_t v) { return Be(v, 8); }
  Payload& Str(const std::string& s) {
    bytes_.insert(bytes_.end(), s.begin(), s.end());
    bytes_.push_back(0);
    return *this;
  }
  // 'N' TupleData of text values.
  Payload& Tuple(const std::vector<std::string>& values) {
    U8('N').U16(static_cast<uint16_t>(values.size()));
    for (const std::string& v : values) {
      U8('t').U32(static_cast<uint32_t>(v.size()));
      bytes_.insert(bytes_.end(), v.begin(), v.end());
    }
    return *this;
  }
  std::vector<uint8_t> bytes() const { return bytes_; }

 private:
  Payload& Be(uint64_t v, int n) {
    for (int i = n - 1; i >= 0; --i) bytes_.push_back(static_cast<uint8_t>(v >> (8 * i)));
    return *this;
  }
  std::vector<uint8_t> bytes_;
};

constexpr uint32_t kRelid = 42;

std::vector<uint8_t> Begin(uint32_t xid, Lsn lsn) {
  return Payload('B').U64(lsn).U64(0).U32(xid).bytes();
}
std::vector<uint8_t> Commit(Lsn lsn) {
  return Payload('C').U8(0).U64(lsn).U64(lsn + 8).U64(0).bytes();
}
// Relation of public.t: id int (key), v text, and `extra` int columns after them.
std::vector<uint8_t> Rel(std::optional<uint32_t> xid, int extra = 0) {
  Payload p('R');
  if (xid) p.U32(*xid);
  p.U32(kRelid).Str("public").Str("t").U8('d').U16(static_cast<uint16_t>(2 + extra));
  p.U8(1).Str("id").U32(23).U32(0xffffffff);
  p.U8(0).Str("v").U32(25).U32(0xffffffff);
  for (int i = 0; i < extra; ++i) p.U8(0).Str("n" + std::to_string(i)).U32(23).U32(0xffffffff);
  return p.bytes();
}
std::vector<uint8_t> Insert(std::optional<uint32_t> xid, std::vector<std::string> values) {
  Payload p('I');
  if (xid) p.U32(*xid);
  return p.U32(kRelid).Tuple(values).bytes();
}
std::vector<uint8_t> Start(uint32_t xid, bool first) {
  return Payload('S').U32(xid).U8(first ? 1 : 0).bytes();
}
std::vector<uint8_t> Stop() { return Payload('E').bytes(); }
std::vector<uint8_t> StreamCommit(uint32_t xid, Lsn lsn) {
  return Payload('c').U32(xid).U8(0).U64(lsn).U64(lsn + 8).U64(0).bytes();
}
std::vector<uint8_t> StreamAbort(uint32_t xid, uint32_t subxid) {
  return Payload('A').U32(xid).U32(subxid).bytes();
}

SourceTable Table(uint32_t relid, const std::string& name, std::vector<SourceColumn> columns) {
  SourceTable t;
  t.schema = "public";
  t.name = name;
  t.relid = relid;
  t.columns = std::move(columns);
  return t;
}

std::filesystem::path TestDir() {
  return std::filesystem::temp_directory_path() /
         ("pg2ch-session-test-" + std::to_string(getpid()));
}

size_t FilesIn(const std::filesystem::path& dir) {
  if (!std::filesystem::exists(dir)) return 0;
  return static_cast<size_t>(std::distance(std::filesystem::directory_iterator(dir),
                                           std::filesystem::directory_iterator()));
}

class PgOutputSessionTest : public ::testing::Test {
 protected:
  void TearDown() override { std::filesystem::remove_all(TestDir()); }

  PgOutputSession Session(size_t spill_threshold = 0,
                          std::vector<SourceTable> tables = {
                              Table(kRelid, "t",
                                    {{"id", 23, -1, "integer", false, true, 0},
                                     {"v", 25, -1, "text", true, false, 0}})}) {
    SpillPolicy policy{spill_threshold, [] { return ChangeSpill::Create(TestDir()); },
                       [] { return ScratchFile::Create(TestDir(), "stream"); }};
    return PgOutputSession(tables, policy, policy.create_scratch);
  }

  // Feeds every payload; the transactions that came out, in order.
  static std::vector<AssembledTransaction> FeedAll(PgOutputSession& s,
                                                   const std::vector<std::vector<uint8_t>>& in) {
    std::vector<AssembledTransaction> out;
    for (const auto& p : in) {
      if (auto done = s.Feed(p)) out.push_back(std::move(*done));
      while (s.replaying())  // small slices, so that a replay takes several calls
        if (auto done = s.Replay(2)) out.push_back(std::move(*done));
    }
    return out;
  }

  // The first cell of each change of `t`, read from memory or its spill file.
  static std::vector<std::string> Ids(AssembledTransaction& t) {
    std::vector<RowChange> changes = t.transaction.changes;
    if (t.spill)
      for (auto chunk = t.spill->ReadChunk(3); !chunk.empty(); chunk = t.spill->ReadChunk(3))
        changes.insert(changes.end(), chunk.begin(), chunk.end());
    std::vector<std::string> ids;
    for (const RowChange& c : changes) ids.push_back(c.row.at(0).text);
    return ids;
  }
};

std::vector<uint8_t> Fixture(const std::string& name) {
  std::string path = std::string(PG2CH_FIXTURES_DIR) + "/pgoutput/" + name + ".bin";
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("missing fixture " + path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The messages PostgreSQL 15 sent for a streamed INSERT into public.other (fixtures README).
TEST_F(PgOutputSessionTest, RealStreamedTransactionComesOutAtItsCommit) {
  PgOutputSession s =
      Session(0, {Table(16398, "other", {{"k", 20, -1, "bigint", false, true, 0}})});
  std::vector<AssembledTransaction> out =
      FeedAll(s, {Fixture("v2_stream_start_first"), Fixture("v2_stream_relation_other"),
                  Fixture("v2_stream_insert_other"), Fixture("v2_stream_stop"),
                  Fixture("v2_stream_start_next"), Fixture("v2_stream_stop")});
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(s.streams().open(), 1u);
  EXPECT_EQ(FilesIn(TestDir()), 1u);
  EXPECT_FALSE(s.Feed(Fixture("v2_stream_commit")));  // starts the replay
  EXPECT_TRUE(s.replaying());
  EXPECT_TRUE(s.in_transaction());
  EXPECT_THROW(s.Feed(Fixture("v2_stream_stop")), DecodeError);  // not while replaying
  out.clear();
  while (s.replaying())
    if (auto done = s.Replay(1)) out.push_back(std::move(*done));
  ASSERT_EQ(out.size(), 1u);
  const Transaction& t = out[0].transaction;
  EXPECT_EQ(t.commit_lsn, 0x1597F48u);
  EXPECT_EQ(t.end_lsn, 0x1597F78u);
  EXPECT_EQ(t.commit_time, 0x00030419b4ec9916);
  ASSERT_EQ(t.changes.size(), 1u);
  EXPECT_EQ(t.changes[0].op, ChangeOp::kInsert);
  EXPECT_EQ(t.changes[0].relid, 16398u);
  EXPECT_EQ(t.changes[0].row, (Row{Cell::Text("1000")}));
  EXPECT_EQ(s.streams().open(), 0u);
  EXPECT_EQ(FilesIn(TestDir()), 0u);  // the stream file went with the transaction
  // The fixture's rolled-back transaction, 744, was never streamed here: nothing to drop.
  EXPECT_TRUE(FeedAll(s, {Fixture("v2_stream_abort")}).empty());
}

TEST_F(PgOutputSessionTest, InterleavedTransactionsComeOutInCommitOrder) {
  PgOutputSession s = Session();
  auto out = FeedAll(s, {Start(10, true), Rel(10), Insert(10, {"1", "a"}), Stop()});
  EXPECT_TRUE(out.empty());
  EXPECT_FALSE(s.in_transaction());  // between blocks: nothing unfinished at the position
  out = FeedAll(s, {Begin(11, 0x200), Rel(std::nullopt), Insert(std::nullopt, {"2", "b"})});
  EXPECT_TRUE(s.in_transaction());
  auto more = FeedAll(s, {Commit(0x200)});
  ASSERT_EQ(more.size(), 1u);
  EXPECT_EQ(Ids(more[0]), std::vector<std::string>{"2"});
  out = FeedAll(s, {Start(10, false), Insert(10, {"3", "c"})});
  EXPECT_TRUE(s.in_transaction());  // inside a block
  out = FeedAll(s, {Stop(), StreamCommit(10, 0x300)});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].transaction.commit_lsn, 0x300u);
  EXPECT_EQ(out[0].transaction.end_lsn, 0x308u);
  EXPECT_EQ(Ids(out[0]), (std::vector<std::string>{"1", "3"}));
}

TEST_F(PgOutputSessionTest, RolledBackSubtransactionLeavesOnlyItsChanges) {
  PgOutputSession s = Session();
  auto out =
      FeedAll(s, {Start(10, true), Rel(10), Insert(10, {"1", "a"}), Insert(12, {"2", "b"}), Stop(),
                  Start(10, false), Insert(13, {"3", "c"}), Stop(), StreamAbort(10, 12),
                  Start(10, false), Insert(10, {"4", "d"}), Stop(), StreamCommit(10, 0x300)});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(Ids(out[0]), (std::vector<std::string>{"1", "3", "4"}));
}

// A column added inside a rolled-back savepoint leaves no trace: its Relation goes with the
// savepoint, and PostgreSQL sends the table's schema again before the transaction's next change
// (pgoutput forgets having sent it when a subtransaction's stream aborts).
TEST_F(PgOutputSessionTest, RolledBackSavepointTakesItsSchemaAlong) {
  PgOutputSession s = Session();
  auto out = FeedAll(
      s, {Start(10, true), Rel(12, 1), Insert(12, {"1", "a", "7"}), Stop(), StreamAbort(10, 12),
          Start(10, false), Rel(10), Insert(10, {"2", "b"}), Stop(), StreamCommit(10, 0x300)});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].transaction.schema_changes.empty());
  EXPECT_EQ(Ids(out[0]), std::vector<std::string>{"2"});
  EXPECT_EQ(out[0].transaction.changes.at(0).row.size(), 2u);
}

TEST_F(PgOutputSessionTest, RolledBackTransactionLeavesNothing) {
  PgOutputSession s = Session();
  auto out = FeedAll(s, {Start(10, true), Rel(10), Insert(10, {"1", "a"}), Stop()});
  EXPECT_EQ(FilesIn(TestDir()), 1u);
  out = FeedAll(s, {StreamAbort(10, 10)});
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(s.streams().open(), 0u);
  EXPECT_EQ(FilesIn(TestDir()), 0u);
  // Its commit can no longer come: that would be rows pg2ch never kept.
  EXPECT_THROW(s.Feed(StreamCommit(10, 0x300)), DecodeError);
}

// A column added inside a streamed transaction is no business of the transactions that commit
// before it: they keep their width and report no schema change; the streamed one reports it.
TEST_F(PgOutputSessionTest, SchemaOfAStreamedTransactionAppliesAtItsCommit) {
  PgOutputSession s = Session();
  auto out = FeedAll(
      s, {Start(10, true), Rel(10, 1), Insert(10, {"1", "a", "7"}), Stop(), Rel(std::nullopt),
          Begin(11, 0x200), Insert(std::nullopt, {"2", "b"}), Commit(0x200)});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].transaction.schema_changes.empty());
  EXPECT_EQ(out[0].transaction.changes.at(0).row.size(), 2u);
  out = FeedAll(s, {StreamCommit(10, 0x300)});
  ASSERT_EQ(out.size(), 1u);
  ASSERT_EQ(out[0].transaction.schema_changes.size(), 1u);
  ASSERT_EQ(out[0].transaction.schema_changes[0].added.size(), 1u);
  EXPECT_EQ(out[0].transaction.schema_changes[0].added[0].name, "n0");
  EXPECT_EQ(out[0].transaction.changes.at(0).row,
            (Row{Cell::Text("1"), Cell::Text("a"), Cell::Text("7")}));
}

TEST_F(PgOutputSessionTest, LargeStreamedTransactionIsSpilledWhenAssembled) {
  PgOutputSession s = Session(/*spill_threshold=*/4);
  std::vector<std::vector<uint8_t>> in = {Start(10, true), Rel(10)};
  std::vector<std::string> expected;
  for (int i = 0; i < 25; ++i) {
    if (i % 10 == 9) {
      in.push_back(Stop());
      in.push_back(Start(10, false));
    }
    in.push_back(Insert(10, {std::to_string(i), "x"}));
    expected.push_back(std::to_string(i));
  }
  in.push_back(Stop());
  in.push_back(StreamCommit(10, 0x300));
  auto out = FeedAll(s, in);
  ASSERT_EQ(out.size(), 1u);
  ASSERT_NE(out[0].spill, nullptr);
  EXPECT_EQ(Ids(out[0]), expected);
}

// After a reconnect PostgreSQL streams an open transaction again from its first segment.
TEST_F(PgOutputSessionTest, FirstSegmentAgainStartsTheTransactionOver) {
  PgOutputSession s = Session();
  auto out = FeedAll(s, {Start(10, true), Rel(10), Insert(10, {"1", "a"}), Stop(), Start(10, true),
                         Rel(10), Insert(10, {"1", "a"}), Stop(), StreamCommit(10, 0x300)});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(Ids(out[0]), std::vector<std::string>{"1"});
}

TEST_F(PgOutputSessionTest, FramingOutOfOrderIsAnError) {
  {
    PgOutputSession s = Session();
    EXPECT_THROW(s.Feed(Start(10, false)), DecodeError);  // its first segment never came
  }
  {
    PgOutputSession s = Session();
    EXPECT_THROW(s.Feed(StreamCommit(10, 0x300)), DecodeError);
  }
  {
    PgOutputSession s = Session();
    s.Feed(Start(10, true));
    EXPECT_THROW(s.Feed(Begin(11, 0x200)), DecodeError);
  }
  {
    PgOutputSession s = Session();
    s.Feed(Begin(11, 0x200));
    EXPECT_THROW(s.Feed(Start(10, true)), DecodeError);
  }
  {
    PgOutputSession s = Session();
    EXPECT_THROW(s.Feed(Stop()), DecodeError);
  }
}

TEST_F(PgOutputSessionTest, StreamingNotRequestedIsAnError) {
  PgOutputSession s({}, SpillPolicy{}, {});
  EXPECT_THROW(s.Feed(Start(10, true)), DecodeError);
}

}  // namespace
}  // namespace pg2ch
