#include "pipe/table_changes.h"

#include <spdlog/spdlog.h>

#include "common/error.h"
#include "pipe/destination_table_for.h"
#include "pipe/excluded_columns.h"
#include "pipe/source_table_json.h"

namespace pg2ch {
namespace {

bool SameSource(const TableMapping& m, const TableRecord& t) {
  return m.source_schema == t.source_schema && m.source_table == t.source_table;
}

void RemoveTables(PipeContext& ctx, SourceAdmin& source, const std::vector<TableRecord>& removed) {
  bool owned = PublicationOwned(ctx.catalog, ctx.pipe_id);
  for (const TableRecord& t : removed) {
    // A publication the user made is theirs to change; its other changes are simply ignored.
    if (owned) source.RemoveFromPublication(t.source_schema, t.source_table);
    ctx.catalog.RemoveTable(ctx.pipe_id, t.source_schema, t.source_table);
    spdlog::info("pipe {}: table {}.{} removed (ClickHouse table {} kept)", ctx.config.name,
                 t.source_schema, t.source_table, t.target_table);
  }
}

// Returns true when the added tables need a load.
bool AddTables(PipeContext& ctx, SourceAdmin& source_admin,
               const std::vector<TableMapping>& added) {
  const PipeConfig& cfg = ctx.config;
  std::vector<DestinationTable> tables;
  std::string problems;
  for (const TableMapping& m : added) {
    try {
      tables.push_back(DestinationTableFor(
          cfg, MappedTable(source_admin.ReadTable(m.source_schema, m.source_table), m),
          m.target_table, m.sorting_keys));
    } catch (const PipeError& e) {
      if (e.retryable()) throw;
      problems += std::string(problems.empty() ? "" : "; ") + e.what();
    }
  }
  if (!problems.empty()) ThrowFatal("cannot add tables: " + problems);

  bool load = cfg.mode == ReplicationMode::kSnapshotAndCdc;
  bool owned = PublicationOwned(ctx.catalog, ctx.pipe_id);
  std::unique_ptr<DestinationTables> destination = ctx.Ports().OpenDestinationTables(ctx);
  // Maps every type first: nothing changes if one is unsupported.
  destination->EnsureTables(tables);
  // Set before any table is recorded: a crash in between must still lead to the load.
  if (load) SetLoadingAddedTables(ctx.catalog, ctx.pipe_id, true);
  for (size_t i = 0; i < tables.size(); ++i) {
    const SourceTable& source = tables[i].source;
    // The load writes every row; leftovers (a table removed and added again) would outlive their
    // deletion in PostgreSQL.
    if (load) destination->Truncate(tables[i]);
    if (owned)
      source_admin.AddToPublication(source);
    else if (!source_admin.PublicationIncludes(source))
      ThrowFatal("publication \"" + cfg.publication + "\" does not include " +
                 source.QualifiedName() + " (add it with ALTER PUBLICATION ... ADD TABLE)");
    ctx.catalog.PutTable(ctx.pipe_id, {added[i].source_schema, added[i].source_table,
                                       added[i].target_table, SourceTableToJson(source), !load, 0});
    spdlog::info("pipe {}: table {} added as {}.{}{}", cfg.name, source.QualifiedName(),
                 cfg.destination.database, tables[i].table, load ? "; its load follows" : "");
  }
  return load;
}

}  // namespace

TableChanges PendingTableChanges(Catalog& catalog, int64_t pipe_id, const PipeConfig& config) {
  TableChanges changes;
  std::vector<TableRecord> records = catalog.Tables(pipe_id);
  for (const TableMapping& m : config.tables) {
    bool known = false;
    for (const TableRecord& t : records) known = known || SameSource(m, t);
    if (!known) changes.added.push_back(m);
  }
  for (const TableRecord& t : records) {
    bool wanted = false;
    for (const TableMapping& m : config.tables) wanted = wanted || SameSource(m, t);
    if (!wanted) changes.removed.push_back(t);
  }
  return changes;
}

std::optional<PipeState> RunModify(PipeContext& ctx) {
  TableChanges changes = PendingTableChanges(ctx.catalog, ctx.pipe_id, ctx.config);
  std::unique_ptr<SourceAdmin> source = ctx.Ports().OpenSourceAdmin(ctx);
  RemoveTables(ctx, *source, changes.removed);
  if (!changes.added.empty()) AddTables(ctx, *source, changes.added);
  ctx.tables.clear();  // the runner reloads them from the catalog
  return LoadingAddedTables(ctx) ? PipeState::kSnapshot : PipeState::kRunning;
}

bool LoadingAddedTables(PipeContext& ctx) { return LoadingAddedTables(ctx.catalog, ctx.pipe_id); }

void FinishLoadingAddedTables(PipeContext& ctx) {
  SetLoadingAddedTables(ctx.catalog, ctx.pipe_id, false);
}

}  // namespace pg2ch
