// What the initial load needs to know of a table's storage to split it: its size in pages, how
// many rows a page holds, and the file the rows live in. Read with cheap catalog look-ups (and,
// for a table never analyzed, a count over its first pages), never a COUNT(*) of the table.
//
// Call it on a connection inside the snapshot transaction that holds ACCESS SHARE on the table,
// so the file (relfilenode) cannot be swapped by VACUUM FULL / CLUSTER / TRUNCATE before the copy.
#pragma once

#include <cstdint>

#include "core/table_schema.h"
#include "source/postgres/pg_connection.h"

namespace pg2ch {

struct TableLayout {
  char relkind = 'r';        // 'r' plain table, 'p' partitioned (no storage of its own)
  int64_t pages = 0;         // heap pages now (pg_relation_size / block size)
  double rows_per_page = 0;  // from reltuples / relpages, else sampled; 0 when unknown
  double estimated_rows = 0;
  // The heap file. A rewrite (VACUUM FULL, CLUSTER, TRUNCATE, ALTER TABLE ... TYPE) gives the
  // table a new one and moves every tuple: page ranges planned before it mean nothing after.
  uint64_t filenode = 0;
  // Whether ctid ranges may be used: a plain table on PostgreSQL 14+ (TID range scans). Earlier
  // servers would scan the whole table for every range.
  bool splittable = false;
};

TableLayout ReadTableLayout(PgConnection& conn, const SourceTable& table);

}  // namespace pg2ch
