// Streams rows of one table out of PostgreSQL with COPY ... TO STDOUT (text or binary format) on a
// connection that is inside the snapshot transaction; each row is handed to `on_row` as soon as
// it is read, so memory holds one row at a time (the consumer decides how much to buffer).
//
// The caller starts the transaction (BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET
// TRANSACTION SNAPSHOT ...) so several tables, or several connections, read one point in time.
// If `on_row` throws, the COPY is abandoned mid-stream and the connection is unusable for further
// statements: close it (the snapshot load does, on any error).
#pragma once

#include <functional>
#include <span>
#include <string>

#include "core/binary_field.h"
#include "core/change.h"
#include "core/copy_scope.h"
#include "core/table_schema.h"
#include "source/postgres/pg_connection.h"

namespace pg2ch {

// Returns the number of rows copied.
uint64_t CopyTable(PgConnection& conn, const SourceTable& table,
                   const std::function<void(const Row&)>& on_row, const CopyScope& scope = {});

// CopyTable in binary format (copy_binary_parser.h): each row's fields are views into libpq's
// buffer, valid until `on_row` returns. Throws DecodeError if the stream ends without its
// trailer or is malformed.
uint64_t CopyTableBinary(PgConnection& conn, const SourceTable& table,
                         const std::function<void(std::span<const BinaryField>)>& on_row,
                         const CopyScope& scope = {});

// The COPY statement CopyTable (or, with `binary`, CopyTableBinary) runs (exposed for tests).
std::string CopySql(const SourceTable& table, const CopyScope& scope, bool binary = false);

}  // namespace pg2ch
