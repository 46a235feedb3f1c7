#include "source/postgres/value_bounds.h"

#include "common/error.h"
#include "common/sql_quote.h"

namespace pg2ch {

std::optional<std::string> PrimaryKeyFirstColumn(PgConnection& conn, const SourceTable& table) {
  auto rows = conn.Query(
      "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND "
      "a.attnum = i.indkey[0] WHERE i.indrelid = " +
      std::to_string(table.relid) + "::oid AND i.indisprimary");
  if (rows.empty() || rows[0][0].empty()) return std::nullopt;
  return rows[0][0];
}

ValueBounds ReadValueBounds(PgConnection& conn, const SourceTable& table, const std::string& column,
                            const std::string& finite, bool only) {
  std::string col = PgIdent(column);
  // Subqueries, not FILTER: PostgreSQL answers min/max from an index only without FILTER.
  std::string from = std::string(" FROM ") + (only ? "ONLY " : "") + PgIdent(table.schema) + "." +
                     PgIdent(table.name) + (finite.empty() ? "" : " WHERE " + finite);
  auto rows = conn.Query("SELECT (SELECT min(" + col + ")" + from + ")::text, (SELECT max(" + col +
                         ")" + from + ")::text");
  if (rows.size() != 1 || rows[0].size() != 2)
    ThrowFatal("PostgreSQL: min/max of " + table.QualifiedName() + "." + column +
               " returned no row");
  // NULL comes back as "", which no value of a partition column prints as.
  auto bound = [](const std::string& text) -> std::optional<std::string> {
    if (text.empty()) return std::nullopt;
    return text;
  };
  return ValueBounds{bound(rows[0][0]), bound(rows[0][1])};
}

}  // namespace pg2ch
