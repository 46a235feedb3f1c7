#include "server/pipe_supervisor.h"

#include <spdlog/spdlog.h>

#include <initializer_list>

#include "common/error.h"
#include "common/sql_quote.h"
#include "pipe/pipe_runner.h"
#include "pipe/resume_state.h"
#include "pipe/resync_phase.h"
#include "pipe/table_changes.h"
#include "source/postgres/pg_connection.h"
#include "source/postgres/replication_setup.h"

namespace pg2ch {
namespace {

bool HasWork(PipeState s) {
  return s == PipeState::kProvisioning || s == PipeState::kSetup || s == PipeState::kSnapshot ||
         s == PipeState::kRunning;
}

PipeRecord RequirePipe(Catalog& catalog, int64_t pipe_id) {
  auto record = catalog.FindPipeById(pipe_id);
  if (!record) throw ApiError{404, "no pipe with id " + std::to_string(pipe_id)};
  return *record;
}

// The pipe's state, if it is one of `allowed`; 409 naming the command and the state otherwise.
PipeState RequireState(Catalog& catalog, int64_t pipe_id, std::initializer_list<PipeState> allowed,
                       const char* command) {
  PipeState s = RequirePipe(catalog, pipe_id).state;
  for (PipeState a : allowed)
    if (s == a) return s;
  throw ApiError{
      409, std::string("cannot ") + command + " a pipe in state " + std::string(StateName(s))};
}

// Compare-and-set; 409 when the worker moved the pipe between our read and our write.
void TransitionOrConflict(Catalog& catalog, int64_t pipe_id, PipeState from, PipeState to,
                          const std::string& reason) {
  if (!catalog.TransitionIf(pipe_id, from, to, reason))
    throw ApiError{409, "the pipe changed state meanwhile; try again"};
}

}  // namespace

PipeSupervisor::PipeSupervisor(std::unique_ptr<Catalog> catalog, PipePorts* ports)
    : catalog_(std::move(catalog)), ports_(ports) {}

PipeSupervisor::~PipeSupervisor() { Shutdown(); }

void PipeSupervisor::ResumeAll() {
  auto connection = catalog_->Connect();
  Catalog& catalog = *connection;
  std::lock_guard lock(mu_);
  for (const auto& p : catalog.ListPipes()) {
    if (p.state == PipeState::kPausing)
      catalog.TransitionIf(p.id, PipeState::kPausing, PipeState::kPaused,
                           "server restarted while pausing; last checkpoint kept");
    if (HasWork(p.state)) {
      spdlog::info("pipe {}: resuming in {}", p.name, StateName(p.state));
      Spawn(p.id);
    }
  }
}

void PipeSupervisor::Spawn(int64_t pipe_id) {
  auto worker = std::make_unique<Worker>();
  Worker* raw = worker.get();
  workers_[pipe_id] = std::move(worker);
  raw->thread = std::thread([this, pipe_id, raw] { RunWorker(pipe_id, raw); });
  Publish(pipe_id, raw);
}

void PipeSupervisor::Publish(int64_t pipe_id, const Worker* worker) {
  std::lock_guard lock(live_mu_);
  if (worker == nullptr) {
    live_.erase(pipe_id);
    return;
  }
  live_[pipe_id] = {worker->metrics, &worker->done};
}

void PipeSupervisor::RunWorker(int64_t pipe_id, Worker* worker) {
  try {
    auto connection = catalog_->Connect();
    Catalog& catalog = *connection;
    auto record = catalog.FindPipeById(pipe_id);
    if (!record) return;
    PipeRunner runner(catalog, ParsePipeConfig(record->config_json), worker->stop,
                      worker->metrics.get(), ports_);
    runner.Run();
    catalog.TransitionIf(pipe_id, PipeState::kPausing, PipeState::kPaused,
                         "stopped: in-flight batch written and checkpointed");
  } catch (const std::exception& e) {
    // The runner records its own failures; this one escaped it (a pipe definition the catalog
    // holds but cannot be read, the catalog itself). Nothing runs the pipe now: say so.
    std::string reason = std::string("internal error: the pipe's worker ended: ") + e.what();
    spdlog::error("pipe {}: {}", pipe_id, reason);
    try {
      auto connection = catalog_->Connect();
      Catalog& catalog = *connection;
      if (auto record = catalog.FindPipeById(pipe_id);
          record && record->state != PipeState::kFailed && record->state != PipeState::kPaused &&
          record->state != PipeState::kCompleted)
        catalog.TransitionIf(pipe_id, record->state, PipeState::kFailed, reason);
    } catch (const std::exception& again) {
      spdlog::error("pipe {}: cannot record the failure: {}", pipe_id, again.what());
    }
  }
  worker->done = true;
}

void PipeSupervisor::JoinWorker(int64_t pipe_id) {
  auto it = workers_.find(pipe_id);
  if (it == workers_.end()) return;
  it->second->stop = true;
  if (it->second->thread.joinable()) it->second->thread.join();
  Publish(pipe_id, nullptr);
  workers_.erase(it);
}

PipeRecord PipeSupervisor::Create(const PipeConfig& config) {
  auto connection = catalog_->Connect();
  Catalog& catalog = *connection;
  std::lock_guard lock(mu_);
  if (catalog.FindPipe(config.name))
    throw ApiError{409, "a pipe named \"" + config.name + "\" exists already"};
  PipeRecord record = catalog.CreatePipe(config.name, PipeConfigToJson(config));
  Spawn(record.id);
  return record;
}

PipeState PipeSupervisor::Stop(int64_t pipe_id) {
  auto connection = catalog_->Connect();
  Catalog& catalog = *connection;
  std::lock_guard lock(mu_);
  PipeState s = RequireState(catalog, pipe_id, {PipeState::kRunning, PipeState::kSnapshot}, "stop");
  TransitionOrConflict(catalog, pipe_id, s, PipeState::kPausing, "stop requested");
  auto it = workers_.find(pipe_id);
  if (it != workers_.end() && !it->second->done) {
    it->second->stop = true;
  } else {
    catalog.TransitionIf(pipe_id, PipeState::kPausing, PipeState::kPaused, "no worker was running");
  }
  return catalog.FindPipeById(pipe_id)->state;
}

PipeState PipeSupervisor::Start(int64_t pipe_id) {
  auto connection = catalog_->Connect();
  Catalog& catalog = *connection;
  std::lock_guard lock(mu_);
  PipeState s = RequireState(catalog, pipe_id, {PipeState::kPaused, PipeState::kFailed}, "start");
  auto it = workers_.find(pipe_id);
  if (it != workers_.end()) {
    if (!it->second->done) throw ApiError{409, "the pipe is still stopping; try again"};
    JoinWorker(pipe_id);
  }
  PipeState resume = ResumeState(catalog, pipe_id);
  std::string reason = s == PipeState::kFailed ? "restarted after failure" : "resumed";
  if (s == PipeState::kPaused &&
      !PendingTableChanges(catalog, pipe_id,
                           ParsePipeConfig(RequirePipe(catalog, pipe_id).config_json))
           .empty()) {
    resume = PipeState::kModifying;
    reason = "resumed; tables changed while paused";
  }
  TransitionOrConflict(catalog, pipe_id, s, resume, reason);
  Spawn(pipe_id);
  return resume;
}

PipeState PipeSupervisor::Resync(int64_t pipe_id) {
  auto connection = catalog_->Connect();
  Catalog& catalog = *connection;
  std::lock_guard lock(mu_);
  RequireState(catalog, pipe_id, {PipeState::kRunning, PipeState::kPaused, PipeState::kFailed},
               "resync");
  JoinWorker(pipe_id);  // CDC writes and checkpoints its batch; the state stays as it was
  PipeState s = RequirePipe(catalog, pipe_id).state;
  RequestResync(catalog, pipe_id);
  TransitionOrConflict(catalog, pipe_id, s, PipeState::kSnapshot, "resync requested");
  Spawn(pipe_id);
  return PipeState::kSnapshot;
}

PipeState PipeSupervisor::ChangeTables(int64_t pipe_id, const PipeConfig& config) {
  auto connection = catalog_->Connect();
  Catalog& catalog = *connection;
  std::lock_guard lock(mu_);
  RequireState(catalog, pipe_id, {PipeState::kRunning, PipeState::kPaused}, "change the tables of");
  JoinWorker(pipe_id);  // CDC writes and checkpoints its batch; the state stays as it was
  PipeState s = RequirePipe(catalog, pipe_id).state;
  catalog.UpdateConfig(pipe_id, PipeConfigToJson(config));
  if (s == PipeState::kPaused) return s;
  TableChanges changes = PendingTableChanges(catalog, pipe_id, config);
  std::string reason = "tables changed:";
  for (const auto& m : changes.added) reason += " +" + m.source_schema + "." + m.source_table;
  for (const auto& t : changes.removed) reason += " -" + t.source_schema + "." + t.source_table;
  TransitionOrConflict(catalog, pipe_id, s, PipeState::kModifying, reason);
  Spawn(pipe_id);
  return PipeState::kModifying;
}

void PipeSupervisor::UpdateConfig(int64_t pipe_id, const PipeConfig& config) {
  auto connection = catalog_->Connect();
  Catalog& catalog = *connection;
  std::lock_guard lock(mu_);
  PipeState s = RequirePipe(catalog, pipe_id).state;
  if (s != PipeState::kPaused)
    throw ApiError{409, "settings change only while the pipe is Paused (it is " +
                            std::string(StateName(s)) + ")"};
  catalog.UpdateConfig(pipe_id, PipeConfigToJson(config));
}

void PipeSupervisor::Delete(int64_t pipe_id) {
  auto connection = catalog_->Connect();
  Catalog& catalog = *connection;
  std::lock_guard lock(mu_);
  PipeRecord record = RequirePipe(catalog, pipe_id);
  JoinWorker(pipe_id);  // the worker's connections close with it
  PipeConfig config = ParsePipeConfig(record.config_json);
  try {
    auto pg = PgConnection::Connect(config.source, false);
    DropSlotWhenReleased(*pg, config.slot);
    if (PublicationOwned(catalog, pipe_id)) {
      pg->Exec("DROP PUBLICATION IF EXISTS " + PgIdent(config.publication));
      pg->Exec("DROP PUBLICATION IF EXISTS " + PgIdent(InsertOnlyPublication(config.publication)));
    }
  } catch (const PipeError& e) {
    // The slot would hold WAL on the source forever: keep the pipe so the delete can be retried.
    throw ApiError{502, std::string("cannot clean up the source, the pipe is kept: ") + e.what()};
  }
  catalog.DeletePipe(pipe_id);
  spdlog::info("pipe {}: deleted (slot {} dropped; ClickHouse tables kept)", config.name,
               config.slot);
}

std::shared_ptr<const PipeMetrics> PipeSupervisor::Metrics(int64_t pipe_id) {
  std::lock_guard lock(live_mu_);
  auto it = live_.find(pipe_id);
  return it == live_.end() ? nullptr : it->second.metrics;
}

bool PipeSupervisor::WorkerActive(int64_t pipe_id) {
  std::lock_guard lock(live_mu_);
  auto it = live_.find(pipe_id);
  return it != live_.end() && it->second.done != nullptr && !it->second.done->load();
}

void PipeSupervisor::Shutdown() {
  std::lock_guard lock(mu_);
  if (shut_down_) return;
  shut_down_ = true;
  for (auto& [id, w] : workers_) w->stop = true;
  for (auto& [id, w] : workers_) {
    if (w->thread.joinable()) w->thread.join();
    Publish(id, nullptr);
  }
  workers_.clear();
}

}  // namespace pg2ch
