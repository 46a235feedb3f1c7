#include "source/postgres/publication_filters.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>

#include "common/error.h"
#include "common/sql_quote.h"

namespace pg2ch {
namespace {

constexpr int kRowFiltersSince = 150000;

// Columns the pipe leaves out by choice (generated columns are left out by PostgreSQL itself).
bool ExcludesColumns(const SourceTable& t) {
  return std::any_of(t.excluded.begin(), t.excluded.end(), [&](const std::string& name) {
    return std::find(t.generated.begin(), t.generated.end(), name) == t.generated.end();
  });
}

std::string Joined(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

std::string Where(const std::string& publication, const SourceTable& t) {
  return " WHERE pubname = " + PgLiteral(publication) + " AND schemaname = " + PgLiteral(t.schema) +
         " AND tablename = " + PgLiteral(t.name);
}

// After a failure: the connection may be gone, and with it the transaction.
void RollbackQuietly(PgConnection& conn) {
  try {
    conn.Exec("ROLLBACK");
  } catch (const PipeError&) {
  }
}

// The pipe's row filter of `t` as PostgreSQL writes it back (pg_get_expr of the parsed
// condition): from a publication made and rolled back in one transaction. nullopt when the user
// may not make one (no CREATE on the database, not the table's owner, a read-only standby).
std::optional<std::string> NormalisedRowFilter(PgConnection& conn, const SourceTable& t) {
  const std::string name = "pg2ch_row_filter_compare";
  auto cannot = [&](const std::string& why) {
    spdlog::warn(
        "table {}: cannot compare the pipe's row filter with the publication's ({}); "
        "make sure they select the same rows",
        t.QualifiedName(), why);
    return std::nullopt;
  };
  if (PQtransactionStatus(conn.raw()) != PQTRANS_IDLE)  // not ours to end
    return cannot("the connection is inside a transaction");
  std::optional<std::string> text;
  try {
    conn.Exec("BEGIN");
    // A trial must not queue behind a VACUUM or an index build on the table.
    conn.Exec("SET LOCAL lock_timeout = '5s'");
    conn.Exec("CREATE PUBLICATION " + name + " FOR TABLE " + PgIdent(t.schema) + "." +
              PgIdent(t.name) + " WHERE (" + t.row_filter + ")");
    auto rows = conn.Query("SELECT rowfilter FROM pg_publication_tables" + Where(name, t));
    if (!rows.empty()) text = rows[0][0];
    conn.Exec("ROLLBACK");
  } catch (const PipeError& e) {
    RollbackQuietly(conn);
    if (e.retryable()) throw;  // a lost connection is no answer
    return cannot(e.what());
  }
  return text;
}

}  // namespace

std::string PublishedTableSpec(PgConnection& conn, const SourceTable& t, bool publishes_changes) {
  std::string spec = PgIdent(t.schema) + "." + PgIdent(t.name);
  if (conn.server_version() < kRowFiltersSince) {
    if (!t.row_filter.empty())
      ThrowFatal("table " + t.QualifiedName() +
                 ": a row filter (where) needs PostgreSQL 15 or later, whose publications apply "
                 "it; this server is " +
                 std::to_string(conn.server_version() / 10000));
    return spec;
  }
  if (t.exclude_at_source && ExcludesColumns(t) &&
      !(publishes_changes && t.identity == RowIdentity::kFullRow)) {
    std::vector<std::string> columns;
    for (const SourceColumn& c : t.columns) columns.push_back(PgIdent(c.name));
    spec += " (" + Joined(columns) + ")";
  }
  if (!t.row_filter.empty()) spec += " WHERE (" + t.row_filter + ")";
  return spec;
}

void CheckRowFilterColumns(PgConnection& conn, const std::string& publication,
                           const std::vector<const SourceTable*>& tables) {
  for (const SourceTable* t : tables) {
    if (t->row_filter.empty() || t->identity != RowIdentity::kKey) continue;
    // The filter as PostgreSQL stored it: each column it reads is a Var node with its attnum.
    auto used = conn.Query(
        "SELECT DISTINCT a.attname FROM pg_publication_rel r JOIN pg_publication p ON p.oid = "
        "r.prpubid CROSS JOIN LATERAL regexp_matches(r.prqual::text, ':varattno (\\d+)', 'g') "
        "AS m(n) JOIN pg_attribute a ON a.attrelid = r.prrelid AND a.attnum = m.n[1]::int2 "
        "WHERE p.pubname = " +
        PgLiteral(publication) + " AND r.prrelid = " + std::to_string(t->relid) +
        "::oid ORDER BY 1");
    std::vector<std::string> outside;
    for (const auto& row : used) {
      bool key = std::any_of(t->columns.begin(), t->columns.end(),
                             [&](const SourceColumn& c) { return c.name == row[0] && c.is_key; });
      if (!key) outside.push_back(row[0]);
    }
    if (!outside.empty())
      ThrowFatal("table " + t->QualifiedName() + ": the row filter uses " + Joined(outside) +
                 ", outside the table's primary key / replica identity: PostgreSQL would then "
                 "refuse every UPDATE and DELETE of the table. Filter on key columns, or give the "
                 "table REPLICA IDENTITY FULL");
  }
}

void CheckPublishedRowsAndColumns(PgConnection& conn, const std::string& publication,
                                  const std::vector<const SourceTable*>& tables) {
  if (conn.server_version() < kRowFiltersSince) return;
  for (const SourceTable* t : tables) {
    auto rows = conn.Query(
        "SELECT rowfilter IS NOT NULL, COALESCE(rowfilter, '') FROM "
        "pg_publication_tables" +
        Where(publication, *t));
    if (rows.empty()) continue;  // not in it: the caller says so
    const bool filtered = rows[0][0] == "t";
    if (filtered && t->row_filter.empty())
      ThrowFatal("publication \"" + publication + "\" filters the rows of " + t->QualifiedName() +
                 " (WHERE " + rows[0][1] +
                 "): give the table the same condition as its \"where\" in the pipe, so that the "
                 "initial load copies the rows CDC sends");
    if (filtered && !t->row_filter.empty()) {
      std::optional<std::string> ours = NormalisedRowFilter(conn, *t);
      if (ours && *ours != rows[0][1])
        ThrowFatal("publication \"" + publication + "\" filters the rows of " + t->QualifiedName() +
                   " with WHERE " + rows[0][1] + ", but the pipe's \"where\" is " + *ours +
                   ": make them the same condition, so that the initial load copies the rows CDC "
                   "sends");
    }
    if (!filtered && !t->row_filter.empty())
      ThrowFatal("publication \"" + publication + "\" publishes every row of " +
                 t->QualifiedName() +
                 ", but the pipe filters them (where): add the condition to the publication, or "
                 "leave \"publication\" out so that pg2ch makes its own");
    auto published = conn.Query("SELECT unnest(attnames)::text FROM pg_publication_tables" +
                                Where(publication, *t));
    std::vector<std::string> missing;
    for (const SourceColumn& c : t->columns)
      if (std::none_of(published.begin(), published.end(),
                       [&](const auto& row) { return row[0] == c.name; }))
        missing.push_back(c.name);
    if (!missing.empty())
      ThrowFatal("publication \"" + publication + "\" does not publish " + Joined(missing) +
                 " of " + t->QualifiedName() + ": exclude them in the pipe (exclude)");
  }
}

void TryRowFilters(PgConnection& conn, const std::vector<SourceTable>& tables) {
  std::vector<const SourceTable*> changes, inserts;
  for (const SourceTable& t : tables)
    if (!t.row_filter.empty())
      (t.identity == RowIdentity::kInsertOnly ? inserts : changes).push_back(&t);
  if (changes.empty() && inserts.empty()) return;
  conn.Exec("BEGIN");
  try {
    const std::pair<const char*, const std::vector<const SourceTable*>*> trials[] = {
        {"pg2ch_row_filter_check", &changes}, {"pg2ch_row_filter_check_inserts", &inserts}};
    for (const auto& [name, list] : trials) {
      if (list->empty()) continue;
      std::string specs;
      for (const SourceTable* t : *list)
        specs += (specs.empty() ? "" : ", ") + PublishedTableSpec(conn, *t, list == &changes);
      conn.Exec(std::string("CREATE PUBLICATION ") + name + " FOR TABLE " + specs +
                (list == &changes ? "" : " WITH (publish = 'insert, truncate')"));
      if (list == &changes) CheckRowFilterColumns(conn, name, changes);
    }
  } catch (...) {
    RollbackQuietly(conn);
    throw;
  }
  conn.Exec("ROLLBACK");  // a trial only
}

void InTransaction(PgConnection& conn, const std::function<void()>& statements) {
  conn.Exec("BEGIN");
  try {
    statements();
  } catch (...) {
    RollbackQuietly(conn);
    throw;
  }
  conn.Exec("COMMIT");
}

}  // namespace pg2ch
