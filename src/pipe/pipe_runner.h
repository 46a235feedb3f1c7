// Runs one pipe through its lifecycle until it completes, fails, or a stop is requested.
//
// The runner alone moves the pipe between states (recording each transition in the catalog) and
// decides what an error means: a retryable PipeError is retried with exponential back-off in the
// same state; a fatal one moves the pipe to Failed with the reason. Transitions are
// compare-and-set: when the API moved the pipe meanwhile (stop -> Pausing), the runner yields.
// During Setup, retryable errors count as fatal after a few attempts: a destination that was never
// reachable is more likely a wrong address than an outage, and the user should hear so.
#pragma once

#include <atomic>

#include "catalog/catalog.h"
#include "pipe/pipe_config.h"
#include "pipe/pipe_metrics.h"
#include "pipe/pipe_ports.h"

namespace pg2ch {

class PipeRunner {
 public:
  // `metrics` (optional, outlives Run) receives live counters for the API; `ports` (outlives
  // Run) replaces LivePorts().
  PipeRunner(Catalog& catalog, PipeConfig config, const std::atomic<bool>& stop_requested,
             PipeMetrics* metrics = nullptr, PipePorts* ports = nullptr);
  // Creates the pipe in the catalog if needed, or takes in a changed definition (settings,
  // credentials, and the tables of a Running pipe; a different source, destination, mode,
  // publication or slot is an error), then runs it. Returns the state it stopped in.
  PipeState Run();

 private:
  void AcceptChangedDefinition(const PipeRecord& record);

  Catalog& catalog_;
  PipeConfig config_;
  const std::atomic<bool>& stop_;
  PipeMetrics* metrics_;
  PipePorts* ports_;
};

}  // namespace pg2ch
