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

#include "common/error.h"
#include "pipe/pipe_context.h"
#include "pipe/snapshot_copier.h"
#include "pipe/snapshot_plan.h"

namespace pg2ch {
namespace {

// Forgets earlier progress and empties the destination tables: a load from the beginning.
void StartOver(PipeContext& ctx) {
  ctx.catalog.ResetSnapshotPlans(ctx.pipe_id);
  ctx.catalog.ResetTablesSnapshot(ctx.pipe_id);
  std::unique_ptr<DestinationTables> destination = ctx.Ports().OpenDestinationTables(ctx);
  for (const auto& t : ctx.tables) destination->Truncate(t);
}

LoadSnapshot FreshSlotSnapshot(PipeContext& ctx, SnapshotSource& source) {
  const PipeConfig& cfg = ctx.config;
  // V0 is cleared first: a crash before the new one is recorded must not look resumable.
  ctx.catalog.SetSnapshotLsn(ctx.pipe_id, 0);
  SetCreatingLoadSlot(ctx.catalog, ctx.pipe_id, true);
  LoadSnapshot snapshot = source.CreateSlotWithSnapshot(SourceTables(ctx.tables));
  StartOver(ctx);
  ctx.catalog.SetSnapshotLsn(ctx.pipe_id, snapshot.consistent_point);
  ctx.catalog.SetCheckpoint(ctx.pipe_id, snapshot.consistent_point);
  SetCreatingLoadSlot(ctx.catalog, ctx.pipe_id, false);
  spdlog::info("pipe {}: slot {} created, snapshot {} at {}", cfg.name, cfg.slot, snapshot.name,
               FormatLsn(snapshot.consistent_point));
  return snapshot;
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
bool CanResume(PipeContext& ctx) {
  const PipeConfig& cfg = ctx.config;
  Lsn v0 = ctx.Record().snapshot_lsn;
  std::unique_ptr<SourceAdmin> source = ctx.Ports().OpenSourceAdmin(ctx);
  std::optional<SlotState> slot = source->FindSlot();
  if (slot && v0 != 0 && !slot->lost) {
    // Resuming copies under a later snapshot and lets CDC replay from V0: rows of keyed tables
    // settle by version, but nothing would tell a keyless table's replayed inserts from rows the
    // later copy already holds. An unfinished keyless table makes the load start over.
    std::string keyless = UnfinishedKeylessTable(ctx);
    if (keyless.empty()) return true;
    spdlog::warn(
        "pipe {}: table {} has no primary key and its load was interrupted: the "
        "snapshot starts over",
        cfg.name, keyless);
    source->DropSlot();
    ctx.catalog.SetSnapshotLsn(ctx.pipe_id, 0);
    return false;
  }
  if (slot && v0 == 0 && CreatingLoadSlot(ctx.catalog, ctx.pipe_id)) {
    // An earlier attempt made the slot and failed before recording its starting point (e.g.
    // ClickHouse unreachable while emptying the tables): ours, and of no use without V0.
    spdlog::warn("pipe {}: slot {} was left by an interrupted start of the load: dropping it",
                 cfg.name, cfg.slot);
    source->DropSlot();
    return false;
  }
  if (slot) {
    if (v0 == 0)
      ThrowFatal("replication slot \"" + cfg.slot +
                 "\" exists already; an initial load needs a slot created with it (drop the slot "
                 "or name another one)");
    spdlog::warn("pipe {}: slot {} was invalidated during the snapshot; starting over", cfg.name,
                 cfg.slot);
    source->DropSlot();
  } else if (v0 != 0) {
    spdlog::warn("pipe {}: slot {} disappeared during the snapshot; starting over", cfg.name,
                 cfg.slot);
  }
  return false;
}

// Snapshot only: always from the beginning, under a snapshot without a slot.
LoadSnapshot StandaloneSnapshot(PipeContext& ctx, SnapshotSource& source) {
  LoadSnapshot snapshot = source.ExportSnapshot(SourceTables(ctx.tables));
  StartOver(ctx);
  ctx.catalog.SetSnapshotLsn(ctx.pipe_id, snapshot.consistent_point);
  return snapshot;
}

// Plans under `snapshot` (resume: keeping the recorded plans) and copies what is pending.
bool PlanAndCopy(PipeContext& ctx, SnapshotSource& source, const LoadSnapshot& snapshot,
                 bool resume) {
  std::vector<TableJob> jobs = PrepareSnapshotPlans(source, ctx, resume);
  if (ctx.stop_requested.load()) return false;
  if (!CopySnapshotPartitions(ctx, jobs, {snapshot.name, snapshot.consistent_point})) return false;
  source.Finish();
  return true;
}

}  // namespace

bool CopyPendingUnderTemporarySlot(PipeContext& ctx) {
  std::unique_ptr<SnapshotSource> source = ctx.Ports().OpenSnapshotSource(ctx);
  LoadSnapshot snapshot = source->CreateTemporarySlotWithSnapshot(SourceTables(ctx.tables));
  spdlog::info(
      "pipe {}: partitions left of {} table(s) are copied under a temporary slot's "
      "snapshot at {}",
      ctx.config.name, ctx.tables.size(), FormatLsn(snapshot.consistent_point));
  return PlanAndCopy(ctx, *source, snapshot, true);  // the temporary slot goes with `source`
}

std::optional<PipeState> RunSnapshot(PipeContext& ctx) {
  const PipeConfig& cfg = ctx.config;
  bool with_cdc = cfg.mode != ReplicationMode::kSnapshotOnly;
  if (with_cdc && CanResume(ctx)) {
    spdlog::info("pipe {}: resuming the snapshot: slot {} stays at {}", cfg.name, cfg.slot,
                 FormatLsn(ctx.Record().snapshot_lsn));
    if (!CopyPendingUnderTemporarySlot(ctx)) return std::nullopt;
    return PipeState::kRunning;
  }
  std::unique_ptr<SnapshotSource> source = ctx.Ports().OpenSnapshotSource(ctx);
  LoadSnapshot snapshot =
      with_cdc ? FreshSlotSnapshot(ctx, *source) : StandaloneSnapshot(ctx, *source);
  if (!PlanAndCopy(ctx, *source, snapshot, false)) return std::nullopt;
  return with_cdc ? PipeState::kRunning : PipeState::kCompleted;
}

}  // namespace pg2ch
