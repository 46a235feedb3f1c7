// A catalog whose calls fail when a test says so: a real catalog (SQLite in a temporary file)
// behind Faults (fake_ports.h), so that the lifecycle meets a catalog that is busy (another
// writer holds the lock past the busy timeout) or full (its disk is) at any step.
//
// Each method counts as the step "catalog.<Method>" (catalog.SetCheckpoint,
// catalog.MarkSnapshotPartitionDone, ...) and fails before the inner catalog is touched, as
// SQLite's rolled-back transaction leaves nothing written. Connections made with Connect() (a
// worker thread's own) share the same Faults.
#pragma once

#include <memory>

#include "catalog/catalog.h"
#include "fakes/fake_ports.h"

namespace pg2ch::fake {

// What SQLite's errors look like once classified (catalog/sqlite_statement.cpp).
PipeError CatalogBusy();
PipeError CatalogFull();

class FaultyCatalog final : public Catalog {
 public:
  FaultyCatalog(std::unique_ptr<Catalog> inner, Faults& faults)
      : inner_(std::move(inner)), faults_(faults) {}

  std::unique_ptr<Catalog> Connect() const override;
  std::filesystem::path LocalDirectory() const override { return inner_->LocalDirectory(); }

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
  std::unique_ptr<Catalog> inner_;
  Faults& faults_;
};

}  // namespace pg2ch::fake
