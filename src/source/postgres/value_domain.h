// Value ranges of partition columns whose values are not int64s: numeric, timestamp,
// timestamptz and date. They are cut the way integers are (PlanValueRanges), on an int64 image of
// their values:
//  - timestamp, timestamptz: microseconds since 2000-01-01 00:00 UTC; date: days since
//    2000-01-01. That is PostgreSQL's own representation, so every finite value has an image;
//  - numeric: units of 10^e, with e chosen from min and max so that both take at most 18 digits.
//    Values may be fractional or far beyond int64, and 18 leading digits of the range are plenty
//    to place equal-width split points.
// The image of a value is its floor, so split points stay strictly increasing, which is all that
// coverage needs: a bound need not be a value that exists. Split points go back out as exact text
// of the column's type, kept in the catalog as such, so a resumed load compares with the very
// literal both neighbouring ranges were planned with.
//
// Non-finite values (±infinity; numeric NaN, which PostgreSQL sorts above every number, infinity
// included) have no image: min and max are read without them (FiniteCondition), and the
// conditions leave them to the open-ended first and last ranges.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/table_layout.h"
#include "source/postgres/value_partitioner.h"

namespace pg2ch {

// nullopt for a column type that cannot be split by value.
std::optional<ValueKind> PartitionValueKind(uint32_t type_oid);
// The types PartitionValueKind accepts, for messages.
extern const char* const kPartitionTypeNames;

// An integer column's min or max as PostgreSQL prints it (nullopt: the column has no non-NULL
// value). Throws PipeError(kFatal) for text that is not an int64.
std::optional<int64_t> ParseIntegerBound(const std::optional<std::string>& text);

// Bounds as text of the column's type, as PostgreSQL prints it (DateStyle ISO, TimeZone UTC).
struct LiteralRange {
  std::optional<std::string> lower;  // col >= lower; nullopt: no lower bound (the first range)
  std::optional<std::string> upper;  // col < upper; nullopt: no upper bound (the last range)
  bool operator==(const LiteralRange&) const = default;
};

// PlanValueRanges for a column of `kind` whose finite values lie in [min, max], both as
// PostgreSQL prints them (nullopt when there is none). Throws PipeError(kFatal) for text that is
// not a finite value of `kind`.
std::vector<LiteralRange> PlanLiteralRanges(ValueKind kind, const std::optional<std::string>& min,
                                            const std::optional<std::string>& max,
                                            double estimated_rows, int64_t rows_per_partition,
                                            int64_t max_partitions = kMaxPartitionsPerTable);

// ValueRangeCondition for literal bounds, each quoted and cast to `kind`'s type.
std::string LiteralRangeCondition(const std::string& column, ValueKind kind,
                                  const LiteralRange& range, bool with_nulls);

// Keeps the finite values of `column` only, for reading the min and max to plan with; "" when
// every value is finite (integers). `server_version` as PQserverVersion: numeric has infinities
// from PostgreSQL 14 on, and no literal for them before.
std::string FiniteCondition(ValueKind kind, const std::string& column, int server_version);

}  // namespace pg2ch
