#include "destination/clickhouse/change_plan.h"

#include <algorithm>
#include <unordered_set>

#include "common/error.h"

namespace pg2ch {
namespace {

bool HasUnchanged(const Row& row) {
  return std::any_of(row.begin(), row.end(),
                     [](const Cell& c) { return c.kind == CellKind::kUnchangedToast; });
}

// The rows collected so far for one table, indexed by key.
struct TableState {
  TablePlan plan;
  std::unordered_map<std::string, size_t> index;
  bool truncated = false;

  const PlannedRow* Find(const std::string& key) const {
    auto it = index.find(key);
    return it == index.end() ? nullptr : &plan.rows[it->second];
  }
  void Put(PlannedRow row) {
    auto [it, inserted] = index.emplace(row.key, plan.rows.size());
    if (inserted) {
      plan.rows.push_back(std::move(row));
    } else {
      plan.rows[it->second] = std::move(row);
    }
  }
};

// A delete row must carry the ORDER BY values of the row it replaces, or ClickHouse keeps that
// row. pgoutput sends only the replica identity for a delete (and for the old key of a key
// change), so sorting-key values outside it come from the latest image of the key in this run,
// else from ClickHouse: they are marked unchanged and read back like unchanged TOAST values.
void FillSortValues(const TableCodec& codec, const TableState& state, PlannedRow& row) {
  const std::vector<size_t>& columns = codec.sort_only_columns();
  auto missing = [&] {
    return std::any_of(columns.begin(), columns.end(),
                       [&](size_t i) { return row.cells[i].kind != CellKind::kText; });
  };
  if (!missing()) return;
  if (const PlannedRow* image = state.Find(row.key)) {
    for (size_t i : columns) row.cells[i] = image->cells[i];
    if (missing()) row.lookup = image->lookup;  // the image's own values are still to be read
    return;
  }
  for (size_t i : columns)
    if (row.cells[i].kind != CellKind::kText) row.cells[i] = Cell::Unchanged();
  row.lookup = ToastLookup{row.key, row.cells};
}

class Planner {
 public:
  explicit Planner(const CodecMap& codecs) : codecs_(codecs) {}

  // Sizes each table's rows and key index for its number of changes (its row count, give or take
  // key changes and collapsing), so neither is regrown (rows moved, keys rehashed) while filling.
  void Reserve(std::span<const Transaction> transactions) {
    std::unordered_map<uint32_t, size_t> counts;
    std::vector<uint32_t> first_seen;  // State() records the order of first change: keep it
    for (const Transaction& txn : transactions) {
      for (const RowChange& change : txn.changes) {
        if (counts[change.relid]++ == 0) first_seen.push_back(change.relid);
      }
    }
    for (uint32_t relid : first_seen) {
      TableState& state = State(relid);
      state.plan.rows.reserve(counts[relid]);
      state.index.reserve(counts[relid]);
    }
  }

  // Moves the rows out of `txn` (see PlanBatch).
  void Apply(Transaction& txn) {
    for (RowChange& change : txn.changes) {
      const TableCodec& codec = Codec(change.relid);
      TableState& state = State(change.relid);
      switch (change.op) {
        case ChangeOp::kInsert: {
          std::string key = codec.EncodeKey(change.row);
          state.Put({std::move(key), std::move(change.row), txn.end_lsn, false, std::nullopt});
          break;
        }
        case ChangeOp::kDelete: {
          std::string key = codec.EncodeKey(change.row);
          PlannedRow row{std::move(key), std::move(change.row), txn.end_lsn, true, std::nullopt};
          FillSortValues(codec, state, row);
          state.Put(std::move(row));
          break;
        }
        case ChangeOp::kUpdate:
          Update(codec, state, change, txn.end_lsn);
          break;
        case ChangeOp::kTruncate:
          state.plan.rows.clear();
          state.index.clear();
          state.truncated = true;
          if (std::find(truncates_.begin(), truncates_.end(), change.relid) == truncates_.end()) {
            truncates_.push_back(change.relid);
          }
          break;
      }
    }
  }

  BatchPlan Finish() {
    BatchPlan plan;
    plan.truncates = std::move(truncates_);
    for (uint32_t relid : order_) {
      TableState& state = states_.at(relid);
      if (!state.plan.rows.empty()) plan.tables.push_back(std::move(state.plan));
    }
    return plan;
  }

 private:
  const TableCodec& Codec(uint32_t relid) const {
    auto it = codecs_.find(relid);
    if (it == codecs_.end()) {
      ThrowFatal("a change arrived for relation " + std::to_string(relid) +
                 ", which is not a table of this pipe");
    }
    return it->second;
  }

  TableState& State(uint32_t relid) {
    auto [it, inserted] = states_.try_emplace(relid);
    if (inserted) {
      it->second.plan.relid = relid;
      order_.push_back(relid);
    }
    return it->second;
  }

  // Consumes change.row and change.old_row.
  void Update(const TableCodec& codec, TableState& state, RowChange& change, uint64_t version) {
    PlannedRow row{{}, std::move(change.row), version, false, std::nullopt};
    const bool has_old = !change.old_row.empty();
    // With REPLICA IDENTITY FULL the old row comes with every update; an unchanged TOAST key
    // cell then still has its value there.
    if (has_old) {
      codec.CheckWidth(change.old_row);
      for (size_t k : codec.key_columns()) {
        if (row.cells[k].kind == CellKind::kUnchangedToast) row.cells[k] = change.old_row[k];
      }
    }
    row.key = codec.EncodeKey(row.cells);
    const std::string old_key = has_old ? codec.EncodeKey(change.old_row) : row.key;

    if (HasUnchanged(row.cells)) {
      if (const PlannedRow* image = state.Find(old_key)) {
        if (image->deleted) {
          ThrowFatal("table " + codec.source().QualifiedName() +
                     ": an update left a TOAST value unchanged on a row deleted earlier in the "
                     "same batch");
        }
        for (size_t i = 0; i < row.cells.size(); ++i) {
          if (row.cells[i].kind == CellKind::kUnchangedToast) row.cells[i] = image->cells[i];
        }
        if (HasUnchanged(row.cells)) row.lookup = image->lookup;
      } else if (state.truncated) {
        ThrowFatal("table " + codec.source().QualifiedName() +
                   ": an update left a TOAST value unchanged on a row that a TRUNCATE earlier in "
                   "the same batch removed");
      } else {
        // A copy: the rare read-back path; the row keeps its cells, old_row may go below.
        row.lookup = ToastLookup{old_key, has_old ? change.old_row : row.cells};
      }
    }
    if (old_key != row.key) {
      PlannedRow gone{old_key, std::move(change.old_row), version, true, std::nullopt};
      FillSortValues(codec, state, gone);
      state.Put(std::move(gone));
    }
    state.Put(std::move(row));
  }

  const CodecMap& codecs_;
  std::unordered_map<uint32_t, TableState> states_;
  std::vector<uint32_t> order_;
  std::vector<uint32_t> truncates_;
};

}  // namespace

BatchPlan PlanBatch(std::span<Transaction> transactions, const CodecMap& codecs) {
  Planner planner(codecs);
  planner.Reserve(transactions);
  for (Transaction& txn : transactions) planner.Apply(txn);
  return planner.Finish();
}

}  // namespace pg2ch
