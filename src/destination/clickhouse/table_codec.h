// Everything needed to turn one source table's rows into RowBinary rows of its destination table.
//
// Built once per table when the sink is constructed: maps every column's type (unsupported types
// throw PipeError(kFatal) there, before anything is written) and checks the table has a key that
// ClickHouse can ORDER BY (at least one key column, none of them nullable; sorting keys as
// sorting_key.h checks them).
//
// Destination row layout, in insert order: the source columns, `_peerdb_is_deleted` UInt8,
// `_peerdb_version` UInt64 (`_peerdb_synced_at` is left to its DEFAULT).
//
// A table without a key (SourceTable::keyless(), see keyless_changes.h) gets three String
// columns after its source columns, which the codec's source() lists as its own: the row's
// identity `_pg2ch_row_hash` (128-bit hash of the encoded values, RowHash) and `_pg2ch_row_id`
// (which copy of such a row: 16 bytes unique among copies), its ORDER BY and key; and
// `_pg2ch_deleted_by`, set on a delete row to the change that deleted the copy, so that a replay
// recognises deletes already applied. Rows handed to the codec carry those three cells too,
// except snapshot rows (EncodeSnapshotRow, EncodeBinaryRow), which get them here.
// Immutable after construction; safe to share between threads.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/binary_field.h"
#include "core/change.h"
#include "destination/clickhouse/clickhouse_sink.h"
#include "destination/clickhouse/pg_binary_encoder.h"
#include "destination/clickhouse/server_caps.h"
#include "destination/clickhouse/type_mapping.h"

namespace pg2ch {

inline constexpr const char* kSyncedAtColumn = "_peerdb_synced_at";
inline constexpr const char* kIsDeletedColumn = "_peerdb_is_deleted";
inline constexpr const char* kVersionColumn = "_peerdb_version";
inline constexpr const char* kRowHashColumn = "_pg2ch_row_hash";
inline constexpr const char* kRowIdColumn = "_pg2ch_row_id";
inline constexpr const char* kDeletedByColumn = "_pg2ch_deleted_by";

class TableCodec {
 public:
  TableCodec(DestinationTable table, const ServerCaps& caps);

  const DestinationTable& table() const { return table_; }
  const SourceTable& source() const { return table_.source; }
  const std::vector<ChType>& types() const { return types_; }
  const std::vector<size_t>& key_columns() const { return key_columns_; }
  // The ORDER BY: sorting keys, then the key columns not among them (sorting_key.h).
  const std::vector<size_t>& order_by_columns() const { return order_by_; }
  // Sorting keys outside the primary key: a delete row needs their values too (see
  // EncodeDeleteRow), but pgoutput sends only the key for a delete unless REPLICA IDENTITY FULL.
  const std::vector<size_t>& sort_only_columns() const { return sort_only_; }
  // "`db`.`t`", quoted for SQL.
  const std::string& table_sql() const { return table_sql_; }
  // "INSERT INTO `db`.`t` (`a`, ..., `_peerdb_is_deleted`, `_peerdb_version`) FORMAT RowBinary";
  // with JSON columns, SETTINGS before FORMAT make ClickHouse take their values as text.
  const std::string& insert_sql() const { return insert_sql_; }
  // Whether a column is ChKind::kJson: a SELECT of its RowBinary values needs read_settings().
  bool has_json() const { return has_json_; }
  // " SETTINGS ..." for a SELECT ... FORMAT RowBinary of this table's columns, so that JSON
  // values come back as the text EncodeRow takes; "" when none is needed.
  const std::string& read_settings() const { return read_settings_; }

  // The key columns of `row` encoded back to back: identifies the destination row. Throws
  // PipeError(kFatal) when a key cell is not a value (NULL or unchanged TOAST).
  std::string EncodeKey(const Row& row) const;
  // Appends one destination row. Unchanged TOAST cells take the RowBinary value at the same
  // column index of `stored` (values read back from ClickHouse); without `stored` they are an
  // error. On any error nothing is appended.
  void EncodeRow(const Row& row, uint64_t version, std::string& out,
                 const std::vector<std::string_view>* stored = nullptr) const;
  // Appends a delete row: ORDER BY columns from `key_row` (ReplacingMergeTree replaces by the
  // whole tuple), every other column its default. An unchanged TOAST cell among them takes the
  // value of `stored` as in EncodeRow; without `stored` it is an error.
  void EncodeDeleteRow(const Row& key_row, uint64_t version, std::string& out,
                       const std::vector<std::string_view>* stored = nullptr) const;
  // Throws PipeError(kFatal) unless `row` has one cell per column.
  void CheckWidth(const Row& row) const;

  // Whether every column has an exact binary COPY conversion for this server
  // (pg_binary_encoder.h): then the snapshot reads the table with binary COPY.
  bool binary_copy() const { return text_copy_reason_.empty(); }
  // Why the table stays on text COPY (its first column without a binary conversion, with its
  // types), "" when binary_copy(); for logs.
  const std::string& text_copy_reason() const { return text_copy_reason_; }
  // A snapshot row: EncodeRow, and for keyless tables its identity cells, the copy's id being
  // `version` and `serial` (unique within the load). `row` has the source columns only.
  void EncodeSnapshotRow(const Row& row, uint64_t version, uint64_t serial, std::string& out) const;
  // EncodeSnapshotRow for a row read with binary COPY (one field per source column); needs
  // binary_copy(). On any error nothing is appended.
  void EncodeBinaryRow(std::span<const BinaryField> fields, uint64_t version, std::string& out,
                       uint64_t serial = 0) const;

  // Keyless tables: the number of source columns (before the identity columns), and the
  // identity hash of a row of that many cells: 16 bytes of XXH3-128 over the encoded cells up to
  // the last non-NULL one (so a nullable column added later does not change old rows' hashes).
  // The same bytes as the snapshot paths hash. Throws PipeError(kFatal) for unresolved cells.
  size_t source_width() const { return source_width_; }
  std::string RowHash(const Row& row) const;

 private:
  // Runs `encode` for column `index`, prefixing any error with table and column.
  template <typename F>
  void WithColumn(size_t index, F&& encode) const;

  DestinationTable table_;
  std::vector<ChType> types_;
  std::vector<size_t> key_columns_;
  std::vector<size_t> order_by_;
  std::vector<size_t> sort_only_;
  std::vector<bool> in_order_by_;
  std::string table_sql_;
  std::string insert_sql_;
  // Appends the identity cells of a snapshot row whose source cells are out[start, hashed).
  void AppendSnapshotIdentity(std::string& out, size_t start, size_t hashed, uint64_t version,
                              uint64_t serial) const;

  std::vector<BinaryConversion> binary_;
  std::string text_copy_reason_;
  size_t source_width_ = 0;
  bool has_json_ = false;
  std::string read_settings_;
};

}  // namespace pg2ch
