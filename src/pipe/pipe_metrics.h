// Live counters of one running pipe, written by its worker and read by the API (any thread).
// Not persisted: a restart starts them from zero; durable progress lives in the catalog.
#pragma once

#include <atomic>
#include <cstdint>

namespace pg2ch {

struct PipeMetrics {
  std::atomic<uint64_t> snapshot_rows{0};  // rows copied by the initial load
  std::atomic<uint64_t> cdc_changes{0};    // changes applied to ClickHouse by CDC
  std::atomic<uint64_t> batches{0};
  // PostgreSQL commit time (microseconds since 2000-01-01) of the last transaction applied.
  std::atomic<int64_t> last_commit_time{0};
  std::atomic<uint64_t> received_lsn{0};  // newest WAL position seen from the server
  // Changes of tables being added, held until their load is durable (cdc_loop.h).
  std::atomic<uint64_t> held_changes{0};
};

}  // namespace pg2ch
