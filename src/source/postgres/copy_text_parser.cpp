#include "source/postgres/copy_text_parser.h"

#include <cstring>

#include "common/error.h"

namespace pg2ch {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Unescapes field bytes [p, end) into out. Runs without a backslash (most values) are copied
// whole: this loop is the initial load's hottest path.
void Unescape(const char* p, const char* end, std::string& out) {
  out.clear();
  while (p < end) {
    const void* found = std::memchr(p, '\\', static_cast<size_t>(end - p));
    const char* backslash = found ? static_cast<const char*>(found) : end;
    out.append(p, backslash);
    p = backslash;
    if (p == end) break;
    ++p;  // the backslash
    if (p == end) throw DecodeError("COPY text: backslash at the end of a field");
    char e = *p++;
    switch (e) {
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'v': out += '\v'; break;
      case 'x': {
        int v = 0, digits = 0;
        while (digits < 2 && p < end && HexValue(*p) >= 0) v = v * 16 + HexValue(*p++), ++digits;
        if (digits == 0) {
          out += 'x';  // "\x" without hex digits is a literal x, as PostgreSQL reads it
        } else {
          out += static_cast<char>(v);
        }
        break;
      }
      default:
        if (e >= '0' && e <= '7') {
          int v = e - '0', digits = 1;
          while (digits < 3 && p < end && *p >= '0' && *p <= '7') v = v * 8 + (*p++ - '0'), ++digits;
          out += static_cast<char>(v);
        } else {
          out += e;
        }
    }
  }
}

}  // namespace

void ParseCopyTextLine(std::string_view line, size_t expected_columns, Row& row) {
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  row.resize(expected_columns);
  size_t column = 0;
  const char* p = line.data();
  const char* end = p + line.size();
  while (true) {
    // Tabs and newlines inside values are always escaped, so a raw tab ends the field.
    const void* tab = std::memchr(p, '\t', static_cast<size_t>(end - p));
    const char* field_end = tab ? static_cast<const char*>(tab) : end;
    if (column >= expected_columns)
      throw DecodeError("COPY text: more than " + std::to_string(expected_columns) + " fields");
    Cell& cell = row[column++];
    if (field_end - p == 2 && p[0] == '\\' && p[1] == 'N') {
      cell.kind = CellKind::kNull;
      cell.text.clear();
    } else {
      cell.kind = CellKind::kText;
      Unescape(p, field_end, cell.text);
    }
    if (field_end == end) break;
    p = field_end + 1;
  }
  if (column != expected_columns)
    throw DecodeError("COPY text: " + std::to_string(column) + " fields, expected " +
                      std::to_string(expected_columns));
}

}  // namespace pg2ch
