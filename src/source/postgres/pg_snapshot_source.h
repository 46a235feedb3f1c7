// SnapshotSource (port/snapshot_source.h) on PostgreSQL. A slot's snapshot is exported by a
// replication connection (replication_setup.h) that stays open and idle while this object
// lives; a snapshot without a slot by the coordinating connection itself. The coordinator
// imports the snapshot and locks the tables (snapshot_session.h), then answers the planning
// reads (table_layout.h, value_bounds.h).
#pragma once

#include <memory>
#include <string>

#include "port/snapshot_source.h"
#include "source/postgres/pg_connection.h"
#include "source/postgres/postgres_endpoint.h"

namespace pg2ch {

class PgSnapshotSource final : public SnapshotSource {
 public:
  // `slot`: the pipe's; a temporary slot is named after it.
  // `failover_slot`: the pipe's slot is made a failover slot (17+); temporary ones never are.
  PgSnapshotSource(const PostgresEndpoint& endpoint, std::string slot, bool failover_slot);
  LoadSnapshot CreateSlotWithSnapshot(const std::vector<SourceTable>& tables) override;
  LoadSnapshot CreateTemporarySlotWithSnapshot(const std::vector<SourceTable>& tables) override;
  LoadSnapshot ExportSnapshot(const std::vector<SourceTable>& tables) override;
  TableLayout Layout(const SourceTable& table) override;
  std::optional<std::string> PrimaryKeyFirstColumn(const SourceTable& table) override;
  ValueBounds Bounds(const SourceTable& table, const std::string& column, ValueKind kind,
                     bool only) override;
  void Finish() override;

 private:
  LoadSnapshot SlotSnapshot(const std::string& slot, bool temporary,
                            const std::vector<SourceTable>& tables);
  PgConnection& Coordinator();

  PostgresEndpoint endpoint_;
  std::string slot_;
  bool failover_slot_ = false;
  std::unique_ptr<PgConnection> exporter_;
  std::unique_ptr<PgConnection> coordinator_;
};

}  // namespace pg2ch
