// What the initial load needs to know of a table's storage to split it: its size in pages, how
// many rows a page holds, and the file the rows live in. Read with cheap catalog look-ups (and,
// for a table never analyzed, a count over its first pages), never a COUNT(*) of the table.
//
// Call it on a connection inside the snapshot transaction that holds ACCESS SHARE on the table,
// so the file (relfilenode) cannot be swapped by VACUUM FULL / CLUSTER / TRUNCATE before the copy.
#pragma once

#include "core/table_layout.h"
#include "core/table_schema.h"
#include "source/postgres/pg_connection.h"

namespace pg2ch {

TableLayout ReadTableLayout(PgConnection& conn, const SourceTable& table);

}  // namespace pg2ch
