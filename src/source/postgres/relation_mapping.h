// Matches a pgoutput Relation message with the recorded schema of one of the pipe's tables, by
// column NAME, and rebuilds tuples from stream order into recorded order. Pure, no I/O.
//
// The recorded schema (SourceTable) is the destination's column list: it only ever grows, since
// ClickHouse keeps every column pg2ch ever created. For each column of the Relation:
//   name recorded, same type oid and typmod  -> mapped to that recorded column
//   name recorded, another type              -> PipeError(kFatal): ClickHouse cannot follow it
//   name excluded (SourceTable::excluded)    -> IGNORED: its cells are dropped, whatever its type,
//                                               also for a column created after Setup under an
//                                               excluded name
//   name not recorded                        -> ADDED: appended to the recorded schema, always
//                                               nullable and never a key (a Relation carries no
//                                               NOT NULL flag; rows from before keep NULL there)
// and for each recorded column the Relation lacks (dropped, renamed away, or a replay from
// before the column was added): ABSENT, its cells are NULL from then on. That is only possible
// for a nullable non-key column; otherwise PipeError(kFatal).
// Key flags ('K') are not compared: a changed replica identity changes no column.
#pragma once

#include <cstddef>
#include <vector>

#include "core/change.h"
#include "core/table_schema.h"
#include "source/postgres/pgoutput_messages.h"

namespace pg2ch {

class RelationMapping {
 public:
  // In `to_recorded`: the stream column is dropped (an excluded column).
  static constexpr size_t kIgnored = static_cast<size_t>(-1);

  RelationMapping() = default;
  // `to_recorded[i]`: the recorded column index of stream column i, or kIgnored; each index at
  // most once, all below `recorded_width`.
  RelationMapping(std::vector<size_t> to_recorded, size_t recorded_width);

  // True when stream column i is recorded column i and nothing is absent or ignored: rows pass
  // unchanged.
  bool identity() const { return identity_; }
  size_t recorded_width() const { return recorded_width_; }

  // A stream-order tuple (already checked to have the Relation's width) in recorded order, absent
  // columns NULL. An empty row (no old tuple) stays empty.
  Row ToRecorded(Row&& row) const {
    if (identity_ || row.empty()) return std::move(row);
    return Rebuild(std::move(row));
  }

 private:
  Row Rebuild(Row&& row) const;

  std::vector<size_t> to_recorded_;
  size_t recorded_width_ = 0;
  bool identity_ = true;
};

struct RelationMatch {
  RelationMapping mapping;  // to the recorded schema with `added` appended
  // Stream columns the recorded schema lacks, in stream order: nullable, not key, type_name and
  // element_oid unknown (the Relation has only oid and typmod).
  std::vector<SourceColumn> added;
  std::vector<size_t> absent;  // recorded columns the Relation lacks, ascending
};

// Throws PipeError(kFatal) naming the table and column for a type change, or for an absent key
// or NOT NULL column.
RelationMatch MatchRelation(const SourceTable& recorded, const pgoutput::Relation& relation);

}  // namespace pg2ch
