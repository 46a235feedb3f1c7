#include "source/postgres/table_layout.h"

#include <algorithm>
#include <string>

#include "common/error.h"
#include "common/sql_quote.h"

namespace pg2ch {
namespace {

// Pages counted when the table was never analyzed (reltuples = -1): about 1 MiB read.
constexpr int64_t kSamplePages = 128;
// When the sampled pages hold nothing (emptied by deletes) the density is unknown; this is what
// ~100-byte rows give, so a big table is still split instead of copied as one piece.
constexpr double kAssumedRowsPerPage = 60;

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

  if (reltuples >= 0 && relpages > 0) {
    layout.rows_per_page = reltuples / static_cast<double>(relpages);
  } else if (layout.splittable && layout.pages > 0) {
    // Never analyzed: count the rows of the first pages (a TID range scan reads only those).
    int64_t sample = std::min(layout.pages, kSamplePages);
    auto counted =
        conn.Query("SELECT count(*) FROM ONLY " + PgIdent(table.schema) + "." +
                   PgIdent(table.name) + " WHERE ctid < '(" + std::to_string(sample) + ",0)'::tid");
    layout.rows_per_page = std::stod(counted[0][0]) / static_cast<double>(sample);
  }
  if (layout.splittable && layout.pages > 0 && !(layout.rows_per_page > 0))
    layout.rows_per_page = kAssumedRowsPerPage;
  layout.estimated_rows = layout.rows_per_page * static_cast<double>(layout.pages);
  if (layout.relkind == 'p' && reltuples > 0) layout.estimated_rows = reltuples;
  return layout;
}

}  // namespace pg2ch
