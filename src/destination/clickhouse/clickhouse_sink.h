// The destination of a pipe: ClickHouse tables kept equal to the source tables.
//
// Table layout (compatible with ClickPipes/PeerDB): the mapped source columns, then
// `_peerdb_synced_at DateTime64(9) DEFAULT now64()` (DateTime on servers without DateTime64),
// `_peerdb_is_deleted UInt8`, `_peerdb_version UInt64`; ENGINE ReplacingMergeTree(_peerdb_version)
// ORDER BY the sorting keys (if any) and the source primary key. Readers use FINAL and
// `_peerdb_is_deleted = 0`.
//
// Versions come from the WAL, never a clock: snapshot rows carry the snapshot's consistent point,
// CDC rows their transaction's end LSN. Within one ApplyTransactions call, changes to the same key
// are collapsed to the last one, so every written (key, version) pair is unique and a replay writes
// byte-identical rows: applying the same transactions twice is harmless.
//
// Threading: one sink per pipe worker; not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/binary_field.h"
#include "core/change.h"
#include "core/destination_table.h"
#include "core/table_schema.h"
#include "destination/clickhouse/http_client.h"
#include "port/snapshot_writer.h"

namespace pg2ch {

class ClickHouseSink {
 public:
  // Maps every column's type now: an unsupported type throws PipeError(kFatal) naming
  // table, column and type, before anything is written.
  ClickHouseSink(ClickHouseClient& client, std::vector<DestinationTable> tables);
  ~ClickHouseSink();

  // CREATE TABLE IF NOT EXISTS for every table; an existing table must have the expected columns.
  void EnsureTables();
  // Gives table `table.source.relid` the columns `table` has beyond the ones the sink knows (a
  // source column added during CDC): maps their types (an unsupported one throws
  // PipeError(kFatal) before anything is done), adds the missing ones to the ClickHouse table,
  // checks the table as EnsureTables does, and encodes that table's rows with the new columns
  // from then on. Idempotent: a column the table already has is not added again. Returns the
  // ClickHouse type of each new column, in order.
  std::vector<std::string> UpdateTable(const DestinationTable& table);
  // Empties the destination table (used when a snapshot is redone from the start).
  void TruncateTable(uint32_t relid);

  // Snapshot rows of one table, all written with `version` and _peerdb_is_deleted = 0, streamed
  // to ClickHouse in bounded blocks while rows are appended (snapshot_writer.h). Rows are
  // durable after Finish().
  using SnapshotWriter = ::pg2ch::SnapshotWriter;  // port/snapshot_writer.h
  std::unique_ptr<SnapshotWriter> NewSnapshotWriter(uint32_t relid, uint64_t version);

  // Applies committed transactions in order; returns when every row is durable in ClickHouse.
  // A TRUNCATE is applied at its place in the stream. Unchanged TOAST cells are filled from the
  // latest earlier image of the same key: in this call, or else read back from ClickHouse.
  // Consumes the rows (moved out, see PlanBatch), also when it throws: to apply the same
  // transactions again (a replay), pass fresh copies.
  void ApplyTransactions(std::span<Transaction> transactions);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pg2ch
