// Byte layouts built by hand from the "Streaming Replication Protocol" documentation
// (https://www.postgresql.org/docs/15/protocol-replication.html), not from our encoder.
#include "source/postgres/replication_wire.h"

#include <gtest/gtest.h>

#include <ctime>
#include <string>
#include <vector>

#include "common/error.h"
#include "source/postgres/pgoutput_decoder.h"

namespace pg2ch {
namespace {

void AppendBE(std::vector<uint8_t>& out, uint64_t value, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<uint8_t>(value >> (8 * i)));
}

std::vector<uint8_t> XLogDataBytes(Lsn start, Lsn end, int64_t time,
                                   const std::vector<uint8_t>& payload) {
  std::vector<uint8_t> out = {'w'};
  AppendBE(out, start, 8);
  AppendBE(out, end, 8);
  AppendBE(out, static_cast<uint64_t>(time), 8);
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

std::vector<uint8_t> KeepaliveBytes(Lsn end, int64_t time, uint8_t reply) {
  std::vector<uint8_t> out = {'k'};
  AppendBE(out, end, 8);
  AppendBE(out, static_cast<uint64_t>(time), 8);
  out.push_back(reply);
  return out;
}

TEST(ReplicationWireTest, ParsesXLogDataAndBorrowsPayload) {
  // A real pgoutput Stream Stop ('E') as the payload.
  auto bytes = XLogDataBytes(0x0000000116B374D8, 0x0000000116B37500, 757479845000000, {'E'});
  auto message = ParseReplicationMessage(bytes);
  ASSERT_TRUE(std::holds_alternative<XLogData>(message));
  const auto& data = std::get<XLogData>(message);
  EXPECT_EQ(data.wal_start, 0x0000000116B374D8u);
  EXPECT_EQ(data.wal_end, 0x0000000116B37500u);
  EXPECT_EQ(data.send_time, 757479845000000);
  ASSERT_EQ(data.payload.size(), 1u);
  EXPECT_EQ(data.payload.data(), bytes.data() + 25);
  EXPECT_TRUE(std::holds_alternative<pgoutput::StreamStop>(DecodePgOutput(data.payload)));
}

TEST(ReplicationWireTest, XLogDataMayCarryAnEmptyPayload) {
  auto bytes = XLogDataBytes(1, 2, 3, {});
  XLogData data = std::get<XLogData>(ParseReplicationMessage(bytes));
  EXPECT_TRUE(data.payload.empty());
}

TEST(ReplicationWireTest, ParsesKeepalive) {
  for (uint8_t reply : {0, 1}) {
    auto bytes = KeepaliveBytes(0x0000001600000010, -5, reply);
    auto message = ParseReplicationMessage(bytes);
    ASSERT_TRUE(std::holds_alternative<PrimaryKeepalive>(message));
    const auto& keepalive = std::get<PrimaryKeepalive>(message);
    EXPECT_EQ(keepalive.wal_end, 0x0000001600000010u);
    EXPECT_EQ(keepalive.send_time, -5);
    EXPECT_EQ(keepalive.reply_requested, reply == 1);
  }
}

TEST(ReplicationWireTest, KeepaliveWithTrailingBytesOrBadFlagThrows) {
  auto bytes = KeepaliveBytes(1, 2, 0);
  bytes.push_back(0);
  EXPECT_THROW(ParseReplicationMessage(bytes), DecodeError);
  EXPECT_THROW(ParseReplicationMessage(KeepaliveBytes(1, 2, 2)), DecodeError);
}

TEST(ReplicationWireTest, EveryTruncatedPrefixThrows) {
  auto xlog = XLogDataBytes(1, 2, 3, {});  // the 25-byte header; the payload may be empty
  auto keepalive = KeepaliveBytes(1, 2, 1);
  for (const auto* full : {&xlog, &keepalive}) {
    for (size_t n = 0; n < full->size(); ++n) {
      // A copy of exactly n bytes, so a sanitizer build catches any read beyond it.
      std::vector<uint8_t> prefix(full->begin(), full->begin() + n);
      EXPECT_THROW(ParseReplicationMessage(prefix), DecodeError) << "prefix length " << n;
    }
  }
}

TEST(ReplicationWireTest, UnknownTagThrowsNamingIt) {
  for (int tag = 0; tag < 256; ++tag) {
    if (tag == 'w' || tag == 'k') continue;
    std::vector<uint8_t> bytes(40, 0);
    bytes[0] = static_cast<uint8_t>(tag);
    EXPECT_THROW(ParseReplicationMessage(bytes), DecodeError) << "tag " << tag;
  }
  std::vector<uint8_t> hot_standby_feedback = {'h', 0, 0, 0};
  try {
    ParseReplicationMessage(hot_standby_feedback);
    FAIL() << "expected DecodeError";
  } catch (const DecodeError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown message tag 'h'"), std::string::npos) << e.what();
  }
}

TEST(ReplicationWireTest, EncodesStandbyStatusUpdate) {
  std::string bytes = EncodeStandbyStatusUpdate(0x0000000116B374D8, 0x0000000116B374D0,
                                                0x0000000100000001, 757479845000000, true);
  std::vector<uint8_t> expected = {'r'};
  AppendBE(expected, 0x0000000116B374D8, 8);
  AppendBE(expected, 0x0000000116B374D0, 8);
  AppendBE(expected, 0x0000000100000001, 8);
  AppendBE(expected, 757479845000000, 8);
  expected.push_back(1);
  ASSERT_EQ(bytes.size(), 34u);
  EXPECT_EQ(std::vector<uint8_t>(bytes.begin(), bytes.end()), expected);

  std::string no_reply = EncodeStandbyStatusUpdate(0, 0, 0, 0, false);
  EXPECT_EQ(no_reply, std::string("r") + std::string(33, '\0'));
}

TEST(ReplicationWireTest, PgNowMicrosCountsFromYear2000) {
  // 2024-01-02 03:04:05 UTC is 757479845 s after the PostgreSQL epoch.
  EXPECT_EQ(kPgEpochUnixMicros + 757479845LL * 1000000, 1704164645LL * 1000000);
  int64_t before = (static_cast<int64_t>(std::time(nullptr)) - 946684800) * 1000000;
  int64_t now = PgNowMicros();
  int64_t after = (static_cast<int64_t>(std::time(nullptr)) + 1 - 946684800) * 1000000;
  EXPECT_GE(now, before);
  EXPECT_LE(now, after);
}

}  // namespace
}  // namespace pg2ch
