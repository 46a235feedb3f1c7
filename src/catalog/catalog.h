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
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/lsn.h"
#include "core/pipe_state.h"

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

// Initial-load partitions (see pipe/snapshot_plan.h): one row per range of a table, either a
// ctid page range or, when the plan has a partition_column, a range of that column's values.
struct SnapshotPartitionRecord {
  int64_t index = 0;
  // ctid plans: pages [first_page, end_page), end_page -1 for no upper bound (the last range).
  // Value plans of an integer column: values [first_page, end_page); the first partition has no
  // lower bound and the last none above whatever these hold (any int64 is a value, so no
  // sentinel is free).
  int64_t first_page = 0;
  int64_t end_page = -1;
  bool done = false;
  int64_t rows = 0;  // rows copied, once done
  Lsn version = 0;   // _peerdb_version its rows carry: the snapshot they were copied under
  // Value plans of a numeric, timestamp, timestamptz or date column: values [lower_bound,
  // upper_bound) as text of the column's type (source/postgres/value_domain.h), since fractional
  // and out-of-int64 values have no int64 form; first_page and end_page are then 0. The open ends
  // are implied by position as for integers. nullopt in every other plan.
  std::optional<std::string> lower_bound = std::nullopt;
  std::optional<std::string> upper_bound = std::nullopt;
};

struct SnapshotPlanRecord {
  std::string source_schema;
  std::string source_table;
  uint64_t filenode = 0;  // the heap file the page ranges refer to
  int64_t estimated_rows = 0;
  std::vector<SnapshotPartitionRecord> partitions;  // by index
  // "": ctid page ranges; else the column whose value ranges the partitions are.
  std::string partition_column = "";
};

struct StateTransition {
  std::optional<PipeState> from;  // nullopt for the pipe's creation, which enters Provisioning
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
  virtual ~Catalog() = default;

  // Another connection to the same catalog, for another thread. May be called from any thread.
  virtual std::unique_ptr<Catalog> Connect() const = 0;
  // A directory on this host for what a pipe keeps in local files (large transactions spilled
  // to disk), created by whoever writes there. Beside the catalog file for SQLite.
  virtual std::filesystem::path LocalDirectory() const = 0;

  // Creates the pipe in Provisioning (and records that first entry, from no state). Throws if
  // the name exists.
  virtual PipeRecord CreatePipe(const std::string& name, const std::string& config_json) = 0;
  virtual std::optional<PipeRecord> FindPipe(const std::string& name) = 0;
  virtual std::vector<PipeRecord> ListPipes() = 0;

  // Records a transition; throws PipeError(kFatal) if the state machine forbids it. `reason` is
  // stored as last_error too when `to` is Failed.
  virtual void Transition(int64_t pipe_id, PipeState to, const std::string& reason) = 0;
  virtual std::vector<StateTransition> History(int64_t pipe_id) = 0;
  // Compare-and-set: moves the pipe from `from` to `to` only if it is still in `from`; returns
  // false (and records nothing) when another actor changed the state first. Lets the API and a
  // pipe's worker both move states without losing either move.
  virtual bool TransitionIf(int64_t pipe_id, PipeState from, PipeState to,
                            const std::string& reason) = 0;

  virtual std::optional<PipeRecord> FindPipeById(int64_t pipe_id) = 0;
  virtual void UpdateConfig(int64_t pipe_id, const std::string& config_json) = 0;
  // Removes the pipe, its history, tables and properties.
  virtual void DeletePipe(int64_t pipe_id) = 0;
  // Small facts about a pipe, e.g. whether pg2ch created its publication.
  virtual void SetProperty(int64_t pipe_id, const std::string& key, const std::string& value) = 0;
  virtual std::optional<std::string> GetProperty(int64_t pipe_id, const std::string& key) = 0;

  virtual void SetSnapshotLsn(int64_t pipe_id, Lsn lsn) = 0;
  virtual void SetCheckpoint(int64_t pipe_id, Lsn lsn) = 0;

  // Insert or replace by source name.
  virtual void PutTable(int64_t pipe_id, const TableRecord& table) = 0;
  virtual std::vector<TableRecord> Tables(int64_t pipe_id) = 0;
  // Replaces only the recorded definition of one table (a column added during CDC); its
  // snapshot progress stays. No-op when the pipe has no such table.
  virtual void UpdateTableSchema(int64_t pipe_id, const std::string& source_schema,
                                 const std::string& source_table,
                                 const std::string& schema_json) = 0;
  virtual void MarkTableSnapshotDone(int64_t pipe_id, const std::string& source_schema,
                                     const std::string& source_table, int64_t rows) = 0;
  virtual void ResetTablesSnapshot(int64_t pipe_id) = 0;
  // Forgets one table of the pipe: its record and its load plan.
  virtual void RemoveTable(int64_t pipe_id, const std::string& source_schema,
                           const std::string& source_table) = 0;

  // Initial-load plans.
  // Replaces the plan of one table with `plan` (its partitions as given) and sets the table's
  // rows_copied / snapshot_done from it.
  virtual void PutSnapshotPlan(int64_t pipe_id, const SnapshotPlanRecord& plan) = 0;
  // nullopt when the table has no plan yet.
  virtual std::optional<SnapshotPlanRecord> SnapshotPlan(int64_t pipe_id,
                                                         const std::string& source_schema,
                                                         const std::string& source_table) = 0;
  // Records one partition as copied (rows durable in ClickHouse, carrying `version`); in the same
  // transaction the table's rows_copied becomes the sum over its done partitions, and
  // snapshot_done is set once none is left.
  virtual void MarkSnapshotPartitionDone(int64_t pipe_id, const std::string& source_schema,
                                         const std::string& source_table, int64_t index,
                                         int64_t rows, Lsn version) = 0;
  // Forgets every plan of the pipe: the next load starts over.
  virtual void ResetSnapshotPlans(int64_t pipe_id) = 0;
};

}  // namespace pg2ch
