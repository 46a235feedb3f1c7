// Binary COPY values -> RowBinary, checked against the text path: for each value, the bytes
// EncodeBinaryField writes from PostgreSQL's send format must equal those EncodeValue writes
// from its text form. Edge values include the clamping bounds of dates and timestamps.
#include "destination/clickhouse/pg_binary_encoder.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "common/error.h"
#include "destination/clickhouse/row_binary_encoder.h"
#include "pgvalue/numeric_binary.h"
#include "pgvalue/pg_datetime.h"

namespace pg2ch {
namespace {

const ServerCaps kModern = ServerCaps::FromVersion("26.7.2.1");
const ServerCaps kOld = ServerCaps::FromVersion("18.16.1");

SourceColumn Column(uint32_t oid, bool nullable = false, uint32_t element_oid = 0) {
  SourceColumn c;
  c.name = "c";
  c.type_oid = oid;
  c.element_oid = element_oid;
  c.nullable = nullable;
  c.typmod = -1;
  return c;
}

std::vector<uint8_t> BigEndian(uint64_t v, int size) {
  std::vector<uint8_t> b;
  for (int i = size - 1; i >= 0; --i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
  return b;
}

template <typename F, typename Bits>
std::vector<uint8_t> FloatBytes(F value) {
  Bits bits;
  std::memcpy(&bits, &value, sizeof bits);
  return BigEndian(bits, sizeof bits);
}

std::vector<uint8_t> Raw(std::string_view s) { return {s.begin(), s.end()}; }

// Binary and text paths for one non-NULL value of a column of `oid` on a modern server.
void ExpectSame(uint32_t oid, const std::vector<uint8_t>& binary, std::string_view text,
                bool nullable = false, const ServerCaps& caps = kModern) {
  SourceColumn column = Column(oid, nullable);
  ChType type = MapColumnType("t", column, caps);
  BinaryConversion conversion = BinaryConversionFor(column, type);
  ASSERT_NE(conversion, BinaryConversion::kNone) << oid;
  std::string from_binary, from_text;
  EncodeBinaryField(conversion, type,
                    BinaryField{binary.data(), static_cast<int32_t>(binary.size())}, from_binary);
  EncodeValue(type, text, from_text);
  EXPECT_EQ(from_binary, from_text) << "oid " << oid << " value " << text;
}

TEST(PgBinaryEncoder, IntegersMatchTheTextPath) {
  ExpectSame(pg_oid::kInt2, BigEndian(0x8000, 2), "-32768");
  ExpectSame(pg_oid::kInt2, BigEndian(0x7fff, 2), "32767");
  ExpectSame(pg_oid::kInt4, BigEndian(0x80000000, 4), "-2147483648");
  ExpectSame(pg_oid::kInt4, BigEndian(1, 4), "1", true);
  ExpectSame(pg_oid::kInt8, BigEndian(0x8000000000000000, 8), "-9223372036854775808");
  ExpectSame(pg_oid::kInt8, BigEndian(0x7fffffffffffffff, 8), "9223372036854775807");
  ExpectSame(pg_oid::kInt8, BigEndian(uint64_t(-1), 8), "-1");
  ExpectSame(pg_oid::kBool, {1}, "t");
  ExpectSame(pg_oid::kBool, {0}, "f", true);
}

TEST(PgBinaryEncoder, FloatsMatchTheTextPathIncludingSpecials) {
  using D = std::numeric_limits<double>;
  using F = std::numeric_limits<float>;
  ExpectSame(pg_oid::kFloat8, FloatBytes<double, uint64_t>(0.1), "0.1");
  ExpectSame(pg_oid::kFloat8, FloatBytes<double, uint64_t>(-0.0), "-0");
  ExpectSame(pg_oid::kFloat8, FloatBytes<double, uint64_t>(D::infinity()), "Infinity");
  ExpectSame(pg_oid::kFloat8, FloatBytes<double, uint64_t>(-D::infinity()), "-Infinity");
  ExpectSame(pg_oid::kFloat8, FloatBytes<double, uint64_t>(D::quiet_NaN()), "NaN");
  ExpectSame(pg_oid::kFloat8, BigEndian(0xfff8000000000001, 8), "NaN");  // negative, payload
  ExpectSame(pg_oid::kFloat8, FloatBytes<double, uint64_t>(D::denorm_min()), "5e-324");
  ExpectSame(pg_oid::kFloat8, FloatBytes<double, uint64_t>(D::max()), "1.7976931348623157e+308");
  ExpectSame(pg_oid::kFloat4, FloatBytes<float, uint32_t>(1.1f), "1.1");
  ExpectSame(pg_oid::kFloat4, FloatBytes<float, uint32_t>(F::quiet_NaN()), "NaN");
  ExpectSame(pg_oid::kFloat4, BigEndian(0xffc00001, 4), "NaN");
  ExpectSame(pg_oid::kFloat4, FloatBytes<float, uint32_t>(-F::infinity()), "-Infinity");
  ExpectSame(pg_oid::kFloat4, FloatBytes<float, uint32_t>(F::max()), "3.4028235e+38");
}

TEST(PgBinaryEncoder, StringsBytesAndUuidsMatchTheTextPath) {
  ExpectSame(pg_oid::kText, Raw(""), "");
  ExpectSame(pg_oid::kText, Raw("tab\there \xc3\xa9"), "tab\there \xc3\xa9");
  ExpectSame(pg_oid::kVarchar, Raw(std::string(300, 'x')), std::string(300, 'x'));
  ExpectSame(pg_oid::kBpchar, Raw("ab  "), "ab  ");
  ExpectSame(pg_oid::kBytea, Raw(""), "\\x");
  ExpectSame(pg_oid::kBytea, {0, 0xff, '\\', 0x0a}, "\\x00ff5c0a");
  ExpectSame(pg_oid::kUuid,
             {0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab,
              0xcd, 0xef},
             "12345678-9abc-def0-0123-456789abcdef");
}

TEST(PgBinaryEncoder, DatesMatchTheTextPathAndItsClamping) {
  auto days = [](int32_t d) { return BigEndian(static_cast<uint32_t>(d), 4); };
  ExpectSame(pg_oid::kDate, days(0), "2000-01-01");
  ExpectSame(pg_oid::kDate, days(-10957), "1970-01-01");
  ExpectSame(pg_oid::kDate, days(-36524), "1900-01-01");
  ExpectSame(pg_oid::kDate, days(-36525), "1899-12-31");  // clamped
  ExpectSame(pg_oid::kDate, days(-2451545), "4714-11-24 BC", true);
  ExpectSame(pg_oid::kDate, days(109572), "2299-12-31");
  ExpectSame(pg_oid::kDate, days(109573), "2300-01-01");  // clamped
  ExpectSame(pg_oid::kDate, days(std::numeric_limits<int32_t>::max()), "infinity");
  ExpectSame(pg_oid::kDate, days(std::numeric_limits<int32_t>::min()), "-infinity");
}

TEST(PgBinaryEncoder, TimestampsMatchTheTextPathAndItsClamping) {
  constexpr int64_t kDay = 86'400'000'000;
  auto micros = [](int64_t m) { return BigEndian(static_cast<uint64_t>(m), 8); };
  for (uint32_t oid : {pg_oid::kTimestamp, pg_oid::kTimestamptz}) {
    std::string tz = oid == pg_oid::kTimestamptz ? "+00" : "";
    ExpectSame(oid, micros(0), "2000-01-01 00:00:00" + tz);
    ExpectSame(oid, micros(-10957 * kDay + 123456), "1970-01-01 00:00:00.123456" + tz);
    ExpectSame(oid, micros(-36524 * kDay), "1900-01-01 00:00:00" + tz);
    ExpectSame(oid, micros(-36524 * kDay - 1), "1899-12-31 23:59:59.999999" + tz);
    ExpectSame(oid, micros(109573 * kDay - 1), "2299-12-31 23:59:59.999999" + tz);
    ExpectSame(oid, micros(109573 * kDay), "2300-01-01 00:00:00" + tz, true);
    ExpectSame(oid, micros(std::numeric_limits<int64_t>::max()), "infinity");
    ExpectSame(oid, micros(std::numeric_limits<int64_t>::min()), "-infinity");
  }
}

// numeric's send format: header words, then base-10000 digits.
std::vector<uint8_t> Numeric(int16_t weight, uint16_t sign, int16_t dscale,
                             std::vector<uint16_t> digits) {
  std::vector<uint8_t> b;
  for (uint16_t word : {static_cast<uint16_t>(digits.size()), static_cast<uint16_t>(weight), sign,
                        static_cast<uint16_t>(dscale)})
    for (uint8_t x : BigEndian(word, 2)) b.push_back(x);
  for (uint16_t d : digits)
    for (uint8_t x : BigEndian(d, 2)) b.push_back(x);
  return b;
}

int32_t NumericTypmod(int precision, int scale) { return ((precision << 16) | scale) + 4; }

// numeric_out's text of `binary`, and the same value through both paths for unbounded numeric
// (String) and, when `typmod` != -1, for that Decimal.
void ExpectNumeric(const std::vector<uint8_t>& binary, std::string_view text, int32_t typmod = -1) {
  BinaryField field{binary.data(), static_cast<int32_t>(binary.size())};
  std::string printed;
  AppendNumericText(field, printed);
  EXPECT_EQ(printed, text);
  for (int32_t mod : {-1, typmod}) {
    SourceColumn column = Column(pg_oid::kNumeric);
    column.typmod = mod;
    ChType type = MapColumnType("t", column, kModern);
    ASSERT_EQ(type.kind, mod == -1 ? ChKind::kString : ChKind::kDecimal);
    std::string from_binary, from_text;
    EncodeBinaryField(BinaryConversionFor(column, type), type, field, from_binary);
    EncodeValue(type, text, from_text);
    EXPECT_EQ(from_binary, from_text) << text << " as " << type.Sql();
  }
}

TEST(PgBinaryEncoder, NumericsPrintAsNumericOutAndMatchTheTextPath) {
  constexpr uint16_t kNeg = 0x4000;
  ExpectNumeric(Numeric(0, 0, 0, {}), "0", NumericTypmod(1, 0));
  ExpectNumeric(Numeric(0, 0, 2, {}), "0.00", NumericTypmod(12, 2));
  ExpectNumeric(Numeric(1, 0, 2, {1234, 5678, 9000}), "12345678.90", NumericTypmod(12, 2));
  ExpectNumeric(Numeric(1, kNeg, 2, {1234, 5678, 9000}), "-12345678.90", NumericTypmod(10, 2));
  ExpectNumeric(Numeric(-1, kNeg, 4, {12}), "-0.0012", NumericTypmod(4, 4));
  ExpectNumeric(Numeric(-2, 0, 6, {100}), "0.000001", NumericTypmod(7, 6));
  ExpectNumeric(Numeric(1, 0, 0, {1}), "10000", NumericTypmod(5, 0));
  ExpectNumeric(Numeric(0, 0, 3, {7, 5}), "7.000", NumericTypmod(4, 3));      // dscale cuts 0.0005
  ExpectNumeric(Numeric(0, 0, 1, {1, 5000}), "1.5", NumericTypmod(12, 2));    // dscale < scale
  ExpectNumeric(Numeric(0, 0, 2, {99, 9900}), "99.99", NumericTypmod(4, 2));  // at the limit
  ExpectNumeric(Numeric(2, kNeg, 1, {9, 9999, 9999}), "-999999999.0", NumericTypmod(18, 1));
  // 38 nines, integer: the wide (256-bit) path of the text parser.
  std::vector<uint16_t> nines(10, 9999);
  nines[0] = 99;
  ExpectNumeric(Numeric(9, 0, 0, nines), std::string(38, '9'), NumericTypmod(38, 0));
  ExpectNumeric(Numeric(0, 0xC000, 0, {}), "NaN");
  ExpectNumeric(Numeric(0, 0xD000, 0, {}), "Infinity");
  ExpectNumeric(Numeric(0, 0xF000, 0, {}), "-Infinity");
}

// Random digits, weights and scales against random Decimal(P, S): the binary path (with its
// shortcut for P <= 18) writes the text path's bytes, and refuses exactly what it refuses.
TEST(PgBinaryEncoder, RandomNumericsTakeTheTextPathsDecisions) {
  std::mt19937 rng(5);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (int n = 0; n < 20000; ++n) {
    std::vector<uint16_t> digits(static_cast<size_t>(pick(0, 6)));
    for (uint16_t& d : digits) d = static_cast<uint16_t>(pick(0, 9999));
    auto binary = Numeric(static_cast<int16_t>(pick(-3, 5)), pick(0, 1) ? 0x4000 : 0,
                          static_cast<int16_t>(pick(0, 12)), digits);
    BinaryField field{binary.data(), static_cast<int32_t>(binary.size())};
    std::string text;
    AppendNumericText(field, text);
    SourceColumn column = Column(pg_oid::kNumeric);
    int precision = pick(1, 40);
    column.typmod = NumericTypmod(precision, pick(0, precision));
    ChType type = MapColumnType("t", column, kModern);
    std::string from_binary, from_text;
    bool binary_refused = false, text_refused = false;
    try {
      EncodeBinaryField(BinaryConversion::kNumeric, type, field, from_binary);
    } catch (const PipeError&) {
      binary_refused = true;
    }
    try {
      EncodeValue(type, text, from_text);
    } catch (const PipeError&) {
      text_refused = true;
    }
    ASSERT_EQ(binary_refused, text_refused) << text << " as " << type.Sql();
    ASSERT_EQ(from_binary, from_text) << text << " as " << type.Sql();
  }
}

TEST(PgBinaryEncoder, NumericsThatDoNotFitOrAreMalformedAreRefused) {
  SourceColumn column = Column(pg_oid::kNumeric);
  column.typmod = NumericTypmod(4, 2);
  ChType type = MapColumnType("t", column, kModern);
  auto encode = [&](const std::vector<uint8_t>& b) {
    std::string out;
    EncodeBinaryField(BinaryConversion::kNumeric, type,
                      BinaryField{b.data(), static_cast<int32_t>(b.size())}, out);
  };
  EXPECT_THROW(encode(Numeric(0, 0xC000, 0, {})), PipeError);     // NaN in a Decimal
  EXPECT_THROW(encode(Numeric(0, 0, 0, {123})), PipeError);       // 3 integer digits
  EXPECT_THROW(encode(Numeric(0, 0, 0, {10000})), DecodeError);   // not a base-10000 digit
  EXPECT_THROW(encode(Numeric(0, 0x8000, 0, {1})), DecodeError);  // unknown sign
  EXPECT_THROW(encode(Numeric(0, 0, -1, {1})), DecodeError);      // negative scale
  auto truncated = Numeric(0, 0, 0, {1, 2});
  truncated.pop_back();
  EXPECT_THROW(encode(truncated), DecodeError);
  EXPECT_THROW(encode(BigEndian(0, 6)), DecodeError);
}

// 18.16 keeps dates and timestamps as String: the binary path must print exactly what
// PostgreSQL prints (the texts below were read from PostgreSQL 15 with DateStyle ISO, UTC).
TEST(PgBinaryEncoder, DatesAndTimestampsAsTextOn1816PrintAsPostgreSQL) {
  constexpr int64_t kDay = 86'400'000'000;
  auto days = [](int64_t d) { return BigEndian(static_cast<uint32_t>(d), 4); };
  auto micros = [](int64_t m) { return BigEndian(static_cast<uint64_t>(m), 8); };
  auto date = [&](int64_t d, std::string_view text) {
    std::string printed;
    AppendPgDateText(static_cast<int32_t>(d), printed);
    EXPECT_EQ(printed, text);
    ExpectSame(pg_oid::kDate, days(d), text, true, kOld);
  };
  date(0, "2000-01-01");
  date(-10957, "1970-01-01");
  date(-1, "1999-12-31");
  date(-2451545, "4714-11-24 BC");
  date(-730155, "0001-11-26 BC");  // the year 1 BC is astronomical year 0
  date(-730521, "0002-11-26 BC");
  date(-730120, "0001-12-31 BC");
  date(-730119, "0001-01-01");
  date(-730427, "0001-02-28 BC");  // 1 BC was a leap year
  date(3800713, "12405-12-31");
  date(2145031948, "5874897-12-31");
  date(std::numeric_limits<int32_t>::max(), "infinity");
  date(std::numeric_limits<int32_t>::min(), "-infinity");
  for (uint32_t oid : {pg_oid::kTimestamp, pg_oid::kTimestamptz}) {
    const bool tz = oid == pg_oid::kTimestamptz;
    auto stamp = [&](int64_t m, std::string_view at, std::string_view bc = "") {
      std::string text = std::string(at) + (tz ? "+00" : "") + std::string(bc);
      std::string printed;
      AppendPgTimestampText(m, tz, printed);
      EXPECT_EQ(printed, text);
      ExpectSame(oid, micros(m), text, false, kOld);
    };
    stamp(0, "2000-01-01 00:00:00");
    stamp(1, "2000-01-01 00:00:00.000001");
    stamp(-1, "1999-12-31 23:59:59.999999");
    stamp(-10957 * kDay + 500000, "1970-01-01 00:00:00.5");
    stamp(-10957 * kDay + 120, "1970-01-01 00:00:00.00012");
    stamp(int64_t{3723} * 1'000'000 + 450000, "2000-01-01 01:02:03.45");
    stamp(-63085348799500000, "0001-11-26 12:00:00.5", " BC");
    stamp(9223371331200000000 - 1, "294276-12-31 23:59:59.999999");
    for (int64_t end : {std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min()}) {
      std::string text = end > 0 ? "infinity" : "-infinity";
      std::string printed;
      AppendPgTimestampText(end, tz, printed);
      EXPECT_EQ(printed, text);
      ExpectSame(oid, micros(end), text, false, kOld);
    }
  }
}

TEST(PgBinaryEncoder, NullsAndWrongSizes) {
  ChType nullable = MapColumnType("t", Column(pg_oid::kInt4, true), kModern);
  ChType not_null = MapColumnType("t", Column(pg_oid::kInt4), kModern);
  std::string out;
  EncodeBinaryField(BinaryConversion::kInt32, nullable, BinaryField{}, out);
  EXPECT_EQ(out, std::string(1, '\1'));
  EXPECT_THROW(EncodeBinaryField(BinaryConversion::kInt32, not_null, BinaryField{}, out),
               PipeError);
  auto three = BigEndian(1, 3);
  EXPECT_THROW(
      EncodeBinaryField(BinaryConversion::kInt32, not_null, BinaryField{three.data(), 3}, out),
      PipeError);
  uint8_t two = 2;
  ChType boolean = MapColumnType("t", Column(pg_oid::kBool), kModern);
  EXPECT_THROW(EncodeBinaryField(BinaryConversion::kBool, boolean, BinaryField{&two, 1}, out),
               PipeError);
}

TEST(PgBinaryEncoder, WhichTypesTakeTheBinaryPathPerServer) {
  auto conversion = [](uint32_t oid, const ServerCaps& caps, uint32_t element = 0) {
    SourceColumn c = Column(oid, false, element);
    if (oid == pg_oid::kNumeric) c.typmod = ((12 << 16) | 2) + 4;
    return BinaryConversionFor(c, MapColumnType("t", c, caps));
  };
  for (const ServerCaps* caps : {&kModern, &kOld}) {
    for (uint32_t oid : {pg_oid::kBool, pg_oid::kInt2, pg_oid::kInt4, pg_oid::kInt8,
                         pg_oid::kFloat4, pg_oid::kFloat8, pg_oid::kText, pg_oid::kVarchar,
                         pg_oid::kBpchar, pg_oid::kBytea, pg_oid::kUuid})
      EXPECT_NE(conversion(oid, *caps), BinaryConversion::kNone) << oid;
    EXPECT_EQ(conversion(pg_oid::kNumeric, *caps), BinaryConversion::kNumeric);
    // Read as their text (the COPY casts them): every table takes the binary path.
    for (uint32_t oid : {pg_oid::kJson, pg_oid::kJsonb, pg_oid::kTime, pg_oid::kMoney, 869u})
      EXPECT_EQ(conversion(oid, *caps), BinaryConversion::kText) << oid;
    EXPECT_EQ(conversion(1007, *caps, pg_oid::kInt4), BinaryConversion::kText);  // int4[]
  }
  EXPECT_EQ(conversion(pg_oid::kDate, kModern), BinaryConversion::kDate);
  EXPECT_EQ(conversion(pg_oid::kDate, kOld), BinaryConversion::kDateText);
  EXPECT_EQ(conversion(pg_oid::kTimestamp, kModern), BinaryConversion::kTimestamp);
  EXPECT_EQ(conversion(pg_oid::kTimestamp, kOld), BinaryConversion::kTimestampText);
  EXPECT_EQ(conversion(pg_oid::kTimestamptz, kOld), BinaryConversion::kTimestamptzText);
}

}  // namespace
}  // namespace pg2ch
