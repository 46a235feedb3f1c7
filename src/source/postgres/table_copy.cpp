#include "source/postgres/table_copy.h"

#include <memory>

#include "common/error.h"
#include "common/sql_quote.h"
#include "core/pg_type.h"
#include "source/postgres/copy_binary_parser.h"
#include "source/postgres/copy_text_parser.h"

namespace pg2ch {
namespace {

struct PqFree {
  void operator()(char* p) const { PQfreemem(p); }
};

// Runs the COPY and hands each CopyData message to `on_message`; returns after the copy ended.
void RunCopy(PgConnection& conn, const SourceTable& table, const std::string& sql,
             const std::function<void(std::string_view)>& on_message) {
  PgResult started(PQexec(conn.raw(), sql.c_str()));
  conn.Check(started.get(), "COPY " + table.QualifiedName());
  if (PQresultStatus(started.get()) != PGRES_COPY_OUT)
    ThrowFatal("PostgreSQL: COPY " + table.QualifiedName() + " did not start a copy");
  while (true) {
    char* raw = nullptr;
    int len = PQgetCopyData(conn.raw(), &raw, 0);
    std::unique_ptr<char, PqFree> buffer(raw);  // freed even when parsing throws
    if (len == -1) break;                       // copy finished
    if (len == -2)
      ThrowRetryable("PostgreSQL: COPY " + table.QualifiedName() + ": " + conn.ErrorMessage());
    on_message(std::string_view(raw, len));
  }
  PgResult done(PQgetResult(conn.raw()));
  conn.Check(done.get(), "COPY " + table.QualifiedName());
  while (PgResult extra{PQgetResult(conn.raw())}) {
  }
}

// Binary COPY carries no types: a column whose type changed since Setup (ALTER COLUMN ... TYPE)
// would be decoded as the recorded type and stored as garbage. Casting to the recorded base type
// makes PostgreSQL convert the value, or fail the copy clearly when it cannot. Without the type
// modifier, so a widened varchar(n) is never cut. A domain is cast to its base type; every type
// without a binary reading in pg2ch, and every array, is read as its output function's text, the
// very text pgoutput sends. Arrays print through their elements' output functions; for other
// types a cast to text can differ (inet::text shows the netmask that inet_out leaves out), so
// they go through format('%s'), which calls the output function. num_nulls keeps NULL apart from
// a composite of NULLs.
std::string RecordedTypeCast(const SourceColumn& c) {
  switch (c.ValueOid()) {
    case pg_oid::kBool:
      return "::pg_catalog.bool";
    case pg_oid::kBytea:
      return "::pg_catalog.bytea";
    case pg_oid::kInt8:
      return "::pg_catalog.int8";
    case pg_oid::kInt2:
      return "::pg_catalog.int2";
    case pg_oid::kInt4:
      return "::pg_catalog.int4";
    case pg_oid::kText:
      return "::pg_catalog.text";
    case pg_oid::kFloat4:
      return "::pg_catalog.float4";
    case pg_oid::kFloat8:
      return "::pg_catalog.float8";
    case pg_oid::kBpchar:
      return "::pg_catalog.bpchar";
    case pg_oid::kVarchar:
      return "::pg_catalog.varchar";
    case pg_oid::kDate:
      return "::pg_catalog.date";
    case pg_oid::kTimestamp:
      return "::pg_catalog.timestamp";
    case pg_oid::kTimestamptz:
      return "::pg_catalog.timestamptz";
    case pg_oid::kNumeric:
      return "::pg_catalog.numeric";
    case pg_oid::kUuid:
      return "::pg_catalog.uuid";
    default:
      return "";  // !HasBinaryCopyForm: read as text (ColumnExpression)
  }
}

std::string ColumnExpression(const SourceColumn& c) {
  std::string column = PgIdent(c.name);
  if (c.element_oid != 0) return column + "::pg_catalog.text";
  std::string cast = RecordedTypeCast(c);
  if (!cast.empty()) return column + cast;
  return "CASE WHEN pg_catalog.num_nulls(" + column +
         ") = 1 THEN NULL ELSE pg_catalog.format('%s', " + column + ") END";
}

}  // namespace

std::string CopySql(const SourceTable& table, const CopyScope& scope, bool binary) {
  std::string cols;
  for (const auto& c : table.columns) {
    if (!cols.empty()) cols += ", ";
    cols += binary ? ColumnExpression(c) : PgIdent(c.name);
  }
  // Always through a query: partitioned tables (relkind 'p') cannot be copied directly, and a
  // query takes the ctid condition.
  std::string sql = "COPY (SELECT " + cols + " FROM " + (scope.only ? "ONLY " : "") +
                    PgIdent(table.schema) + "." + PgIdent(table.name);
  // The row filter is the user's SQL, as PostgreSQL's publication takes it: parenthesised, so that
  // an OR in it cannot swallow the partition's range.
  if (!table.row_filter.empty()) sql += " WHERE (" + table.row_filter + ")";
  if (!scope.where.empty()) sql += (table.row_filter.empty() ? " WHERE " : " AND ") + scope.where;
  return sql + (binary ? ") TO STDOUT (FORMAT binary)" : ") TO STDOUT");
}

uint64_t CopyTable(PgConnection& conn, const SourceTable& table,
                   const std::function<void(const Row&)>& on_row, const CopyScope& scope) {
  Row row;
  uint64_t rows = 0;
  RunCopy(conn, table, CopySql(table, scope), [&](std::string_view line) {
    ParseCopyTextLine(line, table.columns.size(), row);
    on_row(row);
    ++rows;
  });
  return rows;
}

uint64_t CopyTableBinary(PgConnection& conn, const SourceTable& table,
                         const std::function<void(std::span<const BinaryField>)>& on_row,
                         const CopyScope& scope) {
  CopyBinaryParser parser(table.columns.size());
  uint64_t rows = 0;
  RunCopy(conn, table, CopySql(table, scope, true), [&](std::string_view message) {
    parser.Feed(std::span(reinterpret_cast<const uint8_t*>(message.data()), message.size()),
                [&](std::span<const BinaryField> fields) {
                  on_row(fields);
                  ++rows;
                });
  });
  if (!parser.finished())
    throw DecodeError("COPY binary " + table.QualifiedName() +
                      ": the stream ended without its trailer");
  return rows;
}

}  // namespace pg2ch
