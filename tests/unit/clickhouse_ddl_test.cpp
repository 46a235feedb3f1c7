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

// native_json: json/jsonb columns become JSON, except keys and sorting keys (ClickHouse cannot
// order by JSON) and arrays; values go as text (the SETTINGS of the insert) and default to {}.
TEST(ClickHouseDdlTest, NativeJsonColumns) {
  ServerCaps caps = ServerCaps::FromVersion("26.7.2.1");
  caps.json_escape_dots = true;
  SourceColumn doc_array = Col("docs", 3807, true, false);
  doc_array.element_oid = 3802;
  DestinationTable table{
      {"public",
       "j",
       1,
       {Col("id", 3802, false, true), Col("doc", 3802, true, false),
        Col("plain", 114, false, false), Col("sorted", 3802, false, false), doc_array}},
      "db",
      "j",
      false,
      {"sorted"},
      true};
  TableCodec codec(table, caps);
  EXPECT_EQ(CreateTableSql(codec, caps),
            "CREATE TABLE IF NOT EXISTS `db`.`j` (`id` String, `doc` Nullable(JSON), `plain` JSON, "
            "`sorted` String, `docs` Array(Nullable(String)), `_peerdb_synced_at` DateTime64(9) "
            "DEFAULT now64(), `_peerdb_is_deleted` UInt8, `_peerdb_version` UInt64) ENGINE = "
            "ReplacingMergeTree(`_peerdb_version`) ORDER BY (`sorted`, `id`)");
  EXPECT_EQ(codec.insert_sql(),
            "INSERT INTO `db`.`j` (`id`, `doc`, `plain`, `sorted`, `docs`, `_peerdb_is_deleted`, "
            "`_peerdb_version`) SETTINGS input_format_binary_read_json_as_string = 1, "
            "input_format_try_infer_dates = 0, input_format_try_infer_datetimes = 0, "
            "json_type_escape_dots_in_keys = 1 FORMAT RowBinary");
  EXPECT_EQ(codec.read_settings(),
            " SETTINGS output_format_binary_write_json_as_string = 1, "
            "json_type_escape_dots_in_keys = 1");

  // A delete row leaves JSON columns at their default: NULL, or the empty object as text.
  std::string out;
  codec.EncodeDeleteRow(
      {Cell::Text("{}"), Cell::Null(), Cell::Null(), Cell::Text("{\"s\": 1}"), Cell::Null()}, 9,
      out);
  EXPECT_EQ(out, std::string("\x02{}", 3) + std::string("\x01", 1) + std::string("\x02{}", 3) +
                     std::string("\x08{\"s\": 1}", 9) + std::string("\x00", 1) +
                     std::string("\x01", 1) + std::string("\x09\0\0\0\0\0\0\0", 8));

  // Values that are not objects stop the pipe naming the column instead of being rewritten.
  std::string row;
  try {
    codec.EncodeRow(
        {Cell::Text("{}"), Cell::Text("[1, 2]"), Cell::Text(" {}"), Cell::Text("{}"), Cell::Null()},
        1, row);
    FAIL() << "a JSON array was accepted for a JSON column";
  } catch (const PipeError& e) {
    EXPECT_FALSE(e.retryable());
    EXPECT_NE(std::string(e.what()).find("doc"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("objects only"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(row.empty());
  EXPECT_NO_THROW(codec.EncodeRow({Cell::Text("{}"), Cell::Text("{\"a\": [1]}"),
                                   Cell::Text("\n {\"b\":2}"), Cell::Text("{}"), Cell::Null()},
                                  1, row));

  // Servers without the JSON type refuse the table where it is created or altered.
  ServerCaps old = ServerCaps::FromVersion("24.8.1");
  TableCodec on_old(table, old);
  EXPECT_THROW(CreateTableSql(on_old, old), PipeError);
  EXPECT_THROW(AddColumnSql(on_old, 1, old), PipeError);
  EXPECT_FALSE(old.json);
  EXPECT_TRUE(ServerCaps::FromVersion("25.3.1").json);

  // Without the option every json column is String, and no settings are sent.
  table.native_json = false;
  TableCodec plain(table, caps);
  EXPECT_FALSE(plain.has_json());
  EXPECT_EQ(plain.read_settings(), "");
  EXPECT_EQ(plain.types()[1].Sql(), "Nullable(String)");
}

}  // namespace
}  // namespace pg2ch
