// PostgreSQL's text form of one value -> RowBinary, for every ClickHouse kind pg2ch writes: the
// numeric, money, date/time, uuid, bytea, array (nested, both delimiters), hstore, EWKB and
// JSON parsers of row_binary_encoder.h. First byte = kind, second = its parameters.
#include <string>

#include "common/error.h"
#include "pgvalue/pg_array_text.h"
#include "destination/clickhouse/row_binary_encoder.h"
#include "fuzz_input.h"

namespace {

using pg2ch::ChKind;
using pg2ch::ChType;

constexpr ChKind kKinds[] = {
    ChKind::kBool,    ChKind::kUInt8,   ChKind::kInt16,      ChKind::kInt32,  ChKind::kInt64,
    ChKind::kFloat32, ChKind::kFloat64, ChKind::kDecimal,    ChKind::kString, ChKind::kBytes,
    ChKind::kUuid,    ChKind::kDate32,  ChKind::kDateTime64, ChKind::kMoney,  ChKind::kMap,
    ChKind::kEwkt,    ChKind::kJson,    ChKind::kArray};

ChType Scalar(ChKind kind, uint8_t params) {
  ChType type;
  type.kind = kind;
  type.nullable = (params & 1) != 0;
  if (kind == ChKind::kDecimal || kind == ChKind::kMoney) {
    type.precision = kind == ChKind::kMoney ? 19 : 1 + (params >> 1) % 76;
    type.scale = (params >> 3) % (type.precision + 1);
  }
  if (kind == ChKind::kMap) {
    type.nullable = false;
    ChType key, value;
    value.nullable = true;
    type.element = {key, value};
  }
  return type;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  pg2ch::fuzz::FuzzInput in(data, size);
  ChKind kind = kKinds[in.Byte() % std::size(kKinds)];
  uint8_t params = in.Byte();
  ChType type;
  if (kind == ChKind::kArray) {
    // Elements of a scalar kind, one to three dimensions, ',' or ';' (box) as the delimiter.
    ChType element = Scalar(kKinds[params % (std::size(kKinds) - 3)], 1);
    element.nullable = true;
    int dims = 1 + (params >> 5) % 3;
    char delim = (params & 0x10) ? ';' : ',';
    type = element;
    for (int d = 0; d < dims; ++d) {
      ChType array;
      array.kind = ChKind::kArray;
      array.array_delim = delim;
      array.element.push_back(type);
      type = array;
    }
  } else {
    type = Scalar(kind, params);
  }
  std::string_view text = in.RestText();
  std::string out;
  try {
    pg2ch::EncodeValue(type, text, out);
  } catch (const pg2ch::PipeError&) {
  }
  try {
    pg2ch::PgArray array = pg2ch::ParsePgArrayText(text, (params & 0x10) ? ';' : ',');
    size_t expected = array.dims.empty() ? 0 : 1;
    for (size_t d : array.dims) expected *= d;
    if (array.elements.size() != expected) __builtin_trap();  // rectangular, as documented
  } catch (const pg2ch::PipeError&) {
  }
  return 0;
}
