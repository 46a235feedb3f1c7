// How each PostgreSQL column type is stored in ClickHouse, per server capabilities.
//
// The mapping is exact or refused: a value either round-trips (PG text -> ClickHouse value that
// prints back the same) or the type is rejected up front with PipeError(kFatal) naming table,
// column and type, before anything is written. Where an old server lacks the natural type
// (Date32, DateTime64, Decimal256) the column becomes a String holding PostgreSQL's exact text.
//
//   PostgreSQL                 modern server                18.16
//   bool                       Bool                         UInt8
//   int2 / int4 / int8         Int16 / Int32 / Int64
//   float4 / float8            Float32 / Float64
//   numeric(p,s), p <= 38      Decimal(p,s)
//   numeric(p,s), p <= 76      Decimal(p,s)                 String
//   numeric                    String (arbitrary precision fits no Decimal)
//   text varchar bpchar json jsonb time   String (bpchar keeps its padding)
//   bytea                      String (raw bytes)
//   uuid                       UUID
//   date                       Date32 (clamped)             String
//   timestamp / timestamptz    DateTime64(6[, 'UTC']) (clamped)   String
//   T[] (one dimension)        Array(Nullable(T)); a NULL array is written as []
// Nullable source columns become Nullable(T), except arrays (ClickHouse has no Nullable(Array)).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/table_schema.h"
#include "destination/clickhouse/server_caps.h"

namespace pg2ch {

// One ClickHouse storage form; the kind also fixes how PostgreSQL's text is converted.
enum class ChKind : uint8_t {
  kBool,   // Bool, from 't'/'f'
  kUInt8,  // UInt8, from 't'/'f' (servers without Bool)
  kInt16,
  kInt32,
  kInt64,
  kFloat32,
  kFloat64,
  kDecimal,  // Decimal(precision, scale)
  kString,   // String, PostgreSQL's text as it is
  kBytes,    // String, the raw bytes of a bytea given as "\x0a1b..."
  kUuid,
  kDate32,      // days since 1970-01-01
  kDateTime64,  // DateTime64(6) or DateTime64(6, 'UTC'): microseconds since the epoch
  kArray,       // Array(element)
};

struct ChType {
  ChKind kind = ChKind::kString;
  bool nullable = false;
  int precision = 0;            // kDecimal
  int scale = 0;                // kDecimal
  bool utc = false;             // kDateTime64: the column carries the 'UTC' time zone
  std::vector<ChType> element;  // kArray: exactly one element type

  // The type as ClickHouse spells it in DDL and system.columns, e.g. "Nullable(Decimal(18, 2))".
  std::string Sql() const;
  bool operator==(const ChType&) const = default;
};

// PostgreSQL type oids pg2ch knows by number.
namespace pg_oid {
inline constexpr uint32_t kBool = 16, kBytea = 17, kInt8 = 20, kInt2 = 21, kInt4 = 23, kText = 25,
                          kJson = 114, kFloat4 = 700, kFloat8 = 701, kBpchar = 1042,
                          kVarchar = 1043, kDate = 1082, kTime = 1083, kTimestamp = 1114,
                          kTimestamptz = 1184, kNumeric = 1700, kUuid = 2950, kJsonb = 3802;
}  // namespace pg_oid

// Throws PipeError(kFatal) "table T column C has type X, which pg2ch does not support yet".
// `table` is the source table's qualified name, for the message.
ChType MapColumnType(const std::string& table, const SourceColumn& column, const ServerCaps& caps);

}  // namespace pg2ch
