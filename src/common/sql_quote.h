// Quoting for SQL we send to PostgreSQL and ClickHouse. Every identifier and literal that pg2ch
// puts into SQL goes through one of these; none is ever pasted in raw.
#pragma once

#include <string>
#include <string_view>

namespace pg2ch {

// PostgreSQL: "name" with embedded quotes doubled.
std::string PgIdent(std::string_view name);
// PostgreSQL: 'text' with embedded quotes doubled (standard_conforming_strings is forced on).
std::string PgLiteral(std::string_view text);
// ClickHouse: `name` with backslash and backquote escaped.
std::string ChIdent(std::string_view name);
// ClickHouse: 'text' with backslash and quote escaped.
std::string ChLiteral(std::string_view text);

}  // namespace pg2ch
