#include "source/postgres/type_reader.h"

#include "common/error.h"
#include "core/pg_type.h"

namespace pg2ch {
namespace {

// Peels domains (a domain's typmod is its typtypmod; only the innermost one can have one), then
// does the same for an array's element. typcategory 'A' marks true arrays: point and name have a
// typelem too but are not arrays. money's fraction digits follow lc_monetary, which the walsender
// and COPY see alike: the scale of a money value cast to numeric.
constexpr const char* kDescribeSql = R"sql(
peel(n, oid, typmod, depth) AS (
  SELECT n, type_oid, typmod, 0 FROM x
  UNION ALL
  SELECT p.n, t.typbasetype, CASE WHEN t.typtypmod <> -1 THEN t.typtypmod ELSE p.typmod END,
         p.depth + 1
  FROM peel p JOIN pg_catalog.pg_type t ON t.oid = p.oid WHERE t.typtype = 'd' AND p.depth < 100),
base AS (SELECT DISTINCT ON (n) n, oid, typmod FROM peel ORDER BY n, depth DESC),
epeel(n, oid, typmod, depth) AS (
  SELECT b.n, t.typelem, b.typmod, 0 FROM base b JOIN pg_catalog.pg_type t ON t.oid = b.oid
  WHERE t.typcategory = 'A' AND t.typelem <> 0
  UNION ALL
  SELECT e.n, t.typbasetype, CASE WHEN t.typtypmod <> -1 THEN t.typtypmod ELSE e.typmod END,
         e.depth + 1
  FROM epeel e JOIN pg_catalog.pg_type t ON t.oid = e.oid WHERE t.typtype = 'd' AND e.depth < 100),
elem AS (SELECT DISTINCT ON (n) n, oid, typmod FROM epeel ORDER BY n, depth DESC)
SELECT pg_catalog.format_type(x.type_oid, x.typmod), bt.oid IS NOT NULL,
       COALESCE(e.oid, b.oid), COALESCE(e.typmod, b.typmod), COALESCE(et.typtype, bt.typtype),
       COALESCE(et.typname, bt.typname), COALESCE(e.oid, 0), COALESCE(et.typdelim, ','),
       (SELECT pg_catalog.scale(0::pg_catalog.money::pg_catalog.numeric))
FROM x LEFT JOIN base b ON b.n = x.n LEFT JOIN pg_catalog.pg_type bt ON bt.oid = b.oid
  LEFT JOIN elem e ON e.n = x.n LEFT JOIN pg_catalog.pg_type et ON et.oid = e.oid
ORDER BY x.n)sql";

}  // namespace

void DescribeColumnTypes(PgConnection& conn, const std::string& table,
                         std::span<SourceColumn> columns) {
  if (columns.empty()) return;
  // Numbers only: nothing from the stream is pasted into the SQL as text.
  std::string values;
  for (size_t i = 0; i < columns.size(); ++i) {
    values += (i == 0 ? "(" : ", (") + std::to_string(i) + ", " +
              std::to_string(columns[i].type_oid) + "::oid, " + std::to_string(columns[i].typmod) +
              ")";
  }
  auto rows = conn.Query("WITH RECURSIVE x(n, type_oid, typmod) AS (VALUES " + values + ")," +
                         kDescribeSql);
  if (rows.size() != columns.size())
    ThrowFatal("PostgreSQL: type lookup for " + table + " returned " + std::to_string(rows.size()) +
               " rows for " + std::to_string(columns.size()) + " columns");
  for (size_t i = 0; i < columns.size(); ++i) {
    SourceColumn& c = columns[i];
    const auto& r = rows[i];
    if (r[1] != "t")
      ThrowFatal("source table " + table + " column \"" + c.name + "\" has type oid " +
                 std::to_string(c.type_oid) + ", which does not exist on the source");
    c.type_name = r[0];
    c.element_oid = static_cast<uint32_t>(std::stoul(r[6]));
    // base_* describe the values: the element's for arrays, else the base type's.
    c.base_oid = static_cast<uint32_t>(std::stoul(r[2]));
    c.base_typmod = std::stoi(r[3]);
    c.base_kind = r[4].empty() ? 'b' : r[4][0];
    c.base_name = r[5];
    c.array_delim = r[7].empty() ? ',' : r[7][0];
    if (c.base_oid == pg_oid::kMoney) c.base_typmod = r[8].empty() ? 2 : std::stoi(r[8]);
  }
}

}  // namespace pg2ch
