// The destination of one mapped source table, with the pipe's per-table choices (delete_on_merge,
// native_json, sorting keys) filled in one place for Setup, added tables and restarts alike.
#pragma once

#include <string>
#include <vector>

#include "core/table_schema.h"
#include "core/destination_table.h"
#include "pipe/pipe_config.h"

namespace pg2ch {

DestinationTable DestinationTableFor(const PipeConfig& config, SourceTable source,
                                     const std::string& target_table,
                                     std::vector<std::string> sorting_keys);

}  // namespace pg2ch
