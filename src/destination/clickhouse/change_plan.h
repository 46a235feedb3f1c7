// Turns a run of committed transactions into the rows to write, without I/O.
//
// Rules (see clickhouse_sink.h for why):
// - Insert / Update write the new row with version = the transaction's end LSN; Delete writes a
//   row with the old key, defaults elsewhere, `_peerdb_is_deleted` = 1. An Update that changed
//   the key also writes a delete row for the old key. A delete row carries the ORDER BY values:
//   sorting-key values the stream did not send are taken from the key's latest image in this
//   run, else read back from ClickHouse (`lookup`; none stored: nothing to delete).
// - Collapse: per (table, encoded key) only the last row survives, so every (key, version) the
//   call writes is unique and replaying the same transactions writes the same rows.
// - Unchanged TOAST cells are filled from the latest earlier image of the same key in this run
//   (the old key when the key changed). With no such image they stay unchanged and the row is
//   marked for a read-back from ClickHouse (`lookup`), which the sink performs.
// - Truncate discards what was collected for that table (the rows would be emptied anyway) and is
//   listed in `truncates`; the sink runs the truncates before inserting this plan's rows, which
//   gives the same final state as applying everything in stream order. A row needing a read-back
//   after a truncate of its table in the same run is an error: the table was emptied.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/change.h"
#include "destination/clickhouse/table_codec.h"

namespace pg2ch {

// Where the values of a row's unchanged TOAST cells are to be read from in ClickHouse.
struct ToastLookup {
  std::string origin_key;  // encoded key of the stored row holding the values
  Row origin_row;          // cells of that row; its key columns are set (to build literals)
};

struct PlannedRow {
  std::string key;  // encoded key of this row
  Row cells;        // delete rows: only the key cells matter
  uint64_t version = 0;
  bool deleted = false;
  std::optional<ToastLookup> lookup;  // set when cells still holds unchanged TOAST values
};

struct TablePlan {
  uint32_t relid = 0;
  std::vector<PlannedRow> rows;  // one per key
};

struct BatchPlan {
  std::vector<uint32_t> truncates;  // in stream order, each table once
  std::vector<TablePlan> tables;    // tables with rows, in order of first change
};

using CodecMap = std::unordered_map<uint32_t, TableCodec>;

// Consumes the batch: the rows of `transactions` are moved into the plan (copying them was the
// largest cost of planning), so afterwards every RowChange's `row` and `old_row` are valid but
// unspecified; the transactions' LSNs, ops and relids are left as they were. The caller must
// not plan or apply the same transactions again (replaying means decoding them again).
// Throws PipeError(kFatal) on a change for a table not in `codecs`, a change whose key cannot be
// read, or an unchanged TOAST value that cannot be resolved (see above); the batch is then
// partly consumed and must be dropped.
BatchPlan PlanBatch(std::span<Transaction> transactions, const CodecMap& codecs);

}  // namespace pg2ch
