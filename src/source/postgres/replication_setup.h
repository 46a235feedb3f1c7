// Publication and replication slot management on the source.
//
// Slot creation happens on a replication connection and exports a snapshot: every transaction
// committed before the slot's consistent point is visible in that snapshot, none after, and the
// slot decodes exactly the transactions committing after it. That is what lets the initial copy
// and CDC meet with no gap and no double-apply. The snapshot lives only while the creating
// connection stays open and idle, so the caller keeps it open until every COPY has started.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/lsn.h"
#include "core/table_schema.h"
#include "source/postgres/pg_connection.h"

namespace pg2ch {

// Fails with kFatal unless wal_level is logical.
void CheckWalLevel(PgConnection& conn);

// Creates the publication for `tables` if it does not exist (publish_via_partition_root on PG13+);
// if it exists, every table must be in it, else kFatal naming the missing ones.
// Returns true when it created the publication.
// Tables without a key or replica identity (RowIdentity::kInsertOnly) never go into a publication
// that publishes updates or deletes: PostgreSQL would then refuse UPDATE and DELETE on them, and
// the user's application would fail. pg2ch puts them into InsertOnlyPublication(publication),
// created (first) with publish = 'insert, truncate'; a publication the user made must not publish
// updates or deletes if it holds such a table (kFatal saying what to do).
std::string InsertOnlyPublication(const std::string& publication);
// The publications a pipe streams from: its own, and the insert-only one when pg2ch created the
// publications and the pipe has insert-only tables.
std::vector<std::string> StreamPublications(const std::string& publication, bool owned,
                                            const std::vector<SourceTable>& tables);

bool EnsurePublication(PgConnection& conn, const std::string& publication,
                       const std::vector<SourceTable>& tables);
bool PublicationIncludes(PgConnection& conn, const std::string& publication,
                         const SourceTable& table);
// ALTER PUBLICATION ... ADD TABLE / DROP TABLE, each skipped when already so (repeatable).
// Adding puts an insert-only table into InsertOnlyPublication(publication), made if missing.
void AddTableToPublication(PgConnection& conn, const std::string& publication,
                           const SourceTable& table);
void DropTableFromPublication(PgConnection& conn, const std::string& publication,
                              const std::string& schema, const std::string& name);
// kFatal if the publication is gone (checked before CDC starts, so the error is clear).
void CheckPublicationExists(PgConnection& conn, const std::string& publication);

struct SlotInfo {
  Lsn confirmed_flush = 0;
  bool active = false;
  std::string wal_status;  // "reserved", "extended", "unreserved" or "lost" (invalidated)
  bool failover = false;   // 17+: synced to standbys with sync_replication_slots
  bool synced = false;     // 17+: a standby's copy of a primary's failover slot
};
std::optional<SlotInfo> FindSlot(PgConnection& conn, const std::string& slot);

// The backend streaming from the slot now, if any.
struct SlotHolder {
  int pid = 0;
  std::string application_name;
};
std::optional<SlotHolder> FindSlotHolder(PgConnection& conn, const std::string& slot);
// Ends backend `pid` (pg_terminate_backend); the slot it held is free once it has exited.
void TerminateBackend(PgConnection& conn, int pid);

struct CreatedSlot {
  Lsn consistent_point = 0;
  std::string snapshot_name;
};
// `replication_conn` must be a replication connection; keep it open and idle while the exported
// snapshot is in use.
// `failover` (17+): the slot is synced to standbys that have sync_replication_slots on.
CreatedSlot CreateSlotWithSnapshot(PgConnection& replication_conn, const std::string& slot,
                                   bool failover = false);
// A TEMPORARY slot (dropped by the server when `replication_conn` closes, also on a crash) with
// an exported snapshot: the exact-LSN snapshot a resumed initial load copies under. Keep the
// connection open and idle while the snapshot is in use.
CreatedSlot CreateTemporarySlotWithSnapshot(PgConnection& replication_conn,
                                            const std::string& slot);
// Creates the slot without a snapshot (CDC-only pipes): starts from the current WAL position.
Lsn CreateSlot(PgConnection& replication_conn, const std::string& slot, bool failover = false);
// ALTER_REPLICATION_SLOT ... (FAILOVER ...) on a primary, 17+.
void SetSlotFailover(PgConnection& replication_conn, const std::string& slot, bool failover);
void DropSlotIfExists(PgConnection& conn, const std::string& slot);
// DropSlotIfExists, retried for a few seconds while the slot is still active: the walsender of
// a connection that just closed can hold it for a moment.
void DropSlotWhenReleased(PgConnection& conn, const std::string& slot);

}  // namespace pg2ch
