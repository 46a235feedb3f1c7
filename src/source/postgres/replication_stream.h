// The logical replication stream of one slot: START_REPLICATION on a replication connection,
// then CopyData messages in, standby status updates out. Owns the connection and libpq's buffer
// of the last message (freed on the next call or on destruction).
//
// The position reported as flushed is the only thing that lets PostgreSQL advance the slot's
// confirmed_flush_lsn; callers report only what is durable in the destination.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/lsn.h"
#include "source/postgres/pg_connection.h"
#include "source/postgres/replication_wire.h"

namespace pg2ch {

class ReplicationStream {
 public:
  // Sends START_REPLICATION ... LOGICAL start (publication_names ...): proto_version '2' with
  // streaming 'on' when `streaming` (PostgreSQL 14+), else proto_version '1'.
  // Errors (slot missing, WAL removed) come back classified by SQLSTATE.
  ReplicationStream(std::unique_ptr<PgConnection> conn, const std::string& slot,
                    const std::vector<std::string>& publications, Lsn start, bool streaming);
  ~ReplicationStream();

  // Waits up to `timeout` for the next message; nullopt when none came. An XLogData payload
  // points into a buffer valid until the next call.
  std::optional<ReplicationMessage> Next(std::chrono::milliseconds timeout);
  // Reports `flushed` as written, flushed and applied.
  void SendStatus(Lsn flushed, bool reply_requested = false);

 private:
  std::unique_ptr<PgConnection> conn_;
  char* buffer_ = nullptr;
  void FreeBuffer();
};

}  // namespace pg2ch
