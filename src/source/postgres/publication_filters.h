// Row filters and column lists in pg2ch's publications (PostgreSQL 15+), so that rows and columns
// a pipe leaves out never leave the source.
//
// A table is published as `schema.name (columns) WHERE (filter)`: the column list when the
// mapping asks for it (exclude_at_source: not for REPLICA IDENTITY FULL tables in a publication of
// updates, whose list PostgreSQL requires to hold every column: pg2ch drops those columns itself),
// the row filter from the mapping. Before 15 a row filter is refused (nothing could apply it to CDC) and
// excluded columns are dropped by pg2ch.
// PostgreSQL accepts a row filter on any column but then refuses the application's UPDATE and
// DELETE when the filter uses a column outside the replica identity (in a publication of updates
// and deletes): CheckRowFilterColumns refuses such a filter before it is committed.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/table_schema.h"
#include "source/postgres/pg_connection.h"

namespace pg2ch {

// `table` as CREATE / ALTER PUBLICATION names it. `publishes_changes`: the publication
// publishes updates and deletes. kFatal for a row filter before PostgreSQL 15.
std::string PublishedTableSpec(PgConnection& conn, const SourceTable& table,
                               bool publishes_changes);

// kFatal naming the columns if a row filter of `tables` in `publication` (made in this
// transaction) uses a column outside the table's key. Only for publications of changes.
void CheckRowFilterColumns(PgConnection& conn, const std::string& publication,
                           const std::vector<const SourceTable*>& tables);

// A publication pg2ch did not just make: its row filters and column lists must agree with the
// pipe's, else the initial load and CDC would disagree (kFatal saying what differs and what to
// set). No-op before 15.
void CheckPublishedRowsAndColumns(PgConnection& conn, const std::string& publication,
                                  const std::vector<const SourceTable*>& tables);

// Create-time check of the row filters of `tables` for a publication pg2ch would make: the server
// version, the SQL itself (PostgreSQL's rules for publication filters) and the key columns, in a
// publication made and rolled back in one transaction. kFatal with PostgreSQL's or our reason.
void TryRowFilters(PgConnection& conn, const std::vector<SourceTable>& tables);

// Runs `statements` in one transaction: all or nothing.
void InTransaction(PgConnection& conn, const std::function<void()>& statements);

}  // namespace pg2ch
