#include "source/postgres/value_partitioner.h"

#include <algorithm>
#include <cmath>

#include "common/sql_quote.h"

namespace pg2ch {
namespace {

constexpr uint32_t kInt2Oid = 21;
constexpr uint32_t kInt4Oid = 23;
constexpr uint32_t kInt8Oid = 20;

}  // namespace

bool IsIntegerPartitionType(uint32_t type_oid) {
  return type_oid == kInt2Oid || type_oid == kInt4Oid || type_oid == kInt8Oid;
}

std::vector<ValueRange> PlanValueRanges(std::optional<int64_t> min, std::optional<int64_t> max,
                                        double estimated_rows, int64_t rows_per_partition,
                                        int64_t max_partitions) {
  rows_per_partition = std::max<int64_t>(rows_per_partition, 1);
  max_partitions = std::max<int64_t>(max_partitions, 1);
  if (!min || !max || *max <= *min || !(estimated_rows > 0)) return {ValueRange{}};
  // Distinct values in [min, max]: up to 2^64, so 128-bit arithmetic throughout.
  using U128 = unsigned __int128;
  U128 values = static_cast<U128>(static_cast<uint64_t>(*max) - static_cast<uint64_t>(*min)) + 1;
  double wanted =
      std::ceil(std::min(estimated_rows, 1e18) / static_cast<double>(rows_per_partition));
  U128 count =
      static_cast<U128>(std::clamp<double>(wanted, 1, static_cast<double>(max_partitions)));
  count = std::min(count, values);  // a range holds at least one value
  std::vector<ValueRange> ranges(static_cast<size_t>(count));
  for (U128 i = 1; i < count; ++i) {
    // b_i = min + floor(i * values / count): strictly increasing, in (min, max].
    U128 offset = i * values / count;
    int64_t bound =
        static_cast<int64_t>(static_cast<uint64_t>(*min) + static_cast<uint64_t>(offset));
    ranges[static_cast<size_t>(i - 1)].upper = bound;
    ranges[static_cast<size_t>(i)].lower = bound;
  }
  return ranges;
}

std::string ValueRangeCondition(const std::string& column, const ValueRange& range,
                                bool with_nulls) {
  auto sql = [](std::optional<int64_t> bound) -> std::optional<std::string> {
    if (!bound) return std::nullopt;
    return std::to_string(*bound);
  };
  return ValueRangeCondition(column, sql(range.lower), sql(range.upper), with_nulls);
}

std::string ValueRangeCondition(const std::string& column, const std::optional<std::string>& lower,
                                const std::optional<std::string>& upper, bool with_nulls) {
  if (!lower && !upper) return "";
  std::string col = PgIdent(column);
  std::string cond;
  if (lower) cond = col + " >= " + *lower;
  if (upper) cond += (cond.empty() ? "" : " AND ") + col + " < " + *upper;
  if (with_nulls) cond = "(" + cond + " OR " + col + " IS NULL)";
  return cond;
}

}  // namespace pg2ch
