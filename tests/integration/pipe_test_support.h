// Shared pieces of the end-to-end pipe tests: write a pipe file, run the real pg2ch binary,
// watch its state in the catalog, and compare a ClickHouse table with its PostgreSQL source
// through a canonical text form, row by row.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/pipe_state.h"
#include "harness/harness.h"

namespace pg2ch::test {

struct PipeFiles {
  std::string dir;
  std::string catalog;  // dir/catalog.db
  std::string pipe;     // dir/pipe.json
};

// Writes a pipe definition for `tables` ("schema.table" or "schema.table:target") and returns
// the paths. `extra` is spliced into the top-level JSON object (e.g. "\"mode\": \"cdc_only\"").
PipeFiles WritePipe(const TestDatabases& dbs, const std::string& name,
                    const std::vector<std::string>& tables, const std::string& extra = "");

// Starts `pg2ch run` on the files; output goes to dir/pg2ch-N.log.
std::unique_ptr<Process> StartPg2ch(const PipeFiles& files);

// Current state of the pipe per the catalog (nullopt before the pipe exists).
std::optional<PipeState> CatalogState(const PipeFiles& files, const std::string& pipe);
std::vector<PipeState> StateSequence(const PipeFiles& files, const std::string& pipe);
std::string LastError(const PipeFiles& files, const std::string& pipe);
bool WaitForState(const PipeFiles& files, const std::string& pipe, PipeState state,
                  double timeout_seconds);
// Runs pg2ch on the files and expects it to end with exit code 1, the pipe Failed, and `needle`
// in both the recorded reason and the output (which must not hold the PostgreSQL password).
void ExpectPipeFails(const PipeFiles& files, const std::string& pipe, const std::string& needle);
// Why the pipe is retrying in its state, per the catalog ("" while it makes progress).
std::string Retrying(const PipeFiles& files, const std::string& pipe);
// Whether the pipe's state history holds Failed.
bool EverFailed(const PipeFiles& files, const std::string& pipe);

// One column in the comparison: the expression on each side that yields comparable text, and
// the canonical form both texts are brought to first. Each canonical form only drops spelling
// differences between PostgreSQL and the ClickHouse engines, never information:
//   kExact     as is
//   kNumber    trailing fractional zeros dropped ("12.30" = "12.3"), "-0" = "0"
//   kFloat     parsed as a double and printed with 17 digits; NaN, inf, -inf by name
//   kBool      t / 1 / true and f / 0 / false
//   kDateTime  timestamps: a "+00" offset dropped (pg2ch stores UTC: DateTime64(6, 'UTC') on
//              modern servers, PostgreSQL's text with +00 on 18.16) and trailing fractional zeros
//              dropped (DateTime64(6) prints all six digits, PostgreSQL only significant ones)
struct CompareColumn {
  std::string pg_expr;
  std::string ch_expr;
  enum Kind { kExact, kNumber, kFloat, kBool, kDateTime } kind = kExact;
};

// SELECT the columns (ordered by the column `order_by`) from both sides; ClickHouse reads FINAL
// rows that are not deleted. Returns "" when equal, else a description of the first differences.
std::string DiffTables(const TestDatabases& dbs, const std::string& pg_table,
                       const std::string& ch_table, const std::vector<CompareColumn>& columns,
                       const std::string& order_by);
// Polls DiffTables until equal; returns the last diff ("" on success).
std::string WaitForEqual(const TestDatabases& dbs, const std::string& pg_table,
                         const std::string& ch_table, const std::vector<CompareColumn>& columns,
                         const std::string& order_by, double timeout_seconds);

// Runs the SQL that `statement(i)` gives for i = 0, 1, ... on its own connection until Stop():
// a write load beside a running pipe. Errors reconnect and go on with the next statement.
class BackgroundWrites {
 public:
  BackgroundWrites(const PostgresEndpoint& pg, std::function<std::string(int)> statement);
  ~BackgroundWrites() { Stop(); }
  void Stop();
  int statements() const { return done_.load(); }  // run so far
  int errors() const { return errors_.load(); }    // statements that failed (then reconnected)

 private:
  std::atomic<bool> stop_{false};
  std::atomic<int> done_{0};
  std::atomic<int> errors_{0};
  std::thread thread_;
};

int64_t PgCount(const TestDatabases& dbs, const std::string& table);
int64_t ChCount(const TestDatabases& dbs, const std::string& table);  // FINAL, not deleted

}  // namespace pg2ch::test
