// Reads a source table's definition from PostgreSQL's catalogs at Setup.
//
// Checks what logical replication of the table needs and fails with kFatal naming the table when
// it is missing: the table exists, is a plain or partitioned table, and has a primary key or a
// REPLICA IDENTITY USING INDEX (whose columns become the key). Tables with neither are refused:
// the destination needs a key to order and replace rows by.
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
