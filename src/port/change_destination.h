// The port the Running state writes changes through (ClickHouse:
// destination/clickhouse/clickhouse_change_destination.h).
//
// Contract:
// - ApplyTransactions writes committed transactions in the given order and returns only once
//   they are durable; only then may the caller checkpoint past them. It may consume the rows.
// - Replays are harmless: applying transactions again that were applied before (a crash between
//   the write and the checkpoint) leaves the table as one application would. Rows carry their
//   transaction's end LSN as version, so the last write of a key is the one that counts.
// - UpdateTable gives a table the columns its definition grew by (a source schema change),
//   idempotently, before any row of the wider shape is applied; it returns the destination type
//   of each added column.
// - Errors are PipeErrors: a server busy, unreachable or over a limit is retryable, a refused
//   write (type mismatch, missing table, bad credentials) fatal.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "core/change.h"
#include "core/destination_table.h"

namespace pg2ch {

class ChangeDestination {
 public:
  virtual ~ChangeDestination() = default;
  virtual void ApplyTransactions(std::span<Transaction> transactions) = 0;
  virtual std::vector<std::string> UpdateTable(const DestinationTable& table) = 0;
};

}  // namespace pg2ch
