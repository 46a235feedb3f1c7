#include "source/postgres/replication_stream.h"

#include <poll.h>

#include <algorithm>
#include <cerrno>

#include "common/error.h"
#include "common/sql_quote.h"

namespace pg2ch {

ReplicationStream::ReplicationStream(std::unique_ptr<PgConnection> conn, const std::string& slot,
                                     const std::vector<std::string>& publications, Lsn start,
                                     bool streaming)
    : conn_(std::move(conn)) {
  std::string names;
  for (const std::string& p : publications) names += (names.empty() ? "" : ",") + PgIdent(p);
  std::string sql = "START_REPLICATION SLOT " + PgIdent(slot) + " LOGICAL " + FormatLsn(start) +
                    (streaming ? " (proto_version '2', streaming 'on'" : " (proto_version '1'") +
                    ", publication_names " + PgLiteral(names) + ")";
  PgResult result(PQexec(conn_->raw(), sql.c_str()));
  // object_in_use: another backend streams from the slot (a previous pg2ch whose walsender has
  // not noticed yet that it died, or someone else). It lets go eventually: retry.
  const char* sqlstate = PQresultErrorField(result.get(), PG_DIAG_SQLSTATE);
  if (sqlstate != nullptr && std::string_view(sqlstate) == "55006")
    ThrowRetryable("PostgreSQL: replication slot \"" + slot +
                   "\" is in use by another connection: " + conn_->ErrorMessage());
  conn_->Check(result.get(), "START_REPLICATION of slot \"" + slot + "\"");
  if (PQresultStatus(result.get()) != PGRES_COPY_BOTH)
    ThrowRetryable("PostgreSQL: START_REPLICATION did not enter streaming mode");
}

ReplicationStream::~ReplicationStream() { FreeBuffer(); }

void ReplicationStream::FreeBuffer() {
  if (buffer_) PQfreemem(buffer_);
  buffer_ = nullptr;
}

std::optional<ReplicationMessage> ReplicationStream::Next(std::chrono::milliseconds timeout) {
  FreeBuffer();
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int len = PQgetCopyData(conn_->raw(), &buffer_, 1);
    if (len > 0)
      return ParseReplicationMessage(
          std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(buffer_), len));
    if (len == -1) {  // the server ended the stream: its reason is in the final result
      PgResult end(PQgetResult(conn_->raw()));
      conn_->Check(end.get(), "replication stream");
      ThrowRetryable("PostgreSQL: the replication stream ended");
    }
    if (len == -2) ThrowRetryable("PostgreSQL: replication stream: " + conn_->ErrorMessage());
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return std::nullopt;
    auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - now);
    // poll, not select: FD_SET is undefined for descriptors >= 1024, which a server with many
    // pipes reaches.
    pollfd readable{PQsocket(conn_->raw()), POLLIN, 0};
    int wait_ms = static_cast<int>(std::max<int64_t>(1, (left.count() + 999) / 1000));
    if (poll(&readable, 1, wait_ms) < 0 && errno != EINTR)
      ThrowRetryable("replication stream: poll failed");
    if (PQconsumeInput(conn_->raw()) == 0)
      ThrowRetryable("PostgreSQL: replication stream: " + conn_->ErrorMessage());
  }
}

void ReplicationStream::SendStatus(Lsn flushed, bool reply_requested) {
  std::string msg =
      EncodeStandbyStatusUpdate(flushed, flushed, flushed, PgNowMicros(), reply_requested);
  if (PQputCopyData(conn_->raw(), msg.data(), static_cast<int>(msg.size())) != 1 ||
      PQflush(conn_->raw()) != 0)
    ThrowRetryable("PostgreSQL: sending standby status: " + conn_->ErrorMessage());
}

}  // namespace pg2ch
