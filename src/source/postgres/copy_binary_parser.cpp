#include "source/postgres/copy_binary_parser.h"

#include <cstring>
#include <string>

#include "common/error.h"
#include "source/postgres/byte_reader.h"

namespace pg2ch {
namespace {

constexpr uint8_t kSignature[11] = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', 0xff, '\r', '\n', 0};
// Flag bits 0-15 are critical: a reader must refuse a stream with one it does not know. Bit 16
// (OIDs included) is one pg2ch never asks for. Bits 17-31 may be ignored.
constexpr uint32_t kCriticalFlags = 0x0001ffff;

}  // namespace

size_t CopyBinaryParser::ParseHeader(std::span<const uint8_t> message) {
  ByteReader reader(message, "COPY binary header");
  auto signature = reader.ReadBytes(sizeof kSignature, "signature");
  if (std::memcmp(signature.data(), kSignature, sizeof kSignature) != 0)
    reader.Fail("not a binary COPY signature");
  uint32_t flags = reader.ReadU32("flags");
  if ((flags & kCriticalFlags) != 0) reader.Fail("unsupported flags " + std::to_string(flags));
  int32_t extension = reader.ReadI32("extension length");
  if (extension < 0) reader.Fail("negative extension length");
  reader.ReadBytes(static_cast<size_t>(extension), "extension");
  return reader.Offset();
}

size_t CopyBinaryParser::ParseTuple(std::span<const uint8_t> message, size_t offset) {
  ByteReader reader(message.subspan(offset), "COPY binary tuple");
  int16_t count = reader.ReadI16("field count");
  if (count == -1) {
    finished_ = true;
    return offset + reader.Offset();
  }
  if (count < 0 || static_cast<size_t>(count) != fields_.size())
    reader.Fail(std::to_string(count) + " fields, expected " + std::to_string(fields_.size()));
  for (BinaryField& field : fields_) {
    int32_t size = reader.ReadI32("field length");
    if (size < -1) reader.Fail("field length " + std::to_string(size));
    field.size = size;
    field.data = size < 0 ? nullptr : reader.ReadBytes(static_cast<size_t>(size), "field").data();
  }
  return offset + reader.Offset();
}

void CopyBinaryParser::FailTrailing() const {
  throw DecodeError("COPY binary: data after the trailer");
}

}  // namespace pg2ch
