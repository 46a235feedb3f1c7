// One transaction's changes on disk: written once while the transaction arrives, then read back
// once, in order and in bounded chunks, when it is applied. Keeps a transaction of any size out
// of memory (transaction_assembler.h decides when to spill; cdc_phase.cpp applies the chunks).
//
// Lifetime: Create makes a new file (mode 0600, `<dir>/txn-XXXXXX.spill`); the destructor closes
// and removes it, whatever happened, so an error or a stop leaves nothing behind. A process that
// crashed leaves its files: RemoveLeftovers, called when CDC starts, deletes them (a spill file
// never outlives its transaction's checkpoint: the transaction is replayed from the slot).
// States: writing (Append) -> FinishWriting -> reading (ReadChunk until it returns none).
//
// Format: change_codec.h records, back to back; no header, nothing to resume: the file is scratch.
//
// Errors: I/O failures (disk full, EIO) throw PipeError(kRetryable): the pipe backs off and
// replays the transaction from its checkpoint, which succeeds once space is freed; nothing is
// lost, since nothing was confirmed. A file that does not read back as written (truncated or
// corrupted behind our back) throws DecodeError (kFatal): the disk or something else on the
// machine cannot be trusted, and retrying blindly could hide it.
//
// Not thread-safe: one owner at a time.
#pragma once

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/change.h"

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

  size_t changes() const { return changes_; }         // appended in all
  size_t unread() const { return changes_ - read_; }  // not yet returned by ReadChunk
  const std::filesystem::path& path() const { return path_; }

 private:
  ChangeSpill(std::filesystem::path path, FILE* file) : path_(std::move(path)), file_(file) {}
  void WriteBuffer();
  [[noreturn]] void FailIo(const std::string& what) const;
  [[noreturn]] void FailCorrupt(const std::string& what) const;

  std::filesystem::path path_;
  FILE* file_;
  std::string buffer_;  // encoded records not written yet
  size_t changes_ = 0;
  size_t read_ = 0;  // changes read back so far
  bool writing_ = true;
  uint64_t file_bytes_ = 0;  // size once written: bounds every length read back
  uint64_t read_bytes_ = 0;
  std::unordered_map<uint32_t, size_t> widths_;
};

}  // namespace pg2ch
