// In-memory stand-ins for the pipe's ports (pipe/pipe_ports.h), so that the lifecycle's
// orchestration (batches, checkpoints, confirmations, retries, stops) is tested without servers.
//
// - FakeWal is what PostgreSQL keeps between connections: its tables' definitions, committed
//   transactions in LSN order, the publication, the slot and its confirmed position, and the
//   snapshots exported (each sees the transactions committed before it). A FakeChangeSource
//   streams it from a start position as a replication connection would, spilling large
//   transactions through the pipe's SpillPolicy; the initial load reads a snapshot's rows.
// - FakeTables is what ClickHouse keeps: every row ever written, and the table as FINAL reads it
//   (per key, the row of the highest version; among equal versions the last written).
// - Faults makes the n-th call of a named step throw a given error, as a server or network would:
//   the steps are open_admin, read_table, publication, find_slot, create_slot, drop_slot (Setup,
//   resync, a load's start), open_snapshot_source, slot_snapshot, temporary_snapshot,
//   export_snapshot, plan (each table's layout), finish_snapshot (the load's source side),
//   open_source, next, confirm, resolve (source) and open_destination, apply (before
//   anything is written), applied (after every row is written, before the call returns: a crash
//   between the insert and the checkpoint) and update_table; for the initial load open_reader,
//   copy (a partition's COPY), copy_row (each row read) and finish (a writer's Finish, before
//   its rows count as written); ensure_tables, truncate, drop, swap and swapped (after a
//   resync's twin is in place, before the call returns) for the destination's tables. A
//   DestinationTable named with the resync suffix is its table's twin.
// Everything is thread-safe: the pipe applies batches on a thread of its own.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/error.h"
#include "pipe/pipe_ports.h"

namespace pg2ch::fake {

class Faults {
 public:
  // The `nth` call of `step` (1-based, counted from the start) throws `error`.
  void At(const std::string& step, int nth, PipeError error);
  // The `nth` call of `step` runs `action` (which may throw anything, or request a stop).
  void On(const std::string& step, int nth, std::function<void()> action);
  // Every call of `step` from now on throws `error`, until Clear(step).
  void Always(const std::string& step, PipeError error);
  void Clear(const std::string& step);
  // Counts the call; throws when one is planned for it.
  void Hit(const std::string& step);
  int calls(const std::string& step);
  int thrown();

 private:
  std::mutex mu_;
  std::map<std::string, int> calls_;
  std::multimap<std::string, std::pair<int, std::function<void()>>> planned_;
  std::map<std::string, PipeError> always_;
  int thrown_ = 0;
};

class FakeWal {
 public:
  explicit FakeWal(Faults& faults) : faults_(faults) {}
  // Commits a transaction: its LSNs are given here, after every earlier one.
  Lsn Commit(Transaction txn);
  std::vector<Transaction> Committed();
  Lsn confirmed();
  Lsn end();
  // The rows of table `relid` within the initial load's `scope` (CopyScope::where), whatever the
  // snapshot; without them, a whole table ("") is read as `snapshot` sees it.
  void PutPartition(uint32_t relid, const std::string& where, std::vector<Row> rows);
  std::vector<Row> Partition(uint32_t relid, const std::string& where, const std::string& snapshot);
  // How long reading one row of a partition takes (0: no time at all).
  std::atomic<int> row_micros{0};
  // The tables the source has (what ReadTable finds).
  void DefineTable(SourceTable table);
  std::optional<SourceTable> Table(const std::string& schema, const std::string& name);
  // The publication (empty until made) and the tables it holds.
  std::optional<std::vector<std::string>> Publication();
  void SetPublication(std::vector<std::string> qualified_names);
  // The slot: made at the current end (nothing before it is streamed), dropped, invalidated.
  struct Slot {
    Lsn confirmed = 0;
    bool lost = false;
  };
  std::optional<Slot> slot();
  Lsn CreateSlot();
  void DropSlot();
  void LoseSlot();
  // A snapshot of now; its rows of a table are those of every transaction committed before.
  std::string ExportSnapshot();
  std::vector<Row> SnapshotRows(const std::string& snapshot, uint32_t relid);
  // Source side, for FakeChangeSource.
  std::optional<Transaction> After(Lsn position);
  void Confirm(Lsn lsn);
  Faults& faults() { return faults_; }

 private:
  Faults& faults_;
  std::mutex mu_;
  std::vector<Transaction> committed_;
  std::map<std::pair<uint32_t, std::string>, std::vector<Row>> partitions_;
  std::vector<SourceTable> defined_;
  std::optional<std::vector<std::string>> publication_;
  bool slot_exists_ = false;
  bool slot_lost_ = false;
  std::map<std::string, Lsn> snapshots_;
  Lsn next_ = 0x1000000;
  Lsn confirmed_ = 0;
};

class FakeTables {
 public:
  explicit FakeTables(Faults& faults) : faults_(faults) {}
  struct Written {
    uint32_t relid;
    std::string key;
    Lsn version;
    bool deleted;
    Row row;
    bool twin = false;  // in the table's resync twin, not in the table
  };
  // FINAL without deleted rows: key -> row, for `relid` (its twin's with `twin`).
  std::map<std::string, Row> Final(uint32_t relid, bool twin = false);
  std::vector<Written> AllWritten();
  // Destination side, for FakeChangeDestination.
  void Write(const std::vector<Written>& rows);
  void Truncate(uint32_t relid, bool twin = false);
  // A resync's twin of table `relid`: made (empty), dropped with its rows, or swapped in (the
  // table's rows replaced by the twin's; false when no twin exists: swapped before).
  void CreateTwin(uint32_t relid);
  void DropTwin(uint32_t relid);
  bool SwapInTwin(uint32_t relid);
  bool HasTwin(uint32_t relid);
  void AddColumns(uint32_t relid, size_t count);
  size_t Width(uint32_t relid);
  Faults& faults() { return faults_; }

 private:
  Faults& faults_;
  std::mutex mu_;
  std::vector<Written> written_;
  std::map<uint32_t, size_t> added_columns_;
  std::set<uint32_t> twins_;
};

// Ports over a FakeWal and FakeTables. `tables` gives each relid's key columns.
class FakePorts final : public PipePorts {
 public:
  FakePorts(FakeWal& wal, FakeTables& tables) : wal_(wal), tables_(tables) {}
  std::unique_ptr<SourceAdmin> OpenSourceAdmin(const PipeContext& ctx) override;
  std::unique_ptr<SnapshotSource> OpenSnapshotSource(const PipeContext& ctx) override;
  std::unique_ptr<ChangeSource> OpenChangeSource(PipeContext& ctx, Lsn start,
                                                 SpillPolicy spill) override;
  std::unique_ptr<ChangeDestination> OpenChangeDestination(const PipeContext& ctx) override;
  std::unique_ptr<DestinationTables> OpenDestinationTables(const PipeContext& ctx) override;
  std::unique_ptr<SnapshotDestination> OpenSnapshotDestination(
      const PipeContext& ctx, const std::vector<size_t>& tables) override;
  std::unique_ptr<PartitionReader> OpenPartitionReader(
      const PipeContext& ctx, const std::string& snapshot_name,
      const std::vector<SourceTable>& tables) override;
  int sources_opened() const { return sources_opened_.load(); }
  // Confirmations that passed a transaction none of whose rows had been written.
  int early_confirms() const { return early_confirms_.load(); }

 private:
  void CheckDurable(Lsn confirmed);

  FakeWal& wal_;
  FakeTables& tables_;
  std::atomic<int> sources_opened_{0};
  std::atomic<int> early_confirms_{0};
};

// The key of `row` as text: the key columns' texts, or the whole row for a keyless table.
std::string KeyOf(const SourceTable& table, const Row& row);

// PostgreSQL's table after every committed transaction: key -> row, per relid.
std::map<uint32_t, std::map<std::string, Row>> Replay(const std::vector<SourceTable>& tables,
                                                      const std::vector<Transaction>& committed);

}  // namespace pg2ch::fake
