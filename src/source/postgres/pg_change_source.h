// The change source of a PostgreSQL slot (port/change_source.h): START_REPLICATION with pgoutput
// (replication_stream.h), each XLogData decoded (pgoutput_decoder.h) and assembled into committed
// transactions of the pipe's tables (transaction_assembler.h).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "port/change_source.h"
#include "source/postgres/postgres_endpoint.h"
#include "source/postgres/replication_stream.h"
#include "source/postgres/transaction_assembler.h"

namespace pg2ch {

class PgChangeSource final : public ChangeSource {
 public:
  // Connects (a replication connection) and streams `slot` from `start`.
  PgChangeSource(const PostgresEndpoint& endpoint, const std::string& slot,
                 const std::vector<std::string>& publications, Lsn start,
                 const std::vector<SourceTable>& tables, SpillPolicy spill);

  ChangeEvent Next(std::chrono::milliseconds timeout) override;
  bool InTransaction() const override { return assembler_.in_transaction(); }
  void Confirm(Lsn durable) override { stream_.SendStatus(durable); }
  void ResolveAddedColumns(const SourceTable& table, std::vector<SourceColumn>& added) override;

 private:
  PostgresEndpoint endpoint_;
  TransactionAssembler assembler_;
  ReplicationStream stream_;
};

}  // namespace pg2ch
