// The ClickHouse side of a resync and of Setup: a database made sure of, and a table's twin
// (loaded beside it under another name) swapped into its place. Each step is safe to repeat
// after a crash at any point: SwapInTwin recognises a swap already done.
#pragma once

#include <cstdint>
#include <string>

#include "destination/clickhouse/http_client.h"

namespace pg2ch {

void EnsureDatabase(ClickHouseClient& ch, const std::string& database);
void DropTableIfExists(ClickHouseClient& ch, const std::string& database, const std::string& table);

// Puts `twin` in the place of `table` and drops the old data: EXCHANGE TABLES where the server
// has it, else one multi-table RENAME (through `<table>_resync_old`). Every row of the twin's
// load carries a version >= `min_version`, which tells a swapped pair from one still to swap.
// Returns false when there was nothing left to swap (the twin is gone: done before).
bool SwapInTwin(ClickHouseClient& ch, const std::string& database, const std::string& table,
                const std::string& twin, uint64_t min_version);

}  // namespace pg2ch
