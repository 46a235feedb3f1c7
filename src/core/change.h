// The unit of data that flows source -> batch -> sink: rows of cells in PostgreSQL's text form.
//
// Both the snapshot (COPY text) and CDC (pgoutput text tuples) produce the same cells, so one
// encoder turns them into ClickHouse's binary insert format. A cell owns its bytes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/lsn.h"

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

using Row = std::vector<Cell>;  // one cell per source column, in relation column order

// kTruncate empties the table `relid`; it carries no row.
enum class ChangeOp : uint8_t { kInsert, kUpdate, kDelete, kTruncate };

struct RowChange {
  ChangeOp op = ChangeOp::kInsert;
  uint32_t relid = 0;
  // Insert/Update: the new row. Delete: the old key (only key columns are set, others null).
  Row row;
  // Update that changed the key (pgoutput sent 'K' or 'O'): the old row or key; else empty.
  Row old_row;
};

// A committed source transaction: all of its changes, in order.
struct Transaction {
  Lsn commit_lsn = 0;  // start of the commit record
  Lsn end_lsn = 0;     // end of the commit record: the position to confirm once durable
  std::vector<RowChange> changes;
  int64_t commit_time = 0;  // microseconds since 2000-01-01 UTC, for lag reporting
};

}  // namespace pg2ch
