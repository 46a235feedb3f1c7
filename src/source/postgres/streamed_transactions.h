// Transactions PostgreSQL streams while they are still in progress (pgoutput protocol v2, 14+,
// `streaming 'on'`): once a transaction outgrows logical_decoding_work_mem its messages arrive in
// blocks between Stream Start and Stream Stop, interleaved with other transactions, and it ends
// later with Stream Commit or Stream Abort. No decoding beyond the xid of a change.
//
// Contract:
// - Each top-level transaction's messages are kept raw, as received, in a scratch file of its own
//   (made by `create`), so that at Stream Commit they can be decoded in commit order exactly like
//   a transaction sent whole: a streamed transaction's Relation messages must not be applied
//   before the transactions that commit ahead of it. Memory stays bounded by the write buffers.
// - Stream Abort of the whole transaction drops its file. Of a subtransaction (a rolled-back
//   savepoint): its messages are left out when the transaction is read back (every streamed
//   message but Origin names its (sub)xid), Relation and Type included, as PostgreSQL's own
//   subscriber drops them: after the abort pgoutput forgets having sent the schema
//   (cleanup_rel_sync_cache) and sends it again before the transaction's next change, so a
//   column added inside the rolled-back savepoint leaves no trace.
// - Between blocks an open transaction holds its file but no write buffer (ReleaseBuffer).
// - A first segment for an xid already held starts it over (PostgreSQL streams a transaction
//   again from its start after a reconnect); a later segment of an unknown xid, a Stream Commit
//   of an unknown xid, or block framing out of order throw DecodeError: rows would be missing.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "core/scratch_file.h"
#include "source/postgres/pgoutput_messages.h"

namespace pg2ch {

// A committed streamed transaction's messages, read back in the order they came.
class StreamedTransaction {
 public:
  StreamedTransaction(std::unique_ptr<ScratchFile> file, std::unordered_set<uint32_t> aborted)
      : file_(std::move(file)), aborted_(std::move(aborted)) {}
  // The next message's payload (decode it with in_stream = true); false after the last.
  bool Next(std::string& payload);
  size_t messages() const { return file_->records(); }

 private:
  std::unique_ptr<ScratchFile> file_;
  std::unordered_set<uint32_t> aborted_;  // subtransactions whose changes are left out
};

class StreamedTransactions {
 public:
  using CreateFile = std::function<std::unique_ptr<ScratchFile>()>;
  explicit StreamedTransactions(CreateFile create) : create_(std::move(create)) {}

  void Start(const pgoutput::StreamStart& start);
  // A message inside the open block, kept as it is.
  void Append(std::span<const uint8_t> payload);
  void Stop();
  void Abort(const pgoutput::StreamAbort& abort);
  // Ends the stream of `xid` (outside a block): its messages, ready to read.
  StreamedTransaction Commit(uint32_t xid);

  bool in_block() const { return block_ != nullptr; }
  size_t open() const { return open_.size(); }  // transactions streamed, not yet ended

 private:
  struct Open {
    std::unique_ptr<ScratchFile> file;
    std::unordered_set<uint32_t> aborted;
  };
  CreateFile create_;
  std::unordered_map<uint32_t, Open> open_;  // by top-level xid
  Open* block_ = nullptr;                    // the transaction of the block being received
  uint32_t block_xid_ = 0;
};

}  // namespace pg2ch
