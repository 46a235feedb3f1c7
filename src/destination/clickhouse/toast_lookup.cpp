#include "destination/clickhouse/toast_lookup.h"

#include <charconv>

#include "common/error.h"
#include "common/sql_quote.h"
#include "destination/clickhouse/datetime_text.h"
#include "destination/clickhouse/row_binary_encoder.h"
#include "destination/clickhouse/row_binary_reader.h"

namespace pg2ch {
namespace {

std::string KeyLiteral(const TableCodec& codec, size_t index, const Cell& cell) {
  const ChType& type = codec.types()[index];
  const SourceColumn& column = codec.source().columns[index];
  const std::string& text = cell.text;
  switch (type.kind) {
    case ChKind::kInt16:
    case ChKind::kInt32:
    case ChKind::kInt64: {
      // Validated, so the literal cannot carry anything but a number.
      int64_t value = 0;
      auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (ec != std::errc() || ptr != text.data() + text.size()) break;
      return text;
    }
    case ChKind::kString:
    case ChKind::kUuid:
    case ChKind::kDecimal:
      return ChLiteral(text);
    case ChKind::kDate32:
      return ChLiteral(FormatDays(PgDateToDays(text)));
    default:
      break;
  }
  ThrowFatal("table " + codec.source().QualifiedName() +
             ": unchanged TOAST value on a table keyed by " + column.type_name + " (column " +
             column.name + ") is not supported");
}

std::string KeyTuple(const TableCodec& codec, const Row& row) {
  std::string tuple = "(";
  for (size_t k = 0; k < codec.key_columns().size(); ++k) {
    size_t index = codec.key_columns()[k];
    if (k > 0) tuple += ", ";
    tuple += KeyLiteral(codec, index, row.at(index));
  }
  return tuple + ")";
}

std::string DescribeKey(const TableCodec& codec, const Row& row) {
  std::string text;
  for (size_t index : codec.key_columns()) {
    if (!text.empty()) text += ", ";
    text += codec.source().columns[index].name + " = " + row.at(index).text;
  }
  return text;
}

}  // namespace

std::vector<std::string> BuildLookupQueries(const TableCodec& codec,
                                            const std::vector<const Row*>& key_rows,
                                            size_t max_query_bytes) {
  const auto& columns = codec.source().columns;
  std::string head = "SELECT ";
  for (const SourceColumn& column : columns) head += ChIdent(column.name) + ", ";
  head += ChIdent(kIsDeletedColumn) + ", " + ChIdent(kVersionColumn) + " FROM " +
          codec.table_sql() + " FINAL WHERE (";
  for (size_t k = 0; k < codec.key_columns().size(); ++k) {
    if (k > 0) head += ", ";
    head += ChIdent(columns[codec.key_columns()[k]].name);
  }
  head += ") IN (";
  const std::string tail = ")" + codec.read_settings() + " FORMAT RowBinary";

  std::vector<std::string> queries;
  std::string sql;
  for (const Row* row : key_rows) {
    std::string tuple = KeyTuple(codec, *row);
    if (!sql.empty() && sql.size() + tuple.size() + tail.size() > max_query_bytes) {
      queries.push_back(sql + tail);
      sql.clear();
    }
    sql += sql.empty() ? head + tuple : ", " + tuple;
  }
  if (!sql.empty()) queries.push_back(sql + tail);
  return queries;
}

void ParseLookupAnswer(const TableCodec& codec, std::string_view answer, StoredRows& rows) {
  RowBinaryReader reader(answer);
  while (!reader.AtEnd()) {
    StoredRow row;
    for (const ChType& type : codec.types()) row.values.push_back(reader.Next(type));
    row.deleted = reader.ReadUInt8() != 0;
    row.version = reader.ReadUInt64();
    std::string key;
    for (size_t index : codec.key_columns()) key.append(row.values[index]);
    auto [it, inserted] = rows.try_emplace(std::move(key), row);
    if (!inserted && it->second.version < row.version) it->second = std::move(row);
  }
}

const StoredRow* FindStoredRow(const PlannedRow& row, const StoredRows& stored) {
  if (!row.lookup) ThrowFatal("internal error: choosing a stored row for a row without lookup");
  auto target = stored.find(row.key);
  if (target != stored.end() &&
      (target->second.version > row.version ||
       (target->second.version == row.version && !target->second.deleted)))
    return &target->second;
  auto origin = stored.find(row.lookup->origin_key);
  if (origin != stored.end() && !origin->second.deleted) return &origin->second;
  return nullptr;
}

const StoredRow& ChooseStoredRow(const TableCodec& codec, const PlannedRow& row,
                                 const StoredRows& stored) {
  if (const StoredRow* found = FindStoredRow(row, stored)) return *found;
  ThrowFatal("table " + codec.source().QualifiedName() + ": an update of the row with " +
             DescribeKey(codec, row.lookup->origin_row) +
             " left a TOAST value unchanged, but that row is neither earlier in the batch nor in "
             "ClickHouse table " +
             codec.table().database + "." + codec.table().table +
             "; refusing to write a guessed value (resync the table)");
}

}  // namespace pg2ch
