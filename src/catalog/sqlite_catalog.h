// The catalog in an embedded SQLite file: one server's pipes, on its own disk.
//
// WAL journal with synchronous=FULL, so every commit is on disk when a method returns. The file
// is created with mode 0600: it holds source and destination passwords. SQLite serialises
// writers across connections and processes (busy timeout 10 s); busy, locked, full and I/O
// errors are retryable (sqlite_statement.h).
#pragma once

#include <sqlite3.h>

#include <string>

#include "catalog/catalog.h"

namespace pg2ch {

class SqliteCatalog final : public Catalog {
 public:
  explicit SqliteCatalog(std::string path);  // opens or creates; throws PipeError(kFatal)
  ~SqliteCatalog() override;
  SqliteCatalog(const SqliteCatalog&) = delete;
  SqliteCatalog& operator=(const SqliteCatalog&) = delete;

  std::unique_ptr<Catalog> Connect() const override;
  std::filesystem::path LocalDirectory() const override;

  PipeRecord CreatePipe(const std::string& name, const std::string& config_json) override;
  std::optional<PipeRecord> FindPipe(const std::string& name) override;
  std::vector<PipeRecord> ListPipes() override;
  void Transition(int64_t pipe_id, PipeState to, const std::string& reason) override;
  std::vector<StateTransition> History(int64_t pipe_id) override;
  bool TransitionIf(int64_t pipe_id, PipeState from, PipeState to,
                    const std::string& reason) override;
  std::optional<PipeRecord> FindPipeById(int64_t pipe_id) override;
  void UpdateConfig(int64_t pipe_id, const std::string& config_json) override;
  void DeletePipe(int64_t pipe_id) override;
  void SetProperty(int64_t pipe_id, const std::string& key, const std::string& value) override;
  std::optional<std::string> GetProperty(int64_t pipe_id, const std::string& key) override;
  void SetSnapshotLsn(int64_t pipe_id, Lsn lsn) override;
  void SetCheckpoint(int64_t pipe_id, Lsn lsn) override;
  void PutTable(int64_t pipe_id, const TableRecord& table) override;
  std::vector<TableRecord> Tables(int64_t pipe_id) override;
  void UpdateTableSchema(int64_t pipe_id, const std::string& source_schema,
                         const std::string& source_table, const std::string& schema_json) override;
  void MarkTableSnapshotDone(int64_t pipe_id, const std::string& source_schema,
                             const std::string& source_table, int64_t rows) override;
  void ResetTablesSnapshot(int64_t pipe_id) override;
  // Load plans and RemoveTable: sqlite_catalog_snapshot.cpp.
  void RemoveTable(int64_t pipe_id, const std::string& source_schema,
                   const std::string& source_table) override;
  void PutSnapshotPlan(int64_t pipe_id, const SnapshotPlanRecord& plan) override;
  std::optional<SnapshotPlanRecord> SnapshotPlan(int64_t pipe_id, const std::string& source_schema,
                                                 const std::string& source_table) override;
  void MarkSnapshotPartitionDone(int64_t pipe_id, const std::string& source_schema,
                                 const std::string& source_table, int64_t index, int64_t rows,
                                 Lsn version) override;
  void ResetSnapshotPlans(int64_t pipe_id) override;

 private:
  std::string path_;
  sqlite3* db_ = nullptr;
};

}  // namespace pg2ch
