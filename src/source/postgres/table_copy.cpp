#include "source/postgres/table_copy.h"

#include <memory>

#include "common/error.h"
#include "common/sql_quote.h"
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

}  // namespace

std::string CopySql(const SourceTable& table, const CopyScope& scope, bool binary) {
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
