#include "source/postgres/byte_reader.h"

#include <algorithm>

#include "common/error.h"

namespace pg2ch {

std::string_view ByteReader::ReadCString(std::string_view what) {
  auto rest = bytes_.subspan(offset_);
  auto nul = std::find(rest.begin(), rest.end(), uint8_t{0});
  if (nul == rest.end()) {
    Fail("unterminated " + std::string(what) + " (no NUL in the " + std::to_string(rest.size()) +
         " bytes left)");
  }
  size_t length = static_cast<size_t>(nul - rest.begin());
  std::string_view text(reinterpret_cast<const char*>(rest.data()), length);
  offset_ += length + 1;
  return text;
}

std::span<const uint8_t> ByteReader::ReadBytes(size_t n, std::string_view what) {
  Need(n, what);
  auto view = bytes_.subspan(offset_, n);
  offset_ += n;
  return view;
}

std::string_view ByteReader::ReadText(size_t n, std::string_view what) {
  auto view = ReadBytes(n, what);
  return {reinterpret_cast<const char*>(view.data()), view.size()};
}

void ByteReader::ExpectEnd() const {
  if (!AtEnd()) Fail(std::to_string(Remaining()) + " unexpected trailing bytes");
}

void ByteReader::Fail(std::string_view problem) const {
  throw DecodeError(std::string(context_) + " at offset " + std::to_string(offset_) + " of " +
                    std::to_string(bytes_.size()) + ": " + std::string(problem));
}

void ByteReader::FailShort(size_t n, std::string_view what) const {
  Fail("truncated: need " + std::to_string(n) + " bytes for " + std::string(what) + ", " +
       std::to_string(Remaining()) + " left");
}

std::string DescribeTag(uint8_t tag) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex = {'0', 'x', kHex[tag >> 4], kHex[tag & 0xf]};
  if (tag < 0x20 || tag > 0x7e) return hex;
  return std::string("'") + static_cast<char>(tag) + "' (" + hex + ")";
}

}  // namespace pg2ch
