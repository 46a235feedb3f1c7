// The change source of a PostgreSQL slot (port/change_source.h): START_REPLICATION with pgoutput
// (replication_stream.h), each XLogData decoded and assembled into committed transactions of the
// pipe's tables (pgoutput_session.h). On PostgreSQL 14+ with `stream_large_transactions`, large
// transactions come while in progress (protocol v2 streaming) and wait in stream files made by
// SpillPolicy::create_scratch until they commit.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "port/change_source.h"
#include "source/postgres/pgoutput_session.h"
#include "source/postgres/postgres_endpoint.h"
#include "source/postgres/replication_stream.h"

namespace pg2ch {

class PgChangeSource final : public ChangeSource {
 public:
  // Connects (a replication connection) and streams `slot` from `start`.
  PgChangeSource(const PostgresEndpoint& endpoint, const std::string& slot,
                 const std::vector<std::string>& publications, Lsn start,
                 const std::vector<SourceTable>& tables, SpillPolicy spill,
                 bool stream_large_transactions);

  ChangeEvent Next(std::chrono::milliseconds timeout) override;
  bool InTransaction() const override { return session_.in_transaction(); }
  void Confirm(Lsn durable) override { stream_.SendStatus(durable); }
  void ResolveAddedColumns(const SourceTable& table, std::vector<SourceColumn>& added) override;

 private:
  PostgresEndpoint endpoint_;
  std::string slot_;
  std::unique_ptr<PgConnection> connection_;  // until the stream takes it
  bool streaming_;
  PgOutputSession session_;
  ReplicationStream stream_;
};

}  // namespace pg2ch
