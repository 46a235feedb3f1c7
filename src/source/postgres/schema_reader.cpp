#include "source/postgres/schema_reader.h"

#include "common/error.h"
#include "common/sql_quote.h"

namespace pg2ch {

SourceTable ReadSourceTable(PgConnection& conn, const std::string& schema,
                            const std::string& table) {
  std::string qualified = schema + "." + table;
  auto rel = conn.Query(
      "SELECT c.oid, c.relkind, c.relreplident FROM pg_class c JOIN pg_namespace n ON "
      "n.oid = c.relnamespace WHERE n.nspname = " +
      PgLiteral(schema) + " AND c.relname = " + PgLiteral(table));
  if (rel.empty()) ThrowFatal("source table " + qualified + " does not exist");
  const std::string& relkind = rel[0][1];
  if (relkind != "r" && relkind != "p")
    ThrowFatal("source table " + qualified + " is not a table (relkind '" + relkind + "')");

  SourceTable out;
  out.schema = schema;
  out.name = table;
  out.relid = static_cast<uint32_t>(std::stoul(rel[0][0]));
  std::string oid = PgLiteral(rel[0][0]);
  // The replica identity decides which columns pgoutput marks as key and sends for deletes.
  char ident = rel[0][2].empty() ? 'd' : rel[0][2][0];
  std::string key_index_filter =
      ident == 'i' ? "i.indisreplident" : "i.indisprimary";  // 'd' default and 'f' full: the PK

  auto cols = conn.Query(
      "SELECT a.attname, a.atttypid, a.atttypmod, format_type(a.atttypid, a.atttypmod), "
      "a.attnotnull, COALESCE(k.is_key, false), CASE WHEN t.typcategory = 'A' THEN t.typelem "
      "ELSE 0 END FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
      "LEFT JOIN (SELECT unnest(i.indkey) AS attnum, true AS is_key FROM pg_index i "
      "WHERE i.indrelid = " +
      oid + "::oid AND " + key_index_filter +
      ") k ON k.attnum = a.attnum "
      "WHERE a.attrelid = " +
      oid +
      "::oid AND a.attnum > 0 AND NOT a.attisdropped "
      "ORDER BY a.attnum");
  bool has_key = false;
  for (const auto& c : cols) {
    SourceColumn col;
    col.name = c[0];
    col.type_oid = static_cast<uint32_t>(std::stoul(c[1]));
    col.typmod = std::stoi(c[2]);
    col.type_name = c[3];
    col.nullable = c[4] != "t";
    col.is_key = c[5] == "t";
    col.element_oid = static_cast<uint32_t>(std::stoul(c[6]));
    has_key = has_key || col.is_key;
    out.columns.push_back(std::move(col));
  }
  if (out.columns.empty()) ThrowFatal("source table " + qualified + " has no columns");
  if (!has_key)
    ThrowFatal("source table " + qualified +
               " has no primary key and no REPLICA IDENTITY USING INDEX: pg2ch needs a key to "
               "replicate updates and deletes (add a primary key, or ALTER TABLE ... REPLICA "
               "IDENTITY USING INDEX on a unique index)");
  return out;
}

void ResolveColumnTypes(PgConnection& conn, const std::string& table,
                        std::span<SourceColumn> columns) {
  if (columns.empty()) return;
  // Numbers only: nothing from the stream is pasted into the SQL as text.
  std::string values;
  for (size_t i = 0; i < columns.size(); ++i) {
    values += (i == 0 ? "(" : ", (") + std::to_string(i) + ", " +
              std::to_string(columns[i].type_oid) + "::oid, " + std::to_string(columns[i].typmod) +
              ")";
  }
  // The same expressions as ReadSourceTable, so a column added later is described alike.
  auto rows = conn.Query(
      "SELECT format_type(t.oid, x.typmod), CASE WHEN t.typcategory = 'A' THEN t.typelem "
      "ELSE 0 END FROM (VALUES " +
      values +
      ") AS x(n, type_oid, typmod) LEFT JOIN pg_type t ON t.oid = x.type_oid ORDER BY x.n");
  if (rows.size() != columns.size())
    ThrowFatal("PostgreSQL: type lookup for " + table + " returned " + std::to_string(rows.size()) +
               " rows for " + std::to_string(columns.size()) + " columns");
  for (size_t i = 0; i < columns.size(); ++i) {
    if (rows[i][0].empty())
      ThrowFatal("source table " + table + " column \"" + columns[i].name + "\" has type oid " +
                 std::to_string(columns[i].type_oid) + ", which no longer exists on the source");
    columns[i].type_name = rows[i][0];
    columns[i].element_oid = static_cast<uint32_t>(std::stoul(rows[i][1]));
  }
}

}  // namespace pg2ch
