// One value in PostgreSQL's binary send format (from binary COPY) -> its ClickHouse RowBinary
// bytes, for the column types where that is exact and gives the very bytes the text path
// (row_binary_encoder.h) writes for the same value. A table whose columns all have such a
// conversion is loaded with binary COPY; any other table keeps the text COPY path.
//
//   PostgreSQL (send format, big-endian)   ClickHouse (RowBinary, little-endian)
//   bool (1 byte 0/1)                      Bool / UInt8
//   int2 / int4 / int8                     Int16 / Int32 / Int64
//   float4 / float8 (IEEE bits)            Float32 / Float64 (any NaN written as the NaN the
//                                          text path parses from "NaN")
//   text / varchar / bpchar (bytes)        String (VarUInt length + bytes; bpchar padded)
//   bytea (raw bytes)                      String (raw bytes)
//   uuid (16 bytes, in text order)         UUID (two little-endian UInt64 halves)
//   date (Int32 days since 2000-01-01)     Date32 (days since 1970, clamped like the text path)
//   timestamp[tz] (Int64 us since 2000)    DateTime64(6) (us since 1970, clamped likewise)
//   numeric (base-10000 digits)            Decimal(P, S), or String (its text) when unbounded:
//                                          through numeric_out's exact text (numeric_binary.h)
//   date / timestamp[tz] on 18.16          String: the text PostgreSQL prints (pg_datetime.h)
//   any other type, arrays (cast to text)  through the text path (row_binary_encoder.h): the
//                                          COPY casts the column to text (table_copy.h)
// Wrong-sized values and NULL for a NOT NULL column throw PipeError(kFatal); callers add the
// table and column. Stateless; safe from any thread.
#pragma once

#include <cstdint>
#include <string>

#include "core/binary_field.h"
#include "core/table_schema.h"
#include "destination/clickhouse/type_mapping.h"

namespace pg2ch {

enum class BinaryConversion : uint8_t {
  kNone,  // no exact conversion: the table uses text COPY
  kBool,
  kInt16,
  kInt32,
  kInt64,
  kFloat32,
  kFloat64,
  kBytes,  // text, varchar, bpchar, bytea: the bytes as they are
  kUuid,
  kDate,
  kTimestamp,
  kDateText,  // date / timestamp / timestamptz kept as String: PostgreSQL's text form
  kTimestampText,
  kTimestamptzText,
  kNumeric,
  kText,  // the column was cast to text: its bytes are PostgreSQL's text form
};

// The conversion for `column` stored as `type` (what MapColumnType gave): kText exactly when
// !HasBinaryCopyForm(column's value type) or it is an array, or kNone for a type mismatch.
BinaryConversion BinaryConversionFor(const SourceColumn& column, const ChType& type);

// Appends `field` (NULL or a value) for a column of `type` converted by `conversion` != kNone.
void EncodeBinaryField(BinaryConversion conversion, const ChType& type, BinaryField field,
                       std::string& out);

}  // namespace pg2ch
