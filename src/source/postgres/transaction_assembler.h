// Turns the decoded pgoutput message sequence into committed transactions of row changes for
// the pipe's tables. No I/O.
//
// - Begin ... Commit frame one transaction; changes outside a frame are a protocol error.
// - Relation messages are checked against the definitions recorded at Setup: a changed column
//   list or type fails the pipe (kFatal) instead of mis-decoding rows.
// - Changes to tables that are not in the pipe (a shared publication) are left out.
// - Update: an old tuple 'K' means the key changed. With REPLICA IDENTITY FULL ('O') the old row
//   always comes; it counts as a key change only if a key column differs, and it fills values the
//   new tuple marks as unchanged TOAST.
#pragma once

#include <optional>
#include <unordered_map>
#include <vector>

#include "core/change.h"
#include "core/table_schema.h"
#include "source/postgres/pgoutput_messages.h"
#include "source/postgres/relation_cache.h"

namespace pg2ch {

class TransactionAssembler {
 public:
  explicit TransactionAssembler(const std::vector<SourceTable>& tables);

  // Returns the finished transaction when `message` is its Commit.
  std::optional<Transaction> Feed(PgOutputMessage&& message);
  bool in_transaction() const { return open_.has_value(); }
  // Changes in the open transaction so far.
  size_t open_changes() const { return open_ ? open_->changes.size() : 0; }

 private:
  const SourceTable* Ours(uint32_t relid) const;
  void OnRelation(pgoutput::Relation&& relation);
  void Add(RowChange&& change);

  std::unordered_map<uint32_t, SourceTable> tables_;  // by relid
  RelationCache relations_;
  std::optional<Transaction> open_;
};

}  // namespace pg2ch
