// What every phase of a running pipe shares: its definition, its catalog row, the source tables
// recorded at Setup, and the stop request. Owned by PipeRunner; phases borrow it.
#pragma once

#include <atomic>
#include <chrono>
#include <optional>
#include <vector>

#include "catalog/catalog.h"
#include "core/destination_table.h"
#include "pipe/pipe_config.h"
#include "pipe/pipe_metrics.h"
#include "pipe/pipe_ports.h"
#include "pipe/pipe_substates.h"

namespace pg2ch {

struct PipeContext {
  PipeConfig config;
  Catalog& catalog;
  int64_t pipe_id = 0;
  const std::atomic<bool>& stop_requested;
  // Filled by Setup (or reloaded from the catalog on restart), in config.tables order; CDC
  // appends columns added on the source (cdc_schema_change.h).
  std::vector<DestinationTable> tables;
  PipeMetrics* metrics = nullptr;  // optional live counters (the server's API reads them)
  // Since when another backend of this pipe has been seen holding the slot (cdc_phase.cpp).
  std::optional<std::chrono::steady_clock::time_point> slot_held_since = std::nullopt;
  PipePorts* ports = nullptr;  // null: LivePorts()

  PipePorts& Ports() const { return ports != nullptr ? *ports : LivePorts(); }

  PipeRecord Record() { return *catalog.FindPipe(config.name); }
};

// Each phase runs until its work is done (and returns the next state) or a stop is requested
// (returns std::nullopt); errors are thrown as PipeError and handled by the runner.
std::optional<PipeState> RunSetup(PipeContext& ctx);
std::optional<PipeState> RunSnapshot(PipeContext& ctx);
std::optional<PipeState> RunCdc(PipeContext& ctx);
// Snapshot after tables were added: CDC for every table while the added ones load (Running once
// they are loaded; see table_changes.h).
std::optional<PipeState> RunCdcWhileLoading(PipeContext& ctx);

// Copies the partitions of ctx.tables not copied yet (planning tables that have no plan) under
// a fresh TEMPORARY slot's exported snapshot, whose consistent point is their version: a resumed
// initial load, or tables added to a running pipe. False when a stop came first.
bool CopyPendingUnderTemporarySlot(PipeContext& ctx);

}  // namespace pg2ch
