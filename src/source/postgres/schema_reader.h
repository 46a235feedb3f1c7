// Reads a source table's definition from PostgreSQL's catalogs at Setup.
//
// Checks what logical replication of the table needs and fails with kFatal naming the table when
// it is missing: the table exists, is a plain or partitioned table, and has a primary key or a
// REPLICA IDENTITY USING INDEX (whose columns become the key). Tables with neither are refused:
// the destination needs a key to order and replace rows by.
#pragma once

#include <string>

#include "core/table_schema.h"
#include "source/postgres/pg_connection.h"

namespace pg2ch {

SourceTable ReadSourceTable(PgConnection& conn, const std::string& schema,
                            const std::string& table);

}  // namespace pg2ch
