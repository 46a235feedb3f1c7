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

// Binary COPY carries no types: a column whose type changed since Setup (ALTER COLUMN ... TYPE)
// would be decoded as the recorded type and stored as garbage. Casting to the recorded base type
// makes PostgreSQL convert the value, or fail the copy clearly when it cannot. Without the type
// modifier, so a widened varchar(n) is never cut.
std::string RecordedTypeCast(const SourceColumn& c) {
  switch (c.type_oid) {
    case 16:
      return "::pg_catalog.bool";
    case 17:
      return "::pg_catalog.bytea";
    case 20:
      return "::pg_catalog.int8";
    case 21:
      return "::pg_catalog.int2";
    case 23:
      return "::pg_catalog.int4";
    case 25:
      return "::pg_catalog.text";
    case 700:
      return "::pg_catalog.float4";
    case 701:
      return "::pg_catalog.float8";
    case 1042:
      return "::pg_catalog.bpchar";
    case 1043:
      return "::pg_catalog.varchar";
    case 1082:
      return "::pg_catalog.date";
    case 1114:
      return "::pg_catalog.timestamp";
    case 1184:
      return "::pg_catalog.timestamptz";
    case 1700:
      return "::pg_catalog.numeric";
    case 2950:
      return "::pg_catalog.uuid";
    default:
      return "";
  }
}

}  // namespace

std::string CopySql(const SourceTable& table, const CopyScope& scope, bool binary) {
  std::string cols;
  for (const auto& c : table.columns) {
    if (!cols.empty()) cols += ", ";
    cols += PgIdent(c.name);
    if (binary) cols += RecordedTypeCast(c);
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
