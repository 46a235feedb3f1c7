// DestinationTables (port/destination_tables.h) in ClickHouse: CREATE DATABASE / TABLE IF NOT
// EXISTS with the sink's layout (clickhouse_sink.h), TRUNCATE, DROP, and the twin swap of
// twin_tables.h. One client, one thread.
#pragma once

#include "destination/clickhouse/clickhouse_endpoint.h"
#include "destination/clickhouse/http_client.h"
#include "port/destination_tables.h"

namespace pg2ch {

class ClickHouseTables final : public DestinationTables {
 public:
  explicit ClickHouseTables(const ClickHouseEndpoint& endpoint);
  std::string Describe() override;
  void EnsureTables(const std::vector<DestinationTable>& tables) override;
  void Truncate(const DestinationTable& table) override;
  void Drop(const DestinationTable& table) override;
  bool SwapInTwin(const DestinationTable& table, const DestinationTable& twin,
                  Lsn min_version) override;

 private:
  ClickHouseEndpoint endpoint_;
  ClickHouseClient client_;
};

}  // namespace pg2ch
