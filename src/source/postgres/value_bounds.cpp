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
                            bool only) {
  std::string col = PgIdent(column);
  auto rows = conn.Query("SELECT min(" + col + ")::text, max(" + col + ")::text FROM " +
                         (only ? "ONLY " : "") + PgIdent(table.schema) + "." + PgIdent(table.name));
  if (rows.size() != 1 || rows[0].size() != 2)
    ThrowFatal("PostgreSQL: min/max of " + table.QualifiedName() + "." + column +
               " returned no row");
  // NULL comes back as "", which no integer prints as.
  auto parse = [&](const std::string& text) -> std::optional<int64_t> {
    if (text.empty()) return std::nullopt;
    try {
      size_t used = 0;
      int64_t v = std::stoll(text, &used);
      if (used == text.size()) return v;
    } catch (const std::exception&) {
    }
    ThrowFatal("PostgreSQL: min/max of " + table.QualifiedName() + "." + column +
               " is not an integer: \"" + text + "\"");
  };
  return ValueBounds{parse(rows[0][0]), parse(rows[0][1])};
}

}  // namespace pg2ch
