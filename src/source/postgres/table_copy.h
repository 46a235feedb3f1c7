// Streams one table's rows out of PostgreSQL with COPY ... TO STDOUT (text format) on a
// connection that is inside the snapshot transaction; each row is handed to `on_row` as soon as
// it is read, so memory holds one row at a time (the consumer decides how much to buffer).
//
// The caller starts the transaction (BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET
// TRANSACTION SNAPSHOT ...) so several tables, or several connections, read one point in time.
#pragma once

#include <functional>

#include "core/change.h"
#include "core/table_schema.h"
#include "source/postgres/pg_connection.h"

namespace pg2ch {

// Returns the number of rows copied.
uint64_t CopyTable(PgConnection& conn, const SourceTable& table,
                   const std::function<void(const Row&)>& on_row);

}  // namespace pg2ch
