// RowBinary encoding of PostgreSQL text values, byte for byte. The UUID and Decimal layouts were
// checked against ClickHouse 18.16 (INSERT ... FORMAT RowBinary, then SELECT toString(u), d).
#include <gtest/gtest.h>

#include "common/error.h"
#include "destination/clickhouse/decimal_text.h"
#include "destination/clickhouse/row_binary_encoder.h"

namespace pg2ch {
namespace {

std::string Hex(std::string_view bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (char c : bytes) {
    out += kDigits[static_cast<uint8_t>(c) >> 4];
    out += kDigits[static_cast<uint8_t>(c) & 15];
  }
  return out;
}

ChType Type(ChKind kind, bool nullable = false) {
  ChType t;
  t.kind = kind;
  t.nullable = nullable;
  return t;
}

ChType Decimal(int precision, int scale) {
  ChType t = Type(ChKind::kDecimal);
  t.precision = precision;
  t.scale = scale;
  return t;
}

ChType ArrayOf(ChType element) {
  ChType t = Type(ChKind::kArray);
  element.nullable = true;
  t.element.push_back(element);
  return t;
}

std::string Encode(const ChType& type, std::string_view text) {
  std::string out;
  EncodeValue(type, text, out);
  return Hex(out);
}

std::string EncodeCellHex(const ChType& type, const Cell& cell) {
  std::string out;
  EncodeCell(type, cell, out);
  return Hex(out);
}

std::string EncodeDefaultHex(const ChType& type) {
  std::string out;
  EncodeDefault(type, out);
  return Hex(out);
}

TEST(ClickHouseEncoderTest, Integers) {
  EXPECT_EQ(Encode(Type(ChKind::kInt16), "-2"), "feff");
  EXPECT_EQ(Encode(Type(ChKind::kInt32), "305419896"), "78563412");
  EXPECT_EQ(Encode(Type(ChKind::kInt64), "-9223372036854775808"), "0000000000000080");
  EXPECT_EQ(Encode(Type(ChKind::kInt32, true), "1"), "0001000000");
  for (const char* bad : {"", "1.5", "32768", "1 ", "+1", "x"}) {
    EXPECT_THROW(Encode(Type(ChKind::kInt16), bad), PipeError) << bad;
  }
}

TEST(ClickHouseEncoderTest, FloatsKeepEveryBit) {
  EXPECT_EQ(Encode(Type(ChKind::kFloat32), "1.5"), "0000c03f");
  EXPECT_EQ(Encode(Type(ChKind::kFloat32), "NaN"), "0000c07f");
  EXPECT_EQ(Encode(Type(ChKind::kFloat32), "Infinity"), "0000807f");
  EXPECT_EQ(Encode(Type(ChKind::kFloat32), "-Infinity"), "000080ff");
  EXPECT_EQ(Encode(Type(ChKind::kFloat32), "-0"), "00000080");
  EXPECT_EQ(Encode(Type(ChKind::kFloat32), "1e-45"), "01000000");  // smallest subnormal
  EXPECT_EQ(Encode(Type(ChKind::kFloat32), "3.4028235e+38"), "ffff7f7f");
  // float4 '0.1' prints as 0.1 and must become the float nearest 0.1, not the double's.
  EXPECT_EQ(Encode(Type(ChKind::kFloat32), "0.1"), "cdcccc3d");
  EXPECT_EQ(Encode(Type(ChKind::kFloat64), "0.1"), "9a9999999999b93f");
  EXPECT_EQ(Encode(Type(ChKind::kFloat64), "NaN"), "000000000000f87f");
  EXPECT_EQ(Encode(Type(ChKind::kFloat64), "-Infinity"), "000000000000f0ff");
  EXPECT_EQ(Encode(Type(ChKind::kFloat64), "1.7976931348623157e+308"), "ffffffffffffef7f");
  EXPECT_EQ(Encode(Type(ChKind::kFloat64), "5e-324"), "0100000000000000");
  EXPECT_THROW(Encode(Type(ChKind::kFloat64), "1,5"), PipeError);
  EXPECT_THROW(Encode(Type(ChKind::kFloat32), "1e39"), PipeError);
}

TEST(ClickHouseEncoderTest, DecimalsAreScaledIntegers) {
  EXPECT_EQ(Encode(Decimal(9, 3), "-1.234"), "2efbffff");  // Int32 -1234 (checked on 18.16)
  EXPECT_EQ(Encode(Decimal(10, 2), "123.45"), "3930000000000000");
  EXPECT_EQ(Encode(Decimal(38, 2), "123.45"), "39300000000000000000000000000000");
  EXPECT_EQ(Encode(Decimal(5, 3), "1.2"), "b0040000");   // 1200
  EXPECT_EQ(Encode(Decimal(5, 1), "1.20"), "0c000000");  // trailing zeros are not rounding
  EXPECT_EQ(Encode(Decimal(5, 0), "-0"), "00000000");
  EXPECT_EQ(Encode(Decimal(1, 1), "0.5"), "05000000");
  EXPECT_EQ(Encode(Decimal(76, 0), "-1"), std::string(64, 'f'));
}

TEST(ClickHouseEncoderTest, DecimalsNeverRound) {
  EXPECT_THROW(Encode(Decimal(5, 1), "1.23"), PipeError);
  EXPECT_THROW(Encode(Decimal(5, 0), "123456"), PipeError);
  EXPECT_THROW(Encode(Decimal(5, 2), "1000"), PipeError);
  for (const char* bad : {"NaN", "Infinity", "-Infinity", "", "-", ".", "1e5", "1.2.3", "abc"}) {
    EXPECT_THROW(Encode(Decimal(10, 2), bad), PipeError) << bad;
  }
  try {
    Encode(Decimal(10, 2), "NaN");
  } catch (const PipeError& e) {
    EXPECT_NE(std::string(e.what()).find("'NaN'"), std::string::npos) << e.what();
    EXPECT_FALSE(e.retryable());
  }
}

TEST(ClickHouseEncoderTest, WideDecimalsRoundTrip) {
  const std::string nines38(38, '9');
  const std::string nines76(76, '9');
  for (auto [precision, scale, text] : std::vector<std::tuple<int, int, std::string>>{
           {38, 0, nines38},
           {38, 0, "-" + nines38},
           {38, 10, "-1234567890123456789012345678.0123456789"},
           {76, 0, nines76},
           {76, 0, "-" + nines76},
           {76, 38, "-" + std::string(38, '7') + "." + std::string(38, '3')},
           {18, 18, "0.000000000000000001"},
           {9, 2, "-9999999.99"},
           // Up to 18 digits take the 64-bit path, sign-extended to wide decimals.
           {18, 0, "-999999999999999999"},
           {18, 4, "-0.0001"},
           {38, 2, "-12.34"},
           {38, 2, "12.34"},
           {76, 10, "-0.0000000001"},
           {76, 0, "123456789012345678"},
           {76, 0, "-1234567890123456789"},  // 19 digits: the 256-bit path
       }) {
    std::string out;
    AppendDecimal(text, precision, scale, out);
    EXPECT_EQ(static_cast<int>(out.size()), DecimalWidth(precision));
    EXPECT_EQ(FormatDecimal(out, scale), text) << precision << "," << scale;
  }
  EXPECT_THROW(Encode(Decimal(76, 0), "1" + nines76), PipeError);
  for (int precision : {9, 18, 38, 76}) {
    std::string out;
    AppendDecimal("-0.00", precision, 2, out);  // no negative zero: all bytes 0
    EXPECT_EQ(out, std::string(static_cast<size_t>(DecimalWidth(precision)), '\0')) << precision;
  }
}

TEST(ClickHouseEncoderTest, Dates) {
  ChType date = Type(ChKind::kDate32);
  EXPECT_EQ(Encode(date, "1970-01-01"), "00000000");
  EXPECT_EQ(Encode(date, "2024-03-01"), "474d0000");  // 19783
  EXPECT_EQ(Encode(date, "1900-01-01"), "219cffff");  // -25567
  EXPECT_EQ(Encode(date, "1899-12-31"), "219cffff");  // clamped
  EXPECT_EQ(Encode(date, "0044-03-15 BC"), "219cffff");
  EXPECT_EQ(Encode(date, "-infinity"), "219cffff");
  EXPECT_EQ(Encode(date, "2299-12-31"), "d1d60100");  // 120529
  EXPECT_EQ(Encode(date, "2300-01-01"), "d1d60100");
  EXPECT_EQ(Encode(date, "12345-01-01"), "d1d60100");
  EXPECT_EQ(Encode(date, "infinity"), "d1d60100");
  for (const char* bad : {"2023-02-29", "2024-13-01", "2024-3-1x", "24-03-01", "", "today"}) {
    EXPECT_THROW(Encode(date, bad), PipeError) << bad;
  }
  EXPECT_EQ(Encode(date, "2024-02-29"), "464d0000");
}

TEST(ClickHouseEncoderTest, Timestamps) {
  ChType ts = Type(ChKind::kDateTime64);
  auto micros = [&](std::string_view text) {
    std::string out;
    EncodeValue(ts, text, out);
    int64_t value = 0;
    for (int i = 7; i >= 0; --i) value = (value << 8) | static_cast<uint8_t>(out[i]);
    return value;
  };
  EXPECT_EQ(micros("1970-01-01 00:00:00"), 0);
  EXPECT_EQ(micros("2024-03-01 12:34:56.123456"), 1709296496123456);
  EXPECT_EQ(micros("2024-03-01 12:34:56.123456+00"), 1709296496123456);
  EXPECT_EQ(micros("2024-03-01 18:04:56.123456+05:30"), 1709296496123456);
  EXPECT_EQ(micros("2024-03-01 12:34:56.1"), 1709296496100000);
  EXPECT_EQ(micros("1969-12-31 23:59:59.5"), -500000);
  EXPECT_EQ(micros("1900-01-01 00:00:00"), -25567LL * 86400000000LL);
  EXPECT_EQ(micros("1899-12-31 23:59:59.999999"), -25567LL * 86400000000LL);
  EXPECT_EQ(micros("0044-03-15 12:00:00+00 BC"), -25567LL * 86400000000LL);
  EXPECT_EQ(micros("-infinity"), -25567LL * 86400000000LL);
  EXPECT_EQ(micros("2299-12-31 23:59:59.999999"), 120530LL * 86400000000LL - 1);
  EXPECT_EQ(micros("2300-01-01 00:00:00"), 120530LL * 86400000000LL - 1);
  EXPECT_EQ(micros("infinity"), 120530LL * 86400000000LL - 1);
  EXPECT_EQ(micros("275760-09-13 00:00:00"), 120530LL * 86400000000LL - 1);
  for (const char* bad : {"2024-03-01", "2024-03-01 12:34", "2024-03-01 12:34:56.", "x",
                          "2024-03-01 12:34:56.1234567", "2024-03-01 12:60:00"}) {
    EXPECT_THROW(micros(bad), PipeError) << bad;
  }
}

TEST(ClickHouseEncoderTest, BoolsStringsBytes) {
  EXPECT_EQ(Encode(Type(ChKind::kBool), "t"), "01");
  EXPECT_EQ(Encode(Type(ChKind::kUInt8, true), "f"), "0000");
  EXPECT_THROW(Encode(Type(ChKind::kBool), "yes"), PipeError);
  EXPECT_EQ(Encode(Type(ChKind::kString), "hi"), "026869");
  EXPECT_EQ(Encode(Type(ChKind::kString), ""), "00");
  std::string long_text(200, 'a');
  EXPECT_EQ(Encode(Type(ChKind::kString), long_text).substr(0, 4), "c801");  // VarUInt 200
  // bpchar keeps PostgreSQL's padding: the text is stored as it is.
  EXPECT_EQ(Encode(Type(ChKind::kString), "ab  "), "0461622020");
  EXPECT_EQ(Encode(Type(ChKind::kBytes), "\\x0a1bFF00"), "040a1bff00");
  EXPECT_EQ(Encode(Type(ChKind::kBytes), "\\x"), "00");
  for (const char* bad : {"\\x0", "abc", "\\xzz", "\\000"}) {
    EXPECT_THROW(Encode(Type(ChKind::kBytes), bad), PipeError) << bad;
  }
}

TEST(ClickHouseEncoderTest, UuidIsTwoLittleEndianHalves) {
  // Checked on 18.16: these bytes read back as toString(u) = the text.
  EXPECT_EQ(Encode(Type(ChKind::kUuid), "00112233-4455-6677-8899-aabbccddeeff"),
            "7766554433221100ffeeddccbbaa9988");
  for (const char* bad :
       {"00112233445566778899aabbccddeeff", "00112233-4455-6677-8899-aabbccddeefg",
        "{00112233-4455-6677-8899-aabbccddeeff}"}) {
    EXPECT_THROW(Encode(Type(ChKind::kUuid), bad), PipeError) << bad;
  }
}

TEST(ClickHouseEncoderTest, Arrays) {
  EXPECT_EQ(Encode(ArrayOf(Type(ChKind::kInt32)), "{1,2,NULL}"), "030001000000000200000001");
  EXPECT_EQ(Encode(ArrayOf(Type(ChKind::kInt32)), "{}"), "00");
  EXPECT_EQ(Encode(ArrayOf(Type(ChKind::kString)), R"({"a b","c\"d",NULL,"NULL"})"),
            "0400036120620003632264"
            "01"
            "00044e554c4c");
  EXPECT_EQ(Encode(ArrayOf(Type(ChKind::kBytes)), R"({"\\x0102"})"), "0100020102");
  // A value with more dimensions than the column is refused, never flattened.
  EXPECT_THROW(Encode(ArrayOf(Type(ChKind::kInt32)), "{{1,2},{3,4}}"), PipeError);
  // Explicit lower bounds are read past: ClickHouse arrays start at 1.
  EXPECT_EQ(Encode(ArrayOf(Type(ChKind::kInt32)), "[0:1]={1,2}"), "0200010000000002000000");
  EXPECT_THROW(Encode(ArrayOf(Type(ChKind::kInt32)), "{1,x}"), PipeError);
}

TEST(ClickHouseEncoderTest, MultiDimensionalArraysNest) {
  ChType matrix = ArrayOf(Type(ChKind::kInt32));
  matrix = ChType{ChKind::kArray, false, 0, 0, false, false, ',', {matrix}};  // Array(Array(..))
  EXPECT_EQ(Encode(matrix, "{{1,2},{3,NULL}}"),
            "02"
            "02"
            "0001000000"
            "0002000000"
            "02"
            "0003000000"
            "01");
  EXPECT_EQ(Encode(matrix, "[2:3][1:1]={{7},{8}}"),
            "02"
            "01"
            "0007000000"
            "01"
            "0008000000");
  EXPECT_EQ(Encode(matrix, "{}"), "00");
  EXPECT_THROW(Encode(matrix, "{1,2}"), PipeError);         // fewer dimensions
  EXPECT_THROW(Encode(matrix, "{{1,2},{3}}"), PipeError);   // not rectangular
  EXPECT_THROW(Encode(matrix, "{{1},{{2}}}"), PipeError);   // mixed depth
  EXPECT_THROW(Encode(matrix, "{{1,2},{3,4}"), PipeError);  // unterminated
}

TEST(ClickHouseEncoderTest, BoxArraysUseTheirDelimiter) {
  ChType boxes = ArrayOf(Type(ChKind::kString));
  boxes.array_delim = ';';
  // array_out quotes nothing here: box text has no ';', braces or quotes.
  EXPECT_EQ(Encode(boxes, "{(1,1),(0,0);(3,3),(2,2)}"),
            "02"
            "00"
            "0b28312c31292c28302c3029"
            "00"
            "0b28332c33292c28322c3229");
}

TEST(ClickHouseEncoderTest, MoneyIsItsDigitsWhateverTheLocale) {
  ChType money{ChKind::kMoney, true, 19, 2, false, false, ',', {}};
  std::string plus = Encode(money, "1234.50");  // Decimal128: 16 little-endian bytes
  EXPECT_EQ(Encode(money, "$1,234.50"), plus);
  EXPECT_EQ(Encode(money, "1.234,50 EUR"), plus);
  EXPECT_EQ(Encode(money, "-$1,234.50"), Encode(money, "-1234.50"));
  EXPECT_EQ(Encode(money, "($1,234.50)"), Encode(money, "-1234.50"));
  EXPECT_EQ(Encode(money, "$0.05"), Encode(money, "0.05"));
  EXPECT_EQ(Encode(money, "-$92,233,720,368,547,758.08"), Encode(money, "-92233720368547758.08"));
  ChType yen{ChKind::kMoney, false, 19, 0, false, false, ',', {}};
  EXPECT_EQ(Encode(yen, "¥1,235"), Encode(yen, "1235"));
  EXPECT_THROW(Encode(money, "$"), PipeError);
}

TEST(ClickHouseEncoderTest, HstoreIsAMapOfNullableStrings) {
  ChType value = Type(ChKind::kString, true);
  ChType map{ChKind::kMap, false, 0, 0, false, false, ',', {Type(ChKind::kString), value}};
  EXPECT_EQ(Encode(map, ""), "00");
  EXPECT_EQ(Encode(map, R"("a"=>"1", "b c"=>NULL, "q\"\\"=>"")"),
            "03"
            "0161"
            "000131"
            "03622063"
            "01"
            "0371225c"
            "0000");
  EXPECT_THROW(Encode(map, R"("a"=>1)"), PipeError);
  EXPECT_THROW(Encode(map, R"("a"=>"1","b"=>"2")"), PipeError);
}

TEST(ClickHouseEncoderTest, Cells) {
  EXPECT_EQ(EncodeCellHex(Type(ChKind::kInt32, true), Cell::Null()), "01");
  EXPECT_EQ(EncodeCellHex(ArrayOf(Type(ChKind::kInt32)), Cell::Null()), "00");  // NULL array: []
  EXPECT_THROW(EncodeCellHex(Type(ChKind::kInt32), Cell::Null()), PipeError);
  EXPECT_THROW(EncodeCellHex(Type(ChKind::kString, true), Cell::Unchanged()), PipeError);
  EXPECT_EQ(EncodeCellHex(Type(ChKind::kString, true), Cell::Text("x")), "000178");
}

TEST(ClickHouseEncoderTest, DefaultsForDeleteRows) {
  EXPECT_EQ(EncodeDefaultHex(Type(ChKind::kInt64, true)), "01");
  EXPECT_EQ(EncodeDefaultHex(Type(ChKind::kBool)), "00");
  EXPECT_EQ(EncodeDefaultHex(Type(ChKind::kInt16)), "0000");
  EXPECT_EQ(EncodeDefaultHex(Type(ChKind::kInt32)), "00000000");
  EXPECT_EQ(EncodeDefaultHex(Type(ChKind::kFloat64)), "0000000000000000");
  EXPECT_EQ(EncodeDefaultHex(Decimal(38, 2)), std::string(32, '0'));
  EXPECT_EQ(EncodeDefaultHex(Decimal(76, 2)), std::string(64, '0'));
  EXPECT_EQ(EncodeDefaultHex(Type(ChKind::kString)), "00");
  EXPECT_EQ(EncodeDefaultHex(Type(ChKind::kBytes)), "00");
  EXPECT_EQ(EncodeDefaultHex(Type(ChKind::kUuid)), std::string(32, '0'));
  EXPECT_EQ(EncodeDefaultHex(Type(ChKind::kDate32)), "00000000");
  EXPECT_EQ(EncodeDefaultHex(Type(ChKind::kDateTime64)), "0000000000000000");
  EXPECT_EQ(EncodeDefaultHex(ArrayOf(Type(ChKind::kInt32))), "00");
}

TEST(ClickHouseEncoderTest, VarUInt) {
  std::string out;
  AppendVarUInt(0, out);
  AppendVarUInt(127, out);
  AppendVarUInt(128, out);
  AppendVarUInt(16384, out);
  AppendVarUInt(UINT64_MAX, out);
  EXPECT_EQ(Hex(out), "007f8001808001ffffffffffffffffff01");
}

}  // namespace
}  // namespace pg2ch
