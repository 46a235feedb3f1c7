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
  if (replay_) throw DecodeError("internal error: a message fed while a replay is unfinished");
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
  if (auto* m = std::get_if<StreamCommit>(&message)) {
    StartReplay(*m);
    return std::nullopt;
  }
  last_streamed_messages_ = 0;
  return assembler_.Feed(std::move(message));
}

void PgOutputSession::StartReplay(const pgoutput::StreamCommit& commit) {
  if (assembler_.in_transaction())
    throw DecodeError("pgoutput: Stream Commit inside a transaction");
  replay_.emplace(Replaying{streams_.Commit(commit.xid), commit});
  assembler_.Feed(pgoutput::Begin{commit.commit_lsn, commit.commit_time, commit.xid});
}

std::optional<AssembledTransaction> PgOutputSession::Replay(size_t max_messages) {
  if (!replay_) throw DecodeError("internal error: no streamed transaction is being replayed");
  std::string payload;
  for (size_t n = 0; n < max_messages; ++n) {
    if (!replay_->messages.Next(payload)) {
      const pgoutput::StreamCommit& c = replay_->commit;
      last_streamed_messages_ = replay_->messages.messages();
      auto done =
          assembler_.Feed(pgoutput::Commit{c.flags, c.commit_lsn, c.end_lsn, c.commit_time});
      replay_.reset();
      return done;
    }
    auto bytes = std::span(reinterpret_cast<const uint8_t*>(payload.data()), payload.size());
    assembler_.Feed(DecodePgOutput(bytes, true));  // framing was refused as it came
  }
  return std::nullopt;
}

}  // namespace pg2ch
