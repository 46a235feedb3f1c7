#include "source/postgres/replication_setup.h"

#include <chrono>
#include <thread>

#include "common/error.h"
#include "common/sql_quote.h"

namespace pg2ch {

void CheckWalLevel(PgConnection& conn) {
  auto rows = conn.Query("SHOW wal_level");
  if (rows.empty() || rows[0][0] != "logical")
    ThrowFatal("PostgreSQL wal_level is \"" + (rows.empty() ? std::string() : rows[0][0]) +
               "\"; logical replication needs wal_level = logical (set it and restart the server)");
}

bool EnsurePublication(PgConnection& conn, const std::string& publication,
                       const std::vector<SourceTable>& tables) {
  auto exists =
      conn.Query("SELECT 1 FROM pg_publication WHERE pubname = " + PgLiteral(publication));
  if (exists.empty()) {
    std::string list;
    for (const auto& t : tables) {
      if (!list.empty()) list += ", ";
      list += PgIdent(t.schema) + "." + PgIdent(t.name);
    }
    std::string with =
        conn.server_version() >= 130000 ? " WITH (publish_via_partition_root = true)" : "";
    conn.Exec("CREATE PUBLICATION " + PgIdent(publication) + " FOR TABLE " + list + with);
    return true;
  }
  std::string missing;
  for (const auto& t : tables)
    if (!PublicationIncludes(conn, publication, t))
      missing += (missing.empty() ? "" : ", ") + t.QualifiedName();
  if (!missing.empty())
    ThrowFatal("publication \"" + publication + "\" exists but does not include " + missing +
               " (ALTER PUBLICATION ... ADD TABLE, or let pg2ch create its own publication)");
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
  if (Includes(conn, publication, table.schema, table.name)) return;
  conn.Exec("ALTER PUBLICATION " + PgIdent(publication) + " ADD TABLE " + PgIdent(table.schema) +
            "." + PgIdent(table.name));
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

std::optional<SlotInfo> FindSlot(PgConnection& conn, const std::string& slot) {
  std::string wal_status = conn.server_version() >= 130000 ? "COALESCE(wal_status, '')" : "''";
  auto rows = conn.Query("SELECT COALESCE(confirmed_flush_lsn::text, ''), active, " + wal_status +
                         " FROM pg_replication_slots WHERE slot_name = " + PgLiteral(slot));
  if (rows.empty()) return std::nullopt;
  SlotInfo info;
  info.confirmed_flush = ParseLsn(rows[0][0]).value_or(0);
  info.active = rows[0][1] == "t";
  info.wal_status = rows[0][2];
  return info;
}

static CreatedSlot CreateSlotImpl(PgConnection& conn, const std::string& slot, bool snapshot,
                                  bool temporary = false) {
  // The pre-PG15 spelling, still accepted by 15+: works on every supported version.
  auto rows =
      conn.Query("CREATE_REPLICATION_SLOT " + PgIdent(slot) + (temporary ? " TEMPORARY" : "") +
                 " LOGICAL pgoutput " + (snapshot ? "EXPORT_SNAPSHOT" : "NOEXPORT_SNAPSHOT"));
  if (rows.empty() || rows[0].size() < 3) ThrowFatal("CREATE_REPLICATION_SLOT returned no row");
  auto lsn = ParseLsn(rows[0][1]);
  if (!lsn) ThrowFatal("CREATE_REPLICATION_SLOT returned a bad LSN \"" + rows[0][1] + "\"");
  return {*lsn, rows[0][2]};
}

CreatedSlot CreateSlotWithSnapshot(PgConnection& replication_conn, const std::string& slot) {
  return CreateSlotImpl(replication_conn, slot, true);
}

CreatedSlot CreateTemporarySlotWithSnapshot(PgConnection& replication_conn,
                                            const std::string& slot) {
  return CreateSlotImpl(replication_conn, slot, true, true);
}

Lsn CreateSlot(PgConnection& replication_conn, const std::string& slot) {
  return CreateSlotImpl(replication_conn, slot, false).consistent_point;
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
