// Changes of tables without a key, turned into changes of their ClickHouse rows' identity before
// a batch is planned. Pure but for the `lookup` it is given.
//
// Such a table's ClickHouse rows are copies: ORDER BY (`_pg2ch_row_hash`, `_pg2ch_row_id`), the
// hash of the row's values and which copy it is (table_codec.h). PostgreSQL may hold several
// equal rows; each is one copy, so `FINAL WHERE _peerdb_is_deleted = 0` returns the multiset.
//   insert  -> a new copy, id = (transaction end LSN, change ordinal): the same id on a replay,
//              so a replayed insert rewrites its own copy and never adds one
//   delete  -> (REPLICA IDENTITY FULL sends the old values) one live copy of that hash is
//              deleted: the one with the smallest id, its delete row marked `_pg2ch_deleted_by`
//              = (end LSN, ordinal) of the change. A replayed delete finds its mark on a copy
//              (ClickHouse FINAL, then the batch's own earlier changes) and deletes nothing more:
//              every delete change removes exactly one copy, however often it is applied
//   update  -> delete of the old values, then insert of the new (unchanged TOAST values taken
//              from the old row, which FULL sends whole)
//   truncate-> no copies left
// A delete that finds no live copy means ClickHouse differs from PostgreSQL (a column added with
// a default changes old rows' values): PipeError(kFatal) asking for a resync, never a skip.
// Tables with RowIdentity::kInsertOnly take inserts and truncates only; an update or delete of
// one (possible only through a publication the user made) is PipeError(kFatal).
#pragma once

#include <functional>
#include <span>
#include <string>
#include <vector>

#include "core/change.h"
#include "destination/clickhouse/change_plan.h"

namespace pg2ch {

// A copy as ClickHouse holds it now (FINAL).
struct StoredCopy {
  std::string hash;
  std::string id;
  std::string deleted_by;  // "" for a live copy
  bool deleted = false;
};

// The copies ClickHouse holds of rows with one of `hashes`, in any order.
using CopyLookup =
    std::function<std::vector<StoredCopy>(const TableCodec&, const std::vector<std::string>&)>;

// Rewrites, in place, every change of a keyless table in `transactions`: rows get their identity
// cells (hash, id, deleted_by) and updates become a delete and an insert. Other tables' changes
// are left as they are. `lookup` is called once per table with deletes.
void ResolveKeylessChanges(std::span<Transaction> transactions, const CodecMap& codecs,
                           const CopyLookup& lookup);

// The id of the copy an insert creates, and the mark a delete leaves: 16 bytes, big-endian end
// LSN then ordinal (so ids sort by LSN).
std::string ChangeIdentity(Lsn end_lsn, uint32_t ordinal);

}  // namespace pg2ch
