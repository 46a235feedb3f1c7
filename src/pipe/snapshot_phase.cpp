// Snapshot: the initial load. A new slot exports a snapshot; every table is copied under it and
// its rows get the slot's consistent point as version, so CDC (which starts at that point) meets
// the copy with no gap and no double-apply. An interrupted load is redone from the start: the
// slot is recreated and the destination tables emptied first.
#include <spdlog/spdlog.h>

#include <chrono>

#include "common/error.h"
#include "common/sql_quote.h"
#include "pipe/pipe_context.h"
#include "source/postgres/replication_setup.h"
#include "source/postgres/table_copy.h"

namespace pg2ch {
namespace {

struct StopRequested {};

// Rows and rate every few seconds, with an ETA from the planner's row estimate.
class Progress {
 public:
  Progress(std::string pipe, std::string table, double estimate)
      : pipe_(std::move(pipe)), table_(std::move(table)), estimate_(estimate) {}
  void Row() {
    if (++rows_ % 4096 != 0) return;
    auto now = std::chrono::steady_clock::now();
    if (now - last_ < std::chrono::seconds(5)) return;
    last_ = now;
    Log(now);
  }
  void Done() { Log(std::chrono::steady_clock::now()); }
  uint64_t rows() const { return rows_; }

 private:
  void Log(std::chrono::steady_clock::time_point now) {
    double secs = std::chrono::duration<double>(now - start_).count();
    double rate = secs > 0 ? rows_ / secs : 0;
    double total = std::max(estimate_, static_cast<double>(rows_));
    double eta = rate > 0 ? (total - rows_) / rate : 0;
    spdlog::info("pipe {}: snapshot {}: {} / ~{:.0f} rows, {:.0f} rows/s, ETA {:.0f} s", pipe_,
                 table_, rows_, total, rate, eta);
  }
  std::string pipe_, table_;
  double estimate_;
  uint64_t rows_ = 0;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_ = start_;
};

double EstimateRows(PgConnection& pg, const SourceTable& t) {
  auto rows = pg.Query("SELECT GREATEST(reltuples, 0)::bigint FROM pg_class WHERE oid = " +
                       std::to_string(t.relid));
  return rows.empty() ? 0 : std::stod(rows[0][0]);
}

}  // namespace

std::optional<PipeState> RunSnapshot(PipeContext& ctx) {
  const PipeConfig& cfg = ctx.config;
  bool with_cdc = cfg.mode != ReplicationMode::kSnapshotOnly;
  auto pg = PgConnection::Connect(cfg.source, false);
  ClickHouseClient ch(cfg.destination);
  ClickHouseSink sink(ch, ctx.tables);

  std::unique_ptr<PgConnection> repl;  // holds the exported snapshot alive until COMMIT
  Lsn version = 0;
  if (with_cdc) {
    if (FindSlot(*pg, cfg.slot)) {
      if (ctx.Record().snapshot_lsn == 0)
        ThrowFatal("replication slot \"" + cfg.slot +
                   "\" exists already; an initial load needs a slot created with it (drop the slot "
                   "or name another one)");
      spdlog::info("pipe {}: redoing the interrupted snapshot with a new slot", cfg.name);
      DropSlotIfExists(*pg, cfg.slot);
    }
    repl = PgConnection::Connect(cfg.source, true);
    CreatedSlot created = CreateSlotWithSnapshot(*repl, cfg.slot);
    version = created.consistent_point;
    ctx.catalog.SetSnapshotLsn(ctx.pipe_id, version);
    ctx.catalog.SetCheckpoint(ctx.pipe_id, version);
    pg->Exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    pg->Exec("SET TRANSACTION SNAPSHOT " + PgLiteral(created.snapshot_name));
    spdlog::info("pipe {}: slot {} created, snapshot {} at {}", cfg.name, cfg.slot,
                 created.snapshot_name, FormatLsn(version));
  } else {
    pg->Exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    // The first query fixes the snapshot; the WAL position read in it stands for its moment.
    version = *ParseLsn(pg->Query("SELECT pg_current_wal_lsn()::text")[0][0]);
    ctx.catalog.SetSnapshotLsn(ctx.pipe_id, version);
  }
  ctx.catalog.ResetTablesSnapshot(ctx.pipe_id);

  try {
    for (const auto& t : ctx.tables) {
      sink.TruncateTable(t.source.relid);
      Progress progress(cfg.name, t.source.QualifiedName(), EstimateRows(*pg, t.source));
      auto writer = sink.NewSnapshotWriter(t.source.relid, version);
      CopyTable(*pg, t.source, [&](const Row& row) {
        writer->Append(row);
        progress.Row();
        if (ctx.stop_requested.load(std::memory_order_relaxed)) throw StopRequested{};
      });
      writer->Finish();
      progress.Done();
      ctx.catalog.MarkTableSnapshotDone(ctx.pipe_id, t.source.schema, t.source.name,
                                        static_cast<int64_t>(progress.rows()));
    }
  } catch (const StopRequested&) {
    spdlog::info("pipe {}: stop requested during the snapshot; it restarts from the beginning",
                 cfg.name);
    return std::nullopt;
  }
  pg->Exec("COMMIT");
  repl.reset();
  return with_cdc ? PipeState::kRunning : PipeState::kCompleted;
}

}  // namespace pg2ch
