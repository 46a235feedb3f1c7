// What kind of PostgreSQL server the source is, and what that allows: a primary, or a physical
// standby (in recovery) that PostgreSQL 16+ decodes logically. On a standby pg2ch can create its
// slot and copy under an exported snapshot, but writes nothing: the publication must come from
// the primary through replication. Failover slots (17+) are made on a primary and synced to
// standbys (sync_replication_slots), so a promoted standby goes on from the pipe's position.
#pragma once

#include <string>
#include <vector>

#include "core/table_schema.h"
#include "source/postgres/pg_connection.h"

namespace pg2ch {

bool InRecovery(PgConnection& conn);

// An SQL expression for the server's WAL position now: the last replayed one on a standby, where
// pg_current_wal_lsn() is refused.
inline constexpr const char* kCurrentWalLsnSql =
    "CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END";

// kFatal when the source is a standby that cannot decode logically (PostgreSQL before 16).
void CheckStandbyCanDecode(PgConnection& conn);
// A standby's settings that put the pipe's slot at risk, as notices (empty on a primary): without
// hot_standby_feedback the primary's VACUUM removes rows the slot still needs and the standby
// invalidates the slot.
std::vector<std::string> StandbyNotices(PgConnection& conn);

// kFatal when a failover slot cannot be had here (before 17, or on a standby, where slots are
// synced copies of the primary's); notices when the primary lets a failover slot run ahead of
// its standbys (no synchronized_standby_slots): after a failover ClickHouse could then hold
// changes the promoted standby never received.
void CheckFailoverSlotPossible(PgConnection& conn);
std::vector<std::string> FailoverSlotNotices(PgConnection& conn);

// Both of the above, as create and Setup say them: the standby's, and with `failover_slot` the
// primary's.
std::vector<std::string> SourceServerNotices(PgConnection& conn, bool failover_slot);

// IDENTIFY_SYSTEM's system identifier on a replication connection: the same for a primary and
// every standby made from it, so it tells a failover target from another cluster.
std::string SystemIdentifier(PgConnection& replication_conn);

}  // namespace pg2ch
