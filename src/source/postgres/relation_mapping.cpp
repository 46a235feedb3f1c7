#include "source/postgres/relation_mapping.h"

#include <algorithm>
#include <string>
#include <unordered_map>

#include "common/error.h"

namespace pg2ch {
namespace {

std::string TypeText(const std::string& type_name, uint32_t oid, int32_t typmod) {
  if (!type_name.empty()) return type_name;
  // Columns known only from a Relation message until the CDC phase resolves their names.
  return "type oid " + std::to_string(oid) +
         (typmod == -1 ? "" : " typmod " + std::to_string(typmod));
}

}  // namespace

RelationMapping::RelationMapping(std::vector<size_t> to_recorded, size_t recorded_width)
    : to_recorded_(std::move(to_recorded)), recorded_width_(recorded_width) {
  identity_ = to_recorded_.size() == recorded_width_;
  for (size_t i = 0; identity_ && i < to_recorded_.size(); ++i) identity_ = to_recorded_[i] == i;
}

Row RelationMapping::Rebuild(Row&& row) const {
  Row out(recorded_width_);  // every cell starts NULL
  for (size_t i = 0; i < row.size() && i < to_recorded_.size(); ++i)
    if (to_recorded_[i] != kIgnored) out[to_recorded_[i]] = std::move(row[i]);
  return out;
}

RelationMatch MatchRelation(const SourceTable& recorded, const pgoutput::Relation& relation) {
  const std::string table = recorded.QualifiedName();
  std::unordered_map<std::string, size_t> by_name;
  for (size_t i = 0; i < recorded.columns.size(); ++i) by_name.emplace(recorded.columns[i].name, i);

  RelationMatch match;
  std::vector<bool> seen(recorded.columns.size(), false);
  std::vector<size_t> to_recorded;
  for (const pgoutput::RelationColumn& now : relation.columns) {
    if (std::find(recorded.excluded.begin(), recorded.excluded.end(), now.name) !=
        recorded.excluded.end()) {
      to_recorded.push_back(RelationMapping::kIgnored);
      continue;
    }
    auto it = by_name.find(now.name);
    if (it == by_name.end()) {
      to_recorded.push_back(recorded.columns.size() + match.added.size());
      SourceColumn column;
      column.name = now.name;
      column.type_oid = now.type_oid;
      column.typmod = now.typmod;
      column.nullable = true;
      column.is_key = false;
      match.added.push_back(std::move(column));
      continue;
    }
    const SourceColumn& was = recorded.columns[it->second];
    if (was.type_oid != now.type_oid || was.typmod != now.typmod)
      ThrowFatal("source table " + table + " column \"" + was.name + "\" changed type from " +
                 TypeText(was.type_name, was.type_oid, was.typmod) + " to " +
                 TypeText("", now.type_oid, now.typmod) +
                 "; pg2ch cannot change the type of a ClickHouse column: resync the pipe");
    seen[it->second] = true;
    to_recorded.push_back(it->second);
  }
  for (size_t i = 0; i < recorded.columns.size(); ++i) {
    if (seen[i]) continue;
    const SourceColumn& gone = recorded.columns[i];
    if (gone.is_key || !gone.nullable)
      ThrowFatal("source table " + table + " column \"" + gone.name + "\" (" +
                 (gone.is_key ? "a key column" : "NOT NULL") +
                 ") is no longer replicated (dropped or renamed); pg2ch cannot write NULL "
                 "into it in ClickHouse: resync the pipe");
    match.absent.push_back(i);
  }
  match.mapping =
      RelationMapping(std::move(to_recorded), recorded.columns.size() + match.added.size());
  return match;
}

}  // namespace pg2ch
