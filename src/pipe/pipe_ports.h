// The ports through which a pipe's phases reach its source and destination
// (port/source_admin.h, port/snapshot_source.h, port/change_source.h,
// port/change_destination.h, port/destination_tables.h, port/snapshot_ports.h). PipeRunner uses
// LivePorts(), PostgreSQL and ClickHouse, unless given others: the orchestration tests give
// in-memory fakes, so the lifecycle (batching, checkpoints, retries, stops) is tested without
// servers.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/assembled_transaction.h"
#include "core/destination_table.h"
#include "core/lsn.h"
#include "port/change_destination.h"
#include "port/change_source.h"
#include "port/destination_tables.h"
#include "port/snapshot_ports.h"
#include "port/snapshot_source.h"
#include "port/source_admin.h"

namespace pg2ch {

struct PipeContext;

class PipePorts {
 public:
  virtual ~PipePorts() = default;
  // The pipe's tables, publication and slot on the source (connected now).
  virtual std::unique_ptr<SourceAdmin> OpenSourceAdmin(const PipeContext& ctx) = 0;
  // The initial load's snapshot and planning reads.
  virtual std::unique_ptr<SnapshotSource> OpenSnapshotSource(const PipeContext& ctx) = 0;
  // The pipe's changes from `start` on. First checks that the slot can serve the pipe (a slot
  // gone or invalidated, or the publication missing, is fatal) and ends a stale holder of the
  // slot that is this pipe's own (cdc_phase.cpp); a slot another backend holds is retryable.
  virtual std::unique_ptr<ChangeSource> OpenChangeSource(PipeContext& ctx, Lsn start,
                                                         SpillPolicy spill) = 0;
  // A destination for ctx.tables (types mapped now: an unsupported one is fatal).
  virtual std::unique_ptr<ChangeDestination> OpenChangeDestination(const PipeContext& ctx) = 0;

  // The destination's tables: made, emptied, swapped (a client of its own; one thread).
  virtual std::unique_ptr<DestinationTables> OpenDestinationTables(const PipeContext& ctx) = 0;

  // The initial load's destination for ctx.tables[i], i in `tables` (types mapped now).
  virtual std::unique_ptr<SnapshotDestination> OpenSnapshotDestination(
      const PipeContext& ctx, const std::vector<size_t>& tables) = 0;
  // A reader of one worker under the load's exported snapshot `snapshot_name`, holding `tables`
  // locked (a table gone is fatal, the snapshot gone retryable).
  virtual std::unique_ptr<PartitionReader> OpenPartitionReader(
      const PipeContext& ctx, const std::string& snapshot_name,
      const std::vector<SourceTable>& tables) = 0;
};

// The source tables of `tables`, in order.
std::vector<SourceTable> SourceTables(const std::vector<DestinationTable>& tables);

// PostgreSQL as the source, ClickHouse as the destination. Stateless; lives forever.
PipePorts& LivePorts();

}  // namespace pg2ch
