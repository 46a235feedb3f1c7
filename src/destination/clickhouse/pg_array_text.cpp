#include "destination/clickhouse/pg_array_text.h"

#include "common/error.h"

namespace pg2ch {
namespace {

[[noreturn]] void Malformed(std::string_view text, const char* why) {
  ThrowFatal("cannot read array value '" + std::string(text.substr(0, 200)) + "': " + why);
}

}  // namespace

PgArrayElements ParsePgArray(std::string_view text) {
  if (!text.empty() && text.front() == '[') {
    Malformed(text, "arrays with explicit bounds are not supported");
  }
  if (text.size() < 2 || text.front() != '{' || text.back() != '}') {
    Malformed(text, "not an array");
  }
  PgArrayElements elements;
  size_t pos = 1;
  const size_t end = text.size() - 1;  // the closing brace
  if (pos == end) return elements;
  while (true) {
    if (pos >= end) Malformed(text, "missing element");
    std::string value;
    if (text[pos] == '{') Malformed(text, "multi-dimensional arrays are not supported");
    if (text[pos] == '"') {
      ++pos;
      while (true) {
        if (pos >= end) Malformed(text, "unterminated quoted element");
        char c = text[pos++];
        if (c == '"') break;
        if (c == '\\') {
          if (pos >= end) Malformed(text, "dangling backslash");
          c = text[pos++];
        }
        value += c;
      }
      elements.emplace_back(std::move(value));
    } else {
      bool escaped = false;
      while (pos < end && text[pos] != ',') {
        char c = text[pos++];
        if (c == '{' || c == '}' || c == '"') Malformed(text, "unexpected character");
        if (c == '\\') {
          if (pos >= end) Malformed(text, "dangling backslash");
          c = text[pos++];
          escaped = true;
        }
        value += c;
      }
      if (value.empty()) Malformed(text, "empty element");
      if (!escaped && value.size() == 4 && (value[0] | 0x20) == 'n' && (value[1] | 0x20) == 'u' &&
          (value[2] | 0x20) == 'l' && (value[3] | 0x20) == 'l') {
        elements.emplace_back(std::nullopt);
      } else {
        elements.emplace_back(std::move(value));
      }
    }
    if (pos == end) break;
    if (text[pos] != ',') Malformed(text, "expected ',' after an element");
    ++pos;
  }
  return elements;
}

}  // namespace pg2ch
