#include "source/postgres/pgoutput_tuple.h"

#include <algorithm>
#include <string>

namespace pg2ch {

Row DecodeTupleData(ByteReader& reader) {
  uint16_t ncols = reader.ReadU16("tuple column count");
  Row row;
  // Every column takes at least one byte: never reserve more than the input could hold.
  row.reserve(std::min<size_t>(ncols, reader.Remaining()));
  for (uint16_t i = 0; i < ncols; ++i) {
    uint8_t kind = reader.ReadU8("tuple column kind");
    switch (kind) {
      case 'n':
        row.emplace_back();
        break;
      case 'u':
        row.emplace_back().kind = CellKind::kUnchangedToast;
        break;
      case 't': {
        int32_t length = reader.ReadI32("tuple column length");
        if (length < 0) reader.Fail("negative tuple column length " + std::to_string(length));
        // Short values stay in the string's inline buffer.
        row.push_back(Cell::Text(std::string(reader.ReadText(length, "tuple column value"))));
        break;
      }
      case 'b':
        reader.Fail("binary tuple data in column " + std::to_string(i) +
                    ", but pg2ch requests text format");
      default:
        reader.Fail("unknown tuple column kind " + DescribeTag(kind) + " in column " +
                    std::to_string(i));
    }
  }
  return row;
}

}  // namespace pg2ch
