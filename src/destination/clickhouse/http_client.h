// ClickHouse over its HTTP interface (libcurl). One client per thread; not thread-safe.
//
// Errors: connection refused, timeouts and HTTP 5xx that ClickHouse marks as transient are
// PipeError(kRetryable); authentication failures and SQL errors (unknown table, syntax, type
// mismatch) are PipeError(kFatal) carrying ClickHouse's message. The password is sent as a header
// (X-ClickHouse-Key) and never appears in a message, URL or log.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "destination/clickhouse/server_caps.h"
#include "pipe/pipe_config.h"

namespace pg2ch {

class ClickHouseClient {
 public:
  explicit ClickHouseClient(ClickHouseEndpoint endpoint);
  ~ClickHouseClient();
  ClickHouseClient(const ClickHouseClient&) = delete;
  ClickHouseClient& operator=(const ClickHouseClient&) = delete;

  // Runs one statement; returns the response body (use a FORMAT clause to shape it).
  std::string Query(std::string_view sql);
  // Sends `insert_sql` (e.g. "INSERT INTO `db`.`t` (`a`,`b`) FORMAT RowBinary") with `body` as
  // the data. Returns once ClickHouse has acknowledged: the rows are durable.
  void Insert(std::string_view insert_sql, std::string_view body);
  // Read once per client from SELECT version().
  const ServerCaps& Caps();
  const ClickHouseEndpoint& endpoint() const { return endpoint_; }

 private:
  ClickHouseEndpoint endpoint_;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pg2ch
