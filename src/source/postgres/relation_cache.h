// The latest pgoutput Relation message per relation id, and the check that a tuple fits it.
//
// Why it exists: pgoutput sends a table's column list only once per session (and again after a
// schema change); every Insert/Update/Delete after that carries only a relid and positional
// cells. A tuple whose width differs from the last Relation means we lost a message or misread
// one, so it must stop the stream instead of shifting values into the wrong columns.
//
// Ownership and lifetime: the cache owns the Relation values. A pointer returned by Find stays
// valid for the life of the cache (entries are never removed), but the Relation it points to is
// replaced by a later Put with the same relid. Not thread-safe: owned by the one thread that
// decodes the replication stream. Put is idempotent.
//
// Relation wire format: see pgoutput_messages.h.
#pragma once

#include <cstdint>
#include <unordered_map>

#include "core/change.h"
#include "source/postgres/pgoutput_messages.h"

namespace pg2ch {

class RelationCache {
 public:
  // nullptr when no Relation message for `relid` has been seen.
  const pgoutput::Relation* Find(uint32_t relid) const;

  // Stores `relation`, replacing any earlier description of the same relid.
  void Put(pgoutput::Relation relation);

  // Throws DecodeError when `relid` is unknown or `row` has a different number of columns than
  // its relation. Use for every tuple of Insert/Update/Delete, old and new.
  void CheckTuple(uint32_t relid, const Row& row) const;

  size_t size() const { return relations_.size(); }

 private:
  std::unordered_map<uint32_t, pgoutput::Relation> relations_;
};

}  // namespace pg2ch
