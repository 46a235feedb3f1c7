// Splits a table into ranges of one column's values, for a parallel, resumable initial load where
// ctid ranges cannot be used (PostgreSQL 13 and older scan the whole table for a ctid condition; a
// partitioned table has no ctid of its own) or where the user names the column. Integers are
// split here; numeric, timestamp, timestamptz and date columns are split the same way on an int64
// image of their values (value_domain.h). Pure: numbers in, ranges out, no I/O (min and max come
// from value_bounds.h).
//
// [min, max] is cut into equal-width ranges; the first has no lower bound and the last none
// above, so values outside the bounds read at planning (rows inserted later) are still covered,
// and the NULLs of a nullable column go with the first range:
//
//   values:  ... min ........ b1 ........ b2 ........ max ...   (NULL)
//   ranges:  [ first          )[          )[ last, open-ended ...  -> first
//
// Each range selects its rows with   WHERE col >= b_i AND col < b_i+1   (an index range scan
// when the column is indexed). Which range a row falls in depends only on its value, not on where
// its tuple lies: unlike ctid ranges, the ranges keep their meaning across table rewrites.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "source/postgres/ctid_partitioner.h"  // kMaxPartitionsPerTable

namespace pg2ch {

struct ValueRange {
  std::optional<int64_t> lower;  // col >= lower; nullopt: no lower bound (the first range)
  std::optional<int64_t> upper;  // col < upper; nullopt: no upper bound (the last range)
  bool operator==(const ValueRange&) const = default;
};

// Whether a column of this type oid can be split by PlanValueRanges: smallint, integer, bigint.
bool IsIntegerPartitionType(uint32_t type_oid);

// Ranges of about `rows_per_partition` rows for `estimated_rows` rows whose column values lie in
// [min, max] (nullopt when the table has no non-NULL value). Always at least one range; exactly
// one, with neither bound, when the table is empty, holds a single value, or fits in one
// partition. Contiguous, in value order, never empty of values, never more than
// `max_partitions` nor more than max - min + 1. No overflow anywhere in the int64 range.
std::vector<ValueRange> PlanValueRanges(std::optional<int64_t> min, std::optional<int64_t> max,
                                        double estimated_rows, int64_t rows_per_partition,
                                        int64_t max_partitions = kMaxPartitionsPerTable);

// The WHERE clause selecting `range` of `column` ("" for a range with neither bound, which
// covers NULLs as well). `with_nulls`: the range also takes the column's NULLs (set it for the
// first range of a nullable column, and only for it).
std::string ValueRangeCondition(const std::string& column, const ValueRange& range,
                                bool with_nulls);
// The same with bounds already written as SQL: numbers, or literals cast to the column's type.
std::string ValueRangeCondition(const std::string& column, const std::optional<std::string>& lower,
                                const std::optional<std::string>& upper, bool with_nulls);

}  // namespace pg2ch
