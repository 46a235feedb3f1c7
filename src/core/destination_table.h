// One table of a pipe as every part sees it: the recorded source table and where its rows go.
#pragma once

#include <string>
#include <vector>

#include "core/table_schema.h"

namespace pg2ch {

struct DestinationTable {
  SourceTable source;  // relid identifies the table in CDC
  std::string database;
  std::string table;
  bool delete_on_merge = false;  // see PipeConfig::delete_on_merge
  // ORDER BY these source columns first, then the key columns (sorting_key.h).
  std::vector<std::string> sorting_keys = {};
  bool native_json = false;  // see MappingOptions::native_json
};

}  // namespace pg2ch
