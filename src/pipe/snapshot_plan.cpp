#include "pipe/snapshot_plan.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>

#include "source/postgres/ctid_partitioner.h"
#include "source/postgres/table_layout.h"

namespace pg2ch {
namespace {

SnapshotPlanRecord NewPlan(const SourceTable& source, const TableLayout& layout,
                           int64_t rows_per_partition) {
  std::vector<PageRange> ranges =
      layout.splittable ? PlanPageRanges(layout.pages, layout.rows_per_page, rows_per_partition)
                        : std::vector<PageRange>{PageRange{}};
  SnapshotPlanRecord plan;
  plan.source_schema = source.schema;
  plan.source_table = source.name;
  plan.filenode = layout.filenode;
  plan.estimated_rows = std::llround(layout.estimated_rows);
  for (size_t i = 0; i < ranges.size(); ++i) {
    SnapshotPartitionRecord p;
    p.index = static_cast<int64_t>(i);
    p.first_page = ranges[i].first_page;
    p.end_page = ranges[i].end_page.value_or(-1);
    plan.partitions.push_back(p);
  }
  return plan;
}

bool AllDone(const SnapshotPlanRecord& plan) {
  return std::all_of(plan.partitions.begin(), plan.partitions.end(),
                     [](const SnapshotPartitionRecord& p) { return p.done; });
}

}  // namespace

std::vector<size_t> TableJob::Pending() const {
  std::vector<size_t> out;
  for (size_t i = 0; i < plan.partitions.size(); ++i)
    if (!plan.partitions[i].done) out.push_back(i);
  return out;
}

CopyScope TableJob::Scope(const SnapshotPartitionRecord& partition) const {
  PageRange range{partition.first_page, std::nullopt};
  if (partition.end_page >= 0) range.end_page = partition.end_page;
  return CopyScope{only, CtidRangeCondition(range)};
}

std::vector<TableJob> PrepareSnapshotPlans(PgConnection& conn, PipeContext& ctx, bool resume) {
  std::vector<TableJob> jobs;
  for (size_t i = 0; i < ctx.tables.size(); ++i) {
    const SourceTable& source = ctx.tables[i].source;
    TableLayout layout = ReadTableLayout(conn, source);
    TableJob job;
    job.table = i;
    job.only = layout.relkind == 'r';
    std::optional<SnapshotPlanRecord> kept;
    if (resume) kept = ctx.catalog.SnapshotPlan(ctx.pipe_id, source.schema, source.name);
    if (kept && !AllDone(*kept) && kept->filenode != layout.filenode) {
      // Rows moved to other pages: a done range no longer tells which rows it holds. Copying
      // everything again under the new snapshot is correct (see snapshot_phase.cpp).
      spdlog::warn(
          "pipe {}: table {} was rewritten (VACUUM FULL, CLUSTER or TRUNCATE) since "
          "its load began: copying it again in full",
          ctx.config.name, source.QualifiedName());
      kept.reset();
    }
    if (kept) {
      job.plan = std::move(*kept);
    } else {
      job.plan = NewPlan(source, layout, ctx.config.snapshot_num_rows_per_partition);
      ctx.catalog.PutSnapshotPlan(ctx.pipe_id, job.plan);
      spdlog::info("pipe {}: table {}: ~{} rows in {} pages, {} partition(s){}", ctx.config.name,
                   source.QualifiedName(), job.plan.estimated_rows, layout.pages,
                   job.plan.partitions.size(),
                   layout.splittable ? "" : " (not split: needs a plain table on PostgreSQL 14+)");
    }
    jobs.push_back(std::move(job));
  }
  return jobs;
}

}  // namespace pg2ch
