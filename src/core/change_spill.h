// One transaction's changes on disk: written once while the transaction arrives, then read back
// once, in order and in bounded chunks, when it is applied. Keeps a transaction of any size out
// of memory (transaction_assembler.h decides when to spill; cdc_phase.cpp applies the chunks).
//
// Storage: a ScratchFile (scratch_file.h: `<dir>/txn-XXXXXX.spill`, removed with this object;
// a crashed process's files go by RemoveLeftovers when CDC starts: a spill file never outlives its
// transaction's checkpoint, the transaction is replayed from the slot), one change_codec.h
// payload per record.
// States: writing (Append) -> FinishWriting -> reading (ReadChunk until it returns none).
//
// Errors: I/O failures (disk full, EIO) throw PipeError(kRetryable): the pipe backs off and
// replays the transaction from its checkpoint, which succeeds once space is freed; nothing is
// lost, since nothing was confirmed. A file that does not read back as written (truncated or
// corrupted behind our back) throws DecodeError (kFatal): the disk or something else on the
// machine cannot be trusted, and retrying blindly could hide it.
//
// Not thread-safe: one owner at a time.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/change.h"
#include "core/scratch_file.h"

namespace pg2ch {

class ChangeSpill {
 public:
  // Creates `dir` if needed and a new empty spill file in it.
  static std::unique_ptr<ChangeSpill> Create(const std::filesystem::path& dir);
  // Creates `dir` if needed and removes every spill file in it (left by a crashed process).
  static void RemoveLeftovers(const std::filesystem::path& dir);

  ChangeSpill(const ChangeSpill&) = delete;
  ChangeSpill& operator=(const ChangeSpill&) = delete;
  ~ChangeSpill();

  void Append(const RowChange& change);
  // Ends writing and rewinds for reading. `widths` gives each table's column count at commit:
  // rows read back that are narrower (written before columns were added by the transaction) get
  // NULL cells appended, as TransactionAssembler does for the rows it still holds.
  void FinishWriting(std::unordered_map<uint32_t, size_t> widths);
  // The next changes, at most `max` (> 0), in the order appended; empty once all were read.
  std::vector<RowChange> ReadChunk(size_t max);

  size_t changes() const { return file_->records(); }                 // appended in all
  size_t unread() const { return file_->records() - file_->read(); }  // not yet read back
  const std::filesystem::path& path() const { return file_->path(); }

 private:
  explicit ChangeSpill(std::unique_ptr<ScratchFile> file) : file_(std::move(file)) {}

  std::unique_ptr<ScratchFile> file_;
  std::string record_;  // reused encoding buffer
  std::unordered_map<uint32_t, size_t> widths_;
};

}  // namespace pg2ch
