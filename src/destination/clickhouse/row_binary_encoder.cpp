#include "destination/clickhouse/row_binary_encoder.h"

#include <charconv>
#include <cstring>
#include <limits>

#include "common/error.h"
#include "destination/clickhouse/datetime_text.h"
#include "destination/clickhouse/decimal_text.h"
#include "destination/clickhouse/ewkb_text.h"
#include "pgvalue/pg_array_text.h"

namespace pg2ch {
namespace {

[[noreturn]] void Invalid(std::string_view text, const ChType& type) {
  ThrowFatal("cannot convert '" + std::string(text.substr(0, 200)) + "' to " + type.Sql());
}

template <typename T>
void AppendInteger(std::string_view text, const ChType& type, std::string& out) {
  T value{};
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) Invalid(text, type);
  AppendLittleEndian(value, out);
}

// PostgreSQL prints floats shortest-exact (extra_float_digits=3 on PG 12+) and spells the
// specials NaN / Infinity / -Infinity, all of which from_chars reads without rounding.
template <typename T>
void AppendFloat(std::string_view text, const ChType& type, std::string& out) {
  T value{};
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) Invalid(text, type);
  using Bits = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
  Bits bits;
  std::memcpy(&bits, &value, sizeof bits);
  AppendLittleEndian(bits, out);
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// bytea_output=hex: "\x" then two hex digits per byte.
void AppendBytea(std::string_view text, const ChType& type, std::string& out) {
  if (text.size() < 2 || text[0] != '\\' || text[1] != 'x' || text.size() % 2 != 0) {
    Invalid(text, type);
  }
  AppendVarUInt((text.size() - 2) / 2, out);
  for (size_t i = 2; i < text.size(); i += 2) {
    int hi = HexDigit(text[i]), lo = HexDigit(text[i + 1]);
    if (hi < 0 || lo < 0) Invalid(text, type);
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
}

void AppendUuid(std::string_view text, const ChType& type, std::string& out) {
  if (text.size() != 36) Invalid(text, type);
  uint8_t bytes[16];
  size_t n = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i] != '-') Invalid(text, type);
      continue;
    }
    int hi = HexDigit(text[i]), lo = i + 1 < text.size() ? HexDigit(text[i + 1]) : -1;
    if (hi < 0 || lo < 0) Invalid(text, type);
    bytes[n++] = static_cast<uint8_t>(hi * 16 + lo);
    ++i;
  }
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>(bytes[i]));
  for (int i = 15; i >= 8; --i) out.push_back(static_cast<char>(bytes[i]));
}

void AppendBool(std::string_view text, const ChType& type, std::string& out) {
  if (text == "t" || text == "true") {
    out.push_back(1);
  } else if (text == "f" || text == "false") {
    out.push_back(0);
  } else {
    Invalid(text, type);
  }
}

// One level of a (possibly nested) array: dims[level] items, each an element or a sub-array.
void AppendArrayLevel(const ChType& type, const PgArray& array, size_t level, size_t& next,
                      std::string_view text, std::string& out) {
  const ChType& element = type.element.at(0);
  size_t count = array.dims[level];
  AppendVarUInt(count, out);
  for (size_t i = 0; i < count; ++i) {
    if (level + 1 < array.dims.size()) {
      AppendArrayLevel(element, array, level + 1, next, text, out);
      continue;
    }
    const auto& value = array.elements[next++];
    if (value) {
      EncodeValue(element, *value, out);
    } else if (element.nullable) {
      out.push_back(1);
    } else {
      ThrowFatal("array '" + std::string(text.substr(0, 200)) + "' has a NULL element");
    }
  }
}

void AppendArray(const ChType& type, std::string_view text, std::string& out) {
  PgArray array = ParsePgArrayText(text, type.array_delim);
  if (array.elements.empty()) return AppendVarUInt(0, out);
  size_t depth = 0;
  for (const ChType* t = &type; t->kind == ChKind::kArray; t = &t->element.at(0)) ++depth;
  if (array.dims.size() != depth)
    ThrowFatal("array '" + std::string(text.substr(0, 200)) + "' has " +
               std::to_string(array.dims.size()) + " dimension(s); the column is " + type.Sql() +
               " (declare the column with its dimensions, e.g. int[][], and resync)");
  size_t next = 0;
  AppendArrayLevel(type, array, 0, next, text, out);
}

// money prints in the server's lc_monetary: a currency symbol, digit group separators, the
// decimal point and exactly `scale` fraction digits, and a sign ('-' or parentheses). Its digits,
// in order, are the stored integer, whatever the locale: that integer, scaled, is the value.
void AppendMoney(std::string_view text, const ChType& type, std::string& out) {
  std::string digits;
  bool negative = false;
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      digits += c;
    } else if (c == '-' || c == '(') {
      negative = true;
    }
  }
  if (digits.empty()) Invalid(text, type);
  auto scale = static_cast<size_t>(type.scale);
  if (digits.size() <= scale) digits.insert(0, scale + 1 - digits.size(), '0');
  std::string plain = negative ? "-" : "";
  plain += digits.substr(0, digits.size() - scale);
  if (scale > 0) plain += "." + digits.substr(digits.size() - scale);
  AppendDecimal(plain, type.precision, type.scale, out);
}

// hstore_out: `"key"=>"value"` or `"key"=>NULL`, separated by ", "; keys and values quoted, with
// '"' and the backslash escaped by a backslash.
void AppendHstore(std::string_view text, const ChType& type, std::string& out) {
  size_t pos = 0;
  auto quoted = [&](std::string& value) {
    if (pos >= text.size() || text[pos] != '"') Invalid(text, type);
    ++pos;
    while (true) {
      if (pos >= text.size()) Invalid(text, type);
      char c = text[pos++];
      if (c == '"') return;
      if (c == '\\') {
        if (pos >= text.size()) Invalid(text, type);
        c = text[pos++];
      }
      value += c;
    }
  };
  std::string pairs;
  uint64_t count = 0;
  while (pos < text.size()) {
    if (count > 0) {
      if (text.substr(pos, 2) != ", ") Invalid(text, type);
      pos += 2;
    }
    std::string key;
    quoted(key);
    if (text.substr(pos, 2) != "=>") Invalid(text, type);
    pos += 2;
    AppendVarUInt(key.size(), pairs);
    pairs += key;
    if (text.substr(pos, 4) == "NULL") {
      pos += 4;
      pairs.push_back(1);
    } else {
      std::string value;
      quoted(value);
      pairs.push_back(0);
      AppendVarUInt(value.size(), pairs);
      pairs += value;
    }
    ++count;
  }
  AppendVarUInt(count, out);
  out += pairs;
}

// ClickHouse's JSON holds objects only; json's text may start with white space, jsonb's not.
void CheckJsonObject(std::string_view text) {
  size_t start = text.find_first_not_of(" \t\n\r");
  if (start != std::string_view::npos && text[start] == '{') return;
  std::string_view shown = text.substr(0, 40);
  ThrowFatal("a JSON value that is not an object (" + std::string(shown) +
             (shown.size() < text.size() ? "..." : "") +
             "): ClickHouse's JSON type holds objects only; replicate this column as String "
             "(native_json off) to keep every value");
}

}  // namespace

void AppendVarUInt(uint64_t value, std::string& out) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>(value | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

void AppendUInt8(uint8_t value, std::string& out) { out.push_back(static_cast<char>(value)); }

void AppendUInt64(uint64_t value, std::string& out) { AppendLittleEndian(value, out); }

void EncodeValue(const ChType& type, std::string_view text, std::string& out) {
  if (type.nullable) out.push_back(0);
  switch (type.kind) {
    case ChKind::kBool:
    case ChKind::kUInt8:
      return AppendBool(text, type, out);
    case ChKind::kInt16:
      return AppendInteger<int16_t>(text, type, out);
    case ChKind::kInt32:
      return AppendInteger<int32_t>(text, type, out);
    case ChKind::kInt64:
      return AppendInteger<int64_t>(text, type, out);
    case ChKind::kFloat32:
      return AppendFloat<float>(text, type, out);
    case ChKind::kFloat64:
      return AppendFloat<double>(text, type, out);
    case ChKind::kDecimal:
      return AppendDecimal(text, type.precision, type.scale, out);
    case ChKind::kString:
      AppendVarUInt(text.size(), out);
      out.append(text);
      return;
    case ChKind::kBytes:
      return AppendBytea(text, type, out);
    case ChKind::kUuid:
      return AppendUuid(text, type, out);
    case ChKind::kDate32:
      return AppendLittleEndian(PgDateToDays(text), out);
    case ChKind::kDateTime64:
      return AppendLittleEndian(PgTimestampToMicros(text), out);
    case ChKind::kArray:
      return AppendArray(type, text, out);
    case ChKind::kMoney:
      return AppendMoney(text, type, out);
    case ChKind::kMap:
      return AppendHstore(text, type, out);
    case ChKind::kEwkt: {
      std::string ewkt = EwkbHexToEwkt(text);
      AppendVarUInt(ewkt.size(), out);
      out += ewkt;
      return;
    }
    case ChKind::kJson:
      CheckJsonObject(text);
      AppendVarUInt(text.size(), out);
      out.append(text);
      return;
  }
  ThrowFatal("unknown ClickHouse type kind " + std::to_string(static_cast<int>(type.kind)));
}

void EncodeCell(const ChType& type, const Cell& cell, std::string& out) {
  switch (cell.kind) {
    case CellKind::kText:
      return EncodeValue(type, cell.text, out);
    case CellKind::kNull:
      if (type.nullable) return out.push_back(1);
      if (type.kind == ChKind::kArray || type.kind == ChKind::kMap)
        return AppendVarUInt(0, out);  // see type_mapping.h
      ThrowFatal("NULL for a column of type " + type.Sql());
    case CellKind::kUnchangedToast:
      // The sink resolves these before encoding; reaching here is a bug, not data.
      ThrowFatal("internal error: an unchanged TOAST value reached the encoder unresolved");
  }
  ThrowFatal("internal error: unknown cell kind");
}

void EncodeDefault(const ChType& type, std::string& out) {
  if (type.nullable) return out.push_back(1);
  size_t zero_bytes = 0;
  switch (type.kind) {
    case ChKind::kBool:
    case ChKind::kUInt8:
      zero_bytes = 1;
      break;
    case ChKind::kInt16:
      zero_bytes = 2;
      break;
    case ChKind::kInt32:
    case ChKind::kFloat32:
    case ChKind::kDate32:
      zero_bytes = 4;
      break;
    case ChKind::kInt64:
    case ChKind::kFloat64:
    case ChKind::kDateTime64:
      zero_bytes = 8;
      break;
    case ChKind::kDecimal:
    case ChKind::kMoney:
      zero_bytes = static_cast<size_t>(DecimalWidth(type.precision));
      break;
    case ChKind::kUuid:
      zero_bytes = 16;
      break;
    case ChKind::kString:
    case ChKind::kBytes:
    case ChKind::kArray:
    case ChKind::kMap:
    case ChKind::kEwkt:
      zero_bytes = 1;
      break;  // length 0: empty string / array / map
    case ChKind::kJson:
      out.append("\x02{}", 3);  // JSON is sent as text: the empty object
      return;
  }
  if (zero_bytes == 0) {
    ThrowFatal("unknown ClickHouse type kind " + std::to_string(static_cast<int>(type.kind)));
  }
  out.append(zero_bytes, '\0');
}

}  // namespace pg2ch
