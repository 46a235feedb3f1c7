// Setup: read and record the source table definitions, create the publication and the
// destination tables; a CDC-only pipe also creates its slot here, since it skips Snapshot.
#include <spdlog/spdlog.h>

#include "common/error.h"
#include "pipe/destination_table_for.h"
#include "pipe/excluded_columns.h"
#include "pipe/pipe_context.h"
#include "pipe/source_table_json.h"
#include "pipe/table_notices.h"

namespace pg2ch {

std::optional<PipeState> RunSetup(PipeContext& ctx) {
  const PipeConfig& cfg = ctx.config;
  std::unique_ptr<SourceAdmin> source = ctx.Ports().OpenSourceAdmin(ctx);
  if (cfg.mode != ReplicationMode::kSnapshotOnly) {
    source->CheckLogicalReplication();
    for (const std::string& notice : source->ServerNotices())
      spdlog::warn("pipe {}: {}", cfg.name, notice);
  }

  // Every table is checked before failing, so the user sees all problems at once.
  std::vector<DestinationTable> tables;
  std::string problems;
  for (const auto& m : cfg.tables) {
    try {
      tables.push_back(DestinationTableFor(
          cfg, MappedTable(source->ReadTable(m.source_schema, m.source_table), m), m.target_table,
          m.sorting_keys));
    } catch (const PipeError& e) {
      if (e.retryable()) throw;
      problems += std::string(problems.empty() ? "" : "; ") + e.what();
    }
  }
  if (!problems.empty()) ThrowFatal(problems);
  for (const DestinationTable& t : tables)
    for (const std::string& notice : TableNotices(t.source))
      spdlog::warn("pipe {}: {}", cfg.name, notice);

  std::unique_ptr<DestinationTables> destination = ctx.Ports().OpenDestinationTables(ctx);
  spdlog::info("pipe {}: {}", cfg.name, destination->Describe());
  // Type mapping happens here: an unsupported column type fails Setup before anything is written.
  destination->EnsureTables(tables);

  for (size_t i = 0; i < tables.size(); ++i)
    ctx.catalog.PutTable(
        ctx.pipe_id, {cfg.tables[i].source_schema, cfg.tables[i].source_table,
                      cfg.tables[i].target_table, SourceTableToJson(tables[i].source), false, 0});
  ctx.tables = std::move(tables);

  if (cfg.mode == ReplicationMode::kSnapshotOnly) return PipeState::kSnapshot;
  if (source->EnsurePublication(SourceTables(ctx.tables))) {
    // Remembered so that deleting the pipe drops what pg2ch created, and nothing else.
    RecordPublicationOwned(ctx.catalog, ctx.pipe_id);
    spdlog::info("pipe {}: created publication {}", cfg.name, cfg.publication);
  }
  if (cfg.mode == ReplicationMode::kSnapshotAndCdc) return PipeState::kSnapshot;

  // CDC-only: changes committed from the slot's creation on are replicated, nothing before.
  if (std::optional<SlotState> slot = source->FindSlot()) {
    spdlog::info("pipe {}: using existing slot {} at {}", cfg.name, cfg.slot,
                 FormatLsn(slot->confirmed_flush));
    ctx.catalog.SetCheckpoint(ctx.pipe_id, slot->confirmed_flush);
  } else {
    Lsn start = source->CreateSlot();
    spdlog::info("pipe {}: created slot {} at {}", cfg.name, cfg.slot, FormatLsn(start));
    ctx.catalog.SetCheckpoint(ctx.pipe_id, start);
  }
  return PipeState::kRunning;
}

}  // namespace pg2ch
