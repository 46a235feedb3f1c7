// SqlEngine over libchdb, the ClickHouse engine as a C library (npm package
// @chdb/lib-linux-x64-gnu; see scripts/fetch-chdb.sh). The library is dlopen()ed, so the front
// builds without it and a missing or wrong file is reported by path at start.
//
// Lifetime: the constructor boots the engine on `data_path` with one connection that stays open
// until destruction (the engine lives as long as a connection does). Each Execute() opens its own
// connection (~60 µs) with the request's settings as connection arguments, runs `USE db` when a
// database is given, then the statement, and closes it: like ClickHouse's HTTP interface without
// sessions, nothing a request sets (USE, SET, settings) reaches the next one.
//
// Thread-safety: one mutex serialises every call into the library; a request waits for the one
// before it to finish.
#pragma once

#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "sql_engine.h"

namespace pg2ch::chdb_front {

struct chdb_result;  // libchdb's opaque result handle

class ChdbEngine : public SqlEngine {
 public:
  // Throws std::runtime_error naming the library, the missing symbol or the failed boot.
  ChdbEngine(const std::string& library_path, const std::string& data_path);
  ~ChdbEngine() override;
  ChdbEngine(const ChdbEngine&) = delete;
  ChdbEngine& operator=(const ChdbEngine&) = delete;

  EngineResult Execute(const EngineRequest& request) override;
  StatementInfo Classify(std::string_view sql) override;
  bool IsSetting(std::string_view name) override;

  const std::string& version() const { return version_; }  // SELECT version() at boot

 private:
  struct Api;
  class Connection;
  // Converts and frees a libchdb result.
  EngineResult TakeResult(chdb_result* result);
  EngineResult Run(Connection& connection, std::string_view sql, std::string_view format);
  // libchdb's streaming insert: its one-shot query call cannot take binary data (insert_split.h).
  EngineResult Insert(Connection& connection, std::string_view head, std::string_view format,
                      std::string_view data);

  std::unique_ptr<Api> api_;
  std::string data_path_;
  std::mutex mutex_;
  std::unique_ptr<Connection> boot_;             // keeps the engine up; guarded by mutex_
  std::set<std::string, std::less<>> settings_;  // immutable after construction
  std::string version_;
};

}  // namespace pg2ch::chdb_front
