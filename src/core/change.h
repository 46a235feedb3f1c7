// The unit of data that flows source -> batch -> sink: rows of cells in PostgreSQL's text form.
//
// Both the snapshot (COPY text) and CDC (pgoutput text tuples) produce the same cells, so one
// encoder turns them into ClickHouse's binary insert format. A cell owns its bytes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/lsn.h"
#include "core/table_schema.h"

namespace pg2ch {

enum class CellKind : uint8_t {
  kNull,
  kText,            // `text` holds the value in PostgreSQL's text output form
  kUnchangedToast,  // pgoutput 'u': an UPDATE left this TOASTed value as it was; not sent
};

struct Cell {
  CellKind kind = CellKind::kNull;
  std::string text;

  static Cell Null() { return {}; }
  static Cell Text(std::string v) { return {CellKind::kText, std::move(v)}; }
  static Cell Unchanged() { return {CellKind::kUnchangedToast, {}}; }
  bool operator==(const Cell&) const = default;
};

// One cell per source column, in the recorded (destination) column order.
using Row = std::vector<Cell>;

// kTruncate empties the table `relid`; it carries no row.
enum class ChangeOp : uint8_t { kInsert, kUpdate, kDelete, kTruncate };

struct RowChange {
  ChangeOp op = ChangeOp::kInsert;
  uint32_t relid = 0;
  // Insert/Update: the new row. Delete: the old key (only key columns are set, others null).
  Row row;
  // Update that changed the key (pgoutput sent 'K' or 'O'): the old row or key; else empty.
  // Tables without a key (RowIdentity::kFullRow): always the old row.
  Row old_row;
  // Position in its transaction as decoded (0, 1, ...), whatever is held back or chunked later:
  // with the transaction's end LSN it names the change for good (rows of keyless tables).
  uint32_t ordinal = 0;
};

// A pipe table's pgoutput Relation differs from its recorded schema (relation_mapping.h).
struct SchemaChange {
  uint32_t relid = 0;
  // Columns to append to the table, in this order: nullable, not key. The stream gives only
  // type_oid and typmod; type_name and element_oid are left for the CDC phase to look up.
  std::vector<SourceColumn> added;
  // Recorded columns the stream stopped sending (each named once): NULL from here on.
  std::vector<std::string> dropped;
};

// A committed source transaction: all of its changes, in order.
struct Transaction {
  Lsn commit_lsn = 0;  // start of the commit record
  Lsn end_lsn = 0;     // end of the commit record: the position to confirm once durable
  std::vector<RowChange> changes;
  int64_t commit_time = 0;  // microseconds since 2000-01-01 UTC, for lag reporting
  // To apply, in this order, before any of `changes`: every row of `changes` already has the width
  // of its table after all of them (rows from before a change are padded with NULL).
  std::vector<SchemaChange> schema_changes = {};
};

}  // namespace pg2ch
