#include "source/postgres/table_copy.h"

#include <memory>

#include "common/error.h"
#include "common/sql_quote.h"
#include "source/postgres/copy_text_parser.h"

namespace pg2ch {
namespace {

struct PqFree {
  void operator()(char* p) const { PQfreemem(p); }
};

}  // namespace

std::string CopySql(const SourceTable& table, const CopyScope& scope) {
  std::string cols;
  for (const auto& c : table.columns) {
    if (!cols.empty()) cols += ", ";
    cols += PgIdent(c.name);
  }
  // Always through a query: partitioned tables (relkind 'p') cannot be copied directly, and a
  // query takes the ctid condition.
  std::string sql = "COPY (SELECT " + cols + " FROM " + (scope.only ? "ONLY " : "") +
                    PgIdent(table.schema) + "." + PgIdent(table.name);
  if (!scope.where.empty()) sql += " WHERE " + scope.where;
  return sql + ") TO STDOUT";
}

uint64_t CopyTable(PgConnection& conn, const SourceTable& table,
                   const std::function<void(const Row&)>& on_row, const CopyScope& scope) {
  std::string sql = CopySql(table, scope);
  PgResult started(PQexec(conn.raw(), sql.c_str()));
  conn.Check(started.get(), "COPY " + table.QualifiedName());
  if (PQresultStatus(started.get()) != PGRES_COPY_OUT)
    ThrowFatal("PostgreSQL: COPY " + table.QualifiedName() + " did not start a copy");

  Row row;
  uint64_t rows = 0;
  while (true) {
    char* raw = nullptr;
    int len = PQgetCopyData(conn.raw(), &raw, 0);
    std::unique_ptr<char, PqFree> buffer(raw);  // freed even when parsing throws
    if (len == -1) break;                       // copy finished
    if (len == -2)
      ThrowRetryable("PostgreSQL: COPY " + table.QualifiedName() + ": " + conn.ErrorMessage());
    ParseCopyTextLine(std::string_view(raw, len), table.columns.size(), row);
    on_row(row);
    ++rows;
  }
  PgResult done(PQgetResult(conn.raw()));
  conn.Check(done.get(), "COPY " + table.QualifiedName());
  while (PgResult extra{PQgetResult(conn.raw())}) {
  }
  return rows;
}

}  // namespace pg2ch
