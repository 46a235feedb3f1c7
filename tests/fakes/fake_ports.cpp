#include "fakes/fake_ports.h"

#include <algorithm>
#include <set>
#include <thread>
#include <unordered_map>

#include "pipe/pipe_context.h"
#include "pipe/resync_phase.h"

namespace pg2ch::fake {

void Faults::At(const std::string& step, int nth, PipeError error) {
  On(step, nth, [error] { throw error; });
}

void Faults::On(const std::string& step, int nth, std::function<void()> action) {
  std::lock_guard lock(mu_);
  planned_.emplace(step, std::make_pair(nth, std::move(action)));
}

void Faults::Always(const std::string& step, PipeError error) {
  std::lock_guard lock(mu_);
  always_.insert_or_assign(step, std::move(error));
}

void Faults::Clear(const std::string& step) {
  std::lock_guard lock(mu_);
  always_.erase(step);
}

void Faults::Hit(const std::string& step) {
  std::function<void()> action;
  {
    std::lock_guard lock(mu_);
    const int n = ++calls_[step];
    if (auto a = always_.find(step); a != always_.end()) {
      ++thrown_;
      throw a->second;
    }
    auto [first, last] = planned_.equal_range(step);
    for (auto it = first; it != last; ++it)
      if (it->second.first == n) action = it->second.second;
    if (!action) return;
    ++thrown_;  // counted as a fault even when the action is a stop
  }
  action();
}

int Faults::calls(const std::string& step) {
  std::lock_guard lock(mu_);
  return calls_[step];
}

int Faults::thrown() {
  std::lock_guard lock(mu_);
  return thrown_;
}

Lsn FakeWal::Commit(Transaction txn) {
  std::lock_guard lock(mu_);
  txn.commit_lsn = next_;
  txn.end_lsn = next_ + 0x30;
  next_ += 0x100;
  committed_.push_back(std::move(txn));
  return committed_.back().end_lsn;
}

std::vector<Transaction> FakeWal::Committed() {
  std::lock_guard lock(mu_);
  return committed_;
}

Lsn FakeWal::confirmed() {
  std::lock_guard lock(mu_);
  return confirmed_;
}

Lsn FakeWal::end() {
  std::lock_guard lock(mu_);
  return committed_.empty() ? 0 : committed_.back().end_lsn;
}

void FakeWal::PutPartition(uint32_t relid, const std::string& where, std::vector<Row> rows) {
  std::lock_guard lock(mu_);
  partitions_[{relid, where}] = std::move(rows);
}

std::vector<Row> FakeWal::Partition(uint32_t relid, const std::string& where,
                                    const std::string& snapshot) {
  {
    std::lock_guard lock(mu_);
    auto it = partitions_.find({relid, where});
    if (it != partitions_.end()) return it->second;
    if (!where.empty())
      throw std::logic_error("fake: no partition of " + std::to_string(relid) + " where " + where);
  }
  return SnapshotRows(snapshot, relid);  // the whole table, as the snapshot sees it
}

void FakeWal::DefineTable(SourceTable table) {
  std::lock_guard lock(mu_);
  std::erase_if(defined_, [&](const SourceTable& t) { return t.relid == table.relid; });
  defined_.push_back(std::move(table));
}

std::optional<SourceTable> FakeWal::Table(const std::string& schema, const std::string& name) {
  std::lock_guard lock(mu_);
  for (const SourceTable& t : defined_)
    if (t.schema == schema && t.name == name) return t;
  return std::nullopt;
}

std::optional<std::vector<std::string>> FakeWal::Publication() {
  std::lock_guard lock(mu_);
  return publication_;
}

void FakeWal::SetPublication(std::vector<std::string> qualified_names) {
  std::lock_guard lock(mu_);
  publication_ = std::move(qualified_names);
}

std::optional<FakeWal::Slot> FakeWal::slot() {
  std::lock_guard lock(mu_);
  if (!slot_exists_) return std::nullopt;
  return Slot{confirmed_, slot_lost_};
}

Lsn FakeWal::CreateSlot() {
  std::lock_guard lock(mu_);
  if (slot_exists_) throw PipeError(ErrorKind::kFatal, "fake: the slot exists");
  slot_exists_ = true;
  slot_lost_ = false;
  confirmed_ = committed_.empty() ? 0 : committed_.back().end_lsn;
  return confirmed_;
}

void FakeWal::DropSlot() {
  std::lock_guard lock(mu_);
  slot_exists_ = false;
  slot_lost_ = false;
}

void FakeWal::LoseSlot() {
  std::lock_guard lock(mu_);
  slot_lost_ = true;
}

std::string FakeWal::ExportSnapshot() {
  std::lock_guard lock(mu_);
  std::string name = "snapshot-" + std::to_string(snapshots_.size() + 1);
  snapshots_[name] = committed_.empty() ? 0 : committed_.back().end_lsn;
  return name;
}

std::vector<Row> FakeWal::SnapshotRows(const std::string& snapshot, uint32_t relid) {
  std::vector<Transaction> seen;
  std::vector<SourceTable> tables;
  {
    std::lock_guard lock(mu_);
    auto at = snapshots_.find(snapshot);
    if (at == snapshots_.end()) throw PipeError(ErrorKind::kRetryable, "fake: no such snapshot");
    for (const Transaction& t : committed_)
      if (t.end_lsn <= at->second) seen.push_back(t);
    tables = defined_;
  }
  std::map<uint32_t, std::map<std::string, Row>> replayed = Replay(tables, seen);
  std::vector<Row> rows;
  for (auto& [key, row] : replayed[relid]) rows.push_back(std::move(row));
  return rows;
}

std::optional<Transaction> FakeWal::After(Lsn position) {
  std::lock_guard lock(mu_);
  // As a slot does: what was confirmed is never sent again, whatever the start asked for.
  position = std::max(position, confirmed_);
  for (const Transaction& t : committed_)
    if (t.end_lsn > position) return t;
  return std::nullopt;
}

void FakeWal::Confirm(Lsn lsn) {
  std::lock_guard lock(mu_);
  confirmed_ = std::max(confirmed_, lsn);
}

std::map<std::string, Row> FakeTables::Final(uint32_t relid, bool twin) {
  std::lock_guard lock(mu_);
  std::map<std::string, const Written*> latest;
  for (const Written& w : written_) {
    if (w.relid != relid || w.twin != twin) continue;
    const Written*& at = latest[w.key];
    if (at == nullptr || w.version >= at->version) at = &w;
  }
  std::map<std::string, Row> out;
  for (const auto& [key, w] : latest)
    if (!w->deleted) out[key] = w->row;
  return out;
}

std::vector<FakeTables::Written> FakeTables::AllWritten() {
  std::lock_guard lock(mu_);
  return written_;
}

void FakeTables::Write(const std::vector<Written>& rows) {
  std::lock_guard lock(mu_);
  written_.insert(written_.end(), rows.begin(), rows.end());
}

void FakeTables::Truncate(uint32_t relid, bool twin) {
  std::lock_guard lock(mu_);
  std::erase_if(written_, [&](const Written& w) { return w.relid == relid && w.twin == twin; });
}

void FakeTables::CreateTwin(uint32_t relid) {
  std::lock_guard lock(mu_);
  twins_.insert(relid);
}

void FakeTables::DropTwin(uint32_t relid) {
  std::lock_guard lock(mu_);
  std::erase_if(written_, [&](const Written& w) { return w.relid == relid && w.twin; });
  twins_.erase(relid);
}

bool FakeTables::SwapInTwin(uint32_t relid) {
  std::lock_guard lock(mu_);
  if (!twins_.contains(relid)) return false;
  std::erase_if(written_, [&](const Written& w) { return w.relid == relid && !w.twin; });
  for (Written& w : written_)
    if (w.relid == relid) w.twin = false;
  twins_.erase(relid);
  return true;
}

bool FakeTables::HasTwin(uint32_t relid) {
  std::lock_guard lock(mu_);
  return twins_.contains(relid);
}

// The resync names a table's twin with a suffix (pipe/resync_phase.h).
static bool IsTwin(const DestinationTable& table) { return table.table.ends_with(kResyncSuffix); }

void FakeTables::AddColumns(uint32_t relid, size_t count) {
  std::lock_guard lock(mu_);
  added_columns_[relid] += count;
}

size_t FakeTables::Width(uint32_t relid) {
  std::lock_guard lock(mu_);
  return added_columns_[relid];
}

std::string KeyOf(const SourceTable& table, const Row& row) {
  std::string key;
  for (size_t i = 0; i < table.columns.size() && i < row.size(); ++i)
    if (table.columns[i].is_key || table.keyless()) key += row[i].text + "|";
  return key;
}

namespace {

const SourceTable& TableOf(const std::vector<SourceTable>& tables, uint32_t relid) {
  for (const SourceTable& t : tables)
    if (t.relid == relid) return t;
  throw std::logic_error("fake: no table with relid " + std::to_string(relid));
}

class FakeChangeSource final : public ChangeSource {
 public:
  FakeChangeSource(FakeWal& wal, Lsn start, SpillPolicy spill, std::function<void(Lsn)> on_confirm)
      : wal_(wal), position_(start), spill_(std::move(spill)), on_confirm_(std::move(on_confirm)) {}

  ChangeEvent Next(std::chrono::milliseconds timeout) override {
    wal_.faults().Hit("next");
    ChangeEvent event;
    std::optional<Transaction> txn = wal_.After(position_);
    if (!txn) {
      std::this_thread::sleep_for(std::min(timeout, std::chrono::milliseconds(2)));
      event.keepalive = SourceKeepalive{position_, false};
      event.received = position_;
      return event;
    }
    position_ = txn->end_lsn;
    event.received = position_;
    AssembledTransaction done;
    if (spill_.threshold_changes > 0 && txn->changes.size() > spill_.threshold_changes) {
      done.spill = spill_.create();
      std::unordered_map<uint32_t, size_t> widths;
      for (const RowChange& c : txn->changes) {
        done.spill->Append(c);
        widths[c.relid] = std::max(widths[c.relid], c.row.size());
      }
      done.spill->FinishWriting(std::move(widths));
      txn->changes.clear();
    }
    done.transaction = std::move(*txn);
    event.transaction = std::move(done);
    return event;
  }
  bool InTransaction() const override { return false; }  // transactions come whole
  void Confirm(Lsn durable) override {
    wal_.faults().Hit("confirm");
    on_confirm_(durable);
    wal_.Confirm(durable);
  }
  void ResolveAddedColumns(const SourceTable&, std::vector<SourceColumn>& added) override {
    wal_.faults().Hit("resolve");
    for (SourceColumn& c : added) c.type_name = "text";
  }

 private:
  FakeWal& wal_;
  Lsn position_;
  SpillPolicy spill_;
  std::function<void(Lsn)> on_confirm_;
};

class FakeChangeDestination final : public ChangeDestination {
 public:
  FakeChangeDestination(FakeTables& tables, std::vector<DestinationTable> mapped)
      : tables_(tables) {
    for (DestinationTable& t : mapped) sources_.push_back(std::move(t.source));
  }

  void ApplyTransactions(std::span<Transaction> transactions) override {
    tables_.faults().Hit("apply");
    // As the ClickHouse sink does: one row per (key, version), the transaction's last change.
    std::vector<FakeTables::Written> rows;
    auto put = [&](FakeTables::Written w) {
      std::erase_if(rows, [&](const FakeTables::Written& r) {
        return r.relid == w.relid && r.key == w.key && r.version == w.version;
      });
      rows.push_back(std::move(w));
    };
    for (Transaction& txn : transactions)
      for (RowChange& c : txn.changes) {
        if (c.op == ChangeOp::kTruncate) {
          tables_.Write(rows);
          rows.clear();
          tables_.Truncate(c.relid);
          continue;
        }
        const SourceTable& table = TableOf(sources_, c.relid);
        if (c.row.size() != table.columns.size())
          ThrowFatal("fake destination: a row of " + std::to_string(c.row.size()) +
                     " cells for a table of " + std::to_string(table.columns.size()));
        if (c.op == ChangeOp::kUpdate && !c.old_row.empty() &&
            KeyOf(table, c.old_row) != KeyOf(table, c.row))
          put({c.relid, KeyOf(table, c.old_row), txn.end_lsn, true, c.old_row});
        put({c.relid, KeyOf(table, c.row), txn.end_lsn, c.op == ChangeOp::kDelete, c.row});
      }
    tables_.Write(rows);
    tables_.faults().Hit("applied");
  }

  std::vector<std::string> UpdateTable(const DestinationTable& table) override {
    tables_.faults().Hit("update_table");
    for (SourceTable& s : sources_)
      if (s.relid == table.source.relid) {
        const size_t added = table.source.columns.size() - s.columns.size();
        tables_.AddColumns(s.relid, added);
        s = table.source;
        return std::vector<std::string>(added, "Nullable(String)");
      }
    ThrowFatal("fake destination: no table " + table.source.QualifiedName());
  }

 private:
  FakeTables& tables_;
  std::vector<SourceTable> sources_;
};

class FakeSnapshotWriter final : public SnapshotWriter {
 public:
  FakeSnapshotWriter(FakeTables& tables, SourceTable source, Lsn version, bool twin)
      : tables_(tables), source_(std::move(source)), version_(version), twin_(twin) {}
  void Append(const Row& row) override {
    rows_.push_back({source_.relid, KeyOf(source_, row), version_, false, row, twin_});
  }
  void AppendBinary(std::span<const BinaryField>) override {
    throw std::logic_error("fake: binary rows were not offered");
  }
  void Finish() override {
    tables_.faults().Hit("finish");
    tables_.Write(rows_);
  }
  uint64_t rows() const override { return rows_.size(); }

 private:
  FakeTables& tables_;
  SourceTable source_;
  Lsn version_;
  bool twin_;
  std::vector<FakeTables::Written> rows_;
};

class FakeSnapshotDestination final : public SnapshotDestination {
 public:
  FakeSnapshotDestination(FakeTables& tables, std::vector<DestinationTable> mapped)
      : tables_(tables), mapped_(std::move(mapped)) {}
  bool AcceptsBinary(size_t) const override { return false; }
  std::unique_ptr<SnapshotWriter> NewWriter(size_t table, Lsn version) override {
    const DestinationTable& target = mapped_.at(table);
    return std::make_unique<FakeSnapshotWriter>(tables_, target.source, version, IsTwin(target));
  }

 private:
  FakeTables& tables_;
  std::vector<DestinationTable> mapped_;
};

class FakePartitionReader final : public PartitionReader {
 public:
  FakePartitionReader(FakeWal& wal, std::string snapshot)
      : wal_(wal), snapshot_(std::move(snapshot)) {}
  uint64_t Copy(const SourceTable& table, const CopyScope& scope, bool, SnapshotWriter& writer,
                const std::function<void()>& tick) override {
    wal_.faults().Hit("copy");
    uint64_t rows = 0;
    for (const Row& row : wal_.Partition(table.relid, scope.where, snapshot_)) {
      wal_.faults().Hit("copy_row");
      if (int micros = wal_.row_micros.load(); micros > 0)
        std::this_thread::sleep_for(std::chrono::microseconds(micros));
      writer.Append(row);
      ++rows;
      tick();
    }
    return rows;
  }

 private:
  FakeWal& wal_;
  std::string snapshot_;
};

class FakeSourceAdmin final : public SourceAdmin {
 public:
  explicit FakeSourceAdmin(FakeWal& wal) : wal_(wal) {}
  void CheckLogicalReplication() override {}
  SourceTable ReadTable(const std::string& schema, const std::string& name) override {
    wal_.faults().Hit("read_table");
    std::optional<SourceTable> table = wal_.Table(schema, name);
    if (!table) ThrowFatal("table " + schema + "." + name + " does not exist");
    return *table;
  }
  bool EnsurePublication(const std::vector<SourceTable>& tables) override {
    wal_.faults().Hit("publication");
    if (wal_.Publication()) return false;
    std::vector<std::string> names;
    for (const SourceTable& t : tables) names.push_back(t.QualifiedName());
    wal_.SetPublication(std::move(names));
    return true;
  }
  bool PublicationIncludes(const SourceTable& table) override {
    std::vector<std::string> names = wal_.Publication().value_or(std::vector<std::string>{});
    return std::find(names.begin(), names.end(), table.QualifiedName()) != names.end();
  }
  void AddToPublication(const SourceTable& table) override {
    wal_.faults().Hit("publication");
    std::vector<std::string> names = wal_.Publication().value_or(std::vector<std::string>{});
    if (!PublicationIncludes(table)) names.push_back(table.QualifiedName());
    wal_.SetPublication(std::move(names));
  }
  void RemoveFromPublication(const std::string& schema, const std::string& name) override {
    wal_.faults().Hit("publication");
    std::vector<std::string> names = wal_.Publication().value_or(std::vector<std::string>{});
    std::erase(names, schema + "." + name);
    wal_.SetPublication(std::move(names));
  }
  std::optional<SlotState> FindSlot() override {
    wal_.faults().Hit("find_slot");
    std::optional<FakeWal::Slot> slot = wal_.slot();
    if (!slot) return std::nullopt;
    return SlotState{slot->confirmed, slot->lost};
  }
  Lsn CreateSlot() override {
    wal_.faults().Hit("create_slot");
    return wal_.CreateSlot();
  }
  void DropSlot() override {
    wal_.faults().Hit("drop_slot");
    wal_.DropSlot();
  }

 private:
  FakeWal& wal_;
};

class FakeSnapshotSource final : public SnapshotSource {
 public:
  explicit FakeSnapshotSource(FakeWal& wal) : wal_(wal) {}
  LoadSnapshot CreateSlotWithSnapshot(const std::vector<SourceTable>&) override {
    wal_.faults().Hit("slot_snapshot");
    Lsn at = wal_.CreateSlot();
    return {wal_.ExportSnapshot(), at};
  }
  LoadSnapshot CreateTemporarySlotWithSnapshot(const std::vector<SourceTable>&) override {
    wal_.faults().Hit("temporary_snapshot");
    Lsn at = wal_.end();
    return {wal_.ExportSnapshot(), at};
  }
  LoadSnapshot ExportSnapshot(const std::vector<SourceTable>&) override {
    wal_.faults().Hit("export_snapshot");
    Lsn at = wal_.end();
    return {wal_.ExportSnapshot(), at};
  }
  // Never split: one partition per table, the whole table.
  TableLayout Layout(const SourceTable&) override {
    wal_.faults().Hit("plan");
    return TableLayout{'r', 0, 0, 0, 1, false};
  }
  std::optional<std::string> PrimaryKeyFirstColumn(const SourceTable&) override {
    return std::nullopt;
  }
  ValueBounds Bounds(const SourceTable&, const std::string&, ValueKind, bool) override {
    throw std::logic_error("fake: tables are not split by value");
  }
  void Finish() override { wal_.faults().Hit("finish_snapshot"); }

 private:
  FakeWal& wal_;
};

class FakeDestinationTables final : public DestinationTables {
 public:
  explicit FakeDestinationTables(FakeTables& tables) : tables_(tables) {}
  std::string Describe() override { return "fake ClickHouse"; }
  void EnsureTables(const std::vector<DestinationTable>& tables) override {
    tables_.faults().Hit("ensure_tables");
    for (const DestinationTable& t : tables)
      if (IsTwin(t)) tables_.CreateTwin(t.source.relid);
  }
  void Truncate(const DestinationTable& table) override {
    tables_.faults().Hit("truncate");
    tables_.Truncate(table.source.relid, IsTwin(table));
  }
  void Drop(const DestinationTable& table) override {
    tables_.faults().Hit("drop");
    if (IsTwin(table))
      tables_.DropTwin(table.source.relid);
    else
      tables_.Truncate(table.source.relid);
  }
  bool SwapInTwin(const DestinationTable& table, const DestinationTable& twin,
                  Lsn min_version) override {
    tables_.faults().Hit("swap");
    if (!IsTwin(twin) || twin.source.relid != table.source.relid)
      throw std::logic_error("fake: " + twin.table + " is not the twin of " + table.table);
    for (const FakeTables::Written& w : tables_.AllWritten())
      if (w.twin && w.relid == table.source.relid && w.version < min_version)
        throw std::logic_error("fake: a twin row older than the resync's load");
    bool swapped = tables_.SwapInTwin(table.source.relid);
    tables_.faults().Hit("swapped");
    return swapped;
  }

 private:
  FakeTables& tables_;
};

}  // namespace

std::unique_ptr<DestinationTables> FakePorts::OpenDestinationTables(const PipeContext&) {
  return std::make_unique<FakeDestinationTables>(tables_);
}

std::unique_ptr<SnapshotDestination> FakePorts::OpenSnapshotDestination(
    const PipeContext& ctx, const std::vector<size_t>&) {
  tables_.faults().Hit("open_snapshot_destination");
  return std::make_unique<FakeSnapshotDestination>(tables_, ctx.tables);
}

std::unique_ptr<PartitionReader> FakePorts::OpenPartitionReader(const PipeContext&,
                                                                const std::string& snapshot_name,
                                                                const std::vector<SourceTable>&) {
  wal_.faults().Hit("open_reader");
  return std::make_unique<FakePartitionReader>(wal_, snapshot_name);
}

std::unique_ptr<SourceAdmin> FakePorts::OpenSourceAdmin(const PipeContext&) {
  wal_.faults().Hit("open_admin");
  return std::make_unique<FakeSourceAdmin>(wal_);
}

std::unique_ptr<SnapshotSource> FakePorts::OpenSnapshotSource(const PipeContext&) {
  wal_.faults().Hit("open_snapshot_source");
  return std::make_unique<FakeSnapshotSource>(wal_);
}

std::unique_ptr<ChangeSource> FakePorts::OpenChangeSource(PipeContext&, Lsn start,
                                                          SpillPolicy spill) {
  wal_.faults().Hit("open_source");
  ++sources_opened_;
  return std::make_unique<FakeChangeSource>(wal_, start, std::move(spill),
                                            [this](Lsn lsn) { CheckDurable(lsn); });
}

void FakePorts::CheckDurable(Lsn confirmed) {
  std::set<Lsn> versions;
  for (const FakeTables::Written& w : tables_.AllWritten()) versions.insert(w.version);
  for (const Transaction& t : wal_.Committed())
    if (t.end_lsn <= confirmed && !t.changes.empty() && !versions.contains(t.end_lsn))
      ++early_confirms_;
}

std::unique_ptr<ChangeDestination> FakePorts::OpenChangeDestination(const PipeContext& ctx) {
  tables_.faults().Hit("open_destination");
  return std::make_unique<FakeChangeDestination>(tables_, ctx.tables);
}

std::map<uint32_t, std::map<std::string, Row>> Replay(const std::vector<SourceTable>& tables,
                                                      const std::vector<Transaction>& committed) {
  std::map<uint32_t, std::map<std::string, Row>> out;
  for (const Transaction& txn : committed)
    for (const RowChange& c : txn.changes) {
      auto& rows = out[c.relid];
      if (c.op == ChangeOp::kTruncate) {
        rows.clear();
        continue;
      }
      const SourceTable& table = TableOf(tables, c.relid);
      if (c.op == ChangeOp::kDelete) {
        rows.erase(KeyOf(table, c.row));
        continue;
      }
      if (!c.old_row.empty()) rows.erase(KeyOf(table, c.old_row));
      rows[KeyOf(table, c.row)] = c.row;
    }
  return out;
}

}  // namespace pg2ch::fake
