// What a user should know about how a table replicates, said at create (API response) and at
// Setup (log): columns left out and changes pg2ch cannot see. Pure.
#pragma once

#include <string>
#include <vector>

#include "core/table_schema.h"

namespace pg2ch {

std::vector<std::string> TableNotices(const SourceTable& table);

}  // namespace pg2ch
