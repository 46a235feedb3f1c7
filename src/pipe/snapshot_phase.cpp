// Snapshot: the initial load, in parallel partitions (ctid or value ranges, see snapshot_plan.h),
// resumable after a crash or a stop.
//
// First run: a new slot exports a snapshot; its consistent point V0 becomes the pipe's snapshot
// LSN and CDC checkpoint; every partition is copied under that snapshot with version V0.
//
// Resumed run (the slot and V0 are in place, some partitions recorded as copied): the exported
// snapshot died with the process, so the partitions left are copied under a fresh snapshot,
// exported by a TEMPORARY slot, whose consistent point V1 is their version. The pipe's slot,
// V0 and the checkpoint do not move: CDC replays every change committed after V0.
// Why ClickHouse ends equal to PostgreSQL after CDC catches up (FINAL, not deleted): for any
// key k, every row written for it is "k as of LSN v" with version v: copied rows are k as seen
// by the snapshot at v (V0 or V1), CDC rows are k right after the commit at v. (A slot's
// snapshot sees exactly the transactions whose commit ends before its consistent point, and
// CDC versions are commit end LSNs, so no copy and no CDC row ever tie.)
//  - If k changed after V0, CDC writes its last change at v_last; a copy at V1 > v_last shows
//    the same state. So the highest version is k's current state, deleted or not. This covers
//    rows of a half-written partition (inserted at V0 before the crash, then recopied): such a
//    row deleted before V1 is not in the recopy, but CDC writes its delete at Vd in (V0, V1).
//  - If k did not change after V0, the same partition holds it under V0 and under V1, so
//    whichever run copied that partition wrote k's current state. Ctid ranges: its tuple never
//    moved (no UPDATE, and no rewrite: a rewritten table's ctid plan is dropped, see
//    snapshot_plan.h). Value ranges: its row kept its value of the partition column (no UPDATE),
//    and which range holds a value (NULL: the first) does not depend on storage, so rewrites do
//    not matter.
// Without CDC (snapshot_only) nothing would reconcile two snapshots, so an interrupted
// snapshot_only load starts over.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "common/error.h"
#include "pipe/pipe_context.h"
#include "pipe/snapshot_copier.h"
#include "pipe/snapshot_plan.h"
#include "source/postgres/replication_setup.h"
#include "source/postgres/snapshot_session.h"

namespace pg2ch {
namespace {

// Where this run's snapshot comes from; `exporter` keeps it alive and must stay open (and, for
// a replication connection, idle) until every worker has imported it.
struct LoadSnapshot {
  std::unique_ptr<PgConnection> exporter;
  SnapshotRun run;
};

std::vector<SourceTable> Sources(const PipeContext& ctx) {
  std::vector<SourceTable> out;
  for (const auto& t : ctx.tables) out.push_back(t.source);
  return out;
}

// Forgets earlier progress and empties the destination tables: a load from the beginning.
void StartOver(PipeContext& ctx) {
  ctx.catalog.ResetSnapshotPlans(ctx.pipe_id);
  ctx.catalog.ResetTablesSnapshot(ctx.pipe_id);
  std::unique_ptr<DestinationTables> destination = ctx.Ports().OpenDestinationTables(ctx);
  for (const auto& t : ctx.tables) destination->Truncate(t);
}

LoadSnapshot FreshSlotSnapshot(PipeContext& ctx) {
  const PipeConfig& cfg = ctx.config;
  // V0 is cleared first: a crash before the new one is recorded must not look resumable.
  ctx.catalog.SetSnapshotLsn(ctx.pipe_id, 0);
  LoadSnapshot s;
  s.exporter = PgConnection::Connect(cfg.source, true);
  CreatedSlot created = CreateSlotWithSnapshot(*s.exporter, cfg.slot);
  StartOver(ctx);
  ctx.catalog.SetSnapshotLsn(ctx.pipe_id, created.consistent_point);
  ctx.catalog.SetCheckpoint(ctx.pipe_id, created.consistent_point);
  s.run = {created.snapshot_name, created.consistent_point};
  spdlog::info("pipe {}: slot {} created, snapshot {} at {}", cfg.name, cfg.slot,
               created.snapshot_name, FormatLsn(created.consistent_point));
  return s;
}

// A table without a key whose load is not finished, "" when there is none.
std::string UnfinishedKeylessTable(PipeContext& ctx) {
  for (const TableRecord& record : ctx.catalog.Tables(ctx.pipe_id)) {
    if (record.snapshot_done) continue;
    for (const DestinationTable& t : ctx.tables)
      if (t.source.keyless() && t.source.schema == record.source_schema &&
          t.source.name == record.source_table)
        return t.source.QualifiedName();
  }
  return "";
}

// Snapshot and CDC: true when the pipe's slot and V0 survive, so the load can resume under a
// temporary slot; otherwise clears the way for a load from the beginning.
bool CanResume(PipeContext& ctx, PgConnection& pg) {
  const PipeConfig& cfg = ctx.config;
  Lsn v0 = ctx.Record().snapshot_lsn;
  std::optional<SlotInfo> slot = FindSlot(pg, cfg.slot);
  if (slot && v0 != 0 && slot->wal_status != "lost") {
    // Resuming copies under a later snapshot and lets CDC replay from V0: rows of keyed tables
    // settle by version, but nothing would tell a keyless table's replayed inserts from rows the
    // later copy already holds. An unfinished keyless table makes the load start over.
    std::string keyless = UnfinishedKeylessTable(ctx);
    if (keyless.empty()) return true;
    spdlog::warn(
        "pipe {}: table {} has no primary key and its load was interrupted: the "
        "snapshot starts over",
        cfg.name, keyless);
    DropSlotIfExists(pg, cfg.slot);
    ctx.catalog.SetSnapshotLsn(ctx.pipe_id, 0);
    return false;
  }
  if (slot) {
    if (v0 == 0)
      ThrowFatal("replication slot \"" + cfg.slot +
                 "\" exists already; an initial load needs a slot created with it (drop the slot "
                 "or name another one)");
    spdlog::warn("pipe {}: slot {} was invalidated during the snapshot; starting over", cfg.name,
                 cfg.slot);
    DropSlotIfExists(pg, cfg.slot);
  } else if (v0 != 0) {
    spdlog::warn("pipe {}: slot {} disappeared during the snapshot; starting over", cfg.name,
                 cfg.slot);
  }
  return false;
}

// Snapshot only: always from the beginning, under a snapshot this connection exports.
LoadSnapshot StandaloneSnapshot(PipeContext& ctx, PgConnection& pg) {
  StartOver(ctx);
  ExportedSnapshot exported = BeginExportedSnapshot(pg, Sources(ctx));
  ctx.catalog.SetSnapshotLsn(ctx.pipe_id, exported.wal_lsn);
  LoadSnapshot s;
  s.run = {exported.name, exported.wal_lsn};
  return s;
}

}  // namespace

bool CopyPendingUnderTemporarySlot(PipeContext& ctx) {
  const PipeConfig& cfg = ctx.config;
  auto exporter = PgConnection::Connect(cfg.source, true);
  std::string temp = cfg.slot.substr(0, 40) + "_load_" + std::to_string(getpid());
  CreatedSlot created = CreateTemporarySlotWithSnapshot(*exporter, temp);
  spdlog::info(
      "pipe {}: partitions left of {} table(s) are copied under temporary slot {}'s "
      "snapshot at {}",
      cfg.name, ctx.tables.size(), temp, FormatLsn(created.consistent_point));
  auto pg = PgConnection::Connect(cfg.source, false);
  BeginSnapshotSession(*pg, created.snapshot_name, Sources(ctx));
  std::vector<TableJob> jobs = PrepareSnapshotPlans(*pg, ctx, true);
  if (ctx.stop_requested.load()) return false;
  if (!CopySnapshotPartitions(ctx, jobs, {created.snapshot_name, created.consistent_point}))
    return false;
  pg->Exec("COMMIT");
  return true;  // the temporary slot goes with `exporter`
}

std::optional<PipeState> RunSnapshot(PipeContext& ctx) {
  const PipeConfig& cfg = ctx.config;
  bool with_cdc = cfg.mode != ReplicationMode::kSnapshotOnly;
  // The coordinator: plans under the snapshot and holds the tables' locks until the end.
  auto pg = PgConnection::Connect(cfg.source, false);
  if (with_cdc && CanResume(ctx, *pg)) {
    spdlog::info("pipe {}: resuming the snapshot: slot {} stays at {}", cfg.name, cfg.slot,
                 FormatLsn(ctx.Record().snapshot_lsn));
    pg.reset();
    if (!CopyPendingUnderTemporarySlot(ctx)) return std::nullopt;
    return PipeState::kRunning;
  }
  LoadSnapshot snapshot = with_cdc ? FreshSlotSnapshot(ctx) : StandaloneSnapshot(ctx, *pg);
  if (with_cdc) BeginSnapshotSession(*pg, snapshot.run.snapshot_name, Sources(ctx));

  std::vector<TableJob> jobs = PrepareSnapshotPlans(*pg, ctx, false);
  if (ctx.stop_requested.load()) return std::nullopt;
  if (!CopySnapshotPartitions(ctx, jobs, snapshot.run)) return std::nullopt;
  pg->Exec("COMMIT");
  snapshot.exporter.reset();
  return with_cdc ? PipeState::kRunning : PipeState::kCompleted;
}

}  // namespace pg2ch
