// The change destination of ClickHouse tables (port/change_destination.h): a client of its own
// and a ClickHouseSink over the pipe's tables (clickhouse_sink.h has the table layout and why
// replays are harmless).
#pragma once

#include <vector>

#include "destination/clickhouse/clickhouse_endpoint.h"
#include "destination/clickhouse/clickhouse_sink.h"
#include "port/change_destination.h"

namespace pg2ch {

class ClickHouseChangeDestination final : public ChangeDestination {
 public:
  // Maps every table's types now: an unsupported one throws PipeError(kFatal) before anything
  // is read or written.
  ClickHouseChangeDestination(const ClickHouseEndpoint& endpoint,
                              std::vector<DestinationTable> tables)
      : client_(endpoint), sink_(client_, std::move(tables)) {}

  void ApplyTransactions(std::span<Transaction> transactions) override {
    sink_.ApplyTransactions(transactions);
  }
  std::vector<std::string> UpdateTable(const DestinationTable& table) override {
    return sink_.UpdateTable(table);
  }

 private:
  ClickHouseClient client_;
  ClickHouseSink sink_;
};

}  // namespace pg2ch
