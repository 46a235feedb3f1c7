// The port the initial load starts through: the snapshot every partition is copied under, and
// the reads that plan the partitions, made inside that snapshot by one coordinating session
// that holds the tables' locks until Finish (PostgreSQL: source/postgres/pg_snapshot_source.h).
// The partitions themselves are read by PartitionReaders (port/snapshot_ports.h) that import the
// snapshot by name.
//
// A snapshot lives as long as the object that made it: keep it until every reader has imported
// it. Errors are PipeErrors: a table gone or a lock not granted in time are classified where
// they arise (fatal and retryable); a lost connection is retryable.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/lsn.h"
#include "core/table_layout.h"
#include "core/table_schema.h"

namespace pg2ch {

struct LoadSnapshot {
  std::string name;  // what readers import
  // Snapshots of a slot: every transaction committed before it is visible, none after, and the
  // slot streams exactly the ones after. Otherwise only near the snapshot's moment.
  Lsn consistent_point = 0;
};

class SnapshotSource {
 public:
  virtual ~SnapshotSource() = default;
  // Creates the pipe's slot with a snapshot of its starting point, and begins the coordinating
  // session in it.
  virtual LoadSnapshot CreateSlotWithSnapshot(const std::vector<SourceTable>& tables) = 0;
  // Same with a temporary slot of this load's own (gone with this object, even on a crash): the
  // snapshot a resumed load copies the rest under, while the pipe's slot stays where it is.
  virtual LoadSnapshot CreateTemporarySlotWithSnapshot(const std::vector<SourceTable>& tables) = 0;
  // A snapshot without a slot, for loads without CDC.
  virtual LoadSnapshot ExportSnapshot(const std::vector<SourceTable>& tables) = 0;

  // Planning reads, in the coordinating session.
  virtual TableLayout Layout(const SourceTable& table) = 0;
  // The first column of the table's primary key; nullopt without one.
  virtual std::optional<std::string> PrimaryKeyFirstColumn(const SourceTable& table) = 0;
  // min and max of `column` among its finite values; `only`: without inheritance children.
  virtual ValueBounds Bounds(const SourceTable& table, const std::string& column, ValueKind kind,
                             bool only) = 0;
  // Ends the coordinating session once every partition is copied.
  virtual void Finish() = 0;
};

}  // namespace pg2ch
