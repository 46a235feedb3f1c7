// The /metrics text: every family has HELP and TYPE, the state is one 0/1 series per state, label
// values are escaped, and live counters appear only for pipes that run in this process.
#include "api/prometheus_metrics.h"

#include <gtest/gtest.h>

namespace pg2ch {
namespace {

PipeView View(const std::string& name, PipeState state, std::shared_ptr<PipeMetrics> metrics) {
  PipeView v;
  v.record.id = 7;
  v.record.name = name;
  v.record.state = state;
  v.record.checkpoint_lsn = 0x1000;
  TableRecord loaded, loading;
  loaded.snapshot_done = true;
  loaded.rows_copied = 1500;
  loading.rows_copied = 250;
  v.tables = {loaded, loading};
  v.metrics = std::move(metrics);
  return v;
}

bool Has(const std::string& text, const std::string& line) {
  return text.find(line + "\n") != std::string::npos;
}

TEST(PrometheusMetrics, StateProgressAndCountersPerPipe) {
  auto metrics = std::make_shared<PipeMetrics>();
  metrics->cdc_changes = 42;
  metrics->batches = 3;
  metrics->held_changes = 5;
  metrics->received_lsn = 0x1400;
  PipeView retrying = View("idle", PipeState::kPaused, nullptr);
  retrying.retrying = "replication slot is in use by another connection";
  std::string text = RenderPrometheus({View("orders", PipeState::kSnapshot, metrics), retrying});
  for (const char* line :
       {"# TYPE pg2ch_pipe_state gauge", "pg2ch_pipe_state{pipe=\"orders\",state=\"Snapshot\"} 1",
        "pg2ch_pipe_state{pipe=\"orders\",state=\"Running\"} 0",
        "pg2ch_pipe_state{pipe=\"idle\",state=\"Paused\"} 1",
        "pg2ch_snapshot_rows_copied{pipe=\"orders\"} 1750",
        "pg2ch_tables_loaded{pipe=\"orders\"} 1", "pg2ch_tables{pipe=\"orders\"} 2",
        "pg2ch_checkpoint_lsn{pipe=\"orders\"} 4096",
        "# TYPE pg2ch_cdc_changes_applied_total counter",
        "pg2ch_cdc_changes_applied_total{pipe=\"orders\"} 42",
        "pg2ch_cdc_batches_total{pipe=\"orders\"} 3", "pg2ch_cdc_changes_held{pipe=\"orders\"} 5",
        "pg2ch_replication_lag_bytes{pipe=\"orders\"} 1024",
        "pg2ch_pipe_retrying{pipe=\"orders\"} 0", "pg2ch_pipe_retrying{pipe=\"idle\"} 1"})
    EXPECT_TRUE(Has(text, line)) << line << "\n" << text;
  // A pipe not running here has no live counters, not zeros that would look like a reset.
  EXPECT_EQ(text.find("pg2ch_cdc_changes_applied_total{pipe=\"idle\"}"), std::string::npos);
  EXPECT_EQ(text.find("pg2ch_replication_lag_bytes{pipe=\"idle\"}"), std::string::npos);
  size_t states = 0;
  for (size_t at = text.find("pg2ch_pipe_state{pipe=\"orders\""); at != std::string::npos;
       at = text.find("pg2ch_pipe_state{pipe=\"orders\"", at + 1))
    ++states;
  EXPECT_EQ(states, 10u);
}

TEST(PrometheusMetrics, LabelValuesAreEscaped) {
  std::string text = RenderPrometheus({View("a\"b\\c\nd", PipeState::kRunning, nullptr)});
  EXPECT_TRUE(Has(text, "pg2ch_tables{pipe=\"a\\\"b\\\\c\\nd\"} 2")) << text;
}

}  // namespace
}  // namespace pg2ch
