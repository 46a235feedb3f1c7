// The initial load's partition reader on PostgreSQL (port/snapshot_ports.h): one ordinary
// connection that imported the load's exported snapshot (snapshot_session.h) and runs one COPY
// per partition, binary or text (table_copy.h).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "port/snapshot_ports.h"
#include "source/postgres/pg_connection.h"
#include "source/postgres/postgres_endpoint.h"

namespace pg2ch {

class PgPartitionReader final : public PartitionReader {
 public:
  // Connects and imports `snapshot_name`, locking `tables` (a missing one is fatal).
  PgPartitionReader(const PostgresEndpoint& endpoint, const std::string& snapshot_name,
                    const std::vector<SourceTable>& tables);
  uint64_t Copy(const SourceTable& table, const CopyScope& scope, bool binary,
                SnapshotWriter& writer, const std::function<void()>& tick) override;

 private:
  std::unique_ptr<PgConnection> conn_;
};

}  // namespace pg2ch
