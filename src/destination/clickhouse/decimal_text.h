// PostgreSQL numeric text -> ClickHouse Decimal's RowBinary form, exactly or not at all.
//
// Decimal(P, S) is stored as the integer value * 10^S in two's complement, little-endian, in
// 4 / 8 / 16 / 32 bytes for P <= 9 / 18 / 38 / 76. A value that would need rounding (a non-zero
// digit beyond S) or more than P - S integer digits, and numeric's NaN / Infinity, are refused
// with PipeError(kFatal): pg2ch never writes a value different from the source.
#pragma once

#include <string>
#include <string_view>

namespace pg2ch {

// Bytes of Decimal(precision, _) in RowBinary.
int DecimalWidth(int precision);
// Appends DecimalWidth(precision) bytes. `text` is numeric's output form: [-]digits[.digits].
void AppendDecimal(std::string_view text, int precision, int scale, std::string& out);
// Inverse, for messages and lookups: the value as text with exactly `scale` fractional digits.
std::string FormatDecimal(std::string_view bytes, int scale);

}  // namespace pg2ch
