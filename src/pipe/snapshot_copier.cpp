#include "pipe/snapshot_copier.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "pipe/snapshot_progress.h"
#include "pipe/snapshot_scheduler.h"

namespace pg2ch {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kLogEvery = std::chrono::seconds(10);
constexpr uint64_t kRowsPerTick = 4096;  // rows between progress updates and stop checks

struct Stopped {};  // unwinds a worker out of a COPY when the load is cancelled

struct Completion {
  size_t job;
  size_t partition;
  int64_t rows;
};

// What the workers share with the coordinator. Outlives every worker thread.
struct Shared {
  Shared(const std::vector<TableJob>& jobs, int per_table, int tables)
      : scheduler(Pending(jobs), per_table, tables) {}
  static std::vector<std::vector<size_t>> Pending(const std::vector<TableJob>& jobs) {
    std::vector<std::vector<size_t>> out;
    for (const auto& job : jobs) out.push_back(job.Pending());
    return out;
  }

  SnapshotScheduler scheduler;
  std::atomic<bool> cancelled{false};
  std::mutex mu;  // guards everything below
  std::condition_variable changed;
  std::vector<Completion> completions;
  std::exception_ptr first_error;
  size_t workers_running = 0;

  void Cancel() {
    cancelled.store(true);
    scheduler.Cancel();
  }
  void Fail(std::exception_ptr error) {
    {
      std::lock_guard lock(mu);
      if (!first_error) first_error = error;
    }
    Cancel();
  }
};

class Worker {
 public:
  Worker(PipeContext& ctx, const std::vector<TableJob>& jobs, SnapshotDestination& destination,
         const SnapshotRun& run, Shared& shared, SnapshotProgress& progress)
      : ctx_(ctx),
        jobs_(jobs),
        destination_(destination),
        run_(run),
        shared_(shared),
        progress_(progress) {}

  void Run() {
    std::optional<Finishing> finishing;
    try {
      std::vector<SourceTable> sources;
      for (const auto& job : jobs_) sources.push_back(ctx_.tables[job.table].source);
      std::unique_ptr<PartitionReader> reader =
          ctx_.Ports().OpenPartitionReader(ctx_, run_.snapshot_name, sources);
      // While the destination finishes one partition's insert (sorting and writing the part
      // takes a good share of the time), the next partition is already being read.
      while (auto a = shared_.scheduler.Next()) {
        auto writer = destination_.NewWriter(jobs_[a->table].table, run_.version);
        int64_t rows = CopyPartition(*reader, *writer, *a);
        shared_.scheduler.Finished(*a);  // its PostgreSQL side is done
        CompleteFinishing(finishing);
        finishing.emplace(Finishing{
            *a, rows, std::async(std::launch::async, [w = std::move(writer)] { w->Finish(); })});
      }
      CompleteFinishing(finishing);
    } catch (const Stopped&) {
      // Cancelled: the coordinator knows why.
    } catch (...) {
      shared_.Fail(std::current_exception());
    }
    // The insert sent before an error or a stop may still be acknowledged: recorded then, so a
    // resumed load does not copy that partition again.
    try {
      CompleteFinishing(finishing);
    } catch (...) {
      shared_.Fail(std::current_exception());
    }
    std::lock_guard lock(shared_.mu);
    --shared_.workers_running;
    shared_.changed.notify_all();
  }

 private:
  // A partition whose rows are all sent; ClickHouse has yet to acknowledge them.
  struct Finishing {
    PartitionAssignment partition;
    int64_t rows;
    std::future<void> acknowledged;  // rethrows the insert's error
  };

  // Waits for the partition sent last, if any, and hands it to the coordinator.
  void CompleteFinishing(std::optional<Finishing>& finishing) {
    if (!finishing) return;
    Finishing f = std::move(*finishing);
    finishing.reset();
    f.acknowledged.get();
    std::lock_guard lock(shared_.mu);
    shared_.completions.push_back({f.partition.table, f.partition.partition, f.rows});
    shared_.changed.notify_all();
  }

  int64_t CopyPartition(PartitionReader& reader, SnapshotWriter& writer,
                        const PartitionAssignment& a) {
    const TableJob& job = jobs_[a.table];
    const SourceTable& source = ctx_.tables[job.table].source;
    uint64_t ticks = 0;
    auto tick = [&] {
      if (++ticks == kRowsPerTick) {
        progress_.AddRows(a.table, ticks);
        ticks = 0;
        if (shared_.cancelled.load(std::memory_order_relaxed)) throw Stopped{};
      }
    };
    CopyScope scope = job.Scope(job.plan.partitions[a.partition]);
    uint64_t rows = reader.Copy(source, scope, destination_.AcceptsBinary(job.table), writer, tick);
    progress_.AddRows(a.table, ticks);
    return static_cast<int64_t>(rows);
  }

  PipeContext& ctx_;
  const std::vector<TableJob>& jobs_;
  SnapshotDestination& destination_;
  const SnapshotRun& run_;
  Shared& shared_;
  SnapshotProgress& progress_;
};

}  // namespace

bool CopySnapshotPartitions(PipeContext& ctx, const std::vector<TableJob>& jobs,
                            const SnapshotRun& run) {
  const PipeConfig& cfg = ctx.config;
  size_t pending = 0;
  std::vector<TableProgressStart> starts;
  for (const auto& job : jobs) {
    pending += job.Pending().size();
    TableProgressStart s;
    s.name = ctx.tables[job.table].source.QualifiedName();
    s.partitions_total = static_cast<int64_t>(job.plan.partitions.size());
    for (const auto& p : job.plan.partitions) {
      s.partitions_done += p.done;
      s.rows_done += p.done ? p.rows : 0;
    }
    s.estimated_rows = job.plan.estimated_rows;
    starts.push_back(std::move(s));
  }
  if (pending == 0) return true;

  // Types are mapped once, here; the destination is shared by all workers.
  std::vector<size_t> indexes;
  for (const TableJob& job : jobs) indexes.push_back(job.table);
  std::unique_ptr<SnapshotDestination> destination =
      ctx.Ports().OpenSnapshotDestination(ctx, indexes);

  size_t workers =
      std::min<size_t>(pending, static_cast<size_t>(cfg.snapshot_max_parallel_workers) *
                                    static_cast<size_t>(cfg.snapshot_num_tables_in_parallel));
  SnapshotProgress progress(cfg.name, starts,
                            ctx.metrics != nullptr ? &ctx.metrics->snapshot_rows : nullptr);
  Shared shared(jobs, cfg.snapshot_max_parallel_workers, cfg.snapshot_num_tables_in_parallel);
  spdlog::info("pipe {}: copying {} partition(s) with {} worker(s), version {}", cfg.name, pending,
               workers, FormatLsn(run.version));

  std::vector<std::unique_ptr<Worker>> pool;
  std::vector<std::thread> threads;
  // An error here (the catalog, starting a thread) must not unwind past joinable threads:
  // std::terminate would end the whole server, every other pipe with it.
  struct JoinOnExit {
    Shared& shared;
    std::vector<std::thread>& threads;
    ~JoinOnExit() {
      shared.Cancel();
      for (auto& t : threads)
        if (t.joinable()) t.join();
    }
  } join_on_exit{shared, threads};
  shared.workers_running = workers;
  for (size_t i = 0; i < workers; ++i) {
    pool.push_back(std::make_unique<Worker>(ctx, jobs, *destination, run, shared, progress));
    threads.emplace_back([w = pool.back().get()] { w->Run(); });
  }

  // Coordinator: the only thread that writes the catalog.
  bool stopped = false;
  auto last_log = Clock::now();
  std::unique_lock lock(shared.mu);
  while (true) {
    shared.changed.wait_for(lock, std::chrono::milliseconds(200));
    std::vector<Completion> done;
    done.swap(shared.completions);
    bool finished = shared.workers_running == 0;
    lock.unlock();
    for (const Completion& c : done) {
      const TableJob& job = jobs[c.job];
      ctx.catalog.MarkSnapshotPartitionDone(
          ctx.pipe_id, job.plan.source_schema, job.plan.source_table,
          job.plan.partitions[c.partition].index, c.rows, run.version);
      progress.PartitionDone(c.job);
    }
    if (!stopped && ctx.stop_requested.load()) {
      stopped = true;
      spdlog::info("pipe {}: stop requested during the snapshot; finished partitions are kept",
                   cfg.name);
      shared.Cancel();
    }
    if (finished || Clock::now() - last_log >= kLogEvery) {
      progress.Log();
      last_log = Clock::now();
    }
    lock.lock();
    if (finished && shared.completions.empty()) break;
  }
  lock.unlock();
  for (auto& t : threads) t.join();
  if (shared.first_error) std::rethrow_exception(shared.first_error);
  return !stopped;
}

}  // namespace pg2ch
