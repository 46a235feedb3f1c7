#include "source/postgres/schema_reader.h"

#include <algorithm>

#include "common/error.h"
#include "common/sql_quote.h"
#include "source/postgres/type_reader.h"

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
  // PostgreSQL 12 refuses a partitioned table in a publication (13 added publish_via_partition_
  // root); its leaves could be published, but each under its own name.
  if (relkind == "p" && conn.server_version() < 130000)
    ThrowFatal("source table " + qualified +
               " is partitioned, and PostgreSQL 12 cannot publish a partitioned table (13 and "
               "later can): list its partitions as tables of their own, each with its own target");

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
      "SELECT a.attname, a.atttypid, a.atttypmod, a.attnotnull, COALESCE(k.is_key, false), "
      "a.attndims, a.attgenerated::text FROM pg_attribute a "
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
    const std::string& generated = c[6];  // "" not generated, "s" stored, "v" virtual (18+)
    if (!generated.empty()) {
      // pgoutput sends stored generated columns from PostgreSQL 18 on (publish_generated_columns
      // = stored); before, COPY would read them but CDC never, so ClickHouse would hold stale
      // values after the first update. Virtual ones have no value to send. Left out like an
      // excluded column (a query can compute them in ClickHouse).
      if (generated != "s" || conn.server_version() < 180000) {
        out.excluded.push_back(c[0]);
        out.generated.push_back(c[0]);
        continue;
      }
      out.published_generated.push_back(c[0]);
    }
    SourceColumn col;
    col.name = c[0];
    col.type_oid = static_cast<uint32_t>(std::stoul(c[1]));
    col.typmod = std::stoi(c[2]);
    col.nullable = c[3] != "t";
    col.is_key = c[4] == "t";
    col.array_dims = std::max(1, std::stoi(c[5]));
    has_key = has_key || col.is_key;
    out.columns.push_back(std::move(col));
  }
  DescribeColumnTypes(conn, qualified, out.columns);
  if (out.columns.empty()) ThrowFatal("source table " + qualified + " has no columns");
  if (!has_key) out.identity = ident == 'f' ? RowIdentity::kFullRow : RowIdentity::kInsertOnly;
  return out;
}

void ResolveColumnTypes(PgConnection& conn, const std::string& table,
                        std::span<SourceColumn> columns) {
  DescribeColumnTypes(conn, table, columns);
}

}  // namespace pg2ch
