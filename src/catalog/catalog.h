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
  explicit Catalog(const std::string& path);  // opens or creates; throws PipeError(kFatal)
  ~Catalog();
  Catalog(const Catalog&) = delete;
  Catalog& operator=(const Catalog&) = delete;
  // The file, for another thread to open its own Catalog on.
  const std::string& path() const;

  // Creates the pipe in Provisioning (and records that first entry, from no state). Throws if
  // the name exists.
  PipeRecord CreatePipe(const std::string& name, const std::string& config_json);
  std::optional<PipeRecord> FindPipe(const std::string& name);
  std::vector<PipeRecord> ListPipes();

  // Records a transition; throws PipeError(kFatal) if the state machine forbids it. `reason` is
  // stored as last_error too when `to` is Failed.
  void Transition(int64_t pipe_id, PipeState to, const std::string& reason);
  std::vector<StateTransition> History(int64_t pipe_id);
  // Compare-and-set: moves the pipe from `from` to `to` only if it is still in `from`; returns
  // false (and records nothing) when another actor changed the state first. Lets the API and a
  // pipe's worker both move states without losing either move.
  bool TransitionIf(int64_t pipe_id, PipeState from, PipeState to, const std::string& reason);

  std::optional<PipeRecord> FindPipeById(int64_t pipe_id);
  void UpdateConfig(int64_t pipe_id, const std::string& config_json);
  // Removes the pipe, its history, tables and properties.
  void DeletePipe(int64_t pipe_id);
  // Small facts about a pipe, e.g. whether pg2ch created its publication.
  void SetProperty(int64_t pipe_id, const std::string& key, const std::string& value);
  std::optional<std::string> GetProperty(int64_t pipe_id, const std::string& key);

  void SetSnapshotLsn(int64_t pipe_id, Lsn lsn);
  void SetCheckpoint(int64_t pipe_id, Lsn lsn);

  void PutTable(int64_t pipe_id, const TableRecord& table);  // insert or replace by source name
  std::vector<TableRecord> Tables(int64_t pipe_id);
  // Replaces only the recorded definition of one table (a column added during CDC); its
  // snapshot progress stays. No-op when the pipe has no such table.
  void UpdateTableSchema(int64_t pipe_id, const std::string& source_schema,
                         const std::string& source_table, const std::string& schema_json);
  void MarkTableSnapshotDone(int64_t pipe_id, const std::string& source_schema,
                             const std::string& source_table, int64_t rows);
  void ResetTablesSnapshot(int64_t pipe_id);
  // Forgets one table of the pipe: its record and its load plan (sqlite_catalog_snapshot.cpp).
  void RemoveTable(int64_t pipe_id, const std::string& source_schema,
                   const std::string& source_table);

  // Initial-load plans (sqlite_catalog_snapshot.cpp).
  // Replaces the plan of one table with `plan` (its partitions as given) and sets the table's
  // rows_copied / snapshot_done from it.
  void PutSnapshotPlan(int64_t pipe_id, const SnapshotPlanRecord& plan);
  // nullopt when the table has no plan yet.
  std::optional<SnapshotPlanRecord> SnapshotPlan(int64_t pipe_id, const std::string& source_schema,
                                                 const std::string& source_table);
  // Records one partition as copied (rows durable in ClickHouse, carrying `version`); in the same
  // transaction the table's rows_copied becomes the sum over its done partitions, and
  // snapshot_done is set once none is left.
  void MarkSnapshotPartitionDone(int64_t pipe_id, const std::string& source_schema,
                                 const std::string& source_table, int64_t index, int64_t rows,
                                 Lsn version);
  // Forgets every plan of the pipe: the next load starts over.
  void ResetSnapshotPlans(int64_t pipe_id);

 private:
  struct Impl;
  Impl* impl_;
};

}  // namespace pg2ch
