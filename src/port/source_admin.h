// The port through which Setup, a resync and the initial load's start manage the source: read
// a table's definition, make sure the publication covers the pipe's tables, and find, create or
// drop the pipe's replication slot (PostgreSQL: source/postgres/pg_source_admin.h). The
// publication and slot are the pipe's own, named in its definition.
//
// Errors are PipeErrors classified where they arise: a table that does not exist, a type or
// privilege the pipe cannot use, a publication that misses tables, wal_level not logical are
// fatal; a lost connection is retryable.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/lsn.h"
#include "core/table_schema.h"

namespace pg2ch {

struct SlotState {
  Lsn confirmed_flush = 0;  // changes before it are confirmed, and gone from the slot
  bool lost = false;        // invalidated (max_slot_wal_keep_size): it can serve no one
};

class SourceAdmin {
 public:
  virtual ~SourceAdmin() = default;
  // Fatal unless the source can replicate logically (wal_level).
  virtual void CheckLogicalReplication() = 0;
  // What the user should know about the server (a standby, a failover slot that may run ahead
  // of the standbys); logged at Setup. None by default.
  virtual std::vector<std::string> ServerNotices() { return {}; }
  virtual SourceTable ReadTable(const std::string& schema, const std::string& name) = 0;
  // Creates the publication for `tables` when missing (true), else checks that it holds them.
  virtual bool EnsurePublication(const std::vector<SourceTable>& tables) = 0;
  // Whether the publication (the user's own) publishes `table`.
  virtual bool PublicationIncludes(const SourceTable& table) = 0;
  // Adds a table to, or removes one from, a publication pg2ch made; repeatable.
  virtual void AddToPublication(const SourceTable& table) = 0;
  virtual void RemoveFromPublication(const std::string& schema, const std::string& name) = 0;
  virtual std::optional<SlotState> FindSlot() = 0;
  // Creates the slot at the source's current position, without a snapshot: CDC-only pipes.
  virtual Lsn CreateSlot() = 0;
  // Drops the slot if it exists, waiting a moment for a walsender that still holds it.
  virtual void DropSlot() = 0;
};

}  // namespace pg2ch
