#include "source/postgres/relation_cache.h"

#include <string>
#include <utility>

#include "common/error.h"

namespace pg2ch {

const pgoutput::Relation* RelationCache::Find(uint32_t relid) const {
  auto it = relations_.find(relid);
  return it == relations_.end() ? nullptr : &it->second;
}

void RelationCache::Put(pgoutput::Relation relation) {
  uint32_t relid = relation.relid;
  // Assign rather than re-insert, so pointers from Find keep pointing at the same entry.
  relations_[relid] = std::move(relation);
}

void RelationCache::CheckTuple(uint32_t relid, const Row& row) const {
  const pgoutput::Relation* relation = Find(relid);
  if (relation == nullptr) {
    throw DecodeError("tuple for relation id " + std::to_string(relid) +
                      " arrived before any Relation message describing it");
  }
  if (row.size() != relation->columns.size()) {
    throw DecodeError("tuple for " + relation->namespace_name + "." + relation->relation_name +
                      " (relation id " + std::to_string(relid) + ") has " +
                      std::to_string(row.size()) + " columns, its Relation message has " +
                      std::to_string(relation->columns.size()));
  }
}

}  // namespace pg2ch
