// Resync: reload every table from a new slot and snapshot into `<table>_resync`, then swap each
// with its original atomically and drop the old data. Used after breaking schema changes or an
// invalidated slot, and to recover a Failed pipe. Settings are kept.
//
// Sequence (each step safe to repeat after a crash):
//   Snapshot (resync flag set): PrepareResync re-reads and records the source tables' definitions
//     (a resync takes in breaking schema changes), drops the old slot and any stale `_resync`
//     tables, forgets the old load's plans, creates the `_resync` tables; the load then runs as a
//     fresh initial load into them, with a new slot whose consistent point V is the new checkpoint.
//   Resync: SwapResyncTables exchanges each `_resync` table with its original (EXCHANGE TABLES
//     where the server has it, one multi-table RENAME otherwise) and drops the old data.
//   Running: CDC from V into the original names.
#pragma once

#include <vector>

#include "pipe/pipe_context.h"

namespace pg2ch {

inline constexpr const char* kResyncSuffix = "_resync";

bool ResyncRequested(PipeContext& ctx);
// Marks the pipe for resync (the caller then moves it to Snapshot).
void RequestResync(Catalog& catalog, int64_t pipe_id);
// Idempotent preparation, done once per resync (remembered in the catalog).
void PrepareResync(PipeContext& ctx);
// The `_resync` twin of each destination table.
std::vector<DestinationTable> ResyncTargets(const std::vector<DestinationTable>& tables);
// Swaps every table still to swap, then clears the resync flag.
void SwapResyncTables(PipeContext& ctx);

}  // namespace pg2ch
