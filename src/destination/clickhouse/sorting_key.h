// The ORDER BY of a destination table. ReplacingMergeTree replaces rows by the whole ORDER BY
// tuple, so pg2ch orders by the user's sorting keys (in their order) followed by every key column
// they did not list: rows with the same primary key then share a tuple as long as their
// sorting-key values do not change. Pure, no I/O.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/table_schema.h"

namespace pg2ch {

// Indices into `table.columns`. Throws PipeError(kFatal) naming the table and listing every
// sorting key that is not a replicated column (missing, or excluded) or is nullable (ClickHouse
// refuses Nullable sorting keys, and a NULL could not be told from a value the stream left out).
std::vector<size_t> OrderByColumns(const SourceTable& table,
                                   const std::vector<std::string>& sorting_keys);

}  // namespace pg2ch
