#include "source/postgres/pg_snapshot_source.h"

#include <unistd.h>

#include "common/error.h"
#include "source/postgres/replication_setup.h"
#include "source/postgres/snapshot_session.h"
#include "source/postgres/table_layout.h"
#include "source/postgres/value_bounds.h"
#include "source/postgres/value_domain.h"

namespace pg2ch {

PgSnapshotSource::PgSnapshotSource(const PostgresEndpoint& endpoint, std::string slot,
                                   bool failover_slot)
    : endpoint_(endpoint), slot_(std::move(slot)), failover_slot_(failover_slot) {}

LoadSnapshot PgSnapshotSource::SlotSnapshot(const std::string& slot, bool temporary,
                                            const std::vector<SourceTable>& tables) {
  exporter_ = PgConnection::Connect(endpoint_, true);
  CreatedSlot created = temporary ? pg2ch::CreateTemporarySlotWithSnapshot(*exporter_, slot)
                                  : pg2ch::CreateSlotWithSnapshot(*exporter_, slot, failover_slot_);
  coordinator_ = PgConnection::Connect(endpoint_, false);
  BeginSnapshotSession(*coordinator_, created.snapshot_name, tables);
  return {created.snapshot_name, created.consistent_point};
}

LoadSnapshot PgSnapshotSource::CreateSlotWithSnapshot(const std::vector<SourceTable>& tables) {
  return SlotSnapshot(slot_, false, tables);
}

LoadSnapshot PgSnapshotSource::CreateTemporarySlotWithSnapshot(
    const std::vector<SourceTable>& tables) {
  // Unique per process, and short enough for NAMEDATALEN with the pipe's slot name in it.
  return SlotSnapshot(slot_.substr(0, 40) + "_load_" + std::to_string(getpid()), true, tables);
}

LoadSnapshot PgSnapshotSource::ExportSnapshot(const std::vector<SourceTable>& tables) {
  coordinator_ = PgConnection::Connect(endpoint_, false);
  ExportedSnapshot exported = BeginExportedSnapshot(*coordinator_, tables);
  return {exported.name, exported.wal_lsn};
}

PgConnection& PgSnapshotSource::Coordinator() {
  if (coordinator_ == nullptr) ThrowFatal("snapshot source: no snapshot was begun");
  return *coordinator_;
}

TableLayout PgSnapshotSource::Layout(const SourceTable& table) {
  return ReadTableLayout(Coordinator(), table);
}

std::optional<std::string> PgSnapshotSource::PrimaryKeyFirstColumn(const SourceTable& table) {
  return pg2ch::PrimaryKeyFirstColumn(Coordinator(), table);
}

ValueBounds PgSnapshotSource::Bounds(const SourceTable& table, const std::string& column,
                                     ValueKind kind, bool only) {
  PgConnection& conn = Coordinator();
  return ReadValueBounds(conn, table, column, FiniteCondition(kind, column, conn.server_version()),
                         only);
}

void PgSnapshotSource::Finish() { Coordinator().Exec("COMMIT"); }

}  // namespace pg2ch
