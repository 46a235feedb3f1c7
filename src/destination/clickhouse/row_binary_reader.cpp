#include "destination/clickhouse/row_binary_reader.h"

#include <string>

#include "common/error.h"
#include "destination/clickhouse/decimal_text.h"

namespace pg2ch {

std::string_view RowBinaryReader::Take(uint64_t size) {
  if (size > data_.size() - pos_) {
    throw DecodeError("RowBinary ends after " + std::to_string(data_.size()) +
                      " bytes, inside a value of " + std::to_string(size) + " bytes at offset " +
                      std::to_string(pos_));
  }
  std::string_view span = data_.substr(pos_, size);
  pos_ += size;
  return span;
}

uint8_t RowBinaryReader::ReadUInt8() { return static_cast<uint8_t>(Take(1)[0]); }

uint64_t RowBinaryReader::ReadUInt64() {
  std::string_view bytes = Take(8);
  uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = (value << 8) | static_cast<uint8_t>(bytes[i]);
  return value;
}

uint64_t RowBinaryReader::ReadVarUInt() {
  uint64_t value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    uint8_t byte = ReadUInt8();
    value |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return value;
  }
  throw DecodeError("RowBinary VarUInt longer than 10 bytes at offset " + std::to_string(pos_));
}

std::string_view RowBinaryReader::ReadString() { return Take(ReadVarUInt()); }

void RowBinaryReader::Skip(const ChType& type) {
  if (type.nullable && ReadUInt8() != 0) return;
  switch (type.kind) {
    case ChKind::kBool:
    case ChKind::kUInt8:
      Take(1);
      return;
    case ChKind::kInt16:
      Take(2);
      return;
    case ChKind::kInt32:
    case ChKind::kFloat32:
    case ChKind::kDate32:
      Take(4);
      return;
    case ChKind::kInt64:
    case ChKind::kFloat64:
    case ChKind::kDateTime64:
      Take(8);
      return;
    case ChKind::kDecimal:
    case ChKind::kMoney:
      Take(static_cast<uint64_t>(DecimalWidth(type.precision)));
      return;
    case ChKind::kUuid:
      Take(16);
      return;
    case ChKind::kString:
    case ChKind::kBytes:
    case ChKind::kEwkt:
    case ChKind::kJson:  // read with output_format_binary_write_json_as_string (table_codec.h)
      ReadString();
      return;
    case ChKind::kArray: {
      uint64_t count = ReadVarUInt();
      // Each element takes at least one byte: a count beyond the remaining bytes is corrupt, and
      // checking it first keeps a bogus count from spinning.
      if (count > data_.size() - pos_) throw DecodeError("RowBinary array count exceeds the data");
      for (uint64_t i = 0; i < count; ++i) Skip(type.element.at(0));
      return;
    }
    case ChKind::kMap: {
      uint64_t count = ReadVarUInt();
      if (count > data_.size() - pos_) throw DecodeError("RowBinary map count exceeds the data");
      for (uint64_t i = 0; i < count; ++i) {
        Skip(type.element.at(0));
        Skip(type.element.at(1));
      }
      return;
    }
  }
  throw DecodeError("unknown ClickHouse type kind " + std::to_string(static_cast<int>(type.kind)));
}

std::string_view RowBinaryReader::Next(const ChType& type) {
  size_t begin = pos_;
  Skip(type);
  return data_.substr(begin, pos_ - begin);
}

}  // namespace pg2ch
