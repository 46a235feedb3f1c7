// Applies a source schema change the CDC stream reported (Transaction::schema_changes) to the
// destination, before any row of its transaction is written.
//
// Steps, in this order, each idempotent:
//   (the caller flushes the pending batch first: durable in ClickHouse and checkpointed)
//   1. look up the added columns' type names on the source (an ordinary connection)
//   2. add them to the destination table (ClickHouse: ALTER TABLE ... ADD COLUMN), which encodes
//      the new columns from then on
//   3. record the grown definition in the catalog
//   4. update ctx.tables
// A crash between any two steps is harmless: CDC replays from the checkpoint, which is before
// the transaction, so the change comes again (ADD COLUMN is skipped for a column ClickHouse
// has), or, when the catalog already holds it, the replayed Relation matches it by name and
// rows from before the change get NULL there (relation_mapping.h).
// Columns the stream stopped sending are only logged: the ClickHouse column stays.
#pragma once

#include "core/change.h"
#include "pipe/pipe_context.h"
#include "port/change_destination.h"
#include "port/change_source.h"

namespace pg2ch {

// True when `txn` changes a destination table, so the batch before it must be flushed first.
bool NeedsDestinationChange(const Transaction& txn);

// Throws PipeError(kFatal) naming table, column and type for a type pg2ch cannot map.
void ApplySchemaChange(PipeContext& ctx, ChangeSource& source, ChangeDestination& destination,
                       const SchemaChange& change);

}  // namespace pg2ch
