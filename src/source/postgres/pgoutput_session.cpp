#include "source/postgres/pgoutput_session.h"

#include <string>

#include "common/error.h"
#include "source/postgres/pgoutput_decoder.h"

namespace pg2ch {

PgOutputSession::PgOutputSession(const std::vector<SourceTable>& tables, SpillPolicy spill,
                                 StreamedTransactions::CreateFile stream_file)
    : assembler_(tables, std::move(spill)), streams_(std::move(stream_file)) {}

std::optional<AssembledTransaction> PgOutputSession::Feed(std::span<const uint8_t> payload) {
  using namespace pgoutput;
  if (streams_.in_block()) {
    // Kept undecoded: decoded once, at the commit. Only the framing is looked at now.
    char tag = payload.empty() ? '\0' : static_cast<char>(payload[0]);
    if (tag == 'E') {
      DecodePgOutput(payload);  // checks it is exactly a Stream Stop
      streams_.Stop();
      return std::nullopt;
    }
    if (tag == 'S' || tag == 'c' || tag == 'A' || tag == 'B' || tag == 'C')
      throw DecodeError(std::string("pgoutput: message '") + tag + "' inside a stream block");
    streams_.Append(payload);
    return std::nullopt;
  }
  PgOutputMessage message = DecodePgOutput(payload);
  if (auto* m = std::get_if<StreamStart>(&message)) {
    if (assembler_.in_transaction())
      throw DecodeError("pgoutput: Stream Start inside a transaction");
    streams_.Start(*m);
    return std::nullopt;
  }
  if (std::holds_alternative<StreamStop>(message)) {
    streams_.Stop();  // throws: no block is open
    return std::nullopt;
  }
  if (auto* m = std::get_if<StreamAbort>(&message)) {
    if (assembler_.in_transaction())
      throw DecodeError("pgoutput: Stream Abort inside a transaction");
    streams_.Abort(*m);
    return std::nullopt;
  }
  if (auto* m = std::get_if<StreamCommit>(&message)) return CommitStream(*m);
  last_streamed_messages_ = 0;
  return assembler_.Feed(std::move(message));
}

std::optional<AssembledTransaction> PgOutputSession::CommitStream(
    const pgoutput::StreamCommit& commit) {
  if (assembler_.in_transaction())
    throw DecodeError("pgoutput: Stream Commit inside a transaction");
  StreamedTransaction streamed = streams_.Commit(commit.xid);
  last_streamed_messages_ = streamed.messages();
  assembler_.Feed(pgoutput::Begin{commit.commit_lsn, commit.commit_time, commit.xid});
  std::string payload;
  while (streamed.Next(payload)) {
    auto bytes = std::span(reinterpret_cast<const uint8_t*>(payload.data()), payload.size());
    assembler_.Feed(DecodePgOutput(bytes, true));  // framing was refused as it came
  }
  return assembler_.Feed(
      pgoutput::Commit{commit.flags, commit.commit_lsn, commit.end_lsn, commit.commit_time});
}

}  // namespace pg2ch
