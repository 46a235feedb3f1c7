// What the initial load's planner (pipe/snapshot_plan.h) learns of a source table before it
// splits it: its storage (pages, rows per page, heap file) and, for value ranges, the smallest
// and largest value of a column. Read by the snapshot source (port/snapshot_source.h) inside the
// load's snapshot, so they describe the rows the copy will see.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace pg2ch {

struct TableLayout {
  char relkind = 'r';        // 'r' plain table, 'p' partitioned (no storage of its own)
  int64_t pages = 0;         // heap pages now (pg_relation_size / block size)
  double rows_per_page = 0;  // from reltuples / relpages, else sampled; 0 when unknown
  double estimated_rows = 0;
  // The heap file. A rewrite (VACUUM FULL, CLUSTER, TRUNCATE, ALTER TABLE ... TYPE) gives the
  // table a new one and moves every tuple: page ranges planned before it mean nothing after.
  uint64_t filenode = 0;
  // Whether ctid ranges may be used: a plain table on PostgreSQL 14+ (TID range scans). Earlier
  // servers would scan the whole table for every range.
  bool splittable = false;
};

struct ValueBounds {
  // As PostgreSQL prints them; nullopt when no row has a (finite) non-NULL value.
  std::optional<std::string> min;
  std::optional<std::string> max;
};

// The kinds of column a load may split by value ranges (source/postgres/value_domain.h).
enum class ValueKind { kInteger, kNumeric, kTimestamp, kTimestamptz, kDate };

}  // namespace pg2ch
