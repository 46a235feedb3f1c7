// What every phase of a running pipe shares: its definition, its catalog row, the source tables
// recorded at Setup, and the stop request. Owned by PipeRunner; phases borrow it.
#pragma once

#include <atomic>
#include <vector>

#include "catalog/catalog.h"
#include "destination/clickhouse/clickhouse_sink.h"
#include "pipe/pipe_config.h"
#include "pipe/pipe_metrics.h"

namespace pg2ch {

struct PipeContext {
  PipeConfig config;
  Catalog& catalog;
  int64_t pipe_id = 0;
  const std::atomic<bool>& stop_requested;
  // Filled by Setup (or reloaded from the catalog on restart), in config.tables order.
  std::vector<DestinationTable> tables;
  PipeMetrics* metrics = nullptr;  // optional live counters (the server's API reads them)

  PipeRecord Record() { return *catalog.FindPipe(config.name); }
};

// Each phase runs until its work is done (and returns the next state) or a stop is requested
// (returns std::nullopt); errors are thrown as PipeError and handled by the runner.
std::optional<PipeState> RunSetup(PipeContext& ctx);
std::optional<PipeState> RunSnapshot(PipeContext& ctx);
std::optional<PipeState> RunCdc(PipeContext& ctx);

}  // namespace pg2ch
