// Splits a table into ctid page ranges for a parallel, resumable initial load. Pure: numbers in,
// ranges out, no I/O (the statistics come from table_layout.h).
//
// A range covers heap pages [first_page, end_page) and selects its rows with
//   WHERE ctid >= '(first_page,0)'::tid AND ctid < '(end_page,0)'::tid
// which PostgreSQL 14+ runs as a TID range scan reading only those pages. The first range has no
// lower bound and the last none above: together the ranges cover every tuple, including those on
// pages added after the estimate (the table may grow while it is copied).
//
//   pages:  0 ........ p1 ........ p2 ........ (estimate) ..... (grown)
//   ranges: [ first    )[          )[ last, open-ended ..................
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pg2ch {

struct PageRange {
  int64_t first_page = 0;           // 0: no lower bound
  std::optional<int64_t> end_page;  // nullopt: no upper bound (the last range)
  bool operator==(const PageRange&) const = default;
};

// Partitions are capped so a catalog never holds more than this many per table; a bigger table
// gets bigger partitions.
inline constexpr int64_t kMaxPartitionsPerTable = 10000;

// Ranges of about `rows_per_partition` rows for a table of `pages` heap pages holding about
// `rows_per_page` rows each. Always at least one range; exactly one (covering everything) when
// the table is empty or fits in one partition. Contiguous, in page order, never empty.
std::vector<PageRange> PlanPageRanges(int64_t pages, double rows_per_page,
                                      int64_t rows_per_partition,
                                      int64_t max_partitions = kMaxPartitionsPerTable);

// The WHERE clause selecting `range` ("" for a range with neither bound).
std::string CtidRangeCondition(const PageRange& range);

}  // namespace pg2ch
