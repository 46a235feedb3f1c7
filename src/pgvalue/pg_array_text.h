// PostgreSQL's text form of an array (array_out) -> its shape and elements, still in text form.
// Pure, no I/O.
//
//   array   := [ bounds '=' ] '{' [ item { delim item } ] '}'
//   item    := array | element                     (nested braces: one more dimension)
//   element := 'NULL'                              (unquoted: SQL NULL)
//            | '"' { char | '\' char } '"'         (quoted: may contain delim { } " \ space; "NULL"
//                                                   is the four-letter string)
//            | { char | '\' char }                 (unquoted: no delimiter, brace, quote)
//   bounds  := { '[' lower ':' upper ']' }         (only when a lower bound is not 1)
// `delim` is the element type's typdelim: ',' for every type but box (';'). PostgreSQL arrays
// are rectangular; anything else is malformed. Explicit bounds are read past: ClickHouse arrays
// start at 1, so only the elements are kept (README).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pg2ch {

using PgArrayElements = std::vector<std::optional<std::string>>;  // nullopt = NULL

struct PgArray {
  std::vector<size_t> dims;  // length of each dimension, outermost first; empty for '{}'
  PgArrayElements elements;  // row-major
};

// Throws PipeError(kFatal) for malformed text.
PgArray ParsePgArrayText(std::string_view text, char delim = ',');

// The elements of a one-dimensional (or empty) array; PipeError(kFatal) for more dimensions.
PgArrayElements ParsePgArray(std::string_view text, char delim = ',');

}  // namespace pg2ch
