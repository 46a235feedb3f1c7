#include "source/postgres/table_layout.h"

#include <algorithm>
#include <string>

#include "common/error.h"
#include "common/sql_quote.h"

namespace pg2ch {
namespace {

// Pages counted when the table was never analyzed (reltuples -1 from PostgreSQL 14 on; 0 with
// relpages 0 before): about 1 MiB read.
constexpr int64_t kSamplePages = 128;
// When the sampled pages hold nothing (emptied by deletes) the density is unknown; this is what
// ~100-byte rows give, so a big table is still split instead of copied as one piece.
constexpr double kAssumedRowsPerPage = 60;

// Rows per page of a never-analyzed plain table, counted in a sample of its pages.
double SampleRowsPerPage(PgConnection& conn, const SourceTable& table, const TableLayout& layout) {
  const std::string name = PgIdent(table.schema) + "." + PgIdent(table.name);
  int64_t sample = std::min(layout.pages, kSamplePages);
  if (layout.splittable) {
    // The first pages, which a TID range scan reads alone.
    auto counted = conn.Query("SELECT count(*) FROM ONLY " + name + " WHERE ctid < '(" +
                              std::to_string(sample) + ",0)'::tid");
    return std::stod(counted[0][0]) / static_cast<double>(sample);
  }
  // Before 14 a ctid condition reads the whole table: a block sample reads about `sample` pages
  // instead.
  double percent = 100.0 * static_cast<double>(sample) / static_cast<double>(layout.pages);
  auto counted = conn.Query("SELECT count(*) FROM ONLY " + name + " TABLESAMPLE SYSTEM (" +
                            std::to_string(percent) + ") REPEATABLE (0)");
  return std::stod(counted[0][0]) / (static_cast<double>(layout.pages) * percent / 100.0);
}

// A partitioned table's rows: its leaves' (ANALYZE of the parent records no reltuples before 14,
// and a leaf never analyzed has none), each leaf's pages at the assumed density without them.
double LeafRows(PgConnection& conn, const std::string& oid, int64_t block_size) {
  auto rows = conn.Query(
      "SELECT COALESCE(sum(CASE WHEN c.reltuples > 0 THEN c.reltuples ELSE "
      "pg_relation_size(c.oid) / " +
      std::to_string(block_size) + " * " + std::to_string(kAssumedRowsPerPage) +
      " END), 0) FROM pg_partition_tree(" + oid +
      "::oid) t JOIN pg_class c ON c.oid = t.relid WHERE t.isleaf");
  return rows.empty() ? 0 : std::stod(rows[0][0]);
}

}  // namespace

TableLayout ReadTableLayout(PgConnection& conn, const SourceTable& table) {
  std::string oid = std::to_string(table.relid);
  auto rows = conn.Query(
      "SELECT c.relkind, c.reltuples, c.relpages, pg_relation_size(c.oid), "
      "current_setting('block_size'), COALESCE(pg_relation_filenode(c.oid), 0) FROM pg_class c "
      "WHERE c.oid = " +
      oid + "::oid");
  if (rows.empty())
    ThrowFatal("source table " + table.QualifiedName() + " (oid " + oid +
               ") no longer exists; resync the pipe");
  const auto& r = rows[0];
  TableLayout layout;
  layout.relkind = r[0].empty() ? 'r' : r[0][0];
  double reltuples = std::stod(r[1]);
  int64_t relpages = std::stoll(r[2]);
  int64_t block_size = std::max<int64_t>(1, std::stoll(r[4]));
  layout.pages = std::stoll(r[3]) / block_size;
  layout.filenode = std::stoull(r[5]);
  layout.splittable = layout.relkind == 'r' && conn.server_version() >= 140000;

  if (reltuples > 0 && relpages > 0) {
    layout.rows_per_page = reltuples / static_cast<double>(relpages);
  } else if (layout.relkind == 'r' && layout.pages > 0) {
    layout.rows_per_page = SampleRowsPerPage(conn, table, layout);
  }
  if (layout.relkind == 'r' && layout.pages > 0 && !(layout.rows_per_page > 0))
    layout.rows_per_page = kAssumedRowsPerPage;
  layout.estimated_rows = layout.rows_per_page * static_cast<double>(layout.pages);
  if (layout.relkind == 'p') layout.estimated_rows = LeafRows(conn, oid, block_size);
  return layout;
}

}  // namespace pg2ch
