#include "source/postgres/snapshot_session.h"

#include "common/error.h"
#include "common/sql_quote.h"
#include "source/postgres/source_server.h"

namespace pg2ch {
namespace {

constexpr const char* kLockTimeout = "10s";

void LockTables(PgConnection& conn, const std::vector<SourceTable>& tables) {
  if (tables.empty()) return;
  std::string list;
  for (const auto& t : tables) {
    if (!list.empty()) list += ", ";
    list += PgIdent(t.schema) + "." + PgIdent(t.name);
  }
  conn.Exec(std::string("SET LOCAL lock_timeout = '") + kLockTimeout + "'");
  try {
    conn.Exec("LOCK TABLE " + list + " IN ACCESS SHARE MODE");
  } catch (const PipeError& e) {
    // A lock timeout passes (try again later); a table dropped or a privilege revoked does not,
    // and keeps the classification it has (fatal: the pipe says why instead of retrying forever).
    if (!e.retryable()) throw;
    ThrowRetryable(std::string("cannot lock the source tables for the initial load within ") +
                   kLockTimeout +
                   " (a concurrent ALTER TABLE, VACUUM FULL or CLUSTER?): " + e.what());
  }
}

}  // namespace

void BeginSnapshotSession(PgConnection& conn, const std::string& snapshot_name,
                          const std::vector<SourceTable>& tables) {
  conn.Exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  try {
    conn.Exec("SET TRANSACTION SNAPSHOT " + PgLiteral(snapshot_name));
  } catch (const PipeError& e) {
    ThrowRetryable(
        "cannot import the initial load's snapshot (its exporting connection is "
        "gone); the load resumes under a fresh one: " +
        std::string(e.what()));
  }
  LockTables(conn, tables);
}

ExportedSnapshot BeginExportedSnapshot(PgConnection& conn, const std::vector<SourceTable>& tables) {
  conn.Exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  // The first statement fixes the snapshot; the WAL position read in it stands for its moment.
  auto rows =
      conn.Query(std::string("SELECT pg_export_snapshot(), (") + kCurrentWalLsnSql + ")::text");
  auto lsn = ParseLsn(rows.at(0).at(1));
  if (!lsn) ThrowFatal("PostgreSQL returned a bad WAL position \"" + rows[0][1] + "\"");
  LockTables(conn, tables);
  return {rows[0][0], *lsn};
}

}  // namespace pg2ch
