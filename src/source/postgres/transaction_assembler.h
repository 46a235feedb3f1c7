// Turns the decoded pgoutput message sequence into committed transactions of row changes for
// the pipe's tables. No I/O.
//
// - Begin ... Commit frame one transaction; changes outside a frame are a protocol error.
// - Relation messages are matched by column name with the recorded definitions
//   (relation_mapping.h): rows are rebuilt into recorded column order, columns the stream no
//   longer sends are NULL, columns the pipe excludes are dropped (SourceTable::excluded), a type
//   change fails the pipe (kFatal). New columns are appended to
//   the recorded definition and reported as a SchemaChange of the transaction (a Relation seen
//   outside a transaction goes with the next one); rows of that table earlier in the same
//   transaction are padded with NULL, so every row of a finished transaction has the final width.
//   The recorded definitions start as given and then only grow; the caller applies the reported
//   changes to the destination before writing the transaction.
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
#include "source/postgres/relation_mapping.h"

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
  struct Tracked {
    SourceTable recorded;
    RelationMapping mapping;     // from the latest Relation message of the table
    std::vector<size_t> absent;  // recorded columns that Relation lacks (reported once)
  };

  Tracked* Ours(uint32_t relid);
  void OnRelation(pgoutput::Relation&& relation);
  // Widens rows of `relid` already in the open transaction to `width` columns (NULL cells).
  void PadOpenRows(uint32_t relid, size_t width);
  void Add(RowChange&& change);

  std::unordered_map<uint32_t, Tracked> tables_;  // by relid
  RelationCache relations_;
  std::optional<Transaction> open_;
  std::vector<SchemaChange> pending_;  // seen outside a transaction: go with the next one
};

}  // namespace pg2ch
