#include "destination/clickhouse/type_mapping.h"

#include <algorithm>
#include <optional>

#include "common/error.h"

namespace pg2ch {
namespace {

// numeric's typmod is ((precision << 16) | (scale & 0x7ff)) + VARHDRSZ; since PostgreSQL 15 the
// scale may be negative (11-bit two's complement) or exceed the precision.
struct NumericTypmod {
  int precision;
  int scale;
};
std::optional<NumericTypmod> DecodeNumericTypmod(int32_t typmod) {
  if (typmod < 4) return std::nullopt;
  int32_t packed = typmod - 4;
  int precision = (packed >> 16) & 0xffff;
  int scale = ((packed & 0x7ff) ^ 1024) - 1024;
  return NumericTypmod{precision, scale};
}

// The scalar mapping; nullopt when the type is not supported.
std::optional<ChType> MapScalar(uint32_t oid, int32_t typmod, const ServerCaps& caps) {
  ChType type;
  switch (oid) {
    case pg_oid::kBool:
      type.kind = caps.boolean ? ChKind::kBool : ChKind::kUInt8;
      return type;
    case pg_oid::kInt2:
      type.kind = ChKind::kInt16;
      return type;
    case pg_oid::kInt4:
      type.kind = ChKind::kInt32;
      return type;
    case pg_oid::kInt8:
      type.kind = ChKind::kInt64;
      return type;
    case pg_oid::kFloat4:
      type.kind = ChKind::kFloat32;
      return type;
    case pg_oid::kFloat8:
      type.kind = ChKind::kFloat64;
      return type;
    case pg_oid::kText:
    case pg_oid::kVarchar:
    case pg_oid::kBpchar:
    case pg_oid::kJson:
    case pg_oid::kJsonb:
    case pg_oid::kTime:
      type.kind = ChKind::kString;
      return type;
    case pg_oid::kBytea:
      type.kind = ChKind::kBytes;
      return type;
    case pg_oid::kUuid:
      type.kind = ChKind::kUuid;
      return type;
    case pg_oid::kDate:
      type.kind = caps.date32 ? ChKind::kDate32 : ChKind::kString;
      return type;
    case pg_oid::kTimestamp:
    case pg_oid::kTimestamptz:
      if (!caps.datetime64) {
        type.kind = ChKind::kString;
        return type;
      }
      type.kind = ChKind::kDateTime64;
      type.utc = oid == pg_oid::kTimestamptz;
      return type;
    case pg_oid::kNumeric: {
      auto mod = DecodeNumericTypmod(typmod);
      type.kind = ChKind::kString;
      if (!mod) return type;
      // A negative scale allows integer digits beyond the precision; a scale above the precision
      // means leading fractional zeros. Decimal(P, S) needs 0 <= S <= P.
      int scale = std::max(mod->scale, 0);
      int precision = std::max(mod->precision - std::min(mod->scale, 0), scale);
      int max_precision = caps.decimal256 ? 76 : 38;
      if (precision < 1 || precision > max_precision) return type;
      type.kind = ChKind::kDecimal;
      type.precision = precision;
      type.scale = scale;
      return type;
    }
    default:
      return std::nullopt;
  }
}

}  // namespace

std::string ChType::Sql() const {
  std::string base;
  switch (kind) {
    case ChKind::kBool:
      base = "Bool";
      break;
    case ChKind::kUInt8:
      base = "UInt8";
      break;
    case ChKind::kInt16:
      base = "Int16";
      break;
    case ChKind::kInt32:
      base = "Int32";
      break;
    case ChKind::kInt64:
      base = "Int64";
      break;
    case ChKind::kFloat32:
      base = "Float32";
      break;
    case ChKind::kFloat64:
      base = "Float64";
      break;
    case ChKind::kDecimal:
      base = "Decimal(" + std::to_string(precision) + ", " + std::to_string(scale) + ")";
      break;
    case ChKind::kString:
    case ChKind::kBytes:
      base = "String";
      break;
    case ChKind::kUuid:
      base = "UUID";
      break;
    case ChKind::kDate32:
      base = "Date32";
      break;
    case ChKind::kDateTime64:
      base = utc ? "DateTime64(6, 'UTC')" : "DateTime64(6)";
      break;
    case ChKind::kArray:
      base = "Array(" + element.at(0).Sql() + ")";
      break;
  }
  return nullable ? "Nullable(" + base + ")" : base;
}

ChType MapColumnType(const std::string& table, const SourceColumn& column, const ServerCaps& caps) {
  auto unsupported = [&]() -> ChType {
    std::string type_name =
        column.type_name.empty() ? "oid " + std::to_string(column.type_oid) : column.type_name;
    ThrowFatal("table " + table + " column " + column.name + " has type " + type_name +
               ", which pg2ch does not support yet");
  };
  if (column.element_oid != 0) {
    auto element = MapScalar(column.element_oid, column.typmod, caps);
    if (!element) return unsupported();
    element->nullable = true;
    ChType array;
    array.kind = ChKind::kArray;
    array.element.push_back(*element);
    return array;  // never Nullable: a NULL array is written as []
  }
  auto type = MapScalar(column.type_oid, column.typmod, caps);
  if (!type) return unsupported();
  type->nullable = column.nullable;
  return *type;
}

}  // namespace pg2ch
