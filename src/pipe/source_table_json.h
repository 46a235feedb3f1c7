// SourceTable <-> JSON, for recording table definitions in the catalog at Setup.
#pragma once

#include <string>

#include "core/table_schema.h"

namespace pg2ch {

std::string SourceTableToJson(const SourceTable& table);
SourceTable SourceTableFromJson(const std::string& json_text);

}  // namespace pg2ch
