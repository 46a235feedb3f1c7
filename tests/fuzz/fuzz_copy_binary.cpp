// A binary COPY stream: first byte = fields per tuple, second = where the stream splits into two
// CopyData messages; every field of every tuple then goes through a binary conversion (chosen
// by the third byte) into RowBinary, as the snapshot does.
#include <string>

#include "common/error.h"
#include "destination/clickhouse/pg_binary_encoder.h"
#include "fuzz_input.h"
#include "source/postgres/copy_binary_parser.h"

namespace {

pg2ch::ChType TypeFor(pg2ch::BinaryConversion conversion, uint8_t pick) {
  using pg2ch::BinaryConversion;
  using pg2ch::ChKind;
  pg2ch::ChType type;
  type.nullable = (pick & 0x80) != 0;
  switch (conversion) {
    case BinaryConversion::kBool:
      type.kind = ChKind::kBool;
      break;
    case BinaryConversion::kInt16:
      type.kind = ChKind::kInt16;
      break;
    case BinaryConversion::kInt32:
      type.kind = ChKind::kInt32;
      break;
    case BinaryConversion::kInt64:
      type.kind = ChKind::kInt64;
      break;
    case BinaryConversion::kFloat32:
      type.kind = ChKind::kFloat32;
      break;
    case BinaryConversion::kFloat64:
      type.kind = ChKind::kFloat64;
      break;
    case BinaryConversion::kUuid:
      type.kind = ChKind::kUuid;
      break;
    case BinaryConversion::kDate:
      type.kind = ChKind::kDate32;
      break;
    case BinaryConversion::kTimestamp:
      type.kind = ChKind::kDateTime64;
      break;
    case BinaryConversion::kNumeric:
      if (pick & 0x40) {
        type.kind = ChKind::kString;
      } else {
        type.kind = ChKind::kDecimal;
        type.precision = 1 + pick % 76;
        type.scale = (pick >> 2) % (type.precision + 1);
      }
      break;
    default:
      type.kind = ChKind::kString;
      break;
  }
  return type;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  pg2ch::fuzz::FuzzInput in(data, size);
  size_t fields = in.Byte() % 8;
  size_t split = in.Byte();
  uint8_t pick = in.Byte();
  auto conversion = static_cast<pg2ch::BinaryConversion>(
      1 + pick % static_cast<int>(pg2ch::BinaryConversion::kText));
  pg2ch::ChType type = TypeFor(conversion, pick);
  auto stream = in.Rest();
  if (split > stream.size()) split = stream.size();
  pg2ch::CopyBinaryParser parser(fields);
  std::string out;
  auto on_tuple = [&](std::span<const pg2ch::BinaryField> tuple) {
    for (const pg2ch::BinaryField& field : tuple) {
      try {
        pg2ch::EncodeBinaryField(conversion, type, field, out);
      } catch (const pg2ch::PipeError&) {
      }
    }
  };
  try {
    parser.Feed(stream.subspan(0, split), on_tuple);
    parser.Feed(stream.subspan(split), on_tuple);
  } catch (const pg2ch::PipeError&) {
  }
  return 0;
}
