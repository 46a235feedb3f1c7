#include "destination/clickhouse/type_mapping.h"

#include <algorithm>
#include <optional>

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

ChType Kind(ChKind kind) {
  ChType type;
  type.kind = kind;
  return type;
}

// The mapping of one value of base type `oid` (domains already peeled off).
ChType MapValue(uint32_t oid, int32_t typmod, char base_kind, const std::string& base_name,
                const ServerCaps& caps, const MappingOptions& options) {
  switch (oid) {
    case pg_oid::kJson:
    case pg_oid::kJsonb:
      // A server without JSON is refused where the table is created (table_ddl.h).
      return Kind(options.native_json ? ChKind::kJson : ChKind::kString);
    case pg_oid::kBool:
      return Kind(caps.boolean ? ChKind::kBool : ChKind::kUInt8);
    case pg_oid::kInt2:
      return Kind(ChKind::kInt16);
    case pg_oid::kInt4:
      return Kind(ChKind::kInt32);
    case pg_oid::kInt8:
      return Kind(ChKind::kInt64);
    case pg_oid::kFloat4:
      return Kind(ChKind::kFloat32);
    case pg_oid::kFloat8:
      return Kind(ChKind::kFloat64);
    case pg_oid::kBytea:
      return Kind(ChKind::kBytes);
    case pg_oid::kUuid:
      return Kind(ChKind::kUuid);
    case pg_oid::kDate:
      return Kind(caps.date32 ? ChKind::kDate32 : ChKind::kString);
    case pg_oid::kTimestamp:
    case pg_oid::kTimestamptz: {
      if (!caps.datetime64) return Kind(ChKind::kString);
      ChType type = Kind(ChKind::kDateTime64);
      type.utc = oid == pg_oid::kTimestamptz;
      return type;
    }
    case pg_oid::kMoney: {
      // int64 units of 10^-scale: 19 digits hold every value.
      ChType type = Kind(ChKind::kMoney);
      type.precision = 19;
      type.scale = std::clamp(typmod, 0, 18);
      return type;
    }
    case pg_oid::kNumeric: {
      auto mod = DecodeNumericTypmod(typmod);
      if (!mod) return Kind(ChKind::kString);
      // A negative scale allows integer digits beyond the precision; a scale above the precision
      // means leading fractional zeros. Decimal(P, S) needs 0 <= S <= P.
      int scale = std::max(mod->scale, 0);
      int precision = std::max(mod->precision - std::min(mod->scale, 0), scale);
      int max_precision = caps.decimal256 ? 76 : 38;
      if (precision < 1 || precision > max_precision) return Kind(ChKind::kString);
      ChType type = Kind(ChKind::kDecimal);
      type.precision = precision;
      type.scale = scale;
      return type;
    }
    default:
      break;
  }
  if (base_kind == 'e') {
    // Labels added or renamed later simply arrive as other strings.
    ChType type = Kind(ChKind::kString);
    type.low_cardinality = caps.low_cardinality;
    return type;
  }
  if (base_kind == 'b' && (base_name == "geometry" || base_name == "geography"))
    return Kind(ChKind::kEwkt);
  if (base_kind == 'b' && base_name == "hstore" && caps.map) {
    ChType type = Kind(ChKind::kMap);
    ChType value = Kind(ChKind::kString);
    value.nullable = true;
    type.element = {Kind(ChKind::kString), value};
    return type;
  }
  // Every other type, built-in or not: the text its output function prints.
  return Kind(ChKind::kString);
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
    case ChKind::kEwkt:
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
    case ChKind::kMoney:
      base = "Decimal(" + std::to_string(precision) + ", " + std::to_string(scale) + ")";
      break;
    case ChKind::kMap:
      base = "Map(" + element.at(0).Sql() + ", " + element.at(1).Sql() + ")";
      break;
    case ChKind::kJson:
      base = "JSON";
      break;
  }
  if (nullable) base = "Nullable(" + base + ")";
  return low_cardinality ? "LowCardinality(" + base + ")" : base;
}

ChType MapColumnType(const std::string&, const SourceColumn& column, const ServerCaps& caps,
                     const MappingOptions& options) {
  ChType value = MapValue(column.ValueOid(), column.ValueTypmod(), column.base_kind,
                          column.base_name, caps, options);
  if (column.element_oid == 0) {
    // ClickHouse has no Nullable(Map): a NULL hstore is written as {} (like arrays).
    if (value.kind != ChKind::kMap) value.nullable = column.nullable;
    return value;
  }
  if (value.kind == ChKind::kMap || value.kind == ChKind::kJson || value.low_cardinality)
    value = Kind(ChKind::kString);
  value.nullable = true;
  ChType type = value;
  for (int d = 0; d < std::max(1, column.array_dims); ++d) {
    ChType array = Kind(ChKind::kArray);
    array.array_delim = column.array_delim;
    array.element.push_back(std::move(type));
    type = std::move(array);
  }
  return type;  // never Nullable: a NULL array is written as []
}

}  // namespace pg2ch
