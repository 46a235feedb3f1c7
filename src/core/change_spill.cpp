#include "core/change_spill.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "common/error.h"
#include "core/change_codec.h"

namespace pg2ch {
namespace {

constexpr size_t kWriteBufferBytes = 1 << 20;  // a few syscalls per MiB, little memory
constexpr const char* kSuffix = ".spill";

void CreateDirectory(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) ThrowRetryable("spill directory " + dir.string() + ": " + ec.message());
}

}  // namespace

std::unique_ptr<ChangeSpill> ChangeSpill::Create(const std::filesystem::path& dir) {
  CreateDirectory(dir);
  std::string name = (dir / ("txn-XXXXXX" + std::string(kSuffix))).string();
  int fd = mkstemps(name.data(), static_cast<int>(std::strlen(kSuffix)));  // mode 0600
  if (fd < 0) ThrowRetryable("creating a spill file in " + dir.string() + ": " + strerror(errno));
  FILE* file = fdopen(fd, "w+b");
  if (file == nullptr) {
    int err = errno;
    close(fd);
    unlink(name.c_str());
    ThrowRetryable("opening spill file " + name + ": " + strerror(err));
  }
  return std::unique_ptr<ChangeSpill>(new ChangeSpill(name, file));
}

void ChangeSpill::RemoveLeftovers(const std::filesystem::path& dir) {
  CreateDirectory(dir);
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() != kSuffix) continue;
    std::error_code rm;
    std::filesystem::remove(entry.path(), rm);
    if (rm)
      ThrowRetryable("removing old spill file " + entry.path().string() + ": " + rm.message());
  }
  if (ec) ThrowRetryable("listing spill directory " + dir.string() + ": " + ec.message());
}

ChangeSpill::~ChangeSpill() {
  fclose(file_);
  // Ignored on purpose: a file that cannot be removed now is removed by RemoveLeftovers.
  std::error_code ignored;
  std::filesystem::remove(path_, ignored);
}

void ChangeSpill::FailIo(const std::string& what) const {
  ThrowRetryable("spill file " + path_.string() + ": " + what + ": " + strerror(errno));
}

void ChangeSpill::FailCorrupt(const std::string& what) const {
  throw DecodeError("spill file " + path_.string() + " after " + std::to_string(read_) + " of " +
                    std::to_string(changes_) + " changes: " + what);
}

void ChangeSpill::WriteBuffer() {
  if (!buffer_.empty() && fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size())
    FailIo("write");
  file_bytes_ += buffer_.size();
  buffer_.clear();
}

void ChangeSpill::Append(const RowChange& change) {
  if (!writing_) ThrowFatal("internal error: appending to a spill file being read");
  AppendChangeRecord(change, buffer_);
  ++changes_;
  if (buffer_.size() >= kWriteBufferBytes) WriteBuffer();
}

void ChangeSpill::FinishWriting(std::unordered_map<uint32_t, size_t> widths) {
  if (!writing_) ThrowFatal("internal error: spill file finished twice");
  WriteBuffer();
  if (fflush(file_) != 0) FailIo("flush");
  if (fseeko(file_, 0, SEEK_SET) != 0) FailIo("rewind");
  buffer_.shrink_to_fit();
  widths_ = std::move(widths);
  writing_ = false;
}

std::vector<RowChange> ChangeSpill::ReadChunk(size_t max) {
  if (writing_) ThrowFatal("internal error: reading a spill file still being written");
  std::vector<RowChange> chunk;
  std::string bytes;
  while (chunk.size() < max && read_ < changes_) {
    char header[kChangeRecordHeaderBytes];
    size_t got = fread(header, 1, sizeof header, file_);
    if (got != sizeof header) {
      if (ferror(file_)) FailIo("read");
      FailCorrupt("the file ends early");
    }
    uint32_t length = DecodeChangeRecordLength(std::string_view(header, sizeof header));
    read_bytes_ += sizeof header;
    if (length > file_bytes_ - read_bytes_)
      FailCorrupt("a record of " + std::to_string(length) + " bytes runs past the end");
    bytes.resize(length);
    if (fread(bytes.data(), 1, length, file_) != length) {
      if (ferror(file_)) FailIo("read");
      FailCorrupt("the file ends early");
    }
    read_bytes_ += length;
    RowChange change = DecodeChangePayload(bytes);
    // Added columns are appended, so padding the end keeps every existing cell in its place.
    if (auto it = widths_.find(change.relid); it != widths_.end()) {
      if (!change.row.empty() && change.row.size() < it->second) change.row.resize(it->second);
      if (!change.old_row.empty() && change.old_row.size() < it->second)
        change.old_row.resize(it->second);
    }
    change.ordinal = static_cast<uint32_t>(read_);  // spilled in order, from the first change
    chunk.push_back(std::move(change));
    ++read_;
  }
  return chunk;
}

}  // namespace pg2ch
