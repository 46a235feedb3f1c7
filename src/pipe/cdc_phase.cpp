// Running (cdc_loop.h), and the Modifying -> Snapshot state that loads added tables while CDC
// goes on (added_table_loader.h).
#include <spdlog/spdlog.h>

#include "common/error.h"
#include "pipe/added_table_loader.h"
#include "pipe/cdc_loop.h"
#include "pipe/pipe_context.h"
#include "source/postgres/replication_setup.h"

namespace pg2ch {
namespace {

// Fails with a clear reason when the slot cannot serve us any more; retrying would not help.
void CheckSlotUsable(PgConnection& pg, const PipeConfig& cfg) {
  auto slot = FindSlot(pg, cfg.slot);
  if (!slot)
    ThrowFatal("replication slot \"" + cfg.slot +
               "\" does not exist on the source (was it dropped?): resync the pipe");
  if (slot->wal_status == "lost")
    ThrowFatal("replication slot \"" + cfg.slot +
               "\" was invalidated (max_slot_wal_keep_size exceeded): resync the pipe");
  CheckPublicationExists(pg, cfg.publication);
}

// A backend of this same pipe (its application_name) still holding the slot is a walsender of
// a pg2ch that is gone: ended once seen for stale_slot_holder_seconds. Anyone else's is left
// alone; either way START_REPLICATION then fails as retryable until the slot is free.
void ReleaseStaleSlotHolder(PgConnection& pg, PipeContext& ctx) {
  const PipeConfig& cfg = ctx.config;
  std::optional<SlotHolder> holder = FindSlotHolder(pg, cfg.slot);
  if (!holder || holder->application_name != cfg.source.application_name) {
    ctx.slot_held_since.reset();
    return;
  }
  auto now = std::chrono::steady_clock::now();
  if (!ctx.slot_held_since) ctx.slot_held_since = now;
  if (now - *ctx.slot_held_since < std::chrono::seconds(cfg.stale_slot_holder_seconds)) return;
  spdlog::warn("pipe {}: slot {} has been held by backend {} ({}) for {} s or more: ending it",
               cfg.name, cfg.slot, holder->pid, holder->application_name,
               cfg.stale_slot_holder_seconds);
  pg.Query("SELECT pg_terminate_backend(" + std::to_string(holder->pid) + ")");
  ctx.slot_held_since.reset();
}

std::optional<PipeState> StreamChanges(PipeContext& ctx, AddedTableLoader* loader) {
  {
    auto pg = PgConnection::Connect(ctx.config.source, false);
    CheckSlotUsable(*pg, ctx.config);
    ReleaseStaleSlotHolder(*pg, ctx);
  }
  CdcLoop loop(ctx, loader);
  return loop.Run();
}

}  // namespace

std::optional<PipeState> RunCdc(PipeContext& ctx) { return StreamChanges(ctx, nullptr); }

std::optional<PipeState> RunCdcWhileLoading(PipeContext& ctx) {
  std::vector<DestinationTable> pending;
  std::vector<TableRecord> records = ctx.catalog.Tables(ctx.pipe_id);
  for (const DestinationTable& t : ctx.tables)
    for (const TableRecord& r : records)
      if (r.source_schema == t.source.schema && r.source_table == t.source.name && !r.snapshot_done)
        pending.push_back(t);
  if (pending.empty()) return PipeState::kRunning;
  spdlog::info("pipe {}: loading {} added table(s) while CDC goes on", ctx.config.name,
               pending.size());
  AddedTableLoader loader(ctx, std::move(pending));
  return StreamChanges(ctx, &loader);
}

}  // namespace pg2ch
