// Leaves a table mapping's excluded columns out of a source table as read from PostgreSQL, so
// that everything built from the recorded definition (the ClickHouse table, the snapshot COPY's
// column list, CDC's relation mapping) never sees them. Pure, no I/O.
#pragma once

#include <string>
#include <vector>

#include "core/table_schema.h"
#include "pipe/pipe_config.h"

namespace pg2ch {

// Returns `table` without the columns named in `exclude`, their names in `excluded`. Throws
// PipeError(kFatal) naming the table and listing every excluded column that does not exist or
// is a key column (the primary key / replica identity identifies the ClickHouse row).
SourceTable ExcludeColumns(SourceTable table, const std::vector<std::string>& exclude);

// The table as a mapping takes it: ExcludeColumns, and the mapping's row filter.
SourceTable MappedTable(SourceTable table, const TableMapping& mapping);

}  // namespace pg2ch
