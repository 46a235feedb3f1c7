// A bounds-checked cursor over big-endian wire bytes: the only way pg2ch reads PostgreSQL
// replication data.
//
// Contract: every Read* either returns a value taken entirely from inside the span or throws
// DecodeError naming the context (e.g. "pgoutput Insert"), the field being read and the offset; it
// never reads past the end, never asserts, and never substitutes a default. A reader that threw is
// left where it was before the failing read.
//
// Ownership: the reader borrows the bytes; views it returns (ReadCString, ReadBytes) point into
// them and live as long as the caller's buffer. `context` must outlive the reader (pass a literal).
// No I/O, no allocation except to format an error. Not thread-safe; one reader per message.
//
// Wire conventions (PostgreSQL "Message Data Types"): IntN is big-endian two's complement;
// String is NUL-terminated; ByteN is raw bytes whose length is carried elsewhere.
//   https://www.postgresql.org/docs/current/protocol-message-types.html
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

namespace pg2ch {

class ByteReader {
 public:
  explicit ByteReader(std::span<const uint8_t> bytes, std::string_view context = "message")
      : bytes_(bytes), context_(context) {}

  // Names the thing being decoded in error messages, e.g. once the message tag is known.
  void SetContext(std::string_view context) { context_ = context; }

  uint8_t ReadU8(std::string_view what) { return ReadBigEndian<uint8_t>(what); }
  uint16_t ReadU16(std::string_view what) { return ReadBigEndian<uint16_t>(what); }
  uint32_t ReadU32(std::string_view what) { return ReadBigEndian<uint32_t>(what); }
  uint64_t ReadU64(std::string_view what) { return ReadBigEndian<uint64_t>(what); }
  int16_t ReadI16(std::string_view what) { return static_cast<int16_t>(ReadU16(what)); }
  int32_t ReadI32(std::string_view what) { return static_cast<int32_t>(ReadU32(what)); }
  int64_t ReadI64(std::string_view what) { return static_cast<int64_t>(ReadU64(what)); }

  // The text before the next NUL; the NUL is consumed but not returned.
  std::string_view ReadCString(std::string_view what);
  // Exactly n bytes, as a view into the underlying buffer.
  std::span<const uint8_t> ReadBytes(size_t n, std::string_view what);
  // ReadBytes as text, for wire fields that carry text without a terminator.
  std::string_view ReadText(size_t n, std::string_view what);

  // Strict framing: a message must be consumed exactly, so leftovers mean we misread it.
  void ExpectEnd() const;

  size_t Offset() const { return offset_; }
  size_t Remaining() const { return bytes_.size() - offset_; }
  bool AtEnd() const { return offset_ == bytes_.size(); }
  std::string_view Context() const { return context_; }

  // Throws DecodeError with the context and current offset prepended; for callers that find a
  // well-framed but invalid value (an unknown tag, a negative length).
  [[noreturn]] void Fail(std::string_view problem) const;

 private:
  // T is uint8_t..uint64_t. One load and a byte swap (GCC kept a byte loop for the shifts).
  template <typename T>
  T ReadBigEndian(std::string_view what) {
    Need(sizeof(T), what);
    T value;
    std::memcpy(&value, bytes_.data() + offset_, sizeof(T));
    offset_ += sizeof(T);
    if constexpr (std::endian::native == std::endian::little) {
      if constexpr (sizeof(T) == 2) value = __builtin_bswap16(value);
      if constexpr (sizeof(T) == 4) value = __builtin_bswap32(value);
      if constexpr (sizeof(T) == 8) value = __builtin_bswap64(value);
    }
    return value;
  }
  void Need(size_t n, std::string_view what) const {
    if (n > Remaining()) FailShort(n, what);
  }
  [[noreturn]] void FailShort(size_t n, std::string_view what) const;

  std::span<const uint8_t> bytes_;
  size_t offset_ = 0;  // invariant: offset_ <= bytes_.size()
  std::string_view context_;
};

// A message or field tag for error text: 'w' (0x77) when printable, else just the hex.
std::string DescribeTag(uint8_t tag);

}  // namespace pg2ch
