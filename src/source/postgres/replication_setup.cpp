#include "source/postgres/replication_setup.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <thread>

#include "common/error.h"
#include "common/sql_quote.h"
#include "source/postgres/publication_filters.h"
#include "source/postgres/source_server.h"

namespace pg2ch {

void CheckWalLevel(PgConnection& conn) {
  auto rows = conn.Query("SHOW wal_level");
  if (rows.empty() || rows[0][0] != "logical")
    ThrowFatal("PostgreSQL wal_level is \"" + (rows.empty() ? std::string() : rows[0][0]) +
               "\"; logical replication needs wal_level = logical (set it and restart the server)");
}

std::string InsertOnlyPublication(const std::string& publication) {
  return publication.substr(0, 63 - 12) + "_insert_only";
}

std::vector<std::string> StreamPublications(const std::string& publication, bool owned,
                                            const std::vector<SourceTable>& tables) {
  std::vector<std::string> out = {publication};
  bool insert_only = false;
  for (const SourceTable& t : tables) insert_only |= t.identity == RowIdentity::kInsertOnly;
  if (owned && insert_only) out.push_back(InsertOnlyPublication(publication));
  return out;
}

static bool Includes(PgConnection& conn, const std::string& publication, const std::string& schema,
                     const std::string& name);

// A user's publication that leaves out the stored generated columns pg2ch replicates would leave
// their ClickHouse values stale after the first update.
static void CheckPublishesGeneratedColumns(PgConnection& conn, const std::string& publication,
                                           const std::vector<SourceTable>& tables) {
  if (conn.server_version() < 180000) return;
  std::string columns;
  for (const SourceTable& t : tables)
    for (const std::string& c : t.published_generated)
      columns += (columns.empty() ? "" : ", ") + t.QualifiedName() + "." + c;
  if (columns.empty()) return;
  auto rows = conn.Query("SELECT pubgencols::text FROM pg_publication WHERE pubname = " +
                         PgLiteral(publication));
  if (!rows.empty() && rows[0][0] == "s") return;
  ThrowFatal("publication \"" + publication + "\" does not publish stored generated columns (" +
             columns + "): ALTER PUBLICATION " + PgIdent(publication) +
             " SET (publish_generated_columns = stored)");
}

static bool PublicationExists(PgConnection& conn, const std::string& publication) {
  return !conn.Query("SELECT 1 FROM pg_publication WHERE pubname = " + PgLiteral(publication))
              .empty();
}

enum class Publishes { kEverything, kInsertsOnly };

static std::string CreatePublicationSql(PgConnection& conn, const std::string& publication,
                                        const std::vector<const SourceTable*>& tables,
                                        Publishes publishes) {
  std::string list;
  for (const SourceTable* t : tables) {
    if (!list.empty()) list += ", ";
    list += PublishedTableSpec(conn, *t, publishes == Publishes::kEverything);
  }
  std::vector<std::string> options;
  if (publishes == Publishes::kInsertsOnly) options.push_back("publish = 'insert, truncate'");
  if (conn.server_version() >= 130000) options.push_back("publish_via_partition_root = true");
  // Stored generated columns are read at Setup as replicated columns from 18 on
  // (schema_reader.cpp); without this pgoutput would leave them out.
  if (conn.server_version() >= 180000) options.push_back("publish_generated_columns = stored");
  std::string with;
  for (const std::string& o : options) with += (with.empty() ? " WITH (" : ", ") + o;
  if (!with.empty()) with += ")";
  return "CREATE PUBLICATION " + PgIdent(publication) +
         (list.empty() ? std::string() : " FOR TABLE " + list) + with;
}

static void CreatePublication(PgConnection& conn, const std::string& publication,
                              const std::vector<const SourceTable*>& tables, Publishes publishes) {
  const std::string sql = CreatePublicationSql(conn, publication, tables, publishes);
  InTransaction(conn, [&] {
    conn.Exec(sql);
    if (publishes == Publishes::kEverything) CheckRowFilterColumns(conn, publication, tables);
  });
}

// A standby is read-only: the publication comes from its primary, through replication.
[[noreturn]] static void ThrowPublicationMissingOnStandby(
    PgConnection& conn, const std::string& publication, const std::vector<const SourceTable*>& full,
    const std::vector<const SourceTable*>& insert_only) {
  std::string message = "publication \"" + publication +
                        "\" does not exist, and the source is a standby (in recovery), where "
                        "pg2ch cannot create it: create it on the primary, from where it reaches "
                        "the standby: " +
                        CreatePublicationSql(conn, publication, full, Publishes::kEverything);
  if (!insert_only.empty()) {
    message += "; the tables without a key or replica identity (";
    for (size_t i = 0; i < insert_only.size(); ++i)
      message += (i ? ", " : "") + insert_only[i]->QualifiedName();
    message += ") need REPLICA IDENTITY FULL first, or a publication of their own";
  }
  ThrowFatal(message);
}

bool EnsurePublication(PgConnection& conn, const std::string& publication,
                       const std::vector<SourceTable>& tables) {
  std::vector<const SourceTable*> full, insert_only, in_main, in_companion_list;
  for (const auto& t : tables)
    (t.identity == RowIdentity::kInsertOnly ? insert_only : full).push_back(&t);
  const std::string companion = InsertOnlyPublication(publication);
  if (!PublicationExists(conn, publication)) {
    if (InRecovery(conn)) ThrowPublicationMissingOnStandby(conn, publication, full, insert_only);
    // The companion first: once the main publication exists, a replayed Setup finds both.
    if (!insert_only.empty() && !PublicationExists(conn, companion))
      CreatePublication(conn, companion, insert_only, Publishes::kInsertsOnly);
    CreatePublication(conn, publication, full, Publishes::kEverything);
    return true;
  }
  auto flags = conn.Query("SELECT pubupdate OR pubdelete FROM pg_publication WHERE pubname = " +
                          PgLiteral(publication));
  bool publishes_changes = !flags.empty() && flags[0][0] == "t";
  std::string missing;
  for (const auto& t : tables) {
    bool in_companion =
        t.identity == RowIdentity::kInsertOnly && Includes(conn, companion, t.schema, t.name);
    if (in_companion) {  // pg2ch's own pair of publications
      in_companion_list.push_back(&t);
      continue;
    }
    in_main.push_back(&t);
    if (!PublicationIncludes(conn, publication, t)) {
      missing += (missing.empty() ? "" : ", ") + t.QualifiedName();
    } else if (t.identity == RowIdentity::kInsertOnly && publishes_changes) {
      ThrowFatal("publication \"" + publication + "\" publishes updates or deletes and holds " +
                 t.QualifiedName() +
                 ", which has no primary key and no replica identity: PostgreSQL refuses UPDATE "
                 "and DELETE on it while it is in that publication. Give the table a primary key "
                 "or REPLICA IDENTITY FULL, or move it to a publication WITH (publish = 'insert, "
                 "truncate')");
    }
  }
  if (!missing.empty())
    ThrowFatal("publication \"" + publication + "\" exists but does not include " + missing +
               " (ALTER PUBLICATION ... ADD TABLE, or let pg2ch create its own publication)");
  CheckPublishesGeneratedColumns(conn, publication, tables);
  CheckPublishedRowsAndColumns(conn, publication, in_main);
  CheckPublishedRowsAndColumns(conn, companion, in_companion_list);
  return false;
}

static bool Includes(PgConnection& conn, const std::string& publication, const std::string& schema,
                     const std::string& name) {
  return !conn.Query(
                  "SELECT 1 FROM pg_publication_tables WHERE pubname = " + PgLiteral(publication) +
                  " AND schemaname = " + PgLiteral(schema) + " AND tablename = " + PgLiteral(name))
              .empty();
}

bool PublicationIncludes(PgConnection& conn, const std::string& publication,
                         const SourceTable& table) {
  return Includes(conn, publication, table.schema, table.name);
}

void AddTableToPublication(PgConnection& conn, const std::string& publication,
                           const SourceTable& table) {
  // Keyless tables go to the insert-only companion, as at Setup: in the main publication
  // PostgreSQL would refuse the user's UPDATE and DELETE on them.
  const bool insert_only = table.identity == RowIdentity::kInsertOnly;
  std::string target = insert_only ? InsertOnlyPublication(publication) : publication;
  if (!PublicationExists(conn, target)) {
    CreatePublication(conn, target, {&table},
                      insert_only ? Publishes::kInsertsOnly : Publishes::kEverything);
    return;
  }
  if (Includes(conn, target, table.schema, table.name)) return;
  InTransaction(conn, [&] {
    conn.Exec("ALTER PUBLICATION " + PgIdent(target) + " ADD TABLE " +
              PublishedTableSpec(conn, table, !insert_only));
    if (!insert_only) CheckRowFilterColumns(conn, target, {&table});
  });
}

void DropTableFromPublication(PgConnection& conn, const std::string& publication,
                              const std::string& schema, const std::string& name) {
  if (!Includes(conn, publication, schema, name)) return;
  conn.Exec("ALTER PUBLICATION " + PgIdent(publication) + " DROP TABLE " + PgIdent(schema) + "." +
            PgIdent(name));
}

void CheckPublicationExists(PgConnection& conn, const std::string& publication) {
  if (conn.Query("SELECT 1 FROM pg_publication WHERE pubname = " + PgLiteral(publication)).empty())
    ThrowFatal("publication \"" + publication +
               "\" does not exist on the source (was it dropped?)");
}

std::optional<SlotHolder> FindSlotHolder(PgConnection& conn, const std::string& slot) {
  auto rows = conn.Query(
      "SELECT s.active_pid, COALESCE(a.application_name, '') FROM pg_replication_slots s LEFT "
      "JOIN pg_stat_activity a ON a.pid = s.active_pid WHERE s.slot_name = " +
      PgLiteral(slot) + " AND s.active_pid IS NOT NULL");
  if (rows.empty()) return std::nullopt;
  return SlotHolder{std::stoi(rows[0][0]), rows[0][1]};
}

void TerminateBackend(PgConnection& conn, int pid) {
  conn.Query("SELECT pg_terminate_backend(" + std::to_string(pid) + ")");
}

std::optional<SlotInfo> FindSlot(PgConnection& conn, const std::string& slot) {
  const int version = conn.server_version();
  std::string wal_status = version >= 130000 ? "COALESCE(wal_status, '')" : "''";
  std::string failover = version >= 170000 ? "failover, synced" : "false, false";
  auto rows =
      conn.Query("SELECT COALESCE(confirmed_flush_lsn::text, ''), active, " + wal_status + ", " +
                 failover + " FROM pg_replication_slots WHERE slot_name = " + PgLiteral(slot));
  if (rows.empty()) return std::nullopt;
  SlotInfo info;
  info.confirmed_flush = ParseLsn(rows[0][0]).value_or(0);
  info.active = rows[0][1] == "t";
  info.wal_status = rows[0][2];
  info.failover = rows[0][3] == "t";
  info.synced = rows[0][4] == "t";
  return info;
}

static CreatedSlot CreateSlotImpl(PgConnection& conn, const std::string& slot, bool snapshot,
                                  bool temporary, bool failover) {
  if (InRecovery(conn))
    spdlog::info(
        "creating slot {} on a standby: PostgreSQL waits for the primary's next running-"
        "transactions record (about 15 s while the primary has writes; SELECT "
        "pg_log_standby_snapshot() on the primary sends one at once)",
        slot);
  // The pre-15 spelling works on every supported version; FAILOVER (17+) needs the new one.
  std::string sql = "CREATE_REPLICATION_SLOT " + PgIdent(slot) + (temporary ? " TEMPORARY" : "") +
                    " LOGICAL pgoutput ";
  if (failover)
    sql += std::string("(SNAPSHOT '") + (snapshot ? "export" : "nothing") + "', FAILOVER true)";
  else
    sql += snapshot ? "EXPORT_SNAPSHOT" : "NOEXPORT_SNAPSHOT";
  auto rows = conn.Query(sql);
  if (rows.empty() || rows[0].size() < 3) ThrowFatal("CREATE_REPLICATION_SLOT returned no row");
  auto lsn = ParseLsn(rows[0][1]);
  if (!lsn) ThrowFatal("CREATE_REPLICATION_SLOT returned a bad LSN \"" + rows[0][1] + "\"");
  return {*lsn, rows[0][2]};
}

CreatedSlot CreateSlotWithSnapshot(PgConnection& replication_conn, const std::string& slot,
                                   bool failover) {
  return CreateSlotImpl(replication_conn, slot, true, false, failover);
}

CreatedSlot CreateTemporarySlotWithSnapshot(PgConnection& replication_conn,
                                            const std::string& slot) {
  return CreateSlotImpl(replication_conn, slot, true, true, false);
}

Lsn CreateSlot(PgConnection& replication_conn, const std::string& slot, bool failover) {
  return CreateSlotImpl(replication_conn, slot, false, false, failover).consistent_point;
}

void SetSlotFailover(PgConnection& replication_conn, const std::string& slot, bool failover) {
  replication_conn.Exec("ALTER_REPLICATION_SLOT " + PgIdent(slot) + " (FAILOVER " +
                        (failover ? "true" : "false") + ")");
}

void DropSlotIfExists(PgConnection& conn, const std::string& slot) {
  conn.Exec(
      "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = " +
      PgLiteral(slot));
}

void DropSlotWhenReleased(PgConnection& conn, const std::string& slot) {
  for (int attempt = 0;; ++attempt) {
    try {
      DropSlotIfExists(conn, slot);
      return;
    } catch (const PipeError&) {
      if (attempt >= 50) throw;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
}

}  // namespace pg2ch
