// Transactions that read one exported snapshot, as every connection of the initial load does.
//
// Each holds ACCESS SHARE on the tables it copies until it ends (as pg_dump does), so no
// VACUUM FULL, CLUSTER, TRUNCATE or table rewrite can move rows between planning the ctid ranges
// and copying them. Locks are taken up front with a lock timeout: a worker that asked for its
// lock only at its first COPY could queue behind a waiting ALTER TABLE, which itself waits for
// our other connections' locks, and the load would hang. A lock not granted in time is
// kRetryable (the load resumes later, under a fresh snapshot).
#pragma once

#include <string>
#include <vector>

#include "core/lsn.h"
#include "core/table_schema.h"
#include "source/postgres/pg_connection.h"

namespace pg2ch {

// BEGIN REPEATABLE READ READ ONLY; SET TRANSACTION SNAPSHOT `snapshot_name`; LOCK `tables`.
// A snapshot that no longer exists (its exporting connection closed) is kRetryable.
void BeginSnapshotSession(PgConnection& conn, const std::string& snapshot_name,
                          const std::vector<SourceTable>& tables);

struct ExportedSnapshot {
  std::string name;
  Lsn wal_lsn = 0;  // pg_current_wal_lsn() read in the snapshot's first statement
};
// Starts a REPEATABLE READ READ ONLY transaction on `conn`, exports its snapshot and locks
// `tables`. For loads without CDC: the LSN is only near the snapshot's moment, not exact.
ExportedSnapshot BeginExportedSnapshot(PgConnection& conn, const std::vector<SourceTable>& tables);

}  // namespace pg2ch
