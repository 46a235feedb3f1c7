#include "source/postgres/ctid_partitioner.h"

#include <algorithm>
#include <cmath>

namespace pg2ch {

std::vector<PageRange> PlanPageRanges(int64_t pages, double rows_per_page,
                                      int64_t rows_per_partition, int64_t max_partitions) {
  rows_per_partition = std::max<int64_t>(rows_per_partition, 1);
  max_partitions = std::max<int64_t>(max_partitions, 1);
  if (pages <= 0 || !(rows_per_page > 0)) return {PageRange{}};
  // At least one page per partition: a TID range cannot split a page.
  double exact = static_cast<double>(rows_per_partition) / rows_per_page;
  int64_t pages_per_partition = std::max<int64_t>(1, static_cast<int64_t>(std::llround(exact)));
  pages_per_partition =
      std::max(pages_per_partition, (pages + max_partitions - 1) / max_partitions);
  int64_t count = (pages + pages_per_partition - 1) / pages_per_partition;
  std::vector<PageRange> ranges;
  ranges.reserve(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) {
    PageRange r;
    r.first_page = i * pages_per_partition;
    if (i + 1 < count) r.end_page = (i + 1) * pages_per_partition;
    ranges.push_back(r);
  }
  return ranges;
}

std::string CtidRangeCondition(const PageRange& range) {
  std::string lower, upper;
  if (range.first_page > 0) lower = "ctid >= '(" + std::to_string(range.first_page) + ",0)'::tid";
  if (range.end_page) upper = "ctid < '(" + std::to_string(*range.end_page) + ",0)'::tid";
  if (!lower.empty() && !upper.empty()) return lower + " AND " + upper;
  return lower + upper;
}

}  // namespace pg2ch
