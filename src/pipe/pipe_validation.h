// Up-front validation of a new pipe against the real servers, so a user hears every problem at
// once, before anything is created: source connection, wal_level, each table (exists, has a
// key, every column type mapped), destination connection, replication slot room and name.
#pragma once

#include <string>
#include <vector>

#include "pipe/pipe_config.h"

namespace pg2ch {

// Returns the problems found (empty: the pipe can be created). Never throws for a problem with
// the servers or tables; those are what it reports.
// `notices` (optional) receives what the user should know of the tables (table_notices.h).
std::vector<std::string> ValidatePipe(const PipeConfig& config,
                                      std::vector<std::string>* notices = nullptr);

// The same checks for tables to add to an existing pipe; a publication pg2ch did not create must
// include them already.
std::vector<std::string> ValidateAddedTables(const PipeConfig& config,
                                             const std::vector<TableMapping>& added,
                                             bool publication_owned);

}  // namespace pg2ch
