#include "core/scratch_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "common/error.h"

namespace pg2ch {
namespace {

constexpr size_t kWriteBufferBytes = 1 << 20;  // a few syscalls per MiB, little memory
constexpr size_t kHeaderBytes = 4;
constexpr const char* kSuffix = ".spill";

void CreateDirectory(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) ThrowRetryable("spill directory " + dir.string() + ": " + ec.message());
}

void PutLength(uint32_t n, std::string& out) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
}

uint32_t GetLength(const unsigned char* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}

}  // namespace

std::unique_ptr<ScratchFile> ScratchFile::Create(const std::filesystem::path& dir,
                                                 std::string_view prefix) {
  CreateDirectory(dir);
  std::string name = (dir / (std::string(prefix) + "-XXXXXX" + kSuffix)).string();
  int fd = mkstemps(name.data(), static_cast<int>(std::strlen(kSuffix)));  // mode 0600
  if (fd < 0) ThrowRetryable("creating a spill file in " + dir.string() + ": " + strerror(errno));
  FILE* file = fdopen(fd, "w+b");
  if (file == nullptr) {
    int err = errno;
    close(fd);
    unlink(name.c_str());
    ThrowRetryable("opening spill file " + name + ": " + strerror(err));
  }
  return std::unique_ptr<ScratchFile>(new ScratchFile(name, file));
}

void ScratchFile::RemoveLeftovers(const std::filesystem::path& dir) {
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

ScratchFile::~ScratchFile() {
  fclose(file_);
  // Ignored on purpose: a file that cannot be removed now is removed by RemoveLeftovers.
  std::error_code ignored;
  std::filesystem::remove(path_, ignored);
}

void ScratchFile::FailIo(const std::string& what) const {
  ThrowRetryable("spill file " + path_.string() + ": " + what + ": " + strerror(errno));
}

void ScratchFile::FailCorrupt(const std::string& what) const {
  throw DecodeError("spill file " + path_.string() + " after " + std::to_string(read_) + " of " +
                    std::to_string(records_) + " records: " + what);
}

void ScratchFile::WriteBuffer() {
  if (!buffer_.empty() && fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size())
    FailIo("write");
  file_bytes_ += buffer_.size();
  buffer_.clear();
}

void ScratchFile::Append(std::string_view record) {
  if (!writing_) ThrowFatal("internal error: appending to a spill file being read");
  if (record.size() > UINT32_MAX) ThrowFatal("internal error: a spill record over 4 GiB");
  PutLength(static_cast<uint32_t>(record.size()), buffer_);
  ++records_;
  if (record.size() >= kWriteBufferBytes) {
    WriteBuffer();
    if (fwrite(record.data(), 1, record.size(), file_) != record.size()) FailIo("write");
    file_bytes_ += record.size();
    return;
  }
  buffer_.append(record);
  if (buffer_.size() >= kWriteBufferBytes) WriteBuffer();
}

void ScratchFile::ReleaseBuffer() {
  WriteBuffer();
  buffer_.shrink_to_fit();
}

void ScratchFile::FinishWriting() {
  if (!writing_) ThrowFatal("internal error: spill file finished twice");
  WriteBuffer();
  if (fflush(file_) != 0) FailIo("flush");
  if (fseeko(file_, 0, SEEK_SET) != 0) FailIo("rewind");
  buffer_.shrink_to_fit();
  writing_ = false;
}

bool ScratchFile::ReadRecord(std::string& out) {
  if (writing_) ThrowFatal("internal error: reading a spill file still being written");
  if (read_ == records_) return false;
  unsigned char header[kHeaderBytes];
  if (fread(header, 1, sizeof header, file_) != sizeof header) {
    if (ferror(file_)) FailIo("read");
    FailCorrupt("the file ends early");
  }
  uint32_t length = GetLength(header);
  read_bytes_ += sizeof header;
  if (read_bytes_ > file_bytes_ || length > file_bytes_ - read_bytes_)
    FailCorrupt("a record of " + std::to_string(length) + " bytes runs past the end");
  out.resize(length);
  if (fread(out.data(), 1, length, file_) != length) {
    if (ferror(file_)) FailIo("read");
    FailCorrupt("the file ends early");
  }
  read_bytes_ += length;
  ++read_;
  return true;
}

}  // namespace pg2ch
