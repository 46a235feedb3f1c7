// PostgreSQL numeric in its binary send format -> the exact text numeric_out prints for it, so a
// binary COPY of numeric feeds the same text parsers (and gives the same bytes) as a text COPY,
// while PostgreSQL skips its costly text conversion.
//
// Send format (numeric_send), all big-endian:
//   Int16 ndigits | Int16 weight | UInt16 sign | Int16 dscale | ndigits x Int16 digit (0..9999)
// value = sum(digit[i] * 10000^(weight - i)); sign 0x0000 +, 0x4000 -, 0xC000 NaN,
// 0xD000 Infinity, 0xF000 -Infinity; dscale = fractional decimal digits displayed.
// Malformed input (wrong size, digit > 9999, unknown sign, negative dscale) throws DecodeError.
// No I/O, no state: safe from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/binary_field.h"

namespace pg2ch {

// Appends the text of a non-NULL numeric `field` to `out`.
void AppendNumericText(BinaryField field, std::string& out);

// The common case without text: the value times 10^scale, when the digits numeric_out would
// print all fit in `scale` fractional digits and the result has at most `precision` <= 18 digits
// (what Decimal(precision, scale) holds; digits numeric_out would not print are left out, as it
// does). nullopt for anything else, NaN and infinities included: the caller then goes through
// the text, which decides exactly.
std::optional<int64_t> NumericScaledInteger(BinaryField field, int precision, int scale);

}  // namespace pg2ch
