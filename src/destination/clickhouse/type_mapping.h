// How each PostgreSQL column type is stored in ClickHouse, per server capabilities.
//
// Every type has a mapping, and it is exact: a value round-trips (PostgreSQL text -> ClickHouse
// value that prints back the same), or it is PostgreSQL's own text form (the type's output
// function, under the session settings of pg_connection.h) in a String. Nothing is rounded or
// guessed; a value the chosen type cannot hold fails the pipe naming it (row_binary_encoder.h).
// Domains map as their base type (with its typmod), recursively.
//
//   PostgreSQL                 modern server                18.16
//   bool                       Bool                         UInt8
//   int2 / int4 / int8         Int16 / Int32 / Int64
//   float4 / float8            Float32 / Float64
//   numeric(p,s), p <= 38      Decimal(p,s)
//   numeric(p,s), p <= 76      Decimal(p,s)                 String
//   numeric                    String (arbitrary precision fits no Decimal)
//   money                      Decimal(19, d): d = lc_monetary's fraction digits
//   text varchar bpchar        String (bpchar keeps its padding)
//   bytea                      String (raw bytes)
//   uuid                       UUID
//   date                       Date32 (clamped)             String
//   timestamp / timestamptz    DateTime64(6[, 'UTC']) (clamped)   String
//   enum                       LowCardinality(String)       String
//   hstore                     Map(String, Nullable(String)) String
//   PostGIS geometry/geography String: EWKT with the SRID (ewkb_text.h)
//   json / jsonb               String: its text; JSON with MappingOptions::native_json (25.3+)
//   anything else              String: its text (time, interval, inet, ranges, ...)
//   T[], T[][]...              Array(Nullable(T)), nested per declared dimension; a NULL array is
//                              written as []; elements that are enums or hstore are String
// Nullable source columns become Nullable(T), except arrays and maps (ClickHouse has no
// Nullable(Array) or Nullable(Map)): a NULL one is written empty.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/pg_type.h"
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
  kMoney,       // Decimal(19, scale) from money's text in the server's lc_monetary
  kMap,         // Map(String, Nullable(String)) from hstore's text: element = {key, value}
  kEwkt,        // String: PostGIS geometry / geography as EWKT, from its hex EWKB text
  kJson,        // JSON (objects only), sent and read back as its text (table_codec.h)
};

struct ChType {
  ChKind kind = ChKind::kString;
  bool nullable = false;
  int precision = 0;             // kDecimal
  int scale = 0;                 // kDecimal
  bool utc = false;              // kDateTime64: the column carries the 'UTC' time zone
  bool low_cardinality = false;  // kString: LowCardinality(String); the same in RowBinary
  char array_delim = ',';        // kArray: the delimiter of PostgreSQL's text (pg_array_text.h)
  std::vector<ChType> element;   // kArray: exactly one element type; kMap: key and value

  // The type as ClickHouse spells it in DDL and system.columns, e.g. "Nullable(Decimal(18, 2))".
  std::string Sql() const;
  bool operator==(const ChType&) const = default;
};

// Choices of the pipe, not of the server.
struct MappingOptions {
  // json and jsonb (not arrays of them) as ClickHouse's JSON type instead of their text. JSON
  // holds objects only and normalises them: it drops null members and empty objects, sorts keys,
  // reads numbers as Int64/UInt64/Float64 (a number outside them is refused by ClickHouse, which
  // fails the pipe) and refuses duplicate keys. A value that is not an object fails the pipe
  // naming the column (row_binary_encoder.h). Opt-in: the String form is the exact one.
  bool native_json = false;
};

// The ClickHouse type of `column`. Never refuses a type; `table` (the source table's qualified
// name) is kept for the messages of callers.
ChType MapColumnType(const std::string& table, const SourceColumn& column, const ServerCaps& caps,
                     const MappingOptions& options = {});

}  // namespace pg2ch
