// What pg2ch knows of a source table: its columns as PostgreSQL describes them.
//
// Recorded at Setup (from the catalog tables) and matched by column name with every pgoutput
// Relation message (source/postgres/relation_mapping.h), so a schema change is noticed instead of
// silently mis-decoding rows. The recorded columns are the destination's: a column added during
// CDC is appended (and recorded again), a dropped one stays.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace pg2ch {

struct SourceColumn {
  std::string name;
  uint32_t type_oid = 0;
  int32_t typmod = -1;    // -1 when the type has no modifier (e.g. numeric without precision)
  std::string type_name;  // format_type(oid, typmod), for messages and the catalog
  bool nullable = true;
  bool is_key = false;  // part of the primary key / replica identity
  // Element type for one-dimensional arrays (0 when not an array).
  uint32_t element_oid = 0;
};

struct SourceTable {
  std::string schema;
  std::string name;
  uint32_t relid = 0;
  // In attnum order as read at Setup, dropped columns left out; columns added during CDC follow.
  std::vector<SourceColumn> columns;
  // Source columns the pipe leaves out (TableMapping::exclude), never in `columns`: CDC ignores a
  // stream column of one of these names instead of adding it, even one created after Setup.
  std::vector<std::string> excluded = {};

  std::string QualifiedName() const { return schema + "." + name; }
};

}  // namespace pg2ch
