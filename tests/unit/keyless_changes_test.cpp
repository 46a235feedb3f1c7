// Changes of keyless tables resolved into copies: exactly one copy per delete, also on a replay.
#include "destination/clickhouse/keyless_changes.h"

#include <gtest/gtest.h>

#include "common/error.h"

namespace pg2ch {
namespace {

const ServerCaps kCaps = ServerCaps::FromVersion("26.7.2.1");

CodecMap Codecs(RowIdentity identity) {
  SourceTable t{"public", "k", 7, {}};
  SourceColumn a;
  a.name = "a";
  a.type_oid = 23;
  t.columns.push_back(a);
  t.identity = identity;
  CodecMap codecs;
  codecs.try_emplace(7, DestinationTable{t, "db", "k"}, kCaps);
  return codecs;
}

RowChange Change(ChangeOp op, const char* value, uint32_t ordinal, const char* old = nullptr) {
  RowChange c{op, 7, {Cell::Text(value)}, {}, ordinal};
  if (old) c.old_row = {Cell::Text(old)};
  return c;
}

TEST(KeylessChanges, EachDeleteTakesOneCopyAndAReplayTakesNoMore) {
  CodecMap codecs = Codecs(RowIdentity::kFullRow);
  const TableCodec& codec = codecs.at(7);
  const std::string h1 = codec.RowHash({Cell::Text("1")});
  // ClickHouse holds three copies of the row (1).
  std::vector<StoredCopy> stored = {
      {h1, "id-a", "", false}, {h1, "id-b", "", false}, {h1, "id-c", "", false}};
  int lookups = 0;
  CopyLookup lookup = [&](const TableCodec&, const std::vector<std::string>& hashes) {
    ++lookups;
    EXPECT_EQ(hashes, std::vector<std::string>{h1});
    return stored;
  };
  std::vector<Transaction> batch(1);
  batch[0].end_lsn = 100;
  batch[0].changes = {Change(ChangeOp::kDelete, "1", 0), Change(ChangeOp::kDelete, "1", 1)};
  ResolveKeylessChanges(batch, codecs, lookup);
  EXPECT_EQ(lookups, 1);
  ASSERT_EQ(batch[0].changes.size(), 2u);
  // The two smallest ids, each marked with its change.
  EXPECT_EQ(batch[0].changes[0].row[2].text, "id-a");
  EXPECT_EQ(batch[0].changes[0].row[3].text, ChangeIdentity(100, 0));
  EXPECT_EQ(batch[0].changes[1].row[2].text, "id-b");
  EXPECT_EQ(batch[0].changes[1].row[3].text, ChangeIdentity(100, 1));

  // Replayed after only the second delete was written: the first takes another copy, the second
  // finds its mark and takes none.
  stored[1] = {h1, "id-b", ChangeIdentity(100, 1), true};
  std::vector<Transaction> replay(1);
  replay[0].end_lsn = 100;
  replay[0].changes = {Change(ChangeOp::kDelete, "1", 0), Change(ChangeOp::kDelete, "1", 1)};
  ResolveKeylessChanges(replay, codecs, lookup);
  EXPECT_EQ(replay[0].changes[0].row[2].text, "id-a");
  EXPECT_EQ(replay[0].changes[1].row[2].text, "id-b");  // the same tombstone again

  // No copy left: an error, never a skip.
  stored = {};
  std::vector<Transaction> missing(1);
  missing[0].end_lsn = 200;
  missing[0].changes = {Change(ChangeOp::kDelete, "1", 0)};
  EXPECT_THROW(ResolveKeylessChanges(missing, codecs, lookup), PipeError);
}

TEST(KeylessChanges, InsertsGetIdsFromTheirChangeAndUpdatesMoveACopy) {
  CodecMap codecs = Codecs(RowIdentity::kFullRow);
  const TableCodec& codec = codecs.at(7);
  CopyLookup none = [](const TableCodec&, const std::vector<std::string>&) {
    return std::vector<StoredCopy>{};
  };
  std::vector<Transaction> batch(1);
  batch[0].end_lsn = 300;
  batch[0].changes = {Change(ChangeOp::kInsert, "5", 0), Change(ChangeOp::kInsert, "5", 1),
                      Change(ChangeOp::kUpdate, "6", 2, "5")};
  ResolveKeylessChanges(batch, codecs, none);
  const auto& c = batch[0].changes;
  ASSERT_EQ(c.size(), 4u);  // two inserts, then the update as a delete and an insert
  EXPECT_EQ(c[0].row[1].text, codec.RowHash({Cell::Text("5")}));
  EXPECT_EQ(c[0].row[2].text, ChangeIdentity(300, 0));
  EXPECT_EQ(c[1].row[2].text, ChangeIdentity(300, 1));
  EXPECT_EQ(c[2].op, ChangeOp::kDelete);
  EXPECT_EQ(c[2].row[2].text, ChangeIdentity(300, 0));  // the smallest copy of (5)
  EXPECT_EQ(c[3].op, ChangeOp::kInsert);
  EXPECT_EQ(c[3].row[1].text, codec.RowHash({Cell::Text("6")}));
  EXPECT_EQ(c[3].row[2].text, ChangeIdentity(300, 2));
  // A trailing NULL does not change a row's hash (a nullable column added later).
  EXPECT_EQ(codec.RowHash({Cell::Text("5")}), codec.RowHash({Cell::Text("5"), Cell::Null()}));
}

TEST(KeylessChanges, TablesWithoutIdentityRefuseUpdatesAndDeletes) {
  CodecMap codecs = Codecs(RowIdentity::kInsertOnly);
  CopyLookup none = [](const TableCodec&, const std::vector<std::string>&) {
    return std::vector<StoredCopy>{};
  };
  std::vector<Transaction> batch(1);
  batch[0].changes = {Change(ChangeOp::kDelete, "1", 0)};
  EXPECT_THROW(ResolveKeylessChanges(batch, codecs, none), PipeError);
}

}  // namespace
}  // namespace pg2ch
