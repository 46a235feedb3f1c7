// Reads a source table's definition from PostgreSQL's catalogs at Setup.
//
// Fails with kFatal naming the table unless it exists and is a plain or partitioned table. Its
// primary key or REPLICA IDENTITY USING INDEX columns become the key; a table with neither is
// keyless (RowIdentity): REPLICA IDENTITY FULL identifies rows by their values, otherwise only
// inserts and truncates can be replicated. Stored generated columns are left out (`generated`).
#pragma once

#include <span>
#include <string>

#include "core/table_schema.h"
#include "source/postgres/pg_connection.h"

namespace pg2ch {

SourceTable ReadSourceTable(PgConnection& conn, const std::string& schema,
                            const std::string& table);

// Fills type_name (format_type(oid, typmod)) and element_oid of columns known only from a
// pgoutput Relation message (which carries oid and typmod), with one query. Throws
// PipeError(kFatal) naming `table` and the column when its type no longer exists.
void ResolveColumnTypes(PgConnection& conn, const std::string& table,
                        std::span<SourceColumn> columns);

}  // namespace pg2ch
