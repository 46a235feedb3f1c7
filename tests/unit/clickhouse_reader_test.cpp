// RowBinary reader: splitting rows into value spans, bounds checks; PostgreSQL array text.
#include <gtest/gtest.h>

#include "common/error.h"
#include "destination/clickhouse/row_binary_encoder.h"
#include "destination/clickhouse/row_binary_reader.h"
#include "pgvalue/pg_array_text.h"

namespace pg2ch {
namespace {

ChType Type(ChKind kind, bool nullable = false) {
  ChType t;
  t.kind = kind;
  t.nullable = nullable;
  return t;
}

TEST(ClickHouseReaderTest, SplitsRowsIntoEncodedValues) {
  ChType dec = Type(ChKind::kDecimal, true);
  dec.precision = 40;
  dec.scale = 2;
  ChType array = Type(ChKind::kArray);
  array.element.push_back(Type(ChKind::kString, true));
  const std::vector<std::pair<ChType, Cell>> row = {
      {Type(ChKind::kInt16), Cell::Text("7")},
      {Type(ChKind::kInt64, true), Cell::Null()},
      {Type(ChKind::kString, true), Cell::Text(std::string(300, 'x'))},
      {dec, Cell::Text("-12.5")},
      {Type(ChKind::kUuid), Cell::Text("00112233-4455-6677-8899-aabbccddeeff")},
      {array, Cell::Text(R"({a,NULL,"b c"})")},
      {Type(ChKind::kDateTime64), Cell::Text("2024-01-01 00:00:00")},
      {Type(ChKind::kBool), Cell::Text("t")},
      {Type(ChKind::kFloat32), Cell::Text("1.5")},
      {Type(ChKind::kDate32, true), Cell::Text("2024-01-01")},
  };
  std::string data;
  std::vector<std::string> expected;
  for (int copy = 0; copy < 2; ++copy) {
    for (const auto& [type, cell] : row) {
      std::string one;
      EncodeCell(type, cell, one);
      if (copy == 0) expected.push_back(one);
      data += one;
    }
    AppendUInt8(1, data);
    AppendUInt64(0x0102030405060708, data);
  }
  RowBinaryReader reader(data);
  for (int copy = 0; copy < 2; ++copy) {
    for (size_t i = 0; i < row.size(); ++i) {
      EXPECT_EQ(reader.Next(row[i].first), expected[i]) << i;
    }
    EXPECT_EQ(reader.ReadUInt8(), 1);
    EXPECT_EQ(reader.ReadUInt64(), 0x0102030405060708u);
  }
  EXPECT_TRUE(reader.AtEnd());
}

TEST(ClickHouseReaderTest, TruncatedInputThrows) {
  std::string data;
  EncodeValue(Type(ChKind::kString), "hello", data);
  for (size_t cut = 0; cut < data.size(); ++cut) {
    RowBinaryReader reader(std::string_view(data).substr(0, cut));
    EXPECT_THROW(reader.Next(Type(ChKind::kString)), DecodeError) << cut;
  }
  RowBinaryReader short_int("\x01\x02\x03");
  EXPECT_THROW(short_int.Next(Type(ChKind::kInt32)), DecodeError);
  RowBinaryReader short_u64("1234567");
  EXPECT_THROW(short_u64.ReadUInt64(), DecodeError);
}

TEST(ClickHouseReaderTest, BogusLengthsThrow) {
  ChType array = Type(ChKind::kArray);
  array.element.push_back(Type(ChKind::kInt32, true));
  std::string huge;
  AppendVarUInt(uint64_t{1} << 60, huge);
  RowBinaryReader a(huge);
  EXPECT_THROW(a.Next(array), DecodeError);
  RowBinaryReader s(huge);
  EXPECT_THROW(s.ReadString(), DecodeError);
  const std::string ones(11, '\xff');
  RowBinaryReader endless(ones);
  EXPECT_THROW(endless.ReadVarUInt(), DecodeError);
}

TEST(PgArrayTextTest, Elements) {
  using E = PgArrayElements;
  EXPECT_EQ(ParsePgArray("{}"), E{});
  EXPECT_EQ(ParsePgArray("{1,2,NULL}"), (E{"1", "2", std::nullopt}));
  EXPECT_EQ(ParsePgArray(R"({"NULL",null,"",x})"), (E{"NULL", std::nullopt, "", "x"}));
  EXPECT_EQ(ParsePgArray(R"({"a,b","{c}","d\\e","f\"g"," h "})"),
            (E{"a,b", "{c}", "d\\e", "f\"g", " h "}));
  EXPECT_EQ(ParsePgArray(R"({a\,b,N\ULL})"), (E{"a,b", "NULL"}));
  EXPECT_EQ(ParsePgArray(R"({"2024-01-01 00:00:00+00"})"), (E{"2024-01-01 00:00:00+00"}));
}

TEST(PgArrayTextTest, Refuses) {
  for (const char* bad : {"", "{", "}", "1,2", "{1,}", "{,1}", "{\"a}", "{a\"b}", "{{1},{2}}",
                          "[1:2]{1,2}", "{1,2}x", "{\"a\"b}"}) {
    EXPECT_THROW(ParsePgArray(bad), PipeError) << bad;
  }
}

}  // namespace
}  // namespace pg2ch
