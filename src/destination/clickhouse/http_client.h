// ClickHouse over its HTTP interface (libcurl). One client per thread; not thread-safe.
//
// Errors: connection refused, timeouts and HTTP 5xx that ClickHouse marks as transient are
// PipeError(kRetryable); authentication failures and SQL errors (unknown table, syntax, type
// mismatch) are PipeError(kFatal) carrying ClickHouse's message. The password is sent as a header
// (X-ClickHouse-Key) and never appears in a message, URL or log.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "destination/clickhouse/clickhouse_endpoint.h"
#include "destination/clickhouse/server_caps.h"

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
  // The same, with a body produced while it is sent (HTTP chunked transfer), so reading the
  // source and ClickHouse parsing overlap and no whole body is ever held. `read` runs on this
  // thread, inside the transfer: it fills up to `size` bytes at `buffer` and returns how many,
  // 0 to end the body; it may block (that is the back-pressure on the producer). If it throws,
  // the request is abandoned (ClickHouse drops the incomplete block) and the exception
  // propagates. No total time limit: a transfer with no progress for 10 minutes fails instead.
  void InsertStream(std::string_view insert_sql,
                    const std::function<size_t(char* buffer, size_t size)>& read);
  // Read once per client from SELECT version().
  const ServerCaps& Caps();
  const ClickHouseEndpoint& endpoint() const { return endpoint_; }

 private:
  ClickHouseEndpoint endpoint_;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pg2ch
