// The initial load's destination in ClickHouse (port/snapshot_ports.h): the tables' codecs,
// mapped once and shared read-only by every worker, and a writer per partition on a client of its
// own (snapshot_writer.h), so that a worker's next partition is read while ClickHouse still
// finishes the previous insert.
#pragma once

#include <map>
#include <vector>

#include "core/destination_table.h"
#include "destination/clickhouse/clickhouse_endpoint.h"
#include "destination/clickhouse/table_codec.h"
#include "port/snapshot_ports.h"

namespace pg2ch {

class ClickHouseSnapshotDestination final : public SnapshotDestination {
 public:
  // Maps the types of `tables[i]` for every i in `indexes` (an unsupported one is fatal).
  ClickHouseSnapshotDestination(const ClickHouseEndpoint& endpoint,
                                const std::vector<DestinationTable>& tables,
                                const std::vector<size_t>& indexes);

  bool AcceptsBinary(size_t table) const override { return codecs_.at(table).binary_copy(); }
  std::unique_ptr<SnapshotWriter> NewWriter(size_t table, Lsn version) override;
  const TableCodec& codec(size_t table) const { return codecs_.at(table); }

 private:
  ClickHouseEndpoint endpoint_;
  std::map<size_t, TableCodec> codecs_;
};

}  // namespace pg2ch
