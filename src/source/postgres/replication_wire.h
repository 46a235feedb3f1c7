// The CopyData envelope of PostgreSQL's streaming replication protocol (START_REPLICATION), both
// directions. pgoutput bytes ride inside XLogData; decoding them is pgoutput_decoder.h's job.
//
// Contract: ParseReplicationMessage takes the body of one CopyData message exactly as libpq's
// PQgetCopyData returns it and either returns a fully read message or throws DecodeError (unknown
// tag, truncation, trailing bytes after a keepalive). No I/O. XLogData::payload borrows from the
// input: it dies with the caller's buffer, so decode it before freeing that buffer.
//
// Wire format (https://www.postgresql.org/docs/current/protocol-replication.html), all big-endian,
// times in microseconds since 2000-01-01 00:00 UTC:
//   server -> client
//     XLogData          'w' | Int64 wal_start | Int64 wal_end | Int64 send_time | Byte* payload
//     Primary keepalive 'k' | Int64 wal_end   | Int64 send_time | Byte1 reply_requested (0|1)
//   client -> server
//     Standby status    'r' | Int64 written | Int64 flushed | Int64 applied | Int64 client_time
//                           | Byte1 reply_requested                              (34 bytes)
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <variant>

#include "core/lsn.h"

namespace pg2ch {

// 2000-01-01 00:00:00 UTC in microseconds since the Unix epoch.
inline constexpr int64_t kPgEpochUnixMicros = 946'684'800LL * 1'000'000;

struct XLogData {
  Lsn wal_start = 0;  // WAL position of the first payload byte
  Lsn wal_end = 0;    // the server's current end of WAL, not the end of this payload
  int64_t send_time = 0;
  std::span<const uint8_t> payload;  // one pgoutput message; borrowed from the input
};

struct PrimaryKeepalive {
  Lsn wal_end = 0;
  int64_t send_time = 0;
  // The server disconnects us after wal_sender_timeout unless we answer with a status update.
  bool reply_requested = false;
};

using ReplicationMessage = std::variant<XLogData, PrimaryKeepalive>;

ReplicationMessage ParseReplicationMessage(std::span<const uint8_t> copy_data);

// The 'r' message body, ready for PQputCopyData. `flushed` is what lets the server recycle WAL
// and advance the slot's confirmed_flush_lsn, so it must only cover data that is durable.
std::string EncodeStandbyStatusUpdate(Lsn written, Lsn flushed, Lsn applied,
                                      int64_t client_time_us_since_2000, bool reply_requested);

// Now, in microseconds since 2000-01-01 UTC (PostgreSQL's TimestampTz epoch).
int64_t PgNowMicros();

}  // namespace pg2ch
