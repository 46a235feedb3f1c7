#include "fakes/faulty_catalog.h"

namespace pg2ch::fake {

PipeError CatalogBusy() {
  return PipeError(ErrorKind::kRetryable, "catalog: COMMIT: database is locked");
}

PipeError CatalogFull() {
  return PipeError(ErrorKind::kRetryable, "catalog: COMMIT: database or disk is full");
}

std::unique_ptr<Catalog> FaultyCatalog::Connect() const {
  return std::make_unique<FaultyCatalog>(inner_->Connect(), faults_);
}

PipeRecord FaultyCatalog::CreatePipe(const std::string& name, const std::string& config_json) {
  faults_.Hit("catalog.CreatePipe");
  return inner_->CreatePipe(name, config_json);
}

std::optional<PipeRecord> FaultyCatalog::FindPipe(const std::string& name) {
  faults_.Hit("catalog.FindPipe");
  return inner_->FindPipe(name);
}

std::vector<PipeRecord> FaultyCatalog::ListPipes() {
  faults_.Hit("catalog.ListPipes");
  return inner_->ListPipes();
}

void FaultyCatalog::Transition(int64_t pipe_id, PipeState to, const std::string& reason) {
  faults_.Hit("catalog.Transition");
  inner_->Transition(pipe_id, to, reason);
}

std::vector<StateTransition> FaultyCatalog::History(int64_t pipe_id) {
  faults_.Hit("catalog.History");
  return inner_->History(pipe_id);
}

bool FaultyCatalog::TransitionIf(int64_t pipe_id, PipeState from, PipeState to,
                                 const std::string& reason) {
  faults_.Hit("catalog.TransitionIf");
  return inner_->TransitionIf(pipe_id, from, to, reason);
}

std::optional<PipeRecord> FaultyCatalog::FindPipeById(int64_t pipe_id) {
  faults_.Hit("catalog.FindPipeById");
  return inner_->FindPipeById(pipe_id);
}

void FaultyCatalog::UpdateConfig(int64_t pipe_id, const std::string& config_json) {
  faults_.Hit("catalog.UpdateConfig");
  inner_->UpdateConfig(pipe_id, config_json);
}

void FaultyCatalog::DeletePipe(int64_t pipe_id) {
  faults_.Hit("catalog.DeletePipe");
  inner_->DeletePipe(pipe_id);
}

void FaultyCatalog::SetProperty(int64_t pipe_id, const std::string& key, const std::string& value) {
  faults_.Hit("catalog.SetProperty");
  inner_->SetProperty(pipe_id, key, value);
}

std::optional<std::string> FaultyCatalog::GetProperty(int64_t pipe_id, const std::string& key) {
  faults_.Hit("catalog.GetProperty");
  return inner_->GetProperty(pipe_id, key);
}

void FaultyCatalog::SetSnapshotLsn(int64_t pipe_id, Lsn lsn) {
  faults_.Hit("catalog.SetSnapshotLsn");
  inner_->SetSnapshotLsn(pipe_id, lsn);
}

void FaultyCatalog::SetCheckpoint(int64_t pipe_id, Lsn lsn) {
  faults_.Hit("catalog.SetCheckpoint");
  inner_->SetCheckpoint(pipe_id, lsn);
}

void FaultyCatalog::PutTable(int64_t pipe_id, const TableRecord& table) {
  faults_.Hit("catalog.PutTable");
  inner_->PutTable(pipe_id, table);
}

std::vector<TableRecord> FaultyCatalog::Tables(int64_t pipe_id) {
  faults_.Hit("catalog.Tables");
  return inner_->Tables(pipe_id);
}

void FaultyCatalog::UpdateTableSchema(int64_t pipe_id, const std::string& source_schema,
                                      const std::string& source_table,
                                      const std::string& schema_json) {
  faults_.Hit("catalog.UpdateTableSchema");
  inner_->UpdateTableSchema(pipe_id, source_schema, source_table, schema_json);
}

void FaultyCatalog::MarkTableSnapshotDone(int64_t pipe_id, const std::string& source_schema,
                                          const std::string& source_table, int64_t rows) {
  faults_.Hit("catalog.MarkTableSnapshotDone");
  inner_->MarkTableSnapshotDone(pipe_id, source_schema, source_table, rows);
}

void FaultyCatalog::ResetTablesSnapshot(int64_t pipe_id) {
  faults_.Hit("catalog.ResetTablesSnapshot");
  inner_->ResetTablesSnapshot(pipe_id);
}

void FaultyCatalog::RemoveTable(int64_t pipe_id, const std::string& source_schema,
                                const std::string& source_table) {
  faults_.Hit("catalog.RemoveTable");
  inner_->RemoveTable(pipe_id, source_schema, source_table);
}

void FaultyCatalog::PutSnapshotPlan(int64_t pipe_id, const SnapshotPlanRecord& plan) {
  faults_.Hit("catalog.PutSnapshotPlan");
  inner_->PutSnapshotPlan(pipe_id, plan);
}

std::optional<SnapshotPlanRecord> FaultyCatalog::SnapshotPlan(int64_t pipe_id,
                                                              const std::string& source_schema,
                                                              const std::string& source_table) {
  faults_.Hit("catalog.SnapshotPlan");
  return inner_->SnapshotPlan(pipe_id, source_schema, source_table);
}

void FaultyCatalog::MarkSnapshotPartitionDone(int64_t pipe_id, const std::string& source_schema,
                                              const std::string& source_table, int64_t index,
                                              int64_t rows, Lsn version) {
  faults_.Hit("catalog.MarkSnapshotPartitionDone");
  inner_->MarkSnapshotPartitionDone(pipe_id, source_schema, source_table, index, rows, version);
}

void FaultyCatalog::ResetSnapshotPlans(int64_t pipe_id) {
  faults_.Hit("catalog.ResetSnapshotPlans");
  inner_->ResetSnapshotPlans(pipe_id);
}

}  // namespace pg2ch::fake
