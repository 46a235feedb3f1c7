// PostgreSQL's text form of a one-dimensional array -> its elements, still in text form.
//
// Grammar of array_out for the types pg2ch maps (all use ',' as delimiter):
//   array   := '{' [ element { ',' element } ] '}'
//   element := 'NULL'                              (unquoted: SQL NULL)
//            | '"' { char | '\' char } '"'         (quoted: may contain , { } " \ space; "NULL"
//                                                   is the four-letter string)
//            | { char | '\' char }                 (unquoted: no delimiter, brace, quote)
// Multi-dimensional arrays ("{{1,2},{3,4}}") and arrays with explicit bounds ("[0:1]={1,2}")
// have no ClickHouse counterpart among pg2ch's mappings and throw PipeError(kFatal).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pg2ch {

using PgArrayElements = std::vector<std::optional<std::string>>;  // nullopt = NULL

PgArrayElements ParsePgArray(std::string_view text);

}  // namespace pg2ch
