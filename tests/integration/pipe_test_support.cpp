#include "pipe_test_support.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "catalog/sqlite_catalog.h"
#include "pipe/pipe_substates.h"
#include "source/postgres/pg_connection.h"

namespace pg2ch::test {
namespace {

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// ClickHouse TabSeparated: rows by '\n', fields by '\t', escapes \t \n \\ \' \0 \b \f \r, NULL \N.
std::vector<std::vector<std::string>> ParseTsv(const std::string& body) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  for (size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (c == '\\' && i + 1 < body.size()) {
      char e = body[++i];
      switch (e) {
        case 't':
          field += '\t';
          break;
        case 'n':
          field += '\n';
          break;
        case 'r':
          field += '\r';
          break;
        case 'b':
          field += '\b';
          break;
        case 'f':
          field += '\f';
          break;
        case '0':
          field += '\0';
          break;
        case 'N':
          field += "\\N";
          break;  // NULL, spelt like PgQuery spells it
        default:
          field += e;
      }
    } else if (c == '\t') {
      row.push_back(std::move(field));
      field.clear();
    } else if (c == '\n') {
      row.push_back(std::move(field));
      field.clear();
      rows.push_back(std::move(row));
      row.clear();
    } else {
      field += c;
    }
  }
  return rows;
}

std::string NormalizeNumber(std::string s) {
  if (s == "\\N") return s;
  if (s.find('.') != std::string::npos) {
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
  }
  if (s == "-0") s = "0";
  return s;
}

std::string NormalizeFloat(const std::string& s) {
  if (s == "\\N") return s;
  std::string lower;
  for (char c : s) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "nan" || lower == "-nan") return "nan";
  if (lower == "infinity" || lower == "inf" || lower == "+inf") return "inf";
  if (lower == "-infinity" || lower == "-inf") return "-inf";
  std::ostringstream out;
  out.precision(17);
  out << std::strtod(s.c_str(), nullptr);
  return out.str();
}

std::string NormalizeBool(const std::string& s) {
  if (s == "t" || s == "1" || s == "true") return "true";
  if (s == "f" || s == "0" || s == "false") return "false";
  return s;
}

std::string NormalizeDateTime(std::string s) {
  if (s.size() > 3 && s.compare(s.size() - 3, 3, "+00") == 0) s.resize(s.size() - 3);
  // "YYYY-MM-DD hh:mm:ss.ffffff": the fraction, when there is one, starts at 19.
  if (s.size() > 20 && s[19] == '.' && s.find(' ', 19) == std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  return s;
}

std::string Normalize(const std::string& v, CompareColumn::Kind kind) {
  switch (kind) {
    case CompareColumn::kDateTime:
      return NormalizeDateTime(v);
    case CompareColumn::kNumber:
      return NormalizeNumber(v);
    case CompareColumn::kFloat:
      return NormalizeFloat(v);
    case CompareColumn::kBool:
      return NormalizeBool(v);
    default:
      return v;
  }
}

int g_log_counter = 0;

}  // namespace

PipeFiles WritePipe(const TestDatabases& dbs, const std::string& name,
                    const std::vector<std::string>& tables, const std::string& extra) {
  PipeFiles f;
  f.dir = GetServers().work_dir + "/pipe_" + name + "_" + dbs.pg.database;
  mkdir(f.dir.c_str(), 0700);
  f.catalog = f.dir + "/catalog.db";
  f.pipe = f.dir + "/pipe.json";
  std::string table_list;
  for (const auto& t : tables) {
    auto colon = t.find(':');
    if (!table_list.empty()) table_list += ", ";
    table_list += "{\"source\": " + JsonString(t.substr(0, colon));
    if (colon != std::string::npos)
      table_list += ", \"target\": " + JsonString(t.substr(colon + 1));
    table_list += "}";
  }
  std::ofstream out(f.pipe);
  out << "{\n  \"name\": " << JsonString(name) << ",\n"
      << "  \"source\": {\"host\": " << JsonString(dbs.pg.host) << ", \"port\": " << dbs.pg.port
      << ", \"user\": " << JsonString(dbs.pg.user)
      << ", \"password\": " << JsonString(dbs.pg.password)
      << ", \"database\": " << JsonString(dbs.pg.database) << ", \"sslmode\": \"disable\"},\n"
      << "  \"destination\": {\"url\": " << JsonString(dbs.ch.url)
      << ", \"user\": " << JsonString(dbs.ch.user)
      << ", \"password\": " << JsonString(dbs.ch.password)
      << ", \"database\": " << JsonString(dbs.ch.database) << "},\n"
      << "  \"tables\": [" << table_list << "]" << (extra.empty() ? "" : ",\n  " + extra)
      << "\n}\n";
  return f;
}

std::unique_ptr<Process> StartPg2ch(const PipeFiles& files) {
  std::string log = files.dir + "/pg2ch-" + std::to_string(++g_log_counter) + ".log";
  return std::make_unique<Process>(std::vector<std::string>{PG2CH_BINARY, "run", "--catalog",
                                                            files.catalog, "--pipe", files.pipe},
                                   log);
}

std::optional<PipeState> CatalogState(const PipeFiles& files, const std::string& pipe) {
  struct stat st {};
  if (stat(files.catalog.c_str(), &st) != 0) return std::nullopt;
  SqliteCatalog catalog(files.catalog);
  auto record = catalog.FindPipe(pipe);
  if (!record) return std::nullopt;
  return record->state;
}

std::vector<PipeState> StateSequence(const PipeFiles& files, const std::string& pipe) {
  SqliteCatalog catalog(files.catalog);
  std::vector<PipeState> out;
  auto record = catalog.FindPipe(pipe);
  if (!record) return out;
  for (const auto& t : catalog.History(record->id)) out.push_back(t.to);
  return out;
}

std::string LastError(const PipeFiles& files, const std::string& pipe) {
  SqliteCatalog catalog(files.catalog);
  auto record = catalog.FindPipe(pipe);
  return record ? record->last_error : "";
}

bool WaitForState(const PipeFiles& files, const std::string& pipe, PipeState state,
                  double timeout_seconds) {
  return WaitUntil(timeout_seconds, [&] { return CatalogState(files, pipe) == state; });
}

std::string DiffTables(const TestDatabases& dbs, const std::string& pg_table,
                       const std::string& ch_table, const std::vector<CompareColumn>& columns,
                       const std::string& order_by) {
  std::string pg_cols, ch_cols;
  for (const auto& c : columns) {
    pg_cols += (pg_cols.empty() ? "" : ", ") + c.pg_expr;
    ch_cols += (ch_cols.empty() ? "" : ", ") + c.ch_expr;
  }
  // Qualified, so PostgreSQL orders by the column and not by an output column of the same name.
  auto pg_rows = PgQuery(
      dbs.pg, "SELECT " + pg_cols + " FROM " + pg_table + " AS _src ORDER BY _src." + order_by);
  auto ch_rows =
      ParseTsv(ChQuery(dbs.ch, "SELECT " + ch_cols + " FROM `" + dbs.ch.database + "`.`" +
                                   ch_table + "` FINAL WHERE _peerdb_is_deleted = 0 ORDER BY " +
                                   order_by + " FORMAT TabSeparated"));
  std::ostringstream diff;
  int shown = 0;
  if (pg_rows.size() != ch_rows.size())
    diff << "row count: postgres " << pg_rows.size() << ", clickhouse " << ch_rows.size() << "\n";
  for (size_t i = 0; i < std::min(pg_rows.size(), ch_rows.size()) && shown < 5; ++i) {
    if (ch_rows[i].size() != columns.size()) {
      diff << "clickhouse row " << i << " has " << ch_rows[i].size() << " fields\n";
      ++shown;
      continue;
    }
    for (size_t j = 0; j < columns.size(); ++j) {
      std::string a = Normalize(pg_rows[i][j], columns[j].kind);
      std::string b = Normalize(ch_rows[i][j], columns[j].kind);
      if (a != b) {
        diff << "row " << i << " (" << columns[0].pg_expr << " = " << pg_rows[i][0] << ") column "
             << columns[j].pg_expr << ": postgres [" << a.substr(0, 200) << "] clickhouse ["
             << b.substr(0, 200) << "]\n";
        if (++shown >= 5) break;
      }
    }
  }
  return diff.str();
}

std::string WaitForEqual(const TestDatabases& dbs, const std::string& pg_table,
                         const std::string& ch_table, const std::vector<CompareColumn>& columns,
                         const std::string& order_by, double timeout_seconds) {
  std::string diff;
  WaitUntil(timeout_seconds, [&] {
    // Cheap counts first; the full comparison only once they agree.
    if (PgCount(dbs, pg_table) != ChCount(dbs, ch_table)) {
      diff = "row counts differ";
      return false;
    }
    diff = DiffTables(dbs, pg_table, ch_table, columns, order_by);
    return diff.empty();
  });
  if (!diff.empty() && diff == "row counts differ")
    diff = DiffTables(dbs, pg_table, ch_table, columns, order_by);
  return diff;
}

BackgroundWrites::BackgroundWrites(const PostgresEndpoint& pg,
                                   std::function<std::string(int)> statement)
    : thread_([this, pg, statement]() mutable {
        // A lost connection (a fault test cutting the network, a restarted server) is
        // reconnected; the statement that failed is not repeated, since it may have committed.
        std::unique_ptr<PgConnection> conn;
        for (int i = 0; !stop_.load(); ++i) {
          try {
            if (!conn) conn = PgConnection::Connect(pg, false);
            conn->Exec(statement(i));
            ++done_;
          } catch (const std::exception&) {
            conn.reset();
            ++errors_;
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
          }
        }
      }) {}

void BackgroundWrites::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

std::string Retrying(const PipeFiles& files, const std::string& pipe) {
  SqliteCatalog catalog(files.catalog);
  return RetryingReason(catalog, catalog.FindPipe(pipe)->id);
}

void ExpectPipeFails(const PipeFiles& files, const std::string& pipe, const std::string& needle) {
  auto pg2ch = StartPg2ch(files);
  int code = pg2ch->Wait(120);
  std::string output = pg2ch->Output();
  EXPECT_EQ(code, 1) << output;
  EXPECT_EQ(CatalogState(files, pipe), PipeState::kFailed) << output;
  std::string reason = LastError(files, pipe);
  EXPECT_NE(reason.find(needle), std::string::npos) << "reason: " << reason;
  EXPECT_NE(output.find(needle), std::string::npos) << output;
  EXPECT_EQ(output.find(kPgPassword), std::string::npos) << "password leaked: " << output;
}

bool EverFailed(const PipeFiles& files, const std::string& pipe) {
  for (PipeState state : StateSequence(files, pipe))
    if (state == PipeState::kFailed) return true;
  return false;
}

int64_t PgCount(const TestDatabases& dbs, const std::string& table) {
  return std::stoll(PgQuery(dbs.pg, "SELECT count(*) FROM " + table + " AS _src")[0][0]);
}

int64_t ChCount(const TestDatabases& dbs, const std::string& table) {
  try {
    return std::stoll(ChQuery(dbs.ch, "SELECT count() FROM `" + dbs.ch.database + "`.`" + table +
                                          "` FINAL WHERE _peerdb_is_deleted = 0"));
  } catch (const std::exception&) {
    return -1;  // table not created yet
  }
}

}  // namespace pg2ch::test
