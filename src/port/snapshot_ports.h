// The ports the initial load copies through (pipe/snapshot_copier.h): a destination that hands
// out a writer per partition, and a reader per worker that streams a partition's rows under the
// load's snapshot (PostgreSQL: a session that imported the exported snapshot,
// source/postgres/pg_partition_reader.h).
#pragma once

#include <functional>
#include <memory>

#include "core/copy_scope.h"
#include "core/lsn.h"
#include "core/table_schema.h"
#include "port/snapshot_writer.h"

namespace pg2ch {

// Shared by the load's worker threads: thread-safe.
class SnapshotDestination {
 public:
  virtual ~SnapshotDestination() = default;
  // Whether rows of table `table` (an index into the pipe's tables) may come as binary COPY
  // fields: only where every column has an exact binary conversion.
  virtual bool AcceptsBinary(size_t table) const = 0;
  virtual std::unique_ptr<SnapshotWriter> NewWriter(size_t table, Lsn version) = 0;
};

// One per worker thread; every reader of a load sees the same point in time.
class PartitionReader {
 public:
  virtual ~PartitionReader() = default;
  // Streams every row of `table` within `scope` to `writer` (as binary fields when `binary`),
  // calling `tick` after each row (it may throw to cancel the copy). Returns the rows read.
  virtual uint64_t Copy(const SourceTable& table, const CopyScope& scope, bool binary,
                        SnapshotWriter& writer, const std::function<void()>& tick) = 0;
};

}  // namespace pg2ch
