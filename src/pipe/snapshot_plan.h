// The initial load's plan: each table of the pipe split into partitions, recorded in the catalog
// with which ones are copied, so that a restarted load redoes only the rest. A partition is
//  - a ctid page range (ctid_partitioner.h) on a plain table of PostgreSQL 14+, unless the table
//    mapping names a partition_column;
//  - else a range of one column's values (value_partitioner.h, value_domain.h): the configured
//    partition_column, or the first primary-key column, if it is an integer, numeric, timestamp,
//    timestamptz or date column;
//  - else the whole table, as one partition.
// Plans are made once, under the first snapshot, and kept (with the column they split by, so a
// later change of the setting leaves a started load alone). The same page ranges mean the same
// rows later only while the table keeps its heap file, so a ctid plan of a table rewritten
// meanwhile (VACUUM FULL, CLUSTER, TRUNCATE) with partitions left to copy is planned and copied
// again in full; value ranges hold the same rows whatever the storage, and stay.
#pragma once

#include <optional>
#include <vector>

#include "catalog/catalog.h"
#include "pipe/pipe_context.h"
#include "port/snapshot_source.h"
#include "source/postgres/table_copy.h"
#include "source/postgres/value_domain.h"

namespace pg2ch {

struct TableJob {
  size_t table = 0;   // index in PipeContext::tables
  bool only = false;  // COPY ... FROM ONLY (plain tables; see CopyScope)
  // Value plans: the first partition also copies the column's NULLs (false when NOT NULL).
  bool first_takes_nulls = true;
  // Value plans with text bounds: the column's kind, whose type the literals are cast to.
  std::optional<ValueKind> value_kind;
  SnapshotPlanRecord plan;

  // Indexes (into plan.partitions) of the partitions still to copy.
  std::vector<size_t> Pending() const;
  CopyScope Scope(const SnapshotPartitionRecord& partition) const;
};

// Throws PipeError(kFatal) unless `column` is a replicated column of `source` of a type
// PartitionValueKind accepts: what a configured partition_column must be.
void CheckPartitionColumn(const SourceTable& source, const std::string& column);

// Reads through the load's snapshot source, whose coordinating session holds the tables' locks.
// `resume`: keep the plans in the catalog where still valid; else plan every table anew (the
// caller reset the catalog's plans).
std::vector<TableJob> PrepareSnapshotPlans(SnapshotSource& source, PipeContext& ctx, bool resume);

}  // namespace pg2ch
