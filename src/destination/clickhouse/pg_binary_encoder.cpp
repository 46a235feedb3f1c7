#include "destination/clickhouse/pg_binary_encoder.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "common/error.h"
#include "destination/clickhouse/datetime_text.h"
#include "destination/clickhouse/decimal_text.h"
#include "destination/clickhouse/row_binary_encoder.h"
#include "pgvalue/numeric_binary.h"
#include "pgvalue/pg_datetime.h"

namespace pg2ch {
namespace {

constexpr int64_t kEpochShiftMicros = kPgEpochShiftDays * kMicrosPerDay;

template <typename T>
T ReadBigEndian(const BinaryField& field) {
  using U = std::make_unsigned_t<T>;
  U bits = 0;
  for (size_t i = 0; i < sizeof(T); ++i) bits = static_cast<U>(bits << 8 | field.data[i]);
  return static_cast<T>(bits);
}

void ExpectSize(const BinaryField& field, int32_t size, const ChType& type) {
  if (field.size != size)
    ThrowFatal("binary value of " + std::to_string(field.size) + " bytes for " + type.Sql() +
               ", expected " + std::to_string(size));
}

// Fixed-width integers and the bits of floats: a byte swap.
template <typename T>
void AppendSwapped(const BinaryField& field, const ChType& type, std::string& out) {
  ExpectSize(field, sizeof(T), type);
  AppendLittleEndian(ReadBigEndian<T>(field), out);
}

// The text path reads PostgreSQL's "NaN" with from_chars, which yields the default quiet NaN
// whatever sign or payload the stored NaN had; write that one so both paths agree bit for bit.
template <typename F, typename Bits>
void AppendFloat(const BinaryField& field, const ChType& type, std::string& out) {
  ExpectSize(field, sizeof(Bits), type);
  Bits bits = ReadBigEndian<Bits>(field);
  F value;
  std::memcpy(&value, &bits, sizeof bits);
  if (std::isnan(value)) {
    value = std::numeric_limits<F>::quiet_NaN();
    std::memcpy(&bits, &value, sizeof bits);
  }
  AppendLittleEndian(bits, out);
}

// Reused per thread: the text forms below are printed once per value of every row.
std::string& Scratch() {
  thread_local std::string text;
  text.clear();
  return text;
}

// A String column's RowBinary: the length, then the text `print` appends.
template <typename Print>
void AppendAsString(std::string& out, Print&& print) {
  std::string& text = Scratch();
  print(text);
  AppendVarUInt(text.size(), out);
  out += text;
}

}  // namespace

BinaryConversion BinaryConversionFor(const SourceColumn& column, const ChType& type) {
  if (column.element_oid != 0 || !HasBinaryCopyForm(column.ValueOid()))
    return BinaryConversion::kText;
  auto when = [&](bool exact, BinaryConversion conversion) {
    return exact ? conversion : BinaryConversion::kNone;
  };
  switch (column.ValueOid()) {
    case pg_oid::kBool:
      return when(type.kind == ChKind::kBool || type.kind == ChKind::kUInt8,
                  BinaryConversion::kBool);
    case pg_oid::kInt2:
      return when(type.kind == ChKind::kInt16, BinaryConversion::kInt16);
    case pg_oid::kInt4:
      return when(type.kind == ChKind::kInt32, BinaryConversion::kInt32);
    case pg_oid::kInt8:
      return when(type.kind == ChKind::kInt64, BinaryConversion::kInt64);
    case pg_oid::kFloat4:
      return when(type.kind == ChKind::kFloat32, BinaryConversion::kFloat32);
    case pg_oid::kFloat8:
      return when(type.kind == ChKind::kFloat64, BinaryConversion::kFloat64);
    // json's send form is its text too, but jsonb's carries a version byte: both stay on text.
    case pg_oid::kText:
    case pg_oid::kVarchar:
    case pg_oid::kBpchar:
      return when(type.kind == ChKind::kString, BinaryConversion::kBytes);
    case pg_oid::kBytea:
      return when(type.kind == ChKind::kBytes, BinaryConversion::kBytes);
    case pg_oid::kUuid:
      return when(type.kind == ChKind::kUuid, BinaryConversion::kUuid);
    case pg_oid::kDate:
      if (type.kind == ChKind::kString) return BinaryConversion::kDateText;
      return when(type.kind == ChKind::kDate32, BinaryConversion::kDate);
    case pg_oid::kTimestamp:
    case pg_oid::kTimestamptz:
      if (type.kind == ChKind::kString)
        return column.ValueOid() == pg_oid::kTimestamptz ? BinaryConversion::kTimestamptzText
                                                         : BinaryConversion::kTimestampText;
      return when(type.kind == ChKind::kDateTime64, BinaryConversion::kTimestamp);
    case pg_oid::kNumeric:
      return when(type.kind == ChKind::kDecimal || type.kind == ChKind::kString,
                  BinaryConversion::kNumeric);
    default:
      return BinaryConversion::kNone;
  }
}

void EncodeBinaryField(BinaryConversion conversion, const ChType& type, BinaryField field,
                       std::string& out) {
  if (conversion == BinaryConversion::kText) {
    if (field.null()) return EncodeCell(type, Cell::Null(), out);
    return EncodeValue(type,
                       std::string_view(reinterpret_cast<const char*>(field.data),
                                        static_cast<size_t>(field.size)),
                       out);
  }
  if (field.null()) {
    if (!type.nullable) ThrowFatal("NULL for a column of type " + type.Sql());
    return out.push_back(1);
  }
  if (type.nullable) out.push_back(0);
  switch (conversion) {
    case BinaryConversion::kBool:
      ExpectSize(field, 1, type);
      if (field.data[0] > 1) ThrowFatal("binary bool " + std::to_string(field.data[0]));
      return out.push_back(static_cast<char>(field.data[0]));
    case BinaryConversion::kInt16:
      return AppendSwapped<int16_t>(field, type, out);
    case BinaryConversion::kInt32:
      return AppendSwapped<int32_t>(field, type, out);
    case BinaryConversion::kInt64:
      return AppendSwapped<int64_t>(field, type, out);
    case BinaryConversion::kFloat32:
      return AppendFloat<float, uint32_t>(field, type, out);
    case BinaryConversion::kFloat64:
      return AppendFloat<double, uint64_t>(field, type, out);
    case BinaryConversion::kBytes:
      AppendVarUInt(static_cast<uint64_t>(field.size), out);
      out.append(reinterpret_cast<const char*>(field.data), static_cast<size_t>(field.size));
      return;
    case BinaryConversion::kUuid:
      // As the text path: bytes 0..7 reversed, then 8..15 reversed (row_binary_encoder.h).
      ExpectSize(field, 16, type);
      for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>(field.data[i]));
      for (int i = 15; i >= 8; --i) out.push_back(static_cast<char>(field.data[i]));
      return;
    case BinaryConversion::kDate: {
      // ±infinity are INT32_MAX / INT32_MIN: clamped to the ends, as the text path does.
      ExpectSize(field, 4, type);
      int64_t days = int64_t{ReadBigEndian<int32_t>(field)} + kPgEpochShiftDays;
      return AppendLittleEndian(static_cast<int32_t>(std::clamp<int64_t>(days, kMinDays, kMaxDays)),
                                out);
    }
    case BinaryConversion::kTimestamp: {
      // Clamp before shifting the epoch: ±infinity (INT64_MAX / INT64_MIN) would overflow.
      ExpectSize(field, 8, type);
      int64_t pg = ReadBigEndian<int64_t>(field);
      int64_t micros =
          std::clamp(pg, kMinMicros - kEpochShiftMicros, kMaxMicros - kEpochShiftMicros) +
          kEpochShiftMicros;
      return AppendLittleEndian(micros, out);
    }
    case BinaryConversion::kDateText:
      ExpectSize(field, 4, type);
      return AppendAsString(
          out, [&](std::string& text) { AppendPgDateText(ReadBigEndian<int32_t>(field), text); });
    case BinaryConversion::kTimestampText:
    case BinaryConversion::kTimestamptzText:
      ExpectSize(field, 8, type);
      return AppendAsString(out, [&](std::string& text) {
        AppendPgTimestampText(ReadBigEndian<int64_t>(field),
                              conversion == BinaryConversion::kTimestamptzText, text);
      });
    case BinaryConversion::kNumeric: {
      // PostgreSQL's text form costs it more than the binary one costs us: through the text
      // path's parser, the same bytes and the same refusals as a text COPY.
      if (type.kind != ChKind::kDecimal)
        return AppendAsString(out, [&](std::string& text) { AppendNumericText(field, text); });
      // Decimal32 / Decimal64 straight from the digits in the common case: at most P digits is
      // exactly the text parser's integer-digits limit, so the bytes are the same.
      if (std::optional<int64_t> scaled = NumericScaledInteger(field, type.precision, type.scale)) {
        if (type.precision <= 9) return AppendLittleEndian(static_cast<int32_t>(*scaled), out);
        return AppendLittleEndian(*scaled, out);
      }
      std::string& text = Scratch();
      AppendNumericText(field, text);
      return AppendDecimal(text, type.precision, type.scale, out);
    }
    case BinaryConversion::kNone:
    case BinaryConversion::kText:
      break;
  }
  ThrowFatal("internal error: no binary conversion for " + type.Sql());
}

}  // namespace pg2ch
