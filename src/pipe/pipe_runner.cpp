#include "pipe/pipe_runner.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "common/error.h"
#include "pipe/destination_table_for.h"
#include "pipe/pipe_context.h"
#include "pipe/resume_state.h"
#include "pipe/resync_phase.h"
#include "pipe/source_table_json.h"
#include "pipe/table_changes.h"

namespace pg2ch {
namespace {

constexpr int kSetupAttempts = 3;

void SleepUnlessStopped(const std::atomic<bool>& stop, std::chrono::milliseconds total) {
  auto until = std::chrono::steady_clock::now() + total;
  while (!stop.load() && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
}

// What a changed pipe file may change: settings, the tables of a Running pipe (applied through
// Modifying), and how the source is reached (host, port, credentials, TLS: a failover moves it;
// CDC then checks that it is the same cluster, live_ports.cpp). The source database and the
// destination are the pipe's identity.
std::string IdentityDifference(const PipeConfig& was, const PipeConfig& now) {
  auto endpoint = [](const PipeConfig& c) {
    return c.source.database + " -> " + c.destination.url + "/" + c.destination.database;
  };
  if (endpoint(was) != endpoint(now)) return "source database or destination";
  if (was.mode != now.mode) return "mode";
  if (was.publication != now.publication || was.slot != now.slot) return "publication or slot";
  if (was.delete_on_merge != now.delete_on_merge) return "delete_on_merge";
  if (was.native_json != now.native_json) return "native_json";
  return "";
}

}  // namespace

void PipeRunner::AcceptChangedDefinition(const PipeRecord& record) {
  PipeConfig was = ParsePipeConfig(record.config_json);
  std::string identity = IdentityDifference(was, config_);
  if (!identity.empty())
    ThrowFatal("pipe \"" + config_.name + "\" exists in the catalog with another " + identity +
               "; these cannot change (resync cannot either: create a pipe with a new name)");
  bool tables_changed = !PendingTableChanges(catalog_, record.id, config_).empty();
  if (tables_changed && record.state != PipeState::kRunning)
    ThrowFatal("pipe \"" + config_.name +
               "\": its tables can change only while it is Running (it is " +
               std::string(StateName(record.state)) + "); restore the previous table list");
  catalog_.UpdateConfig(record.id, PipeConfigToJson(config_));
  spdlog::info("pipe {}: definition updated from the pipe file{}", config_.name,
               tables_changed ? "; table changes follow (Modifying)" : "");
}

PipeRunner::PipeRunner(Catalog& catalog, PipeConfig config, const std::atomic<bool>& stop,
                       PipeMetrics* metrics, PipePorts* ports)
    : catalog_(catalog), config_(std::move(config)), stop_(stop), metrics_(metrics), ports_(ports) {
  config_.source.application_name = PipeApplicationName(config_);
}

PipeState PipeRunner::Run() {
  std::string config_json = PipeConfigToJson(config_);
  auto record = catalog_.FindPipe(config_.name);
  if (!record) {
    record = catalog_.CreatePipe(config_.name, config_json);
    spdlog::info("pipe {}: created (mode {})", config_.name, ModeName(config_.mode));
  } else if (record->config_json != config_json) {
    AcceptChangedDefinition(*record);
    record = catalog_.FindPipe(config_.name);
  }
  PipeContext ctx{config_, catalog_, record->id, stop_, {}, metrics_};
  ctx.ports = ports_;

  if (record->state == PipeState::kCompleted) {
    spdlog::info("pipe {}: already Completed", config_.name);
    return PipeState::kCompleted;
  }
  if (record->state == PipeState::kFailed) {
    PipeState resume = ResumeState(catalog_, record->id);
    spdlog::info("pipe {}: was Failed ({}); retrying from {}", config_.name, record->last_error,
                 StateName(resume));
    catalog_.Transition(record->id, resume, "restarted after failure");
  }

  int attempt = 0;
  Lsn checkpoint_at_error = ctx.Record().checkpoint_lsn;
  while (!stop_.load()) {
    PipeState state;
    try {
      state = ctx.Record().state;
    } catch (const PipeError& e) {
      if (!e.retryable()) throw;
      // The catalog busy or its disk full: reading the state again is all there is to do.
      spdlog::warn("pipe {}: {} (retrying in 1000 ms)", config_.name, e.what());
      SleepUnlessStopped(stop_, std::chrono::milliseconds(1000));
      continue;
    }
    try {
      if (ctx.tables.empty() && state != PipeState::kProvisioning && state != PipeState::kSetup) {
        for (const auto& t : catalog_.Tables(ctx.pipe_id))
          ctx.tables.push_back(
              DestinationTableFor(config_, SourceTableFromJson(t.schema_json), t.target_table,
                                  SortingKeys(config_, t.source_schema, t.source_table)));
      }
      std::optional<PipeState> next;
      std::string reason;
      switch (state) {
        case PipeState::kProvisioning:
          next = PipeState::kSetup;
          reason = "pipe registered";
          break;
        case PipeState::kSetup:
          next = RunSetup(ctx);
          reason = "destination tables created, source tables recorded";
          break;
        case PipeState::kSnapshot:
          if (ResyncRequested(ctx)) {
            if (!PendingTableChanges(catalog_, ctx.pipe_id, config_).empty()) {
              RunModify(ctx);  // tables changed while paused: resync the pipe as now defined
              continue;
            }
            FinishLoadingAddedTables(ctx);  // the resync loads every table anyway
            PrepareResync(ctx);
            PipeContext twin = ctx;  // the same pipe, loading into the _resync tables
            twin.tables = ResyncTargets(ctx.tables);
            next = RunSnapshot(twin);
            if (next == PipeState::kRunning) next = PipeState::kResync;
            reason = "resync load into _resync tables complete";
          } else if (LoadingAddedTables(ctx)) {
            next = RunCdcWhileLoading(ctx);
            if (next) FinishLoadingAddedTables(ctx);
            reason = "added tables loaded (CDC went on meanwhile)";
          } else {
            next = RunSnapshot(ctx);
            reason = "initial load complete";
          }
          break;
        case PipeState::kModifying:
          next = RunModify(ctx);
          reason = "table changes applied";
          break;
        case PipeState::kResync:
          SwapResyncTables(ctx);
          next = PipeState::kRunning;
          reason = "_resync tables swapped in";
          break;
        case PipeState::kRunning:
          if (!PendingTableChanges(catalog_, ctx.pipe_id, config_).empty()) {
            next = PipeState::kModifying;  // the definition changed while the pipe was down
            reason = "tables changed";
          } else {
            next = RunCdc(ctx);
          }
          break;
        default:
          ThrowFatal("pg2ch run cannot drive a pipe in state " + std::string(StateName(state)));
      }
      if (!next) break;  // stop requested
      if (!catalog_.TransitionIf(ctx.pipe_id, state, *next, reason)) {
        // Someone else (the API: a stop, a delete) moved the pipe meanwhile; theirs wins.
        spdlog::info("pipe {}: state changed from {} by another actor", config_.name,
                     StateName(state));
        break;
      }
      spdlog::info("pipe {}: {} -> {}", config_.name, StateName(state), StateName(*next));
      attempt = 0;
      SetRetryingReason(catalog_, ctx.pipe_id, "");
      if (*next == PipeState::kCompleted) return *next;
    } catch (const PipeError& e) {
      // Back-off restarts after healthy progress: a pipe that ran for hours waits little after
      // its next brief outage.
      Lsn checkpoint = checkpoint_at_error;
      try {
        checkpoint = ctx.Record().checkpoint_lsn;
      } catch (const PipeError&) {
        // Unreadable now (the catalog busy): counted as no progress.
      }
      if (checkpoint != checkpoint_at_error) attempt = 0;
      checkpoint_at_error = checkpoint;
      ++attempt;
      bool give_up = !e.retryable() || (state == PipeState::kSetup && attempt >= kSetupAttempts);
      if (give_up) {
        catalog_.TransitionIf(ctx.pipe_id, state, PipeState::kFailed, e.what());
        SetRetryingReason(catalog_, ctx.pipe_id, "");
        spdlog::error("pipe {}: Failed in {}: {}", config_.name, StateName(state), e.what());
        return PipeState::kFailed;
      }
      auto backoff = std::chrono::milliseconds(std::min(30000, 500 << std::min(attempt, 6)));
      spdlog::warn("pipe {}: {} (retrying in {} ms)", config_.name, e.what(), backoff.count());
      try {
        SetRetryingReason(catalog_, ctx.pipe_id, e.what());
      } catch (const PipeError& record) {
        // The catalog's disk may be the very thing that is full: the retry goes on regardless,
        // the reason stays in the log.
        spdlog::warn("pipe {}: could not record the retry reason: {}", config_.name, record.what());
      }
      SleepUnlessStopped(stop_, backoff);
    } catch (const std::exception& e) {
      // Not classified where it was raised (a bug or a library surprise): do not guess, stop.
      std::string reason = std::string("internal error: ") + e.what();
      catalog_.TransitionIf(ctx.pipe_id, state, PipeState::kFailed, reason);
      SetRetryingReason(catalog_, ctx.pipe_id, "");
      spdlog::error("pipe {}: Failed in {}: {}", config_.name, StateName(state), reason);
      return PipeState::kFailed;
    }
  }
  PipeState final_state = ctx.Record().state;
  spdlog::info("pipe {}: stopped in state {}", config_.name, StateName(final_state));
  return final_state;
}

}  // namespace pg2ch
