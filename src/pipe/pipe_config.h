// A pipe's definition, as the user writes it in JSON (see README "Pipe file").
//
// Parsing validates shape and values and throws PipeError(kFatal) naming the field at fault;
// whether the tables exist is checked later, against the servers, at Setup.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "destination/clickhouse/clickhouse_endpoint.h"
#include "source/postgres/postgres_endpoint.h"

namespace pg2ch {

enum class ReplicationMode { kSnapshotAndCdc, kCdcOnly, kSnapshotOnly };

struct TableMapping {
  std::string source_schema = "public";
  std::string source_table;
  std::string target_table;  // defaults to source_table
  // Source columns left out of the pipe: not in the ClickHouse table, not copied, ignored in CDC
  // (also a column of that name added later). Key columns cannot be excluded.
  std::vector<std::string> exclude;
  // The ClickHouse ORDER BY starts with these columns, in this order; the key columns not listed
  // follow (ReplacingMergeTree replaces rows by the whole ORDER BY tuple). Empty: the key alone.
  std::vector<std::string> sorting_keys;
  // Initial load: split the table by value ranges of this integer column (smallint, integer,
  // bigint) instead of ctid page ranges. Empty: ctid ranges where the server has TID range scans
  // (a plain table on PostgreSQL 14+), else the first primary-key column if it is an integer,
  // else one partition (see pipe/snapshot_plan.h).
  std::string partition_column;
  // Row filter: an SQL condition on the table's columns (PostgreSQL 15+). PostgreSQL applies it
  // in pg2ch's publication (CDC) and pg2ch in the initial load's COPY, so only matching rows
  // leave the source. Empty: every row.
  std::string where;
  // Leave the excluded columns out of pg2ch's publication (a column list, PostgreSQL 15+), so that
  // their values never leave the source. Opt-in: PostgreSQL then does not publish a column added
  // to the table later either, which pg2ch cannot see. False: pg2ch drops them as they arrive.
  bool exclude_at_source = false;
};

struct PipeConfig {
  std::string name;  // [a-z0-9_], unique in the catalog
  PostgresEndpoint source;
  ClickHouseEndpoint destination;
  std::vector<TableMapping> tables;
  ReplicationMode mode = ReplicationMode::kSnapshotAndCdc;
  std::string publication;             // default peerflow_pub_<name>
  std::string slot;                    // default peerflow_slot_<name>
  double sync_interval_seconds = 0.5;  // p99 commit-to-visible lag stays under 1 s (bench/lag.sh)
  int64_t pull_batch_size = 100000;
  // A batch is also pushed once its values reach this many bytes (PostgreSQL text form): with one
  // batch being written and one filling, this bounds CDC memory whatever the row width.
  int64_t pull_batch_bytes = kDefaultPullBatchBytes;
  // Initial load (ClickPipes' names). A table is split into ctid page ranges (or value ranges of
  // TableMapping::partition_column) of about this many rows (estimated from pg_class, never
  // counted); each range is one COPY and one INSERT, and the unit a resumed load redoes.
  int64_t snapshot_num_rows_per_partition = kDefaultRowsPerPartition;
  // Partitions of one table copied at once, each on its own PostgreSQL connection.
  int snapshot_max_parallel_workers = kDefaultParallelWorkers;
  // Tables handing out partitions at once; connections <= workers * tables.
  int snapshot_num_tables_in_parallel = kDefaultTablesInParallel;
  // ReplacingMergeTree(_peerdb_version, _peerdb_is_deleted): FINAL hides deleted rows and merges
  // may drop them. Needs ClickHouse >= 23.2; refused at Setup on older servers.
  bool delete_on_merge = false;
  // json and jsonb columns (not keys, sorting keys or arrays) as ClickHouse's JSON type, on
  // ClickHouse 25.3 or later; by default they are String holding PostgreSQL's exact text. JSON
  // normalises values and holds objects only (MappingOptions::native_json says how); a value it
  // cannot hold fails the pipe. Fixed at create, like delete_on_merge.
  bool native_json = false;
  // The slot is a failover slot (PostgreSQL 17+, on a primary): standbys with
  // sync_replication_slots keep a copy, so after a promotion the pipe, pointed at the new primary,
  // goes on from its position without a resync. Applied to an existing slot when CDC starts.
  bool failover_slot = false;
  // PostgreSQL 14+: a transaction that outgrows the server's logical_decoding_work_mem is sent
  // while still in progress (pgoutput streaming) and kept in a stream file here until it commits,
  // instead of being spilled to pg_replslot on the server and sent only after its commit. Read at
  // each CDC start; false restores the older behaviour.
  bool stream_large_transactions = true;
  // CDC: a transaction holding more changes than this goes to a spill file next to the catalog
  // and is applied in chunks of pull_batch_size (change_spill.h). Counted in changes, like
  // pull_batch_size, so it is cheap to track and predictable to set; a change is a row, so
  // memory per change depends on the table's width (see README).
  int64_t spill_threshold_changes = kDefaultSpillThresholdChanges;
  // CDC: when the slot is held by another backend of this very pipe (application_name
  // PipeApplicationName(): a pg2ch that died with its host, whose walsender lingers until
  // wal_sender_timeout), it is ended after being seen holding the slot this long. A holder with
  // another application_name is never ended: pg2ch retries until it lets go.
  int stale_slot_holder_seconds = kDefaultStaleSlotHolderSeconds;
  static constexpr int kDefaultStaleSlotHolderSeconds = 60;

  // ClickPipes uses 100,000. Each partition is one INSERT, so one ClickHouse part: at 100,000
  // rows a 10M-row table leaves ~100 small parts that ClickHouse merges while the load runs,
  // and the load took twice as long as at 500,000 (bench/RESULTS.md). 500,000 still splits a
  // 1M-row table between two workers, and a crash redoes at most workers x 500,000 rows.
  static constexpr int64_t kDefaultRowsPerPartition = 500000;
  static constexpr int kDefaultParallelWorkers = 4;
  static constexpr int kDefaultTablesInParallel = 1;
  static constexpr int64_t kDefaultPullBatchBytes = int64_t{64} << 20;
  // The default pull_batch_size: a transaction up to one batch's size stays in memory.
  static constexpr int64_t kDefaultSpillThresholdChanges = 100000;
};

PipeConfig ParsePipeConfig(const std::string& json_text);
// The sorting keys of the mapping of source table schema.table; none when it is not mapped.
std::vector<std::string> SortingKeys(const PipeConfig& config, const std::string& schema,
                                     const std::string& table);
std::string PipeConfigToJson(const PipeConfig& config);  // includes passwords: for the catalog only
std::string ModeName(ReplicationMode mode);

// "pg2ch/<slot>" (at most 63 bytes, as PostgreSQL keeps it): one slot serves one pipe, so a
// backend with this name holding the slot is this pipe's.
std::string PipeApplicationName(const PipeConfig& config);

}  // namespace pg2ch
