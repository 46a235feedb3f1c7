// One replication session's pgoutput: XLogData payloads in, committed transactions of the pipe's
// tables out, in commit order. Ties the decoder (pgoutput_decoder.h), the transactions sent whole
// (transaction_assembler.h) and those streamed while in progress (streamed_transactions.h).
//
// Contract:
// - Messages between Stream Start and Stream Stop are kept raw until their transaction's Stream
//   Commit; the committed stream is then decoded and assembled as if PostgreSQL had sent it whole
//   at that point (Begin, its messages, Commit with the Stream Commit's LSNs), so every rule of the
//   assembler (schema changes, spilling, TOAST, keyless rows) applies to it unchanged.
// - That replay goes in slices: Feed of a Stream Commit starts it (replaying() turns true) and
//   Replay(n) decodes up to n messages per call, returning the transaction from the last one. A
//   transaction of millions of rows takes a while, and meanwhile the caller must keep telling
//   the server it is alive (wal_sender_timeout). No Feed while replaying.
// - A Stream Commit inside a transaction sent whole, or stream framing out of order, throws
//   DecodeError (fatal): the stream is not what pg2ch asked for.
// - in_transaction() is true inside a transaction sent whole, a stream block or a replay: the
//   only times the source's position is inside something unfinished. Streamed transactions open
//   between blocks do not count: they commit after any position the server has sent so far, so
//   confirming such a position loses nothing of them (PostgreSQL streams them again from their
//   start after a reconnect).
// No I/O beyond the spill and stream files.
#pragma once

#include <optional>
#include <span>
#include <vector>

#include "core/assembled_transaction.h"
#include "source/postgres/streamed_transactions.h"
#include "source/postgres/transaction_assembler.h"

namespace pg2ch {

class PgOutputSession {
 public:
  PgOutputSession(const std::vector<SourceTable>& tables, SpillPolicy spill,
                  StreamedTransactions::CreateFile stream_file);

  // Returns the transaction `payload` finished, if any (a Stream Commit only starts a replay).
  std::optional<AssembledTransaction> Feed(std::span<const uint8_t> payload);
  bool replaying() const { return replay_.has_value(); }
  // Decodes up to `max_messages` more of the replay; the transaction once it is done.
  std::optional<AssembledTransaction> Replay(size_t max_messages);

  bool in_transaction() const {
    return assembler_.in_transaction() || streams_.in_block() || replaying();
  }
  const StreamedTransactions& streams() const { return streams_; }
  // Messages of the last transaction returned that came streamed; 0 when it came whole.
  size_t last_streamed_messages() const { return last_streamed_messages_; }

 private:
  void StartReplay(const pgoutput::StreamCommit& commit);

  struct Replaying {
    StreamedTransaction messages;
    pgoutput::StreamCommit commit;
  };
  TransactionAssembler assembler_;
  StreamedTransactions streams_;
  std::optional<Replaying> replay_;
  size_t last_streamed_messages_ = 0;
};

}  // namespace pg2ch
