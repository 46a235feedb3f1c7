// SourceAdmin (port/source_admin.h) on PostgreSQL: one ordinary connection, opened at
// construction, for the pipe's publication and slot (replication_setup.h) and its tables'
// definitions (schema_reader.h). Creating a slot opens a replication connection of its own.
#pragma once

#include <memory>
#include <string>

#include "port/source_admin.h"
#include "source/postgres/pg_connection.h"
#include "source/postgres/postgres_endpoint.h"

namespace pg2ch {

class PgSourceAdmin final : public SourceAdmin {
 public:
  PgSourceAdmin(const PostgresEndpoint& endpoint, std::string publication, std::string slot,
                bool failover_slot);
  void CheckLogicalReplication() override;
  std::vector<std::string> ServerNotices() override;
  SourceTable ReadTable(const std::string& schema, const std::string& name) override;
  bool EnsurePublication(const std::vector<SourceTable>& tables) override;
  bool PublicationIncludes(const SourceTable& table) override;
  void AddToPublication(const SourceTable& table) override;
  void RemoveFromPublication(const std::string& schema, const std::string& name) override;
  std::optional<SlotState> FindSlot() override;
  Lsn CreateSlot() override;
  void DropSlot() override;

 private:
  PostgresEndpoint endpoint_;
  std::string publication_;
  std::string slot_;
  bool failover_slot_ = false;
  std::unique_ptr<PgConnection> conn_;
};

}  // namespace pg2ch
