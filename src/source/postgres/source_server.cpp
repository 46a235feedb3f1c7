#include "source/postgres/source_server.h"

#include "common/error.h"

namespace pg2ch {
namespace {

std::string Setting(PgConnection& conn, const std::string& name) {
  auto rows = conn.Query("SELECT current_setting('" + name + "', true)");
  return rows.empty() ? std::string() : rows[0][0];
}

std::string VersionText(PgConnection& conn) {
  int v = conn.server_version();
  return std::to_string(v / 10000) + "." + std::to_string(v % 100);
}

}  // namespace

bool InRecovery(PgConnection& conn) {
  auto rows = conn.Query("SELECT pg_is_in_recovery()");
  return !rows.empty() && rows[0][0] == "t";
}

void CheckStandbyCanDecode(PgConnection& conn) {
  if (conn.server_version() >= 160000 || !InRecovery(conn)) return;
  ThrowFatal("the source is a standby (in recovery) running PostgreSQL " + VersionText(conn) +
             ": logical decoding on a standby needs PostgreSQL 16 or later; point the pipe at "
             "the primary");
}

std::vector<std::string> StandbyNotices(PgConnection& conn) {
  std::vector<std::string> notices;
  if (!InRecovery(conn)) return notices;
  notices.push_back(
      "the source is a standby: the publication must be made on the primary, and creating the "
      "slot waits for the primary's next running-transactions record (about 15 s while it has "
      "writes; SELECT pg_log_standby_snapshot() on the primary sends one at once)");
  if (Setting(conn, "hot_standby_feedback") != "on")
    notices.push_back(
        "hot_standby_feedback is off on the standby: the primary's VACUUM may remove catalog rows "
        "pg2ch's slot still needs, and the standby then invalidates the slot (a resync); turn it "
        "on, with a physical slot (primary_slot_name)");
  return notices;
}

void CheckFailoverSlotPossible(PgConnection& conn) {
  if (conn.server_version() < 170000)
    ThrowFatal("failover_slot needs PostgreSQL 17 or later; the source runs " + VersionText(conn));
  if (InRecovery(conn))
    ThrowFatal(
        "failover_slot: the source is a standby, whose slots cannot fail over (PostgreSQL syncs "
        "a primary's failover slots to its standbys); point the pipe at the primary, or leave "
        "failover_slot off");
}

std::vector<std::string> FailoverSlotNotices(PgConnection& conn) {
  if (conn.server_version() < 170000 || InRecovery(conn)) return {};
  if (!Setting(conn, "synchronized_standby_slots").empty()) return {};
  return {
      "failover_slot: synchronized_standby_slots is empty on the primary, so pg2ch may receive "
      "changes before any standby has them; after a failover to such a standby ClickHouse would "
      "hold rows the new primary lost. List the standbys' physical slots in "
      "synchronized_standby_slots"};
}

std::vector<std::string> SourceServerNotices(PgConnection& conn, bool failover_slot) {
  std::vector<std::string> notices = StandbyNotices(conn);
  if (failover_slot)
    for (std::string& n : FailoverSlotNotices(conn)) notices.push_back(std::move(n));
  return notices;
}

std::string SystemIdentifier(PgConnection& replication_conn) {
  auto rows = replication_conn.Query("IDENTIFY_SYSTEM");
  if (rows.empty() || rows[0].empty() || rows[0][0].empty())
    ThrowFatal("IDENTIFY_SYSTEM returned no system identifier");
  return rows[0][0];
}

}  // namespace pg2ch
