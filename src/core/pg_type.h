// PostgreSQL type facts both sides of pg2ch use: the built-in type oids pg2ch knows by number,
// and which of them binary COPY reads in their send format (the others travel as their text).
#pragma once

#include <cstdint>

namespace pg2ch {

namespace pg_oid {
inline constexpr uint32_t kBool = 16, kBytea = 17, kInt8 = 20, kInt2 = 21, kInt4 = 23, kText = 25,
                          kOid = 26, kJson = 114, kFloat4 = 700, kFloat8 = 701, kMoney = 790,
                          kBpchar = 1042, kVarchar = 1043, kDate = 1082, kTime = 1083,
                          kTimestamp = 1114, kTimestamptz = 1184, kNumeric = 1700, kUuid = 2950,
                          kJsonb = 3802;
}  // namespace pg_oid

// True for the types binary COPY reads in their send format (pg_binary_encoder.h converts them);
// every other column is cast to text in the binary COPY and goes through the text converters, so
// each column has exactly one reading, the same on every path.
inline bool HasBinaryCopyForm(uint32_t value_oid) {
  switch (value_oid) {
    case pg_oid::kBool:
    case pg_oid::kBytea:
    case pg_oid::kInt8:
    case pg_oid::kInt2:
    case pg_oid::kInt4:
    case pg_oid::kText:
    case pg_oid::kFloat4:
    case pg_oid::kFloat8:
    case pg_oid::kBpchar:
    case pg_oid::kVarchar:
    case pg_oid::kDate:
    case pg_oid::kTimestamp:
    case pg_oid::kTimestamptz:
    case pg_oid::kNumeric:
    case pg_oid::kUuid:
      return true;
    default:
      return false;
  }
}

}  // namespace pg2ch
