#include "pipe/destination_table_for.h"

#include <utility>

namespace pg2ch {

DestinationTable DestinationTableFor(const PipeConfig& config, SourceTable source,
                                     const std::string& target_table,
                                     std::vector<std::string> sorting_keys) {
  DestinationTable table;
  table.source = std::move(source);
  table.database = config.destination.database;
  table.table = target_table;
  table.delete_on_merge = config.delete_on_merge;
  table.sorting_keys = std::move(sorting_keys);
  table.native_json = config.native_json;
  return table;
}

}  // namespace pg2ch
