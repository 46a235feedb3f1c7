// A scratch file of length-prefixed byte records: written once, then read back once, in order.
// The storage under ChangeSpill (a large transaction's decoded changes) and the pgoutput stream
// spool (a streamed transaction's raw messages): anything too large to hold in memory that lives
// only as long as the process that wrote it.
//
// Lifetime: Create makes a new file (mode 0600, `<dir>/<prefix>-XXXXXX.spill`); the destructor
// closes and removes it, whatever happened. RemoveLeftovers deletes the `.spill` files a crashed
// process left (their contents are replayed from the source).
// States: writing (Append) -> FinishWriting -> reading (ReadRecord until it returns false).
// Record: u32 little-endian length | bytes.
//
// Errors: I/O failures (disk full, EIO) throw PipeError(kRetryable): nothing written here was
// confirmed, so a retry replays it. A file that does not read back as written (truncated or
// corrupted behind our back) throws DecodeError (kFatal) naming the file.
// Not thread-safe: one owner at a time.
#pragma once

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace pg2ch {

class ScratchFile {
 public:
  // Creates `dir` if needed and a new empty file in it.
  static std::unique_ptr<ScratchFile> Create(const std::filesystem::path& dir,
                                             std::string_view prefix);
  // Creates `dir` if needed and removes every scratch file in it.
  static void RemoveLeftovers(const std::filesystem::path& dir);

  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;
  ~ScratchFile();

  // Buffered; a record larger than the buffer is written at once, so the buffer stays small.
  void Append(std::string_view record);
  // Writes what is buffered and frees the buffer (a file kept open between bursts of records).
  void ReleaseBuffer();
  // Ends writing and rewinds for reading.
  void FinishWriting();
  // The next record into `out`; false once every record was read.
  bool ReadRecord(std::string& out);

  size_t records() const { return records_; }  // appended in all
  size_t read() const { return read_; }        // returned by ReadRecord so far
  const std::filesystem::path& path() const { return path_; }

 private:
  ScratchFile(std::filesystem::path path, FILE* file) : path_(std::move(path)), file_(file) {}
  void WriteBuffer();
  [[noreturn]] void FailIo(const std::string& what) const;
  [[noreturn]] void FailCorrupt(const std::string& what) const;

  std::filesystem::path path_;
  FILE* file_;
  std::string buffer_;  // framed records not written yet
  size_t records_ = 0;
  size_t read_ = 0;
  bool writing_ = true;
  uint64_t file_bytes_ = 0;  // written so far: bounds every length read back
  uint64_t read_bytes_ = 0;
};

}  // namespace pg2ch
