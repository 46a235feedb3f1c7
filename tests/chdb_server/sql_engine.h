// What the HTTP front needs from a ClickHouse engine: run one statement with per-statement
// settings, say how many statements a text holds, and which names are settings. ChdbEngine
// implements it over libchdb; unit tests use a fake.
//
// Thread-safety: every method may be called from any thread (the implementation serialises).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pg2ch::chdb_front {

struct EngineRequest {
  // One statement. For an INSERT with data (insert_format set): the statement before its FORMAT
  // clause, e.g. "INSERT INTO `d`.`t` (`a`, `b`) ".
  std::string sql;
  std::string insert_format;     // e.g. "RowBinary"; empty for every other statement
  std::string_view insert_data;  // the rows in insert_format; borrowed for Execute() only
  std::string database;          // current database for this statement; empty: `default`
  std::string default_format;    // output format when the statement has no FORMAT clause
  // Applied to this statement only (ClickHouse settings, e.g. {"readonly", "2"}).
  std::vector<std::pair<std::string, std::string>> settings;
};

struct EngineResult {
  bool ok = false;
  std::string data;   // ok: the output, in the statement's format
  std::string error;  // !ok: the engine's message ("Code: N. DB::Exception: ..." when coded)
  uint64_t rows_written = 0;
};

// chdb_query_class of libchdb's chdb.h, in the same order.
enum class StatementClass { kReadOnly, kMutating, kMutatingGlobal, kControl, kUnknown };

struct StatementInfo {
  uint32_t count = 0;  // 0 when the text is empty or does not parse
  StatementClass statement_class = StatementClass::kUnknown;
};

class SqlEngine {
 public:
  virtual ~SqlEngine() = default;
  // Runs the statement and returns once the engine is done with it (an INSERT's rows are
  // stored). Never throws for a failing statement: that is a result with ok = false.
  virtual EngineResult Execute(const EngineRequest& request) = 0;
  // Parses without running.
  virtual StatementInfo Classify(std::string_view sql) = 0;
  // True for a name of the engine's settings (system.settings).
  virtual bool IsSetting(std::string_view name) = 0;
};

}  // namespace pg2ch::chdb_front
