#include "pipe/resync_phase.h"

#include <spdlog/spdlog.h>

#include "common/error.h"
#include "pipe/excluded_columns.h"
#include "pipe/source_table_json.h"

namespace pg2ch {
bool ResyncRequested(PipeContext& ctx) {
  return GetResyncStep(ctx.catalog, ctx.pipe_id) != ResyncStep::kNone;
}

void RequestResync(Catalog& catalog, int64_t pipe_id) {
  SetResyncStep(catalog, pipe_id, ResyncStep::kRequested);
}

std::vector<DestinationTable> ResyncTargets(const std::vector<DestinationTable>& tables) {
  std::vector<DestinationTable> out = tables;
  for (auto& t : out) t.table += kResyncSuffix;
  return out;
}

void PrepareResync(PipeContext& ctx) {
  if (GetResyncStep(ctx.catalog, ctx.pipe_id) == ResyncStep::kPrepared) return;
  const PipeConfig& cfg = ctx.config;
  {
    std::unique_ptr<SourceAdmin> source = ctx.Ports().OpenSourceAdmin(ctx);
    source->DropSlot();
    // The tables as they are now: a resync is how a breaking schema change (a type change, a
    // dropped key) is taken in, so the _resync tables get today's columns and types.
    for (DestinationTable& t : ctx.tables) {
      SourceTable read = source->ReadTable(t.source.schema, t.source.name);
      std::vector<std::string> exclude;  // an excluded column dropped since is no problem
      for (const std::string& name : t.source.excluded)
        for (const SourceColumn& c : read.columns)
          if (c.name == name) exclude.push_back(name);
      SourceTable now = ExcludeColumns(std::move(read), exclude);
      now.row_filter = t.source.row_filter;
      ctx.catalog.UpdateTableSchema(ctx.pipe_id, now.schema, now.name, SourceTableToJson(now));
      t.source = std::move(now);
    }
  }
  // Nothing of the old load may look resumable: the next load starts over with a new slot.
  ctx.catalog.SetSnapshotLsn(ctx.pipe_id, 0);
  ctx.catalog.ResetSnapshotPlans(ctx.pipe_id);
  ctx.catalog.ResetTablesSnapshot(ctx.pipe_id);
  std::unique_ptr<DestinationTables> destination = ctx.Ports().OpenDestinationTables(ctx);
  std::vector<DestinationTable> targets = ResyncTargets(ctx.tables);
  for (const auto& t : targets) destination->Drop(t);
  destination->EnsureTables(targets);
  SetResyncStep(ctx.catalog, ctx.pipe_id, ResyncStep::kPrepared);
  spdlog::info("pipe {}: resync prepared: old slot dropped, {} _resync tables created", cfg.name,
               targets.size());
}

void SwapResyncTables(PipeContext& ctx) {
  const PipeConfig& cfg = ctx.config;
  std::unique_ptr<DestinationTables> destination = ctx.Ports().OpenDestinationTables(ctx);
  Lsn v = ctx.Record().snapshot_lsn;  // every row of the new load carries at least this version
  std::vector<DestinationTable> twins = ResyncTargets(ctx.tables);
  for (size_t i = 0; i < ctx.tables.size(); ++i) {
    const DestinationTable& t = ctx.tables[i];
    if (destination->SwapInTwin(t, twins[i], v))
      spdlog::info("pipe {}: resync swapped {}", cfg.name, t.table);
  }
  SetResyncStep(ctx.catalog, ctx.pipe_id, ResyncStep::kNone);
}

}  // namespace pg2ch
