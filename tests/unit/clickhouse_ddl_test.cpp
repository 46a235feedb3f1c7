// Destination DDL for modern servers and 18.16, and the check of an existing table.
#include <gtest/gtest.h>

#include "common/error.h"
#include "destination/clickhouse/row_binary_encoder.h"
#include "destination/clickhouse/table_ddl.h"

namespace pg2ch {
namespace {

SourceColumn Col(std::string name, uint32_t oid, bool nullable, bool key, int32_t typmod = -1) {
  SourceColumn c;
  c.name = std::move(name);
  c.type_oid = oid;
  c.typmod = typmod;
  c.type_name = "t";
  c.nullable = nullable;
  c.is_key = key;
  return c;
}

DestinationTable Table() {
  return {
      {"public",
       "orders",
       1,
       {Col("id", 20, false, true), Col("we`ird\\", 25, true, false), Col("at", 1184, true, false),
        Col("amount", 1700, false, false, ((12 << 16) | 2) + 4), Col("region", 1043, false, true)}},
      "shop`db",
      "orders"};
}

TEST(ClickHouseDdlTest, CreateTableModern) {
  ServerCaps caps = ServerCaps::FromVersion("24.8.1");
  TableCodec codec(Table(), caps);
  EXPECT_EQ(CreateTableSql(codec, caps),
            "CREATE TABLE IF NOT EXISTS `shop\\`db`.`orders` (`id` Int64, `we\\`ird\\\\` "
            "Nullable(String), `at` Nullable(DateTime64(6, 'UTC')), `amount` Decimal(12, 2), "
            "`region` String, `_peerdb_synced_at` DateTime64(9) DEFAULT now64(), "
            "`_peerdb_is_deleted` UInt8, `_peerdb_version` UInt64) ENGINE = "
            "ReplacingMergeTree(`_peerdb_version`) ORDER BY (`id`, `region`)");
  EXPECT_EQ(codec.insert_sql(),
            "INSERT INTO `shop\\`db`.`orders` (`id`, `we\\`ird\\\\`, `at`, `amount`, `region`, "
            "`_peerdb_is_deleted`, `_peerdb_version`) FORMAT RowBinary");
}

TEST(ClickHouseDdlTest, CreateTable1816) {
  ServerCaps caps = ServerCaps::FromVersion("18.16.1");
  TableCodec codec(Table(), caps);
  EXPECT_EQ(CreateTableSql(codec, caps),
            "CREATE TABLE IF NOT EXISTS `shop\\`db`.`orders` (`id` Int64, `we\\`ird\\\\` "
            "Nullable(String), `at` Nullable(String), `amount` Decimal(12, 2), `region` String, "
            "`_peerdb_synced_at` DateTime DEFAULT now(), `_peerdb_is_deleted` UInt8, "
            "`_peerdb_version` UInt64) ENGINE = ReplacingMergeTree(`_peerdb_version`) ORDER BY "
            "(`id`, `region`)");
  EXPECT_EQ(ExistingColumnsSql(codec),
            "SELECT name, type FROM system.columns WHERE database = 'shop`db' AND table = "
            "'orders' FORMAT RowBinary");
}

TEST(ClickHouseDdlTest, TablesNeedANonNullableKey) {
  ServerCaps caps = ServerCaps::FromVersion("24.8.1");
  DestinationTable no_key{{"public", "t", 1, {Col("a", 23, false, false)}}, "db", "t"};
  EXPECT_THROW(TableCodec(no_key, caps), PipeError);
  DestinationTable nullable_key{{"public", "t", 1, {Col("a", 23, true, true)}}, "db", "t"};
  EXPECT_THROW(TableCodec(nullable_key, caps), PipeError);
}

std::string Columns(const std::vector<std::pair<std::string, std::string>>& columns) {
  std::string out;
  for (const auto& [name, type] : columns) {
    EncodeValue(ChType{}, name, out);
    EncodeValue(ChType{}, type, out);
  }
  return out;
}

TEST(ClickHouseDdlTest, ChecksAnExistingTable) {
  ServerCaps caps = ServerCaps::FromVersion("18.16.1");
  TableCodec codec(Table(), caps);
  auto good = ParseExistingColumns(Columns({{"id", "Int64"},
                                            {"we`ird\\", "Nullable(String)"},
                                            {"at", "Nullable(String)"},
                                            {"amount", "Decimal(12,2)"},
                                            {"region", "String"},
                                            {"extra", "UInt8"},
                                            {"_peerdb_synced_at", "DateTime"},
                                            {"_peerdb_is_deleted", "UInt8"},
                                            {"_peerdb_version", "UInt64"}}));
  ASSERT_EQ(good.size(), 9u);
  EXPECT_EQ(good[1].name, "we`ird\\");
  EXPECT_NO_THROW(CheckExistingColumns(codec, good));

  auto bad = ParseExistingColumns(Columns({{"id", "Int32"},
                                           {"we`ird\\", "Nullable(String)"},
                                           {"at", "Nullable(String)"},
                                           {"amount", "Decimal(12, 2)"},
                                           {"_peerdb_is_deleted", "UInt8"},
                                           {"_peerdb_version", "UInt64"}}));
  try {
    CheckExistingColumns(codec, bad);
    FAIL();
  } catch (const PipeError& e) {
    EXPECT_FALSE(e.retryable());
    EXPECT_STREQ(e.what(),
                 "ClickHouse table shop`db.orders already exists and cannot take the rows of "
                 "public.orders: column id is Int32, expected Int64; column region (String) is "
                 "missing (drop it, or resync into a new table)");
  }
  EXPECT_THROW(ParseExistingColumns("\x05"
                                    "ab"),
               DecodeError);
}

// A column added during CDC: always nullable, at the end of the table; arrays stay Array.
TEST(ClickHouseDdlTest, AddColumnPerServer) {
  DestinationTable table = Table();
  table.source.columns.push_back(Col("no`te", 25, true, false));
  SourceColumn ints = Col("ns", 1007, true, false);
  ints.element_oid = 23;
  table.source.columns.push_back(ints);
  table.source.columns.push_back(Col("at2", 1184, true, false));

  ServerCaps modern = ServerCaps::FromVersion("24.8.1");
  TableCodec codec(table, modern);
  EXPECT_EQ(AddColumnSql(codec, 5, modern),
            "ALTER TABLE `shop\\`db`.`orders` ADD COLUMN IF NOT EXISTS `no\\`te` Nullable(String)");
  EXPECT_EQ(
      AddColumnSql(codec, 6, modern),
      "ALTER TABLE `shop\\`db`.`orders` ADD COLUMN IF NOT EXISTS `ns` Array(Nullable(Int32))");
  EXPECT_EQ(AddColumnSql(codec, 7, modern),
            "ALTER TABLE `shop\\`db`.`orders` ADD COLUMN IF NOT EXISTS `at2` "
            "Nullable(DateTime64(6, 'UTC'))");

  // 18.16 has no IF NOT EXISTS: the sink checks system.columns first.
  ServerCaps old = ServerCaps::FromVersion("18.16.1");
  TableCodec old_codec(table, old);
  EXPECT_EQ(AddColumnSql(old_codec, 5, old),
            "ALTER TABLE `shop\\`db`.`orders` ADD COLUMN `no\\`te` Nullable(String)");
  EXPECT_EQ(AddColumnSql(old_codec, 7, old),
            "ALTER TABLE `shop\\`db`.`orders` ADD COLUMN `at2` Nullable(String)");

  // The table with the added columns at its end is accepted by the existing-table check.
  auto after = ParseExistingColumns(Columns({{"id", "Int64"},
                                             {"we`ird\\", "Nullable(String)"},
                                             {"at", "Nullable(String)"},
                                             {"amount", "Decimal(12, 2)"},
                                             {"region", "String"},
                                             {"_peerdb_synced_at", "DateTime"},
                                             {"_peerdb_is_deleted", "UInt8"},
                                             {"_peerdb_version", "UInt64"},
                                             {"no`te", "Nullable(String)"},
                                             {"ns", "Array(Nullable(Int32))"},
                                             {"at2", "Nullable(String)"}}));
  EXPECT_NO_THROW(CheckExistingColumns(old_codec, after));
}

}  // namespace
}  // namespace pg2ch
