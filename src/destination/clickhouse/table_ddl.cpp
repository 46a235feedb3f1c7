#include "destination/clickhouse/table_ddl.h"

#include <algorithm>

#include "common/error.h"
#include "common/sql_quote.h"
#include "destination/clickhouse/row_binary_reader.h"

namespace pg2ch {
namespace {

// system.columns spells types like the DDL does, but spacing has varied between releases.
std::string WithoutSpaces(std::string_view type) {
  std::string out;
  for (char c : type) {
    if (c != ' ') out += c;
  }
  return out;
}

void CheckJsonSupport(const TableCodec& codec, const ServerCaps& caps) {
  if (codec.has_json() && !caps.json)
    ThrowFatal("native_json needs ClickHouse 25.3 or later (the JSON type); the destination runs " +
               caps.version);
}

}  // namespace

std::string CreateTableSql(const TableCodec& codec, const ServerCaps& caps) {
  const auto& columns = codec.source().columns;
  bool delete_on_merge = codec.table().delete_on_merge;
  if (delete_on_merge && !caps.replacing_is_deleted)
    ThrowFatal(
        "delete_on_merge needs ClickHouse 23.2 or later (ReplacingMergeTree with an "
        "is_deleted column); the destination runs " +
        caps.version);
  CheckJsonSupport(codec, caps);
  std::string sql = "CREATE TABLE IF NOT EXISTS " + codec.table_sql() + " (";
  for (size_t i = 0; i < columns.size(); ++i) {
    sql += ChIdent(columns[i].name) + " " + codec.types()[i].Sql() + ", ";
  }
  sql += ChIdent(kSyncedAtColumn) +
         (caps.datetime64 ? " DateTime64(9) DEFAULT now64(), " : " DateTime DEFAULT now(), ");
  sql += ChIdent(kIsDeletedColumn) + " UInt8, " + ChIdent(kVersionColumn) +
         " UInt64) ENGINE = ReplacingMergeTree(" + ChIdent(kVersionColumn) +
         (delete_on_merge ? ", " + ChIdent(kIsDeletedColumn) : std::string()) + ") ORDER BY (";
  for (size_t k = 0; k < codec.order_by_columns().size(); ++k) {
    if (k > 0) sql += ", ";
    sql += ChIdent(columns[codec.order_by_columns()[k]].name);
  }
  return sql + ")";
}

std::string ExistingColumnsSql(const TableCodec& codec) {
  return "SELECT name, type FROM system.columns WHERE database = " +
         ChLiteral(codec.table().database) + " AND table = " + ChLiteral(codec.table().table) +
         " FORMAT RowBinary";
}

std::vector<ExistingColumn> ParseExistingColumns(std::string_view row_binary) {
  std::vector<ExistingColumn> columns;
  RowBinaryReader reader(row_binary);
  while (!reader.AtEnd()) {
    ExistingColumn column;
    column.name = std::string(reader.ReadString());
    column.type = std::string(reader.ReadString());
    columns.push_back(std::move(column));
  }
  return columns;
}

void CheckExistingColumns(const TableCodec& codec, const std::vector<ExistingColumn>& columns) {
  std::vector<std::pair<std::string, std::string>> expected;
  for (size_t i = 0; i < codec.source().columns.size(); ++i) {
    expected.emplace_back(codec.source().columns[i].name, codec.types()[i].Sql());
  }
  expected.emplace_back(kIsDeletedColumn, "UInt8");
  expected.emplace_back(kVersionColumn, "UInt64");

  std::string problems;
  for (const auto& [name, type] : expected) {
    auto found = std::find_if(columns.begin(), columns.end(),
                              [&name = name](const ExistingColumn& c) { return c.name == name; });
    if (found == columns.end()) {
      problems += "; column " + name + " (" + type + ") is missing";
    } else if (WithoutSpaces(found->type) != WithoutSpaces(type)) {
      problems += "; column " + name + " is " + found->type + ", expected " + type;
    }
  }
  if (!problems.empty()) {
    ThrowFatal("ClickHouse table " + codec.table().database + "." + codec.table().table +
               " already exists and cannot take the rows of " + codec.source().QualifiedName() +
               ": " + problems.substr(2) + " (drop it, or resync into a new table)");
  }
}

std::string AddColumnSql(const TableCodec& codec, size_t index, const ServerCaps& caps) {
  CheckJsonSupport(codec, caps);
  return "ALTER TABLE " + codec.table_sql() + " ADD COLUMN " +
         (caps.add_column_if_not_exists ? "IF NOT EXISTS " : "") +
         ChIdent(codec.source().columns.at(index).name) + " " + codec.types().at(index).Sql();
}

}  // namespace pg2ch
