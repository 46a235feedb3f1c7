#include "core/change_spill.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "common/error.h"
#include "core/change_codec.h"

namespace pg2ch {
namespace {

std::filesystem::path TestDir() {
  return std::filesystem::temp_directory_path() / ("pg2ch-spill-test-" + std::to_string(getpid()));
}

std::vector<RowChange> EveryKind() {
  std::string arbitrary("a\0b\nc\xff\x01", 7);
  return {
      {ChangeOp::kInsert, 42, {Cell::Text("1"), Cell::Text(arbitrary), Cell::Null()}, {}},
      {ChangeOp::kUpdate,
       42,
       {Cell::Text("2"), Cell::Unchanged(), Cell::Text("")},
       {Cell::Text("1"), Cell::Null(), Cell::Null()}},
      {ChangeOp::kDelete, 7, {Cell::Text("2"), Cell::Null(), Cell::Null()}, {}},
      {ChangeOp::kTruncate, 42, {}, {}},
      {ChangeOp::kInsert, 0xffffffffu, {Cell::Text(std::string(100000, 'x'))}, {}},
  };
}

std::vector<RowChange> ReadAll(ChangeSpill& spill, size_t chunk) {
  std::vector<RowChange> all;
  while (true) {
    std::vector<RowChange> part = spill.ReadChunk(chunk);
    EXPECT_LE(part.size(), chunk);
    if (part.empty()) return all;
    for (RowChange& c : part) all.push_back(std::move(c));
  }
}

void ExpectSame(const std::vector<RowChange>& a, const std::vector<RowChange>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].op, b[i].op) << i;
    EXPECT_EQ(a[i].relid, b[i].relid) << i;
    EXPECT_EQ(a[i].row, b[i].row) << i;
    EXPECT_EQ(a[i].old_row, b[i].old_row) << i;
  }
}

TEST(ChangeCodec, RoundTripsEveryCellKind) {
  for (const RowChange& change : EveryKind()) {
    std::string bytes;
    AppendChangeRecord(change, bytes);
    ASSERT_GE(bytes.size(), kChangeRecordHeaderBytes);
    uint32_t length = DecodeChangeRecordLength(bytes.substr(0, kChangeRecordHeaderBytes));
    ASSERT_EQ(length, bytes.size() - kChangeRecordHeaderBytes);
    ExpectSame({DecodeChangePayload(std::string_view(bytes).substr(kChangeRecordHeaderBytes))},
               {change});
  }
}

TEST(ChangeCodec, MalformedPayloadsAreDecodeErrors) {
  std::string bytes;
  AppendChangeRecord(EveryKind()[1], bytes);
  std::string payload = bytes.substr(kChangeRecordHeaderBytes);
  for (size_t cut = 0; cut < payload.size(); ++cut)  // every truncation
    EXPECT_THROW(DecodeChangePayload(payload.substr(0, cut)), DecodeError) << cut;
  EXPECT_THROW(DecodeChangePayload(payload + "x"), DecodeError);  // leftover bytes
  std::string bad_op = payload;
  bad_op[0] = 9;
  EXPECT_THROW(DecodeChangePayload(bad_op), DecodeError);
  std::string bad_kind = payload;
  bad_kind[1 + 4 + 4] = 7;  // op, relid, cell count, then the first cell's kind
  EXPECT_THROW(DecodeChangePayload(bad_kind), DecodeError);
  std::string huge_count = payload;
  huge_count[1 + 4 + 3] = '\x7f';  // cell count far beyond the record
  EXPECT_THROW(DecodeChangePayload(huge_count), DecodeError);
}

class ChangeSpillTest : public ::testing::Test {
 protected:
  void TearDown() override { std::filesystem::remove_all(TestDir()); }
};

TEST_F(ChangeSpillTest, RoundTripInChunksAndRemovesItsFile) {
  std::vector<RowChange> written;
  for (int i = 0; i < 300; ++i)
    for (const RowChange& c : EveryKind()) written.push_back(c);
  std::filesystem::path path;
  {
    auto spill = ChangeSpill::Create(TestDir());
    path = spill->path();
    EXPECT_TRUE(std::filesystem::exists(path));
    for (const RowChange& c : written) spill->Append(c);
    EXPECT_EQ(spill->changes(), written.size());
    spill->FinishWriting({});
    ExpectSame(ReadAll(*spill, 7), written);
    EXPECT_TRUE(spill->ReadChunk(7).empty());
  }
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST_F(ChangeSpillTest, EmptySpillReadsNothing) {
  auto spill = ChangeSpill::Create(TestDir());
  spill->FinishWriting({});
  EXPECT_TRUE(spill->ReadChunk(10).empty());
}

TEST_F(ChangeSpillTest, PadsRowsNarrowerThanTheFinalWidth) {
  auto spill = ChangeSpill::Create(TestDir());
  spill->Append({ChangeOp::kUpdate, 42, {Cell::Text("2"), Cell::Text("v")}, {Cell::Text("1")}});
  spill->Append({ChangeOp::kTruncate, 42, {}, {}});
  spill->Append({ChangeOp::kInsert, 7, {Cell::Text("x")}, {}});
  spill->FinishWriting({{42, 3}});
  std::vector<RowChange> back = ReadAll(*spill, 10);
  ASSERT_EQ(back.size(), 3u);
  EXPECT_EQ(back[0].row, (Row{Cell::Text("2"), Cell::Text("v"), Cell::Null()}));
  EXPECT_EQ(back[0].old_row, (Row{Cell::Text("1"), Cell::Null(), Cell::Null()}));
  EXPECT_TRUE(back[1].row.empty());              // a truncate carries no row
  EXPECT_EQ(back[2].row, Row{Cell::Text("x")});  // no width known: as written
}

TEST_F(ChangeSpillTest, TruncatedFileIsAClearError) {
  auto spill = ChangeSpill::Create(TestDir());
  for (const RowChange& c : EveryKind()) spill->Append(c);
  spill->FinishWriting({});
  std::filesystem::resize_file(spill->path(), std::filesystem::file_size(spill->path()) - 3);
  try {
    ReadAll(*spill, 100);
    FAIL() << "read a truncated spill file";
  } catch (const DecodeError& e) {
    EXPECT_NE(std::string(e.what()).find("ends early"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(spill->path().string()), std::string::npos);
  }
}

TEST_F(ChangeSpillTest, CorruptFileIsAClearError) {
  auto spill = ChangeSpill::Create(TestDir());
  spill->Append(EveryKind()[0]);
  spill->FinishWriting({});
  {
    std::fstream f(spill->path(), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(0);
    f.put('\xff');  // the record length now runs past the end of the file
  }
  EXPECT_THROW(spill->ReadChunk(10), DecodeError);
}

TEST_F(ChangeSpillTest, RemoveLeftoversDeletesOnlySpillFiles) {
  std::filesystem::create_directories(TestDir());
  std::ofstream(TestDir() / "txn-old.spill") << "x";
  std::ofstream(TestDir() / "keep.txt") << "x";
  ChangeSpill::RemoveLeftovers(TestDir());
  EXPECT_FALSE(std::filesystem::exists(TestDir() / "txn-old.spill"));
  EXPECT_TRUE(std::filesystem::exists(TestDir() / "keep.txt"));
  ChangeSpill::RemoveLeftovers(TestDir() / "new");  // creates a missing directory
  EXPECT_TRUE(std::filesystem::is_directory(TestDir() / "new"));
}

}  // namespace
}  // namespace pg2ch
