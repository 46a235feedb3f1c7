#include "pipe/snapshot_plan.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>

#include "common/error.h"
#include "source/postgres/ctid_partitioner.h"
#include "source/postgres/value_domain.h"
#include "source/postgres/value_partitioner.h"

namespace pg2ch {
namespace {

// A domain splits like its base type; an array column never splits.
uint32_t PartitionOid(const SourceColumn& c) { return c.element_oid == 0 ? c.ValueOid() : 0; }

const SourceColumn* FindColumn(const SourceTable& source, const std::string& name) {
  for (const auto& c : source.columns)
    if (c.name == name) return &c;
  return nullptr;
}

// The partition_column the pipe file sets for `source`; "" when none.
std::string ConfiguredColumn(const PipeConfig& config, const SourceTable& source) {
  for (const TableMapping& m : config.tables)
    if (m.source_schema == source.schema && m.source_table == source.name)
      return m.partition_column;
  return "";
}

// The column to split `source` by value ranges, or "" for ctid ranges (or one partition).
std::string ChoosePartitionColumn(SnapshotSource& snapshot, const SourceTable& source,
                                  const std::string& configured, const TableLayout& layout) {
  if (!configured.empty()) {
    CheckPartitionColumn(source, configured);
    return configured;
  }
  if (layout.splittable) return "";
  std::optional<std::string> key = snapshot.PrimaryKeyFirstColumn(source);
  if (!key) return "";
  const SourceColumn* c = FindColumn(source, *key);
  return c != nullptr && PartitionValueKind(PartitionOid(*c)) ? c->name : "";
}

SnapshotPartitionRecord& AddPartition(SnapshotPlanRecord& plan, int64_t first, int64_t end) {
  SnapshotPartitionRecord p;
  p.index = static_cast<int64_t>(plan.partitions.size());
  p.first_page = first;
  p.end_page = end;
  plan.partitions.push_back(p);
  return plan.partitions.back();
}

// The partitions of a value plan. The open ends are implied by position (see
// SnapshotPartitionRecord); the bounds read are stored there anyway, for people reading the
// catalog.
void AddValuePartitions(SnapshotPlanRecord& plan, ValueKind kind, const ValueBounds& b,
                        double estimated_rows, int64_t rows_per_partition) {
  if (kind == ValueKind::kInteger) {
    std::optional<int64_t> min = ParseIntegerBound(b.min), max = ParseIntegerBound(b.max);
    for (const ValueRange& r : PlanValueRanges(min, max, estimated_rows, rows_per_partition))
      AddPartition(plan, r.lower.value_or(min.value_or(0)), r.upper.value_or(max.value_or(0)));
    return;
  }
  for (const LiteralRange& r :
       PlanLiteralRanges(kind, b.min, b.max, estimated_rows, rows_per_partition)) {
    SnapshotPartitionRecord& p = AddPartition(plan, 0, 0);
    p.lower_bound = r.lower ? r.lower : b.min;
    p.upper_bound = r.upper ? r.upper : b.max;
  }
}

SnapshotPlanRecord NewPlan(SnapshotSource& snapshot, const SourceTable& source,
                           const std::string& configured, const TableLayout& layout, bool only,
                           int64_t rows_per_partition) {
  SnapshotPlanRecord plan;
  plan.source_schema = source.schema;
  plan.source_table = source.name;
  plan.filenode = layout.filenode;
  plan.estimated_rows = std::llround(layout.estimated_rows);
  plan.partition_column = ChoosePartitionColumn(snapshot, source, configured, layout);
  if (!plan.partition_column.empty()) {
    // ChoosePartitionColumn returns only replicated columns that PartitionValueKind accepts.
    ValueKind kind = *PartitionValueKind(PartitionOid(*FindColumn(source, plan.partition_column)));
    ValueBounds b = snapshot.Bounds(source, plan.partition_column, kind, only);
    AddValuePartitions(plan, kind, b, layout.estimated_rows, rows_per_partition);
    return plan;
  }
  std::vector<PageRange> ranges =
      layout.splittable ? PlanPageRanges(layout.pages, layout.rows_per_page, rows_per_partition)
                        : std::vector<PageRange>{PageRange{}};
  for (const PageRange& r : ranges) AddPartition(plan, r.first_page, r.end_page.value_or(-1));
  return plan;
}

bool AllDone(const SnapshotPlanRecord& plan) {
  return std::all_of(plan.partitions.begin(), plan.partitions.end(),
                     [](const SnapshotPartitionRecord& p) { return p.done; });
}

std::string SplitDescription(const SnapshotPlanRecord& plan, const TableLayout& layout) {
  if (!plan.partition_column.empty()) return " by value ranges of " + plan.partition_column;
  if (layout.splittable) return " by ctid ranges";
  return std::string(
             " (not split: ctid ranges need a plain table on PostgreSQL 14+, and neither a "
             "partition_column nor the first primary-key column is of type ") +
         kPartitionTypeNames + ")";
}

}  // namespace

void CheckPartitionColumn(const SourceTable& source, const std::string& column) {
  const SourceColumn* c = FindColumn(source, column);
  if (c == nullptr)
    ThrowFatal("table " + source.QualifiedName() + ": partition_column \"" + column +
               "\" is not a replicated column");
  if (!PartitionValueKind(PartitionOid(*c)))
    ThrowFatal("table " + source.QualifiedName() + ": partition_column \"" + column + "\" is " +
               c->type_name + "; it must be " + kPartitionTypeNames);
}

std::vector<size_t> TableJob::Pending() const {
  std::vector<size_t> out;
  for (size_t i = 0; i < plan.partitions.size(); ++i)
    if (!plan.partitions[i].done) out.push_back(i);
  return out;
}

CopyScope TableJob::Scope(const SnapshotPartitionRecord& partition) const {
  if (!plan.partition_column.empty()) {
    bool has_lower = partition.index > 0;
    bool has_upper = partition.index + 1 < static_cast<int64_t>(plan.partitions.size());
    bool with_nulls = partition.index == 0 && first_takes_nulls;
    if (!partition.lower_bound && !partition.upper_bound) {  // an integer plan
      ValueRange range;
      if (has_lower) range.lower = partition.first_page;
      if (has_upper) range.upper = partition.end_page;
      return CopyScope{only, ValueRangeCondition(plan.partition_column, range, with_nulls)};
    }
    if ((!value_kind && (has_lower || has_upper)) || (has_lower && !partition.lower_bound) ||
        (has_upper && !partition.upper_bound))
      ThrowFatal("catalog: the load plan of " + plan.source_schema + "." + plan.source_table +
                 " has text bounds for partition_column \"" + plan.partition_column +
                 "\", which is no longer a replicated column of a type split by value");
    LiteralRange range;
    if (has_lower) range.lower = partition.lower_bound;
    if (has_upper) range.upper = partition.upper_bound;
    return CopyScope{only,
                     LiteralRangeCondition(plan.partition_column, *value_kind, range, with_nulls)};
  }
  PageRange range{partition.first_page, std::nullopt};
  if (partition.end_page >= 0) range.end_page = partition.end_page;
  return CopyScope{only, CtidRangeCondition(range)};
}

std::vector<TableJob> PrepareSnapshotPlans(SnapshotSource& snapshot, PipeContext& ctx,
                                           bool resume) {
  std::vector<TableJob> jobs;
  for (size_t i = 0; i < ctx.tables.size(); ++i) {
    const SourceTable& source = ctx.tables[i].source;
    TableLayout layout = snapshot.Layout(source);
    TableJob job;
    job.table = i;
    job.only = layout.relkind == 'r';
    std::optional<SnapshotPlanRecord> kept;
    if (resume) kept = ctx.catalog.SnapshotPlan(ctx.pipe_id, source.schema, source.name);
    if (kept && kept->partition_column.empty() && !AllDone(*kept) &&
        kept->filenode != layout.filenode) {
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
      job.plan = NewPlan(snapshot, source, ConfiguredColumn(ctx.config, source), layout, job.only,
                         ctx.config.snapshot_num_rows_per_partition);
      ctx.catalog.PutSnapshotPlan(ctx.pipe_id, job.plan);
      spdlog::info("pipe {}: table {}: ~{} rows in {} pages, {} partition(s){}", ctx.config.name,
                   source.QualifiedName(), job.plan.estimated_rows, layout.pages,
                   job.plan.partitions.size(), SplitDescription(job.plan, layout));
    }
    // A column not replicated (or unknown) is taken as nullable: an extra IS NULL never loses
    // a row.
    const SourceColumn* c = FindColumn(source, job.plan.partition_column);
    job.first_takes_nulls = c == nullptr || c->nullable;
    if (c != nullptr) job.value_kind = PartitionValueKind(PartitionOid(*c));
    jobs.push_back(std::move(job));
  }
  return jobs;
}

}  // namespace pg2ch
