// Copies the pending partitions of the initial load with parallel workers.
//
// Threads: the calling thread coordinates (records finished partitions in the catalog, logs
// progress, watches the stop request); W = min(workers_per_table * tables_in_parallel, pending
// partitions) worker threads each own one partition reader (PostgreSQL: a connection importing
// the run's snapshot, so all read one point in time) and take a destination writer per
// partition (ctx.Ports(), port/snapshot_ports.h), and copy one partition at a time:
//
//   worker: COPY range -> parse -> RowBinary blocks -> [queue] -> inserter thread -> ClickHouse
//
// so each worker overlaps reading with inserting (see snapshot_writer.h). A worker also starts
// reading its next partition while ClickHouse still finishes the previous insert (sorting and
// writing the part), with the next writer: at most two inserts per worker, so memory per worker
// stays a few blocks whatever the table size. A partition counts as copied only after ClickHouse
// acknowledged its rows, and is recorded in the catalog (with the run's version) only then.
//
// Errors: the first worker error stops every worker; done partitions are recorded, then it is
// rethrown as the PipeError it was. A stop request ends the workers at their next row.
#pragma once

#include <string>
#include <vector>

#include "core/lsn.h"
#include "pipe/pipe_context.h"
#include "pipe/snapshot_plan.h"

namespace pg2ch {

struct SnapshotRun {
  std::string snapshot_name;  // exported snapshot every worker imports
  Lsn version = 0;            // _peerdb_version of every row copied in this run
};

// Returns true when every partition is copied, false when a stop was requested first.
bool CopySnapshotPartitions(PipeContext& ctx, const std::vector<TableJob>& jobs,
                            const SnapshotRun& run);

}  // namespace pg2ch
