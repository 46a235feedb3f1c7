#include "common/sql_quote.h"

namespace pg2ch {
namespace {

std::string Doubled(std::string_view text, char quote) {
  std::string out(1, quote);
  for (char c : text) {
    if (c == quote) out += quote;
    out += c;
  }
  out += quote;
  return out;
}

std::string BackslashEscaped(std::string_view text, char quote) {
  std::string out(1, quote);
  for (char c : text) {
    if (c == quote || c == '\\') out += '\\';
    out += c;
  }
  out += quote;
  return out;
}

}  // namespace

std::string PgIdent(std::string_view name) { return Doubled(name, '"'); }
std::string PgLiteral(std::string_view text) { return Doubled(text, '\''); }
std::string ChIdent(std::string_view name) { return BackslashEscaped(name, '`'); }
std::string ChLiteral(std::string_view text) { return BackslashEscaped(text, '\''); }

}  // namespace pg2ch
