#include "source/postgres/pg_change_source.h"

#include "source/postgres/pg_connection.h"
#include "source/postgres/pgoutput_decoder.h"
#include "source/postgres/schema_reader.h"

namespace pg2ch {

PgChangeSource::PgChangeSource(const PostgresEndpoint& endpoint, const std::string& slot,
                               const std::vector<std::string>& publications, Lsn start,
                               const std::vector<SourceTable>& tables, SpillPolicy spill)
    : endpoint_(endpoint),
      assembler_(tables, std::move(spill)),
      stream_(PgConnection::Connect(endpoint, true), slot, publications, start) {}

ChangeEvent PgChangeSource::Next(std::chrono::milliseconds timeout) {
  ChangeEvent event;
  std::optional<ReplicationMessage> message = stream_.Next(timeout);
  if (!message) return event;
  if (auto* x = std::get_if<XLogData>(&*message)) {
    event.received = x->wal_end;
    event.transaction = assembler_.Feed(DecodePgOutput(x->payload));
  } else if (auto* k = std::get_if<PrimaryKeepalive>(&*message)) {
    event.received = k->wal_end;
    event.keepalive = SourceKeepalive{k->wal_end, k->reply_requested};
  }
  return event;
}

void PgChangeSource::ResolveAddedColumns(const SourceTable& table,
                                         std::vector<SourceColumn>& added) {
  // Rare: a connection per change costs less than keeping one open for the pipe's life.
  auto pg = PgConnection::Connect(endpoint_, false);
  ResolveColumnTypes(*pg, table.QualifiedName(), added);
}

}  // namespace pg2ch
