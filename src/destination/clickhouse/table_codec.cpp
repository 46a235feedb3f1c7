#include "destination/clickhouse/table_codec.h"

#include <xxhash.h>

#include <algorithm>

#include "common/error.h"
#include "common/sql_quote.h"
#include "core/pg_type.h"
#include "destination/clickhouse/row_binary_encoder.h"
#include "destination/clickhouse/sorting_key.h"

namespace pg2ch {

namespace {

SourceColumn IdentityColumn(const char* name, bool key) {
  SourceColumn c;
  c.name = name;
  c.type_oid = pg_oid::kText;
  c.type_name = "text";
  c.nullable = false;
  c.is_key = key;
  return c;
}

std::string Digest(std::string_view bytes) {
  XXH128_hash_t h = XXH3_128bits(bytes.data(), bytes.size());
  std::string out;
  AppendBigEndian(h.high64, out);
  AppendBigEndian(h.low64, out);
  return out;
}

}  // namespace

TableCodec::TableCodec(DestinationTable table, const ServerCaps& caps) : table_(std::move(table)) {
  const std::string name = table_.source.QualifiedName();
  source_width_ = table_.source.columns.size();
  if (table_.source.keyless()) {
    if (!table_.sorting_keys.empty())
      ThrowFatal("table " + name +
                 " has no primary key: its rows are ordered by their identity, so sorting keys "
                 "need a primary key");
    // A replayed delete recognises its own earlier delete row by its mark (keyless_changes.h);
    // with is_deleted in the engine, FINAL hides delete rows, so it would take a second copy.
    if (table_.delete_on_merge)
      ThrowFatal("table " + name +
                 " has no primary key: delete_on_merge cannot be used with it (its delete rows "
                 "must stay visible to pg2ch); give it a primary key or leave delete_on_merge off");
    table_.source.columns.push_back(IdentityColumn(kRowHashColumn, true));
    table_.source.columns.push_back(IdentityColumn(kRowIdColumn, true));
    table_.source.columns.push_back(IdentityColumn(kDeletedByColumn, false));
  }
  for (size_t i = 0; i < table_.source.columns.size(); ++i) {
    const SourceColumn& column = table_.source.columns[i];
    // ClickHouse cannot order by JSON: key and sorting-key columns keep their text.
    MappingOptions options;
    options.native_json = table_.native_json && !column.is_key &&
                          std::find(table_.sorting_keys.begin(), table_.sorting_keys.end(),
                                    column.name) == table_.sorting_keys.end();
    types_.push_back(MapColumnType(name, column, caps, options));
    if (types_.back().kind == ChKind::kJson) has_json_ = true;
    binary_.push_back(BinaryConversionFor(column, types_.back()));
    if (binary_.back() == BinaryConversion::kNone && text_copy_reason_.empty())
      text_copy_reason_ =
          column.name + " (" + column.type_name + " as " + types_.back().Sql() + ")";
    if (!column.is_key) continue;
    if (types_.back().nullable) {
      ThrowFatal("table " + name + " key column " + column.name +
                 " is nullable; ClickHouse cannot order by it (give the table a primary key)");
    }
    key_columns_.push_back(i);
  }
  if (key_columns_.empty()) {
    ThrowFatal("table " + name +
               " has no primary key or replica identity index; pg2ch needs one to order the "
               "ClickHouse table and to apply updates and deletes");
  }
  order_by_ = OrderByColumns(table_.source, table_.sorting_keys);
  in_order_by_.assign(types_.size(), false);
  for (size_t index : order_by_) {
    in_order_by_[index] = true;
    if (!table_.source.columns[index].is_key) sort_only_.push_back(index);
  }
  // Deletes of such a table read the sorting-key values back by primary key (toast_lookup.h),
  // which builds key literals for these types only: refuse now rather than at the first delete.
  for (size_t index : key_columns_) {
    ChKind kind = types_[index].kind;
    if (sort_only_.empty()) break;
    if (kind != ChKind::kInt16 && kind != ChKind::kInt32 && kind != ChKind::kInt64 &&
        kind != ChKind::kString && kind != ChKind::kUuid && kind != ChKind::kDecimal &&
        kind != ChKind::kDate32)
      ThrowFatal("table " + name +
                 ": sorting keys outside the primary key need key columns of "
                 "integer, text, uuid, numeric or date type; key column " +
                 table_.source.columns[index].name + " is " +
                 table_.source.columns[index].type_name);
  }
  table_sql_ = ChIdent(table_.database) + "." + ChIdent(table_.table);
  insert_sql_ = "INSERT INTO " + table_sql_ + " (";
  for (const SourceColumn& column : table_.source.columns) {
    insert_sql_ += ChIdent(column.name) + ", ";
  }
  insert_sql_ += ChIdent(kIsDeletedColumn) + ", " + ChIdent(kVersionColumn) + ")";
  if (has_json_) {
    // Without the two inference settings a string that reads as a date or time is stored as
    // one and printed back in ClickHouse's spelling ("10:00:00.5" -> "10:00:00.500000000").
    insert_sql_ +=
        " SETTINGS input_format_binary_read_json_as_string = 1, input_format_try_infer_dates = 0, "
        "input_format_try_infer_datetimes = 0";
    read_settings_ = " SETTINGS output_format_binary_write_json_as_string = 1";
    // Stored escaped ("a%2Eb"): read back unescaped, or a rewrite would escape it twice.
    if (caps.json_escape_dots) {
      insert_sql_ += ", json_type_escape_dots_in_keys = 1";
      read_settings_ += ", json_type_escape_dots_in_keys = 1";
    }
  }
  insert_sql_ += " FORMAT RowBinary";
}

template <typename F>
void TableCodec::WithColumn(size_t index, F&& encode) const {
  try {
    encode();
  } catch (const PipeError& e) {
    throw PipeError(e.kind(), "table " + table_.source.QualifiedName() + " column " +
                                  table_.source.columns[index].name + ": " + e.what());
  }
}

void TableCodec::CheckWidth(const Row& row) const {
  if (row.size() != types_.size()) {
    ThrowFatal("table " + table_.source.QualifiedName() + " has " + std::to_string(types_.size()) +
               " columns but a change carried " + std::to_string(row.size()) + " values");
  }
}

std::string TableCodec::EncodeKey(const Row& row) const {
  CheckWidth(row);
  std::string key;
  for (size_t index : key_columns_) {
    WithColumn(index, [&] {
      if (row[index].kind != CellKind::kText) {
        ThrowFatal(row[index].kind == CellKind::kNull
                       ? "a key column is NULL in a change"
                       : "a key column is an unchanged TOAST value, so the row cannot be found");
      }
      EncodeValue(types_[index], row[index].text, key);
    });
  }
  return key;
}

void TableCodec::EncodeRow(const Row& row, uint64_t version, std::string& out,
                           const std::vector<std::string_view>* stored) const {
  CheckWidth(row);
  const size_t start = out.size();
  try {
    for (size_t i = 0; i < row.size(); ++i) {
      if (row[i].kind == CellKind::kUnchangedToast && stored != nullptr) {
        out.append(stored->at(i));
        continue;
      }
      WithColumn(i, [&] { EncodeCell(types_[i], row[i], out); });
    }
  } catch (...) {
    out.resize(start);  // a half-written row would corrupt every row after it
    throw;
  }
  AppendUInt8(0, out);
  AppendUInt64(version, out);
}

void TableCodec::EncodeBinaryRow(std::span<const BinaryField> fields, uint64_t version,
                                 std::string& out, uint64_t serial) const {
  if (!binary_copy()) ThrowFatal("internal error: binary row for text-only table " + table_sql_);
  if (fields.size() != source_width_) {
    ThrowFatal("table " + table_.source.QualifiedName() + " has " + std::to_string(source_width_) +
               " columns but a binary COPY row carried " + std::to_string(fields.size()));
  }
  const size_t start = out.size();
  size_t hashed = start;
  try {
    for (size_t i = 0; i < fields.size(); ++i) {
      WithColumn(i, [&] { EncodeBinaryField(binary_[i], types_[i], fields[i], out); });
      if (!fields[i].null()) hashed = out.size();
    }
  } catch (...) {
    out.resize(start);  // a half-written row would corrupt every row after it
    throw;
  }
  if (table_.source.keyless()) AppendSnapshotIdentity(out, start, hashed, version, serial);
  AppendUInt8(0, out);
  AppendUInt64(version, out);
}

void TableCodec::EncodeSnapshotRow(const Row& row, uint64_t version, uint64_t serial,
                                   std::string& out) const {
  if (!table_.source.keyless()) return EncodeRow(row, version, out);
  if (row.size() != source_width_) {
    ThrowFatal("table " + table_.source.QualifiedName() + " has " + std::to_string(source_width_) +
               " columns but a COPY row carried " + std::to_string(row.size()));
  }
  const size_t start = out.size();
  size_t hashed = start;
  try {
    for (size_t i = 0; i < row.size(); ++i) {
      WithColumn(i, [&] { EncodeCell(types_[i], row[i], out); });
      if (row[i].kind != CellKind::kNull) hashed = out.size();
    }
  } catch (...) {
    out.resize(start);
    throw;
  }
  AppendSnapshotIdentity(out, start, hashed, version, serial);
  AppendUInt8(0, out);
  AppendUInt64(version, out);
}

void TableCodec::AppendSnapshotIdentity(std::string& out, size_t start, size_t hashed,
                                        uint64_t version, uint64_t serial) const {
  std::string hash = Digest(std::string_view(out).substr(start, hashed - start));
  std::string id;
  AppendBigEndian(version, id);
  AppendBigEndian(serial, id);
  for (const std::string* cell : {&hash, &id}) {
    AppendVarUInt(cell->size(), out);
    out += *cell;
  }
  AppendVarUInt(0, out);  // _pg2ch_deleted_by: a live copy
}

std::string TableCodec::RowHash(const Row& row) const {
  if (row.size() < source_width_)
    ThrowFatal("table " + table_.source.QualifiedName() + " has " + std::to_string(source_width_) +
               " columns but a change carried " + std::to_string(row.size()) + " values");
  std::string bytes;
  size_t hashed = 0;
  for (size_t i = 0; i < source_width_; ++i) {
    WithColumn(i, [&] {
      if (row[i].kind == CellKind::kUnchangedToast)
        ThrowFatal("an unchanged TOAST value in a row of a table without a key");
      EncodeCell(types_[i], row[i], bytes);
    });
    if (row[i].kind != CellKind::kNull) hashed = bytes.size();
  }
  return Digest(std::string_view(bytes).substr(0, hashed));
}

void TableCodec::EncodeDeleteRow(const Row& key_row, uint64_t version, std::string& out,
                                 const std::vector<std::string_view>* stored) const {
  CheckWidth(key_row);
  const size_t start = out.size();
  try {
    for (size_t i = 0; i < key_row.size(); ++i) {
      // A keyless table's delete row also says which change deleted the copy.
      bool written = in_order_by_[i] || (i == source_width_ + 2 && table_.source.keyless());
      if (in_order_by_[i] && key_row[i].kind == CellKind::kUnchangedToast && stored != nullptr) {
        out.append(stored->at(i));
      } else if (written) {
        WithColumn(i, [&] { EncodeCell(types_[i], key_row[i], out); });
      } else {
        EncodeDefault(types_[i], out);
      }
    }
  } catch (...) {
    out.resize(start);
    throw;
  }
  AppendUInt8(1, out);
  AppendUInt64(version, out);
}

}  // namespace pg2ch
