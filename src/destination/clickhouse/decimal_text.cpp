#include "destination/clickhouse/decimal_text.h"

#include <array>
#include <cstdint>

#include "common/error.h"

namespace pg2ch {
namespace {

// 256-bit magnitude, least significant limb first: 10^76 < 2^256, so 76 digits always fit.
using U256 = std::array<uint64_t, 4>;

void MulAdd(U256& value, uint32_t mul, uint32_t add) {
  unsigned __int128 carry = add;
  for (uint64_t& limb : value) {
    unsigned __int128 product = static_cast<unsigned __int128>(limb) * mul + carry;
    limb = static_cast<uint64_t>(product);
    carry = product >> 64;
  }
}

void Negate(U256& value) {
  uint64_t carry = 1;
  for (uint64_t& limb : value) {
    limb = ~limb + carry;
    carry = (carry && limb == 0) ? 1 : 0;
  }
}

// Divides in place, returns the remainder.
uint32_t DivMod(U256& value, uint32_t div) {
  unsigned __int128 rem = 0;
  for (int i = 3; i >= 0; --i) {
    unsigned __int128 cur = (rem << 64) | value[i];
    value[i] = static_cast<uint64_t>(cur / div);
    rem = cur % div;
  }
  return static_cast<uint32_t>(rem);
}

bool IsZero(const U256& value) { return (value[0] | value[1] | value[2] | value[3]) == 0; }

[[noreturn]] void Refuse(std::string_view text, int precision, int scale, const char* why) {
  ThrowFatal("numeric value '" + std::string(text) + "' cannot be stored in Decimal(" +
             std::to_string(precision) + ", " + std::to_string(scale) + "): " + why);
}

}  // namespace

int DecimalWidth(int precision) {
  if (precision <= 9) return 4;
  if (precision <= 18) return 8;
  if (precision <= 38) return 16;
  return 32;
}

void AppendDecimal(std::string_view text, int precision, int scale, std::string& out) {
  if (text == "NaN" || text == "Infinity" || text == "-Infinity") {
    Refuse(text, precision, scale, "ClickHouse decimals have no NaN or infinity");
  }
  size_t pos = 0;
  bool negative = false;
  if (pos < text.size() && (text[pos] == '-' || text[pos] == '+')) negative = text[pos++] == '-';
  size_t int_begin = pos;
  while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
  std::string_view int_digits = text.substr(int_begin, pos - int_begin);
  std::string_view frac_digits;
  if (pos < text.size() && text[pos] == '.') {
    size_t frac_begin = ++pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
    frac_digits = text.substr(frac_begin, pos - frac_begin);
  }
  if (pos != text.size() || (int_digits.empty() && frac_digits.empty())) {
    Refuse(text, precision, scale, "not a numeric value");
  }
  while (!int_digits.empty() && int_digits.front() == '0') int_digits.remove_prefix(1);
  if (static_cast<int>(int_digits.size()) > precision - scale) {
    Refuse(text, precision, scale, "too many integer digits");
  }
  for (size_t i = static_cast<size_t>(scale); i < frac_digits.size(); ++i) {
    if (frac_digits[i] != '0')
      Refuse(text, precision, scale, "more fractional digits than the scale");
  }
  const int width = DecimalWidth(precision);
  char bytes[32];
  if (int_digits.size() + static_cast<size_t>(scale) <= 18) {
    // Fast path, exact: at most 18 digits, so the scaled value fits an int64 (< 10^18 < 2^63);
    // sign-extended to the width. Most numerics take it; the 256-bit path below costs ~10x.
    uint64_t magnitude = 0;
    for (char c : int_digits) magnitude = magnitude * 10 + static_cast<uint64_t>(c - '0');
    for (int i = 0; i < scale; ++i) {
      uint64_t digit = i < static_cast<int>(frac_digits.size()) ? frac_digits[i] - '0' : 0;
      magnitude = magnitude * 10 + digit;
    }
    const uint64_t bits = negative ? ~magnitude + 1 : magnitude;  // two's complement
    const char fill = negative && magnitude != 0 ? '\xff' : '\0';
    for (int i = 0; i < width; ++i) bytes[i] = i < 8 ? static_cast<char>(bits >> (8 * i)) : fill;
    out.append(bytes, static_cast<size_t>(width));
    return;
  }
  U256 value{};
  for (char c : int_digits) MulAdd(value, 10, static_cast<uint32_t>(c - '0'));
  for (int i = 0; i < scale; ++i) {
    uint32_t digit = i < static_cast<int>(frac_digits.size()) ? frac_digits[i] - '0' : 0;
    MulAdd(value, 10, digit);
  }
  if (negative) Negate(value);
  for (int i = 0; i < width; ++i) bytes[i] = static_cast<char>(value[i / 8] >> (8 * (i % 8)));
  out.append(bytes, static_cast<size_t>(width));
}

std::string FormatDecimal(std::string_view bytes, int scale) {
  if (bytes.size() != 4 && bytes.size() != 8 && bytes.size() != 16 && bytes.size() != 32) {
    throw DecodeError("a Decimal has 4, 8, 16 or 32 bytes, not " + std::to_string(bytes.size()));
  }
  U256 value{};
  for (size_t i = 0; i < bytes.size(); ++i) {
    value[i / 8] |= static_cast<uint64_t>(static_cast<uint8_t>(bytes[i])) << (8 * (i % 8));
  }
  bool negative = (static_cast<uint8_t>(bytes.back()) & 0x80) != 0;
  if (negative) {
    for (size_t i = bytes.size(); i < 32; ++i) value[i / 8] |= uint64_t{0xff} << (8 * (i % 8));
    Negate(value);
  }
  std::string digits;
  while (!IsZero(value)) digits.insert(digits.begin(), static_cast<char>('0' + DivMod(value, 10)));
  if (static_cast<int>(digits.size()) <= scale) {
    digits.insert(0, static_cast<size_t>(scale) + 1 - digits.size(), '0');
  }
  if (scale > 0) digits.insert(digits.size() - static_cast<size_t>(scale), ".");
  return negative ? "-" + digits : digits;
}

}  // namespace pg2ch
