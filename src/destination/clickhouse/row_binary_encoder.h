// One cell in PostgreSQL's text form -> its ClickHouse RowBinary bytes, appended to a buffer.
//
// RowBinary (https://clickhouse.com/docs/interfaces/formats/RowBinary): values back to back, no
// separators; integers and floats little-endian; String = VarUInt length + bytes; Nullable = one
// byte (1 = NULL, then nothing; 0 = the value follows); Array = VarUInt count + elements; UUID =
// 16 bytes as two little-endian UInt64 halves (so bytes 0..7 reversed, then 8..15 reversed —
// verified against ClickHouse 18.16 with SELECT toString(u)); Date32 = Int32 days; DateTime64(6)
// = Int64 microseconds; Decimal = scaled integer (see decimal_text.h); Bool/UInt8 = one byte.
//
// Conversion failures (malformed text, a value that does not fit, NULL for a NOT NULL column, an
// unresolved unchanged-TOAST cell) throw PipeError(kFatal) naming the value; callers add the
// table and column. Nothing is ever rounded or replaced by a default.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

#include "core/change.h"
#include "destination/clickhouse/type_mapping.h"

namespace pg2ch {

// Appends `value` in RowBinary's byte order (little-endian). One append, not a push_back
// (capacity check) per byte: this runs for every number.
template <typename T>
void AppendLittleEndian(T value, std::string& out) {
  using U = std::make_unsigned_t<T>;
  U bits = static_cast<U>(value);
  char bytes[sizeof(T)];
  for (size_t i = 0; i < sizeof(T); ++i) bytes[i] = static_cast<char>(bits >> (8 * i));
  out.append(bytes, sizeof(T));
}

// Big-endian, for identities that must sort as their numbers do (keyless tables' copy ids).
inline void AppendBigEndian(uint64_t value, std::string& out) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(value >> shift));
}

void AppendVarUInt(uint64_t value, std::string& out);
void AppendUInt8(uint8_t value, std::string& out);
void AppendUInt64(uint64_t value, std::string& out);

// Appends `cell` for a column of `type`. A NULL array cell is written as [] (see type_mapping.h).
void EncodeCell(const ChType& type, const Cell& cell, std::string& out);
// Appends one non-NULL value from its text form.
void EncodeValue(const ChType& type, std::string_view text, std::string& out);
// The value of a column a delete row does not carry: NULL when nullable, else the type's zero
// (0, '', [], the zero UUID, 1970-01-01, the epoch).
void EncodeDefault(const ChType& type, std::string& out);

}  // namespace pg2ch
