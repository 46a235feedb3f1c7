// The initial load's plan: each table of the pipe split into ctid page ranges (partitions),
// recorded in the catalog with which ones are copied, so that a restarted load redoes only the
// rest. Plans are made once, under the first snapshot, and kept: the same ranges mean the same
// rows later only while the table keeps its heap file, so a table rewritten meanwhile (VACUUM
// FULL, CLUSTER, TRUNCATE) with partitions left to copy is planned and copied again in full.
#pragma once

#include <vector>

#include "catalog/catalog.h"
#include "pipe/pipe_context.h"
#include "source/postgres/pg_connection.h"
#include "source/postgres/table_copy.h"

namespace pg2ch {

struct TableJob {
  size_t table = 0;   // index in PipeContext::tables
  bool only = false;  // COPY ... FROM ONLY (plain tables; see CopyScope)
  SnapshotPlanRecord plan;

  // Indexes (into plan.partitions) of the partitions still to copy.
  std::vector<size_t> Pending() const;
  CopyScope Scope(const SnapshotPartitionRecord& partition) const;
};

// Runs on the coordinator's connection, inside the snapshot transaction that holds the tables'
// locks. `resume`: keep the plans in the catalog where still valid; else plan every table anew
// (the caller reset the catalog's plans).
std::vector<TableJob> PrepareSnapshotPlans(PgConnection& conn, PipeContext& ctx, bool resume);

}  // namespace pg2ch
