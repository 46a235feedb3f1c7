// Catalog and table look-ups that value-range partitioning (value_partitioner.h) needs: which
// column to split by when none is configured, and the smallest and largest (finite) value of a
// column.
//
// Call them on the coordinator's connection inside the load's snapshot transaction: the bounds
// are then those of the snapshot the partitions are copied under.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/table_layout.h"
#include "core/table_schema.h"
#include "source/postgres/pg_connection.h"

namespace pg2ch {

// The first column of the table's primary key (in key order, not column order: its index can
// serve min() and max()); nullopt without a primary key.
std::optional<std::string> PrimaryKeyFirstColumn(PgConnection& conn, const SourceTable& table);

// min(column) and max(column) among the rows that meet `finite` (SQL; "" for all rows), in one
// query (each an index probe when the column leads an index). `only`: FROM ONLY, as the copy
// itself reads (see CopyScope).
ValueBounds ReadValueBounds(PgConnection& conn, const SourceTable& table, const std::string& column,
                            const std::string& finite, bool only);

}  // namespace pg2ch
