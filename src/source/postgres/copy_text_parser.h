// Parser for one line of PostgreSQL's COPY ... TO STDOUT text format. No I/O: bytes in, cells out.
//
// Format (https://www.postgresql.org/docs/current/sql-copy.html, "Text Format"):
//   field \t field \t ... field \n
// A field `\N` is NULL. Backslash escapes: \b \f \n \r \t \v \\ , \digits (1-3 octal),
// \xHH (1-2 hex); a backslash before any other character stands for that character.
// Each cell receives the value's text output form, exactly as pgoutput would send it.
#pragma once

#include <string_view>

#include "core/change.h"

namespace pg2ch {

// Parses `line` (with or without its trailing '\n') into `row`, reusing its cells' storage.
// Throws DecodeError when the number of fields differs from `expected_columns` or an escape is
// cut off.
void ParseCopyTextLine(std::string_view line, size_t expected_columns, Row& row);

}  // namespace pg2ch
