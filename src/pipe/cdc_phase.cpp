// Running (cdc_loop.h), and the Modifying -> Snapshot state that loads added tables while CDC
// goes on (added_table_loader.h).
#include <spdlog/spdlog.h>

#include "pipe/added_table_loader.h"
#include "pipe/cdc_loop.h"
#include "pipe/pipe_context.h"

namespace pg2ch {
namespace {

std::optional<PipeState> StreamChanges(PipeContext& ctx, AddedTableLoader* loader) {
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
