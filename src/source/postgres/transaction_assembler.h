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
// - Spilling (change_spill.h): once an open transaction holds `SpillPolicy::threshold_changes`
//   changes in memory, they are appended to a spill file made by `SpillPolicy::create` and
//   dropped from memory; so are the later ones, in batches of the threshold. The finished
//   transaction then comes with `spill` set, holding every change in order, and no `changes`.
//   Memory stays bounded by the threshold whatever the transaction's size. Rows already spilled
//   when a column is added are padded with NULL when read back (ChangeSpill::FinishWriting gets
//   every table's final width), so a spilled transaction reads back exactly as the in-memory
//   one would have been. The assembler does no I/O of its own beyond writing through the spill.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "core/assembled_transaction.h"
#include "core/change.h"
#include "core/change_spill.h"
#include "core/table_schema.h"
#include "source/postgres/pgoutput_messages.h"
#include "source/postgres/relation_cache.h"
#include "source/postgres/relation_mapping.h"

namespace pg2ch {

class TransactionAssembler {
 public:
  explicit TransactionAssembler(const std::vector<SourceTable>& tables, SpillPolicy spill = {});

  // Returns the finished transaction when `message` is its Commit.
  std::optional<AssembledTransaction> Feed(PgOutputMessage&& message);
  bool in_transaction() const { return open_.has_value(); }
  // Changes in the open transaction so far (in memory and spilled).
  size_t open_changes() const {
    return open_ ? open_->changes.size() + (spill_ ? spill_->changes() : 0) : 0;
  }

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
  // Moves the open transaction's changes held in memory to the spill file (made if need be).
  void SpillOpenChanges();

  std::unordered_map<uint32_t, Tracked> tables_;  // by relid
  RelationCache relations_;
  std::optional<Transaction> open_;
  SpillPolicy policy_;
  std::unique_ptr<ChangeSpill> spill_;  // the open transaction's, once it spilled
  uint32_t next_ordinal_ = 0;           // RowChange::ordinal of the open transaction's next change
  std::vector<SchemaChange> pending_;   // seen outside a transaction: go with the next one
};

}  // namespace pg2ch
