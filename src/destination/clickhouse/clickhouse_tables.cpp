#include "destination/clickhouse/clickhouse_tables.h"

#include <set>

#include "destination/clickhouse/clickhouse_sink.h"
#include "destination/clickhouse/http_error.h"
#include "destination/clickhouse/twin_tables.h"

namespace pg2ch {

ClickHouseTables::ClickHouseTables(const ClickHouseEndpoint& endpoint)
    : endpoint_(endpoint), client_(endpoint) {}

std::string ClickHouseTables::Describe() {
  return "ClickHouse " + client_.Caps().version + " at " + RedactUrl(endpoint_.url);
}

void ClickHouseTables::EnsureTables(const std::vector<DestinationTable>& tables) {
  ClickHouseSink sink(client_, tables);  // maps every type before anything is created
  std::set<std::string> databases;
  for (const DestinationTable& t : tables)
    if (databases.insert(t.database).second) EnsureDatabase(client_, t.database);
  sink.EnsureTables();
}

void ClickHouseTables::Truncate(const DestinationTable& table) {
  ClickHouseSink(client_, {table}).TruncateTable(table.source.relid);
}

void ClickHouseTables::Drop(const DestinationTable& table) {
  DropTableIfExists(client_, table.database, table.table);
}

bool ClickHouseTables::SwapInTwin(const DestinationTable& table, const DestinationTable& twin,
                                  Lsn min_version) {
  return pg2ch::SwapInTwin(client_, table.database, table.table, twin.table, min_version);
}

}  // namespace pg2ch
