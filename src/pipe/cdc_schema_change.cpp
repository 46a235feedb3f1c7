#include "pipe/cdc_schema_change.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/error.h"
#include "pipe/source_table_json.h"

namespace pg2ch {

bool NeedsDestinationChange(const Transaction& txn) {
  return std::any_of(txn.schema_changes.begin(), txn.schema_changes.end(),
                     [](const SchemaChange& c) { return !c.added.empty(); });
}

void ApplySchemaChange(PipeContext& ctx, ChangeSource& source, ChangeDestination& destination,
                       const SchemaChange& change) {
  const PipeConfig& cfg = ctx.config;
  auto table = std::find_if(ctx.tables.begin(), ctx.tables.end(), [&](const DestinationTable& t) {
    return t.source.relid == change.relid;
  });
  if (table == ctx.tables.end())
    ThrowFatal("schema change for relation " + std::to_string(change.relid) +
               ", which is not a table of this pipe");
  const std::string name = table->source.QualifiedName();
  for (const std::string& column : change.dropped)
    spdlog::warn(
        "pipe {}: table {}: column {} is no longer replicated (dropped or renamed on the "
        "source, or changes from before it was added are replayed); the ClickHouse column "
        "stays and gets NULL from now on",
        cfg.name, name, column);
  if (change.added.empty()) return;

  std::vector<SourceColumn> added = change.added;
  source.ResolveAddedColumns(table->source, added);
  DestinationTable updated = *table;
  updated.source.columns.insert(updated.source.columns.end(), added.begin(), added.end());
  std::vector<std::string> ch_types = destination.UpdateTable(updated);
  ctx.catalog.UpdateTableSchema(ctx.pipe_id, updated.source.schema, updated.source.name,
                                SourceTableToJson(updated.source));
  *table = std::move(updated);
  for (size_t i = 0; i < added.size(); ++i)
    spdlog::info("pipe {}: table {}: added column {} ({}) -> ClickHouse {}", cfg.name, name,
                 added[i].name, added[i].type_name, ch_types[i]);
}

}  // namespace pg2ch
