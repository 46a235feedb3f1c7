// Which rows of a table one copy of the initial load reads (pipe/snapshot_plan.h makes them).
#pragma once

#include <string>

namespace pg2ch {

struct CopyScope {
  // FROM ONLY: an inheritance parent without its children (they are tables of their own). Must
  // stay false for partitioned tables, whose rows all live in their partitions.
  bool only = false;
  std::string where;  // a condition such as CtidRangeCondition(); "" for every row
};

}  // namespace pg2ch
