#include "source/postgres/transaction_assembler.h"

#include "common/error.h"

namespace pg2ch {

TransactionAssembler::TransactionAssembler(const std::vector<SourceTable>& tables) {
  for (const auto& t : tables) tables_.emplace(t.relid, t);
}

const SourceTable* TransactionAssembler::Ours(uint32_t relid) const {
  auto it = tables_.find(relid);
  return it == tables_.end() ? nullptr : &it->second;
}

void TransactionAssembler::OnRelation(pgoutput::Relation&& rel) {
  if (const SourceTable* t = Ours(rel.relid)) {
    std::string problem;
    if (rel.columns.size() != t->columns.size()) {
      problem = std::to_string(t->columns.size()) + " columns became " +
                std::to_string(rel.columns.size());
    } else {
      for (size_t i = 0; i < rel.columns.size() && problem.empty(); ++i) {
        const auto& now = rel.columns[i];
        const auto& was = t->columns[i];
        if (now.name != was.name || now.type_oid != was.type_oid || now.typmod != was.typmod)
          problem = "column " + std::to_string(i + 1) + " \"" + was.name + "\" " + was.type_name +
                    " became \"" + now.name + "\" (type oid " + std::to_string(now.type_oid) + ")";
      }
    }
    if (!problem.empty())
      ThrowFatal("the schema of source table " + t->QualifiedName() + " changed (" + problem +
                 "); pg2ch does not apply schema changes yet: resync the pipe");
  }
  relations_.Put(std::move(rel));
}

void TransactionAssembler::Add(RowChange&& change) {
  if (!open_) throw DecodeError("pgoutput: a change arrived outside a transaction");
  open_->changes.push_back(std::move(change));
}

std::optional<Transaction> TransactionAssembler::Feed(PgOutputMessage&& message) {
  using namespace pgoutput;
  if (auto* m = std::get_if<Begin>(&message)) {
    if (open_) throw DecodeError("pgoutput: Begin inside an open transaction");
    open_.emplace();
    open_->commit_lsn = m->final_lsn;
    return std::nullopt;
  }
  if (auto* m = std::get_if<Commit>(&message)) {
    if (!open_) throw DecodeError("pgoutput: Commit without Begin");
    open_->commit_lsn = m->commit_lsn;
    open_->end_lsn = m->end_lsn;
    open_->commit_time = m->commit_time;
    std::optional<Transaction> done = std::move(open_);
    open_.reset();
    return done;
  }
  if (auto* m = std::get_if<Relation>(&message)) {
    OnRelation(std::move(*m));
    return std::nullopt;
  }
  if (auto* m = std::get_if<Insert>(&message)) {
    relations_.CheckTuple(m->relid, m->new_tuple);
    if (Ours(m->relid)) Add({ChangeOp::kInsert, m->relid, std::move(m->new_tuple), {}});
    return std::nullopt;
  }
  if (auto* m = std::get_if<Update>(&message)) {
    relations_.CheckTuple(m->relid, m->new_tuple);
    const SourceTable* t = Ours(m->relid);
    if (!t) return std::nullopt;
    RowChange change{ChangeOp::kUpdate, m->relid, std::move(m->new_tuple), {}};
    if (m->old_kind == 'K') {
      relations_.CheckTuple(m->relid, m->old_tuple);
      change.old_row = std::move(m->old_tuple);
    } else if (m->old_kind == 'O') {
      relations_.CheckTuple(m->relid, m->old_tuple);
      bool key_changed = false;
      for (size_t i = 0; i < t->columns.size(); ++i) {
        Cell& now = change.row[i];
        const Cell& before = m->old_tuple[i];
        if (now.kind == CellKind::kUnchangedToast && before.kind != CellKind::kUnchangedToast)
          now = before;
        if (t->columns[i].is_key && !(now == before)) key_changed = true;
      }
      if (key_changed) change.old_row = std::move(m->old_tuple);
    }
    Add(std::move(change));
    return std::nullopt;
  }
  if (auto* m = std::get_if<Delete>(&message)) {
    relations_.CheckTuple(m->relid, m->old_tuple);
    if (Ours(m->relid)) Add({ChangeOp::kDelete, m->relid, std::move(m->old_tuple), {}});
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
