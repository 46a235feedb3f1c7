#include "insert_split.h"

#include <cctype>

namespace pg2ch::chdb_front {
namespace {

bool IsWordStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsWordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

std::string Upper(std::string_view word) {
  std::string out(word);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// Past the quoted token that starts at `i` ('string', `identifier` or "identifier"): backslash
// escapes and doubled quotes stay inside.
size_t SkipQuoted(std::string_view s, size_t i) {
  const char quote = s[i++];
  while (i < s.size()) {
    if (s[i] == '\\') {
      i += 2;
    } else if (s[i] != quote) {
      ++i;
    } else if (i + 1 < s.size() && s[i + 1] == quote) {
      i += 2;
    } else {
      return i + 1;
    }
  }
  return s.size();
}

// Past whitespace and comments (-- to the end of the line, /* ... */).
size_t SkipBlank(std::string_view s, size_t i) {
  while (i < s.size()) {
    if (std::isspace(static_cast<unsigned char>(s[i]))) {
      ++i;
    } else if (s.substr(i, 2) == "--") {
      size_t eol = s.find('\n', i);
      i = eol == std::string_view::npos ? s.size() : eol + 1;
    } else if (s.substr(i, 2) == "/*") {
      size_t close = s.find("*/", i + 2);
      i = close == std::string_view::npos ? s.size() : close + 2;
    } else {
      break;
    }
  }
  return i;
}

std::string_view WordAt(std::string_view s, size_t i) {
  if (i >= s.size() || !IsWordStart(s[i])) return {};
  size_t end = i;
  while (end < s.size() && IsWordChar(s[end])) ++end;
  return s.substr(i, end - i);
}

}  // namespace

std::optional<InsertWithData> SplitInsert(std::string_view sql) {
  size_t i = SkipBlank(sql, 0);
  if (Upper(WordAt(sql, i)) != "INSERT") return std::nullopt;
  int depth = 0;
  while ((i = SkipBlank(sql, i)) < sql.size()) {
    const char c = sql[i];
    if (c == '\'' || c == '"' || c == '`') {
      i = SkipQuoted(sql, i);
      continue;
    }
    if (c == '(' || c == ')') {
      depth += c == '(' ? 1 : -1;
      ++i;
      continue;
    }
    std::string_view word = WordAt(sql, i);
    if (word.empty()) {
      ++i;
      continue;
    }
    const size_t word_start = i;
    i += word.size();
    if (depth != 0) continue;  // column lists, table function arguments
    std::string keyword = Upper(word);
    // Data as SQL (VALUES), from a query or a file: nothing to split.
    if (keyword == "VALUES" || keyword == "SELECT" || keyword == "WITH" || keyword == "WATCH" ||
        keyword == "FROM") {
      return std::nullopt;
    }
    if (keyword != "FORMAT") continue;

    InsertWithData out;
    out.head = sql.substr(0, word_start);
    const size_t name = SkipBlank(sql, i);
    out.format = WordAt(sql, name);
    if (out.format.empty()) return std::nullopt;  // the engine reports the syntax error
    size_t data = name + out.format.size();
    if (Upper(WordAt(sql, SkipBlank(sql, data))) == "SETTINGS") {
      out.unsupported = "SETTINGS after FORMAT in an INSERT (put them in the URL)";
    }
    if (data < sql.size() && sql[data] == ';') {
      out.unsupported = "';' right after the format name (ClickHouse refuses it too)";
    }
    while (data < sql.size() && (sql[data] == ' ' || sql[data] == '\t' || sql[data] == '\f')) {
      ++data;
    }
    if (data < sql.size() && sql[data] == '\r') ++data;
    if (data < sql.size() && sql[data] == '\n') ++data;
    out.data = sql.substr(data);
    return out;
  }
  return std::nullopt;
}

}  // namespace pg2ch::chdb_front
