#include "pipe/pipe_validation.h"

#include <memory>

#include "common/error.h"
#include "common/sql_quote.h"
#include "destination/clickhouse/http_client.h"
#include "destination/clickhouse/sorting_key.h"
#include "pipe/excluded_columns.h"
#include "pipe/snapshot_plan.h"
#include "pipe/table_notices.h"
#include "source/postgres/publication_filters.h"
#include "source/postgres/replication_setup.h"
#include "source/postgres/schema_reader.h"
#include "source/postgres/source_server.h"

namespace pg2ch {
namespace {

void CheckSlot(PgConnection& pg, const PipeConfig& c, std::vector<std::string>& problems) {
  auto slot = FindSlot(pg, c.slot);
  if (slot && c.mode == ReplicationMode::kSnapshotAndCdc) {
    problems.push_back("replication slot \"" + c.slot +
                       "\" exists already; an initial load needs a new slot");
    return;
  }
  if (slot) return;
  auto room = pg.Query(
      "SELECT current_setting('max_replication_slots')::int - (SELECT count(*) FROM "
      "pg_replication_slots)");
  if (!room.empty() && std::stoi(room[0][0]) <= 0)
    problems.push_back("no free replication slot on the source (max_replication_slots is used up)");
}

// Reads each table (exists, has a key, excluded columns exist and are not keys, sorting keys are
// replicated NOT NULL columns, a partition_column is a replicated column of a type split by value);
// collects the problems. Every column type has a mapping (type_mapping.h).
std::vector<SourceTable> CheckTables(PgConnection& pg, const std::vector<TableMapping>& mappings,
                                     std::vector<std::string>& problems) {
  std::vector<SourceTable> tables;
  for (const auto& m : mappings) {
    try {
      // Excluded columns are left out first: their types need no mapping.
      SourceTable t = MappedTable(ReadSourceTable(pg, m.source_schema, m.source_table), m);
      try {
        OrderByColumns(t, m.sorting_keys);
      } catch (const PipeError& e) {
        problems.push_back(e.what());
      }
      try {
        if (!m.partition_column.empty()) CheckPartitionColumn(t, m.partition_column);
      } catch (const PipeError& e) {
        problems.push_back(e.what());
      }
      tables.push_back(std::move(t));
    } catch (const PipeError& e) {
      if (e.retryable()) throw;
      problems.push_back(e.what());
    }
  }
  return tables;
}

std::optional<ServerCaps> DestinationCaps(const PipeConfig& c, std::vector<std::string>& problems) {
  try {
    return ClickHouseClient(c.destination).Caps();
  } catch (const PipeError& e) {
    problems.push_back(e.what());
    return std::nullopt;
  }
}

// What the user should know about the source server itself: a standby, a failover slot that may
// run ahead of the standbys, column lists the server cannot apply.
std::vector<std::string> SourceNotices(PgConnection& pg, const PipeConfig& c,
                                       const std::vector<SourceTable>& tables) {
  std::vector<std::string> notices;
  if (c.mode == ReplicationMode::kSnapshotOnly) return notices;
  notices = SourceServerNotices(pg, c.failover_slot);
  if (pg.server_version() < 150000)
    for (const SourceTable& t : tables)
      if (t.exclude_at_source)
        notices.push_back("table " + t.QualifiedName() +
                          ": exclude_at_source needs publication column lists (PostgreSQL 15+); "
                          "this server is " +
                          std::to_string(pg.server_version() / 10000) +
                          ", so the excluded columns' values leave the source and pg2ch drops "
                          "them on arrival");
  return notices;
}

}  // namespace

std::vector<std::string> ValidatePipe(const PipeConfig& c, std::vector<std::string>* notices) {
  std::vector<std::string> problems;
  std::optional<ServerCaps> caps = DestinationCaps(c, problems);
  if (caps && c.delete_on_merge && !caps->replacing_is_deleted)
    problems.push_back("delete_on_merge needs ClickHouse 23.2 or later; the destination runs " +
                       caps->version);
  if (caps && c.native_json && !caps->json)
    problems.push_back(
        "native_json needs ClickHouse 25.3 or later (the JSON type); the "
        "destination runs " +
        caps->version);

  std::unique_ptr<PgConnection> pg;
  try {
    pg = PgConnection::Connect(c.source, false);
  } catch (const PipeError& e) {
    problems.push_back(e.what());
    return problems;
  }
  try {
    const bool standby = InRecovery(*pg);
    if (c.mode != ReplicationMode::kSnapshotOnly) {
      for (auto check : {CheckWalLevel, CheckStandbyCanDecode}) try {
          check(*pg);
        } catch (const PipeError& e) {
          problems.push_back(e.what());
        }
      if (c.failover_slot) try {
          CheckFailoverSlotPossible(*pg);
        } catch (const PipeError& e) {
          problems.push_back(e.what());
        }
      CheckSlot(*pg, c, problems);
    }
    std::vector<SourceTable> tables = CheckTables(*pg, c.tables, problems);
    if (notices) {
      for (const SourceTable& t : tables)
        for (std::string& n : TableNotices(t)) notices->push_back(std::move(n));
      for (std::string& n : SourceNotices(*pg, c, tables)) notices->push_back(std::move(n));
    }
    if (c.mode != ReplicationMode::kSnapshotOnly &&
        !pg->Query("SELECT 1 FROM pg_publication WHERE pubname = " + PgLiteral(c.publication))
             .empty()) {
      try {
        EnsurePublication(*pg, c.publication, tables);  // exists: only checks membership
      } catch (const PipeError& e) {
        problems.push_back(e.what());
      }
    } else if (c.mode != ReplicationMode::kSnapshotOnly) {
      try {
        // A standby is read-only: EnsurePublication names the statement for its primary.
        if (standby) EnsurePublication(*pg, c.publication, tables);
        TryRowFilters(*pg, tables);
      } catch (const PipeError& e) {
        problems.push_back(e.what());
      }
    }
  } catch (const PipeError& e) {
    problems.push_back(e.what());
  }
  return problems;
}

std::vector<std::string> ValidateAddedTables(const PipeConfig& c,
                                             const std::vector<TableMapping>& added,
                                             bool publication_owned) {
  std::vector<std::string> problems;
  DestinationCaps(c, problems);  // reachable, with the credentials given
  try {
    auto pg = PgConnection::Connect(c.source, false);
    std::vector<SourceTable> tables = CheckTables(*pg, added, problems);
    for (const SourceTable& t : tables)
      if (t.keyless())
        problems.push_back(
            "table " + t.QualifiedName() +
            " has no primary key: such a table cannot be added to a running pipe yet (its load "
            "and the changes made meanwhile cannot be told apart); replicate it with a pipe of "
            "its own");
    if (!publication_owned)
      for (const SourceTable& t : tables)
        if (!PublicationIncludes(*pg, c.publication, t))
          problems.push_back("publication \"" + c.publication + "\" does not include " +
                             t.QualifiedName() +
                             " (pg2ch did not create it: add the table with ALTER PUBLICATION "
                             "... ADD TABLE first)");
  } catch (const PipeError& e) {
    problems.push_back(e.what());
  }
  return problems;
}

}  // namespace pg2ch
