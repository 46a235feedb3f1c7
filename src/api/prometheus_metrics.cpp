#include "api/prometheus_metrics.h"

#include <functional>

namespace pg2ch {
namespace {

// Label values escape backslash, double quote and newline (the format's only escapes).
std::string LabelValue(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

std::string Number(double value) {
  std::string text = std::to_string(value);
  text.erase(text.find_last_not_of('0') + 1);
  if (!text.empty() && text.back() == '.') text.pop_back();
  return text;
}

// Emits one sample of the current family: extra labels (",k=\"v\"" or ""), value.
using Emit = std::function<void(const std::string& extra_labels, double value)>;

struct Family {
  const char* name;
  const char* type;
  const char* help;
  std::function<void(const PipeView&, const Emit&)> samples;  // none, one or several
};

}  // namespace

std::string RenderPrometheus(const std::vector<PipeView>& pipes) {
  const std::vector<Family> families = {
      {"pg2ch_pipe_state", "gauge", "1 for the state the pipe is in, 0 for the others",
       [](const PipeView& v, const Emit& emit) {
         for (int s = 0; s <= static_cast<int>(PipeState::kFailed); ++s) {
           auto state = static_cast<PipeState>(s);
           emit(",state=\"" + std::string(StateName(state)) + "\"",
                state == v.record.state ? 1 : 0);
         }
       }},
      {"pg2ch_pipe_retrying", "gauge",
       "1 while the pipe retries in its state after an error retrying can fix (see the API's "
       "retrying)",
       [](const PipeView& v, const Emit& emit) { emit("", v.retrying.empty() ? 0 : 1); }},
      {"pg2ch_snapshot_rows_copied", "gauge", "Rows copied by the initial loads of the pipe",
       [](const PipeView& v, const Emit& emit) {
         int64_t rows = 0;
         for (const TableRecord& t : v.tables) rows += t.rows_copied;
         emit("", static_cast<double>(rows));
       }},
      {"pg2ch_tables_loaded", "gauge", "Tables of the pipe whose initial load is done",
       [](const PipeView& v, const Emit& emit) {
         int done = 0;
         for (const TableRecord& t : v.tables) done += t.snapshot_done ? 1 : 0;
         emit("", done);
       }},
      {"pg2ch_tables", "gauge", "Tables of the pipe",
       [](const PipeView& v, const Emit& emit) { emit("", static_cast<double>(v.tables.size())); }},
      {"pg2ch_checkpoint_lsn", "gauge",
       "WAL position up to which changes are durable in ClickHouse (as a number)",
       [](const PipeView& v, const Emit& emit) {
         emit("", static_cast<double>(v.record.checkpoint_lsn));
       }},
      {"pg2ch_cdc_changes_applied_total", "counter",
       "Changes applied to ClickHouse by CDC since this process started",
       [](const PipeView& v, const Emit& emit) {
         if (v.metrics) emit("", static_cast<double>(v.metrics->cdc_changes.load()));
       }},
      {"pg2ch_cdc_batches_total", "counter", "CDC batches made durable since this process started",
       [](const PipeView& v, const Emit& emit) {
         if (v.metrics) emit("", static_cast<double>(v.metrics->batches.load()));
       }},
      {"pg2ch_cdc_changes_held", "gauge",
       "Changes of tables being added, held until their initial load is durable",
       [](const PipeView& v, const Emit& emit) {
         if (v.metrics) emit("", static_cast<double>(v.metrics->held_changes.load()));
       }},
      {"pg2ch_replication_lag_bytes", "gauge",
       "WAL received from PostgreSQL but not yet durable in ClickHouse",
       [](const PipeView& v, const Emit& emit) {
         if (auto lag = PipeLagOf(v)) emit("", static_cast<double>(lag->bytes));
       }},
      {"pg2ch_replication_lag_seconds", "gauge",
       "Age of the last applied commit while WAL is pending, else 0",
       [](const PipeView& v, const Emit& emit) {
         if (auto lag = PipeLagOf(v)) emit("", lag->seconds);
       }},
  };
  std::string out;
  for (const Family& f : families) {
    out += std::string("# HELP ") + f.name + " " + f.help + "\n";
    out += std::string("# TYPE ") + f.name + " " + f.type + "\n";
    for (const PipeView& v : pipes) {
      const std::string labels = "pipe=\"" + LabelValue(v.record.name) + "\"";
      f.samples(v, [&](const std::string& extra, double value) {
        out += std::string(f.name) + "{" + labels + extra + "} " + Number(value) + "\n";
      });
    }
  }
  return out;
}

}  // namespace pg2ch
