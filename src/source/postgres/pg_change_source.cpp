#include "source/postgres/pg_change_source.h"

#include <spdlog/spdlog.h>

#include "source/postgres/pg_connection.h"
#include "source/postgres/schema_reader.h"

namespace pg2ch {
namespace {

constexpr int kFirstStreamingVersion = 140000;  // pgoutput protocol v2
// Messages of a committed streamed transaction decoded per Next: tens of milliseconds.
constexpr size_t kReplaySlice = 20000;

}  // namespace

PgChangeSource::PgChangeSource(const PostgresEndpoint& endpoint, const std::string& slot,
                               const std::vector<std::string>& publications, Lsn start,
                               const std::vector<SourceTable>& tables, SpillPolicy spill,
                               bool stream_large_transactions)
    : endpoint_(endpoint),
      slot_(slot),
      connection_(PgConnection::Connect(endpoint, true)),
      streaming_(stream_large_transactions && spill.create_scratch &&
                 PQserverVersion(connection_->raw()) >= kFirstStreamingVersion),
      session_(tables, spill, streaming_ ? spill.create_scratch : nullptr),
      stream_(std::move(connection_), slot, publications, start, streaming_) {}

ChangeEvent PgChangeSource::Next(std::chrono::milliseconds timeout) {
  ChangeEvent event;
  if (session_.replaying()) {
    // A slice at a time, so that the CDC loop goes on reporting status to the server.
    event.transaction = session_.Replay(kReplaySlice);
    if (event.transaction)
      spdlog::info(
          "slot {}: transaction committed at {} was streamed while in progress ({} "
          "messages kept in a stream file)",
          slot_, FormatLsn(event.transaction->transaction.commit_lsn),
          session_.last_streamed_messages());
    return event;
  }
  std::optional<ReplicationMessage> message = stream_.Next(timeout);
  if (!message) return event;
  if (auto* x = std::get_if<XLogData>(&*message)) {
    event.received = x->wal_end;
    event.transaction = session_.Feed(x->payload);
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
