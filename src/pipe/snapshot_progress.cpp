#include "pipe/snapshot_progress.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace pg2ch {
namespace {

// "12 s", "3 min", "2.5 h": an ETA needs no more precision than that.
std::string Duration(double seconds) {
  if (seconds < 0) return "?";
  if (seconds < 120) return fmt::format("{:.0f} s", seconds);
  if (seconds < 7200) return fmt::format("{:.0f} min", seconds / 60);
  return fmt::format("{:.1f} h", seconds / 3600);
}

struct Totals {
  int64_t partitions_done, partitions_total, rows, estimated, run_rows;
};

std::string Line(const Totals& t, double elapsed) {
  double rate = elapsed > 0 ? static_cast<double>(t.run_rows) / elapsed : 0;
  int64_t expected = std::max(t.estimated, t.rows);
  double eta = t.partitions_done >= t.partitions_total ? 0
               : rate > 0 ? static_cast<double>(expected - t.rows) / rate
                          : -1;
  return fmt::format("partitions {}/{}, {} of ~{} rows, {:.0f} rows/s, ETA {}", t.partitions_done,
                     t.partitions_total, t.rows, expected, rate, Duration(eta));
}

}  // namespace

SnapshotProgress::SnapshotProgress(std::string pipe, const std::vector<TableProgressStart>& tables,
                                   std::atomic<uint64_t>* live_rows)
    : pipe_(std::move(pipe)), live_rows_(live_rows) {
  for (const auto& t : tables) {
    auto table = std::make_unique<Table>();
    table->start = t;
    table->reported_done = t.partitions_done >= t.partitions_total;
    tables_.push_back(std::move(table));
  }
}

void SnapshotProgress::AddRows(size_t table, uint64_t rows) {
  tables_[table]->rows.fetch_add(rows, std::memory_order_relaxed);
  if (live_rows_ != nullptr) live_rows_->fetch_add(rows, std::memory_order_relaxed);
}

void SnapshotProgress::PartitionDone(size_t table) { ++tables_[table]->partitions_done; }

void SnapshotProgress::Log() {
  double elapsed = std::chrono::duration<double>(Clock::now() - started_).count();
  Totals pipe{0, 0, 0, 0, 0};
  int64_t tables_done = 0;
  for (auto& table : tables_) {
    const TableProgressStart& s = table->start;
    uint64_t run_rows = table->rows.load(std::memory_order_relaxed);
    Totals t{s.partitions_done + table->partitions_done, s.partitions_total,
             s.rows_done + static_cast<int64_t>(run_rows), s.estimated_rows,
             static_cast<int64_t>(run_rows)};
    bool done = t.partitions_done >= t.partitions_total;
    tables_done += done;
    pipe.partitions_done += t.partitions_done;
    pipe.partitions_total += t.partitions_total;
    pipe.rows += t.rows;
    pipe.estimated += std::max(t.estimated, t.rows);
    pipe.run_rows += t.run_rows;
    // Tables not started yet stay quiet; a finished table is reported once.
    if ((run_rows == 0 && !done) || table->reported_done) continue;
    table->reported_done = done;
    spdlog::info("pipe {}: snapshot {}: {}{}", pipe_, s.name, Line(t, elapsed),
                 done ? " (table done)" : "");
  }
  spdlog::info("pipe {}: snapshot: tables {}/{}, {}", pipe_, tables_done, tables_.size(),
               Line(pipe, elapsed));
}

}  // namespace pg2ch
