// The port the Running state reads changes through: the committed transactions of the pipe's
// tables, in commit order, from a start position on (PostgreSQL: a logical replication slot read
// with pgoutput, source/postgres/pg_change_source.h).
//
// Contract:
// - Next returns at most one committed transaction per call, each whole (its changes in memory
//   or in a spill file), every row as wide as the table's recorded definition plus the columns
//   its schema_changes add; tables outside the pipe are left out.
// - Positions are LSNs: a transaction's end_lsn orders it; a keepalive's wal_end says the source
//   has sent everything before it.
// - Confirm(lsn) says everything before `lsn` is durable in the destination: the source may
//   forget it. Nothing unconfirmed is ever lost; after a reconnect it comes again (a replay).
// - Errors are PipeErrors classified where they arise: a lost connection or a slot held by
//   another backend is retryable, a slot gone or a publication missing fatal.
#pragma once

#include <chrono>
#include <optional>
#include <vector>

#include "core/assembled_transaction.h"
#include "core/lsn.h"
#include "core/table_schema.h"

namespace pg2ch {

struct SourceKeepalive {
  Lsn wal_end = 0;
  bool reply_requested = false;  // the source times the connection out without a Confirm soon
};

// What one Next() produced: at most one of the two, or neither (the wait ended, or a message
// that finished nothing).
struct ChangeEvent {
  std::optional<AssembledTransaction> transaction;
  std::optional<SourceKeepalive> keepalive;
  Lsn received = 0;  // the source's position after the message; 0 when none came
};

class ChangeSource {
 public:
  virtual ~ChangeSource() = default;
  // Waits up to `timeout` for the next message.
  virtual ChangeEvent Next(std::chrono::milliseconds timeout) = 0;
  // True between a transaction's first message and its commit.
  virtual bool InTransaction() const = 0;
  virtual void Confirm(Lsn durable) = 0;
  // Fills in what the stream does not carry of columns a schema change reported as added to
  // `table` (type names, array element types), as the source's catalog has them now.
  virtual void ResolveAddedColumns(const SourceTable& table, std::vector<SourceColumn>& added) = 0;
};

}  // namespace pg2ch
