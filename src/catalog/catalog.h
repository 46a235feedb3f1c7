// The catalog: pipe definitions, current state, every state transition, the tables of each pipe
// with their recorded source schema, and the replication checkpoint. Embedded SQLite file.
//
// Durability: every method commits before returning (WAL journal, synchronous=FULL), so a
// checkpoint read after a crash is one that was written. The file is created with mode 0600: it
// holds source and destination passwords.
// Threading: one Catalog object per thread (SQLite connection per object); several processes or
// threads may open the same file, SQLite serialises writers (busy timeout 10 s).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/lsn.h"
#include "pipe/pipe_state.h"

namespace pg2ch {

struct PipeRecord {
  int64_t id = 0;
  std::string name;
  std::string config_json;  // PipeConfigToJson(): holds passwords
  PipeState state = PipeState::kProvisioning;
  std::string last_error;
  // Snapshot bookkeeping: the slot's consistent point, the version of snapshot rows.
  Lsn snapshot_lsn = 0;
  // Last LSN whose changes are durable in ClickHouse; CDC restarts from here.
  Lsn checkpoint_lsn = 0;
};

struct StateTransition {
  PipeState from;
  PipeState to;
  std::string at;  // UTC, ISO 8601 with milliseconds
  std::string reason;
};

struct TableRecord {
  std::string source_schema;
  std::string source_table;
  std::string target_table;
  std::string schema_json;  // SourceTable as recorded at Setup
  bool snapshot_done = false;
  int64_t rows_copied = 0;
};

class Catalog {
 public:
  explicit Catalog(const std::string& path);  // opens or creates; throws PipeError(kFatal)
  ~Catalog();
  Catalog(const Catalog&) = delete;
  Catalog& operator=(const Catalog&) = delete;

  // Creates the pipe in Provisioning (and records that first transition with from == to ==
  // Provisioning). Throws if the name exists.
  PipeRecord CreatePipe(const std::string& name, const std::string& config_json);
  std::optional<PipeRecord> FindPipe(const std::string& name);
  std::vector<PipeRecord> ListPipes();

  // Records a transition; throws PipeError(kFatal) if the state machine forbids it. `reason` is
  // stored as last_error too when `to` is Failed.
  void Transition(int64_t pipe_id, PipeState to, const std::string& reason);
  std::vector<StateTransition> History(int64_t pipe_id);

  void SetSnapshotLsn(int64_t pipe_id, Lsn lsn);
  void SetCheckpoint(int64_t pipe_id, Lsn lsn);

  void PutTable(int64_t pipe_id, const TableRecord& table);  // insert or replace by source name
  std::vector<TableRecord> Tables(int64_t pipe_id);
  void MarkTableSnapshotDone(int64_t pipe_id, const std::string& source_schema,
                             const std::string& source_table, int64_t rows);
  void ResetTablesSnapshot(int64_t pipe_id);

 private:
  struct Impl;
  Impl* impl_;
};

}  // namespace pg2ch
