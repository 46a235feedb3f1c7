// Type mapping and server capabilities: what each PostgreSQL type becomes on a modern server and
// on 18.16, and what is refused.
#include <gtest/gtest.h>

#include "common/error.h"
#include "destination/clickhouse/server_caps.h"
#include "destination/clickhouse/type_mapping.h"

namespace pg2ch {
namespace {

const ServerCaps kModern = ServerCaps::FromVersion("26.7.2.1");
const ServerCaps kOld = ServerCaps::FromVersion("18.16.1");

int32_t NumericTypmod(int precision, int scale) {
  return ((precision << 16) | (scale & 0x7ff)) + 4;
}

SourceColumn Column(uint32_t oid, int32_t typmod = -1, bool nullable = true, uint32_t element = 0) {
  SourceColumn c;
  c.name = "c";
  c.type_oid = oid;
  c.typmod = typmod;
  c.type_name = "sometype";
  c.nullable = nullable;
  c.element_oid = element;
  return c;
}

std::string Sql(const ServerCaps& caps, uint32_t oid, int32_t typmod = -1, bool nullable = false,
                uint32_t element = 0) {
  return MapColumnType("public.t", Column(oid, typmod, nullable, element), caps).Sql();
}

TEST(ServerCapsTest, ParsesVersions) {
  ServerCaps old = ServerCaps::FromVersion("18.16.1\n");
  EXPECT_EQ(old.major, 18);
  EXPECT_EQ(old.minor, 16);
  EXPECT_EQ(old.version, "18.16.1");
  EXPECT_FALSE(old.datetime64 || old.date32 || old.boolean || old.decimal256 ||
               old.exchange_tables || old.add_column_if_not_exists || old.replacing_is_deleted);

  EXPECT_TRUE(kModern.datetime64 && kModern.date32 && kModern.boolean && kModern.decimal256 &&
              kModern.exchange_tables && kModern.add_column_if_not_exists &&
              kModern.replacing_is_deleted);

  ServerCaps v23 = ServerCaps::FromVersion("23.3.1.2823");
  EXPECT_EQ(v23.major, 23);
  EXPECT_EQ(v23.minor, 3);
  EXPECT_TRUE(v23.replacing_is_deleted);
  ServerCaps v231 = ServerCaps::FromVersion("23.1.1");
  EXPECT_FALSE(v231.replacing_is_deleted);
  EXPECT_TRUE(v231.boolean);

  ServerCaps v21 = ServerCaps::FromVersion("21.8.3.44-lts");
  EXPECT_TRUE(v21.exchange_tables);
  EXPECT_FALSE(v21.date32);
  EXPECT_TRUE(ServerCaps::FromVersion("21.9.1").date32);
  EXPECT_FALSE(ServerCaps::FromVersion("22.2.1").boolean);
  EXPECT_TRUE(ServerCaps::FromVersion("22.3.1").boolean);
  EXPECT_FALSE(ServerCaps::FromVersion("20.7.1").decimal256);
  EXPECT_TRUE(ServerCaps::FromVersion("20.8.1").decimal256);
  EXPECT_FALSE(ServerCaps::FromVersion("19.17.1").datetime64);
  EXPECT_TRUE(ServerCaps::FromVersion("20.1.1").datetime64);
}

TEST(ServerCapsTest, RejectsNonVersions) {
  for (const char* text : {"", "18", "x.1", "18.", "18.x", "18.16.x", "<html>"}) {
    EXPECT_THROW(ServerCaps::FromVersion(text), PipeError) << text;
  }
}

TEST(TypeMappingTest, Scalars) {
  for (const ServerCaps* caps : {&kModern, &kOld}) {
    EXPECT_EQ(Sql(*caps, 21), "Int16");
    EXPECT_EQ(Sql(*caps, 23), "Int32");
    EXPECT_EQ(Sql(*caps, 20), "Int64");
    EXPECT_EQ(Sql(*caps, 700), "Float32");
    EXPECT_EQ(Sql(*caps, 701), "Float64");
    for (uint32_t oid : {25u, 1043u, 1042u, 114u, 3802u, 1083u, 17u}) {
      EXPECT_EQ(Sql(*caps, oid), "String") << oid;
    }
    EXPECT_EQ(Sql(*caps, 2950), "UUID");
    EXPECT_EQ(Sql(*caps, 1700), "String");  // numeric without precision
    EXPECT_EQ(Sql(*caps, 1700, NumericTypmod(10, 2)), "Decimal(10, 2)");
    EXPECT_EQ(Sql(*caps, 1700, NumericTypmod(38, 38)), "Decimal(38, 38)");
  }
  EXPECT_EQ(Sql(kModern, 16), "Bool");
  EXPECT_EQ(Sql(kOld, 16), "UInt8");
  EXPECT_EQ(Sql(kModern, 1082), "Date32");
  EXPECT_EQ(Sql(kOld, 1082), "String");
  EXPECT_EQ(Sql(kModern, 1114), "DateTime64(6)");
  EXPECT_EQ(Sql(kModern, 1184), "DateTime64(6, 'UTC')");
  EXPECT_EQ(Sql(kOld, 1114), "String");
  EXPECT_EQ(Sql(kOld, 1184), "String");
  EXPECT_EQ(Sql(kModern, 1700, NumericTypmod(76, 10)), "Decimal(76, 10)");
  EXPECT_EQ(Sql(kOld, 1700, NumericTypmod(39, 10)), "String");
  EXPECT_EQ(Sql(kModern, 1700, NumericTypmod(77, 10)), "String");  // cannot be declared, but safe
}

TEST(TypeMappingTest, NumericScaleOutsidePrecision) {
  // numeric(5,-2) holds up to 9999900: seven integer digits, no fraction.
  EXPECT_EQ(Sql(kModern, 1700, NumericTypmod(5, -2)), "Decimal(7, 0)");
  // numeric(2,5) holds up to 0.00099.
  EXPECT_EQ(Sql(kModern, 1700, NumericTypmod(2, 5)), "Decimal(5, 5)");
}

TEST(TypeMappingTest, NullableAndKinds) {
  ChType t = MapColumnType("public.t", Column(1700, NumericTypmod(18, 4), true), kModern);
  EXPECT_EQ(t.kind, ChKind::kDecimal);
  EXPECT_EQ(t.precision, 18);
  EXPECT_EQ(t.scale, 4);
  EXPECT_TRUE(t.nullable);
  EXPECT_EQ(t.Sql(), "Nullable(Decimal(18, 4))");
  EXPECT_EQ(MapColumnType("public.t", Column(17), kModern).kind, ChKind::kBytes);
  EXPECT_EQ(MapColumnType("public.t", Column(25), kModern).kind, ChKind::kString);
  EXPECT_EQ(Sql(kOld, 16, -1, true), "Nullable(UInt8)");
}

TEST(TypeMappingTest, Arrays) {
  // Arrays are never Nullable (ClickHouse has no Nullable(Array)); elements always are.
  EXPECT_EQ(Sql(kModern, 1007, -1, true, 23), "Array(Nullable(Int32))");
  EXPECT_EQ(Sql(kModern, 1016, -1, false, 20), "Array(Nullable(Int64))");
  EXPECT_EQ(Sql(kModern, 1009, -1, true, 25), "Array(Nullable(String))");
  EXPECT_EQ(Sql(kModern, 1015, -1, true, 1043), "Array(Nullable(String))");
  EXPECT_EQ(Sql(kModern, 1005, -1, true, 21), "Array(Nullable(Int16))");
  EXPECT_EQ(Sql(kModern, 1022, -1, true, 701), "Array(Nullable(Float64))");
  EXPECT_EQ(Sql(kModern, 1000, -1, true, 16), "Array(Nullable(Bool))");
  EXPECT_EQ(Sql(kOld, 1000, -1, true, 16), "Array(Nullable(UInt8))");
  EXPECT_EQ(Sql(kModern, 1231, NumericTypmod(10, 2), true, 1700),
            "Array(Nullable(Decimal(10, 2)))");
  EXPECT_EQ(Sql(kOld, 1182, -1, true, 1082), "Array(Nullable(String))");
}

// No type is refused: what has no exact ClickHouse type is its PostgreSQL text.
TEST(TypeMappingTest, EveryOtherTypeIsItsText) {
  for (uint32_t oid :
       {869u, 650u,  829u, 774u, 1186u, 1560u, 1562u, 1083u, 1266u, 142u, 3614u, 3615u, 3220u,
        26u,  2205u, 18u,  19u,  3904u, 4451u, 600u,  604u,  718u,  114u, 3802u, 16385u})
    EXPECT_EQ(Sql(kModern, oid, -1, true), "Nullable(String)") << oid;
  EXPECT_EQ(Sql(kModern, 1041, -1, true, 869), "Array(Nullable(String))");  // inet[]
}

TEST(TypeMappingTest, DomainsMapAsTheirBaseType) {
  SourceColumn price = Column(16400, -1, false);
  price.base_oid = pg_oid::kNumeric;
  price.base_typmod = NumericTypmod(10, 2);
  EXPECT_EQ(MapColumnType("public.t", price, kModern).Sql(), "Decimal(10, 2)");
  SourceColumn positive = Column(16401, -1, true);
  positive.base_oid = pg_oid::kInt4;
  EXPECT_EQ(MapColumnType("public.t", positive, kOld).Sql(), "Nullable(Int32)");
  SourceColumn list = Column(16402, -1, true, pg_oid::kInt8);  // a domain over int8[]
  list.base_oid = pg_oid::kInt8;
  EXPECT_EQ(MapColumnType("public.t", list, kModern).Sql(), "Array(Nullable(Int64))");
}

TEST(TypeMappingTest, EnumsHstoreMoneyAndDimensions) {
  SourceColumn mood = Column(16410, -1, true);
  mood.base_oid = 16410;
  mood.base_kind = 'e';
  EXPECT_EQ(MapColumnType("public.t", mood, kModern).Sql(), "LowCardinality(Nullable(String))");
  EXPECT_EQ(MapColumnType("public.t", mood, kOld).Sql(), "Nullable(String)");
  SourceColumn moods = Column(16409, -1, false, 16410);
  moods.base_oid = 16410;
  moods.base_kind = 'e';
  EXPECT_EQ(MapColumnType("public.t", moods, kModern).Sql(), "Array(Nullable(String))");

  SourceColumn tags = Column(16420, -1, true);
  tags.base_oid = 16420;
  tags.base_name = "hstore";
  EXPECT_EQ(MapColumnType("public.t", tags, kModern).Sql(), "Map(String, Nullable(String))");
  EXPECT_EQ(MapColumnType("public.t", tags, kOld).Sql(), "Nullable(String)");

  SourceColumn money = Column(pg_oid::kMoney, -1, false);
  money.base_oid = pg_oid::kMoney;
  money.base_typmod = 2;  // lc_monetary's fraction digits
  EXPECT_EQ(MapColumnType("public.t", money, kOld).Sql(), "Decimal(19, 2)");

  SourceColumn matrix = Column(1007, -1, true, pg_oid::kInt4);
  matrix.base_oid = pg_oid::kInt4;
  matrix.array_dims = 2;
  EXPECT_EQ(MapColumnType("public.t", matrix, kModern).Sql(), "Array(Array(Nullable(Int32)))");
}

}  // namespace
}  // namespace pg2ch
