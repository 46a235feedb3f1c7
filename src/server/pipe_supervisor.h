// Runs every pipe of a catalog, each on its own worker thread, and carries out the lifecycle
// commands of the API (stop, start, settings, delete).
//
// Ownership: the supervisor owns the workers; each worker owns its Catalog connection, source
// and destination connections (opened inside PipeRunner). Thread-safety: every public method
// may be called from any thread (API handlers); one mutex guards the worker table, and state
// moves are compare-and-set in the catalog, so a worker finishing a phase and an API command
// never overwrite each other.
// Shutdown (SIGTERM) drains: every worker finishes and checkpoints its in-flight batch, states
// stay as they are, and the next start resumes each pipe from there.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "catalog/catalog.h"
#include "pipe/pipe_config.h"
#include "pipe/pipe_metrics.h"
#include "pipe/pipe_ports.h"

namespace pg2ch {

// An API-level failure: HTTP status and a message for the user.
struct ApiError {
  int status;
  std::string message;
};

class PipeSupervisor {
 public:
  // `catalog` is only connected from (Catalog::Connect): each worker and each call has its own
  // connection. `ports` (outlives the supervisor) replaces LivePorts() in every worker: tests run
  // pipes on in-memory fakes.
  explicit PipeSupervisor(std::unique_ptr<Catalog> catalog, PipePorts* ports = nullptr);
  ~PipeSupervisor();

  // Starts a worker for each pipe with work to do; a pipe caught in Pausing becomes Paused.
  void ResumeAll();
  // Registers a validated pipe (Provisioning) and starts it. 409 if the name exists.
  PipeRecord Create(const PipeConfig& config);
  // Running/Snapshot -> Pausing; the worker writes and checkpoints its batch, then Paused.
  PipeState Stop(int64_t pipe_id);
  // Paused/Failed -> where the work was interrupted, and a worker runs it.
  PipeState Start(int64_t pipe_id);
  // Running/Paused/Failed -> Snapshot (into _resync tables) -> Resync (swap) -> Running.
  PipeState Resync(int64_t pipe_id);
  // Tables added or removed (config: the pipe's definition with its new table list, validated).
  // Running: the worker writes and checkpoints its batch, then Modifying -> (Snapshot while the
  // added tables load and CDC goes on) -> Running. Paused: applied on the next start. 409 in
  // other states.
  PipeState ChangeTables(int64_t pipe_id, const PipeConfig& config);
  // Settings change only while Paused (409 otherwise); applied on the next start.
  void UpdateConfig(int64_t pipe_id, const PipeConfig& config);
  // Stops the pipe, drops its slot (and its publication if pg2ch created it), forgets it.
  // ClickHouse data is kept.
  void Delete(int64_t pipe_id);
  // Live counters, or nullptr when no worker ran since the server started.
  std::shared_ptr<const PipeMetrics> Metrics(int64_t pipe_id);
  bool WorkerActive(int64_t pipe_id);
  // Drains every worker. Idempotent.
  void Shutdown();

  // A catalog connection for the calling thread.
  std::unique_ptr<Catalog> ConnectCatalog() const { return catalog_->Connect(); }

 private:
  struct Worker {
    std::thread thread;
    std::atomic<bool> stop{false};
    std::atomic<bool> done{false};
    // Shared: an API handler may still read it after the worker is gone.
    std::shared_ptr<PipeMetrics> metrics = std::make_shared<PipeMetrics>();
  };
  void Spawn(int64_t pipe_id);  // mu_ held
  void RunWorker(int64_t pipe_id, Worker* worker);
  void JoinWorker(int64_t pipe_id);  // mu_ held

  // What readers (GET, /metrics) need of the workers, under its own short-held lock: mu_ is held
  // while a worker drains (Delete, Shutdown), which can take as long as a batch.
  struct Live {
    std::shared_ptr<PipeMetrics> metrics;
    const std::atomic<bool>* done = nullptr;  // valid while the worker is in workers_
  };
  void Publish(int64_t pipe_id, const Worker* worker);  // nullptr: forget it

  std::unique_ptr<Catalog> catalog_;
  PipePorts* ports_;
  std::mutex mu_;
  std::map<int64_t, std::unique_ptr<Worker>> workers_;
  bool shut_down_ = false;
  std::mutex live_mu_;
  std::map<int64_t, Live> live_;
};

}  // namespace pg2ch
