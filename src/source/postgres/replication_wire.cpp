#include "source/postgres/replication_wire.h"

#include <chrono>

#include "source/postgres/byte_reader.h"

namespace pg2ch {
namespace {

XLogData ParseXLogData(ByteReader& reader) {
  reader.SetContext("replication XLogData");
  XLogData data;
  data.wal_start = reader.ReadU64("WAL start");
  data.wal_end = reader.ReadU64("WAL end");
  data.send_time = reader.ReadI64("send time");
  data.payload = reader.ReadBytes(reader.Remaining(), "payload");
  return data;
}

PrimaryKeepalive ParseKeepalive(ByteReader& reader) {
  reader.SetContext("replication primary keepalive");
  PrimaryKeepalive keepalive;
  keepalive.wal_end = reader.ReadU64("WAL end");
  keepalive.send_time = reader.ReadI64("send time");
  uint8_t reply = reader.ReadU8("reply-requested flag");
  if (reply > 1) reader.Fail("reply-requested flag is " + std::to_string(reply) + ", not 0 or 1");
  keepalive.reply_requested = reply == 1;
  reader.ExpectEnd();
  return keepalive;
}

void AppendU64(std::string& out, uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(value >> shift));
}

}  // namespace

ReplicationMessage ParseReplicationMessage(std::span<const uint8_t> copy_data) {
  ByteReader reader(copy_data, "replication message");
  uint8_t tag = reader.ReadU8("message tag");
  switch (tag) {
    case 'w':
      return ParseXLogData(reader);
    case 'k':
      return ParseKeepalive(reader);
  }
  // The reader has consumed the tag; report it at its own offset.
  ByteReader(copy_data, "replication message").Fail("unknown message tag " + DescribeTag(tag));
}

std::string EncodeStandbyStatusUpdate(Lsn written, Lsn flushed, Lsn applied,
                                      int64_t client_time_us_since_2000, bool reply_requested) {
  std::string out;
  out.reserve(34);
  out.push_back('r');
  AppendU64(out, written);
  AppendU64(out, flushed);
  AppendU64(out, applied);
  AppendU64(out, static_cast<uint64_t>(client_time_us_since_2000));
  out.push_back(reply_requested ? 1 : 0);
  return out;
}

int64_t PgNowMicros() {
  auto since_unix = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::system_clock::now().time_since_epoch());
  return since_unix.count() - kPgEpochUnixMicros;
}

}  // namespace pg2ch
