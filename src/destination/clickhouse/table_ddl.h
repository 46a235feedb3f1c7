// The DDL of destination tables, and the check that an existing table can take pg2ch's rows.
//
//   CREATE TABLE IF NOT EXISTS `db`.`t` (`a` Int64, ..., `_peerdb_synced_at` DateTime64(9)
//     DEFAULT now64(), `_peerdb_is_deleted` UInt8, `_peerdb_version` UInt64)
//   ENGINE = ReplacingMergeTree(`_peerdb_version`) ORDER BY (`s1`, `k1`, `k2`)
// (sorting keys first, then the key columns not among them: TableCodec::order_by_columns()).
// The same on every server. The ORDER BY of an existing table is not checked.
// (`_peerdb_synced_at` is DateTime DEFAULT now() on servers without DateTime64.)
//
// An existing table is accepted when every column pg2ch writes exists with exactly the type
// pg2ch would create; extra columns are left alone. Pure functions: the sink does the I/O.
//
// A source column added during CDC is added to the table with
//   ALTER TABLE `db`.`t` ADD COLUMN IF NOT EXISTS `c` Nullable(T)
// (servers without IF NOT EXISTS, 18.16: plain ADD COLUMN, issued only for columns that
// system.columns does not list, so a replay is harmless either way). It goes at the end of the
// table, after the `_peerdb_*` columns, as ClickPipes puts it: inserts name their columns, so
// the order does not matter to pg2ch.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "destination/clickhouse/server_caps.h"
#include "destination/clickhouse/table_codec.h"

namespace pg2ch {

struct ExistingColumn {
  std::string name;
  std::string type;
};

std::string CreateTableSql(const TableCodec& codec, const ServerCaps& caps);
// Selects (name, type) of the table's columns from system.columns, as RowBinary.
std::string ExistingColumnsSql(const TableCodec& codec);
std::vector<ExistingColumn> ParseExistingColumns(std::string_view row_binary);
// Throws PipeError(kFatal) listing every missing column and every type mismatch.
void CheckExistingColumns(const TableCodec& codec, const std::vector<ExistingColumn>& columns);
// The ALTER adding source column `index` of `codec`. Without add_column_if_not_exists the caller
// must first make sure the column is missing.
std::string AddColumnSql(const TableCodec& codec, size_t index, const ServerCaps& caps);

}  // namespace pg2ch
