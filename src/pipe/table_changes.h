// Tables added to or removed from an existing pipe (PATCH /v1/clickpipes/{id}).
//
// The pipe's definition (PipeConfig::tables) says what the user wants replicated; the catalog's
// table records say what the pipe replicates. A change updates the definition first, then the
// pipe passes through Modifying, where ApplyTableChanges makes the records follow:
//  - a removed table leaves the publication (if pg2ch created it) and the pipe; its ClickHouse
//    table is kept;
//  - an added table is read and checked like at Setup, its ClickHouse table created (and
//    emptied: it gets a full load), it joins the publication, and it is recorded not loaded yet.
// Snapshot+CDC pipes then load the added tables in Snapshot while CDC goes on for every table
// (cdc_phase.cpp): the load runs under a temporary slot's snapshot at S, so its rows carry
// version S; CDC changes of the added tables wait until the load is durable, then apply with
// their own versions (older ones lose to the load's rows, newer ones win).
// Every step can be repeated after a crash.
#pragma once

#include <optional>
#include <vector>

#include "pipe/pipe_context.h"

namespace pg2ch {

struct TableChanges {
  std::vector<TableMapping> added;
  std::vector<TableRecord> removed;
  bool empty() const { return added.empty() && removed.empty(); }
};

// What the definition asks for and the records do not have yet.
TableChanges PendingTableChanges(Catalog& catalog, int64_t pipe_id, const PipeConfig& config);

// Modifying: applies the pending changes; Snapshot when added tables are to be loaded, else
// Running.
std::optional<PipeState> RunModify(PipeContext& ctx);

// Set while added tables are being loaded (the Snapshot state then runs CDC beside the load).
bool LoadingAddedTables(PipeContext& ctx);
void FinishLoadingAddedTables(PipeContext& ctx);

}  // namespace pg2ch
