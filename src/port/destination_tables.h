// The port through which the lifecycle makes and changes destination tables: Setup and added
// tables (ensure), a load from the start (truncate), a resync (a twin table loaded beside each
// table, then swapped into its place). ClickHouse: destination/clickhouse/clickhouse_tables.h.
//
// Every operation is idempotent, so a crash between two steps is repaired by doing them again:
// ensuring a table that exists checks its columns, dropping a missing twin does nothing, and a
// swap already done is recognised by the versions of the rows in place (SwapInTwin returns
// false). Errors are PipeErrors (unreachable: retryable; refused: fatal).
#pragma once

#include <string>
#include <vector>

#include "core/destination_table.h"
#include "core/lsn.h"

namespace pg2ch {

class DestinationTables {
 public:
  virtual ~DestinationTables() = default;
  // What and where the destination is, for the log ("ClickHouse 26.7.3 at http://...").
  virtual std::string Describe() = 0;
  // Maps every table's types first (an unsupported one is fatal before anything is created),
  // then makes sure the database and each table exist with the expected columns.
  virtual void EnsureTables(const std::vector<DestinationTable>& tables) = 0;
  virtual void Truncate(const DestinationTable& table) = 0;
  virtual void Drop(const DestinationTable& table) = 0;  // if it exists
  // Puts `twin` in the place of `table` and drops the old rows. Every row of the twin's load
  // carries a version >= `min_version`. False when nothing was left to swap (done before).
  virtual bool SwapInTwin(const DestinationTable& table, const DestinationTable& twin,
                          Lsn min_version) = 0;
};

}  // namespace pg2ch
