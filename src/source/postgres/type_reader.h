// Describes column types from PostgreSQL's catalogs, for Setup and for columns a pgoutput
// Relation adds later: the printed type, and what the values are once domains are peeled off
// (SourceColumn's base_* fields; for arrays, of the element). One query for all the columns.
#pragma once

#include <span>
#include <string>

#include "core/table_schema.h"
#include "source/postgres/pg_connection.h"

namespace pg2ch {

// Reads type_oid and typmod of each column; fills type_name, element_oid and the base_* fields.
// Throws PipeError(kFatal) naming `table` and the column when its type does not exist.
void DescribeColumnTypes(PgConnection& conn, const std::string& table,
                         std::span<SourceColumn> columns);

}  // namespace pg2ch
