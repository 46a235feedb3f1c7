// Proleptic Gregorian calendar arithmetic (year 0 = 1 BC), as both PostgreSQL and ClickHouse use
// it: days since 1970-01-01 <-> year, month, day. Exact over the whole int32 day range
// PostgreSQL's dates and timestamps span. Pure functions.
#pragma once

#include <cstdint>

namespace pg2ch {

struct CivilDate {
  int64_t year;  // astronomical: 0 is 1 BC, -1 is 2 BC
  unsigned month;
  unsigned day;
};

int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day);
CivilDate CivilFromDays(int64_t days);

}  // namespace pg2ch
