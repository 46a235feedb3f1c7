#include "source/postgres/transaction_assembler.h"

#include <algorithm>

#include "common/error.h"

namespace pg2ch {

TransactionAssembler::TransactionAssembler(const std::vector<SourceTable>& tables,
                                           SpillPolicy spill)
    : policy_(std::move(spill)) {
  for (const auto& t : tables) tables_.emplace(t.relid, Tracked{t, {}, {}});
}

TransactionAssembler::Tracked* TransactionAssembler::Ours(uint32_t relid) {
  auto it = tables_.find(relid);
  return it == tables_.end() ? nullptr : &it->second;
}

void TransactionAssembler::OnRelation(pgoutput::Relation&& rel) {
  if (Tracked* t = Ours(rel.relid)) {
    RelationMatch match = MatchRelation(t->recorded, rel);
    SchemaChange change;
    change.relid = rel.relid;
    for (size_t i : match.absent) {
      if (std::find(t->absent.begin(), t->absent.end(), i) == t->absent.end())
        change.dropped.push_back(t->recorded.columns[i].name);
    }
    t->absent = std::move(match.absent);
    if (!match.added.empty()) {
      t->recorded.columns.insert(t->recorded.columns.end(), match.added.begin(), match.added.end());
      PadOpenRows(rel.relid, t->recorded.columns.size());
      change.added = std::move(match.added);
    }
    t->mapping = std::move(match.mapping);
    if (!change.added.empty() || !change.dropped.empty())
      (open_ ? open_->schema_changes : pending_).push_back(std::move(change));
  }
  relations_.Put(std::move(rel));
}

void TransactionAssembler::PadOpenRows(uint32_t relid, size_t width) {
  // Rows already spilled are padded when read back (ChangeSpill::FinishWriting).
  if (!open_) return;
  for (RowChange& change : open_->changes) {
    if (change.relid != relid) continue;
    // Added columns are appended, so the recorded order of existing cells stays as it is.
    if (!change.row.empty()) change.row.resize(width);
    if (!change.old_row.empty()) change.old_row.resize(width);
  }
}

void TransactionAssembler::Add(RowChange&& change) {
  if (!open_) throw DecodeError("pgoutput: a change arrived outside a transaction");
  change.ordinal = next_ordinal_++;
  open_->changes.push_back(std::move(change));
  if (policy_.threshold_changes > 0 && open_->changes.size() >= policy_.threshold_changes)
    SpillOpenChanges();
}

void TransactionAssembler::SpillOpenChanges() {
  if (!spill_) spill_ = policy_.create();
  for (const RowChange& change : open_->changes) spill_->Append(change);
  open_->changes.clear();
}

std::optional<AssembledTransaction> TransactionAssembler::Feed(PgOutputMessage&& message) {
  using namespace pgoutput;
  if (auto* m = std::get_if<Begin>(&message)) {
    if (open_) throw DecodeError("pgoutput: Begin inside an open transaction");
    open_.emplace();
    spill_.reset();
    next_ordinal_ = 0;
    open_->commit_lsn = m->final_lsn;
    open_->schema_changes = std::move(pending_);
    pending_.clear();
    return std::nullopt;
  }
  if (auto* m = std::get_if<Commit>(&message)) {
    if (!open_) throw DecodeError("pgoutput: Commit without Begin");
    open_->commit_lsn = m->commit_lsn;
    open_->end_lsn = m->end_lsn;
    open_->commit_time = m->commit_time;
    if (spill_) SpillOpenChanges();  // the file then holds every change, in order
    AssembledTransaction done{std::move(*open_), nullptr};
    open_.reset();
    if (spill_) {
      std::unordered_map<uint32_t, size_t> widths;
      for (const auto& [relid, t] : tables_) widths.emplace(relid, t.recorded.columns.size());
      spill_->FinishWriting(std::move(widths));
      done.spill = std::move(spill_);
    }
    return done;
  }
  if (auto* m = std::get_if<Relation>(&message)) {
    OnRelation(std::move(*m));
    return std::nullopt;
  }
  if (auto* m = std::get_if<Insert>(&message)) {
    relations_.CheckTuple(m->relid, m->new_tuple);
    if (Tracked* t = Ours(m->relid))
      Add({ChangeOp::kInsert, m->relid, t->mapping.ToRecorded(std::move(m->new_tuple)), {}});
    return std::nullopt;
  }
  if (auto* m = std::get_if<Update>(&message)) {
    relations_.CheckTuple(m->relid, m->new_tuple);
    Tracked* t = Ours(m->relid);
    if (!t) return std::nullopt;
    RowChange change{
        ChangeOp::kUpdate, m->relid, t->mapping.ToRecorded(std::move(m->new_tuple)), {}};
    if (m->old_kind == 'K') {
      relations_.CheckTuple(m->relid, m->old_tuple);
      change.old_row = t->mapping.ToRecorded(std::move(m->old_tuple));
    } else if (m->old_kind == 'O') {
      relations_.CheckTuple(m->relid, m->old_tuple);
      Row old_row = t->mapping.ToRecorded(std::move(m->old_tuple));
      const auto& columns = t->recorded.columns;
      bool key_changed = false;
      for (size_t i = 0; i < columns.size(); ++i) {
        Cell& now = change.row[i];
        const Cell& before = old_row[i];
        if (now.kind == CellKind::kUnchangedToast && before.kind != CellKind::kUnchangedToast)
          now = before;
        if (columns[i].is_key && !(now == before)) key_changed = true;
      }
      // A keyless table's row is its values: the old ones say which copy changes.
      if (key_changed || t->recorded.keyless()) change.old_row = std::move(old_row);
    }
    Add(std::move(change));
    return std::nullopt;
  }
  if (auto* m = std::get_if<Delete>(&message)) {
    relations_.CheckTuple(m->relid, m->old_tuple);
    if (Tracked* t = Ours(m->relid))
      Add({ChangeOp::kDelete, m->relid, t->mapping.ToRecorded(std::move(m->old_tuple)), {}});
    return std::nullopt;
  }
  if (auto* m = std::get_if<Truncate>(&message)) {
    for (uint32_t relid : m->relids)
      if (Ours(relid)) Add({ChangeOp::kTruncate, relid, {}, {}});
    return std::nullopt;
  }
  if (std::holds_alternative<StreamStart>(message) ||
      std::holds_alternative<StreamCommit>(message) ||
      std::holds_alternative<StreamAbort>(message) || std::holds_alternative<StreamStop>(message))
    throw DecodeError("pgoutput: streaming message received, but streaming was not requested");
  return std::nullopt;  // Origin, Type, Message: nothing to replicate
}

}  // namespace pg2ch
