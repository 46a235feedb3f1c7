#include "pgvalue/numeric_binary.h"

#include "common/error.h"

namespace pg2ch {
namespace {

constexpr int kDecDigits = 4;  // decimal digits per base-10000 digit
constexpr uint16_t kPositive = 0x0000;
constexpr uint16_t kNegative = 0x4000;
constexpr uint16_t kNaN = 0xC000;
constexpr uint16_t kPlusInfinity = 0xD000;
constexpr uint16_t kMinusInfinity = 0xF000;

uint16_t Word(const BinaryField& field, int index) {
  const uint8_t* p = field.data + 2 * index;
  return static_cast<uint16_t>(p[0] << 8 | p[1]);
}

[[noreturn]] void Malformed(const std::string& why) { throw DecodeError("binary numeric: " + why); }

struct Header {
  int ndigits;
  int weight;
  uint16_t sign;
  int dscale;
};

Header ReadHeader(const BinaryField& field) {
  if (field.size < 8) Malformed(std::to_string(field.size) + " bytes, less than its header");
  Header h{static_cast<int16_t>(Word(field, 0)), static_cast<int16_t>(Word(field, 1)),
           Word(field, 2), static_cast<int16_t>(Word(field, 3))};
  if (h.ndigits < 0 || field.size != 8 + 2 * h.ndigits)
    Malformed(std::to_string(h.ndigits) + " digits in " + std::to_string(field.size) + " bytes");
  if (h.sign != kPositive && h.sign != kNegative && h.sign != kNaN && h.sign != kPlusInfinity &&
      h.sign != kMinusInfinity)
    Malformed("sign word " + std::to_string(h.sign));
  if (h.dscale < 0) Malformed("display scale " + std::to_string(h.dscale));
  return h;
}

// Base-10000 digit `i` (0 outside the stored ones, as numeric_out reads them).
int Digit(const BinaryField& field, const Header& h, int i) {
  if (i < 0 || i >= h.ndigits) return 0;
  int d = Word(field, 4 + i);
  if (d > 9999) Malformed("digit " + std::to_string(d));
  return d;
}

constexpr uint64_t kPow10[] = {1,
                               10,
                               100,
                               1000,
                               10000,
                               100000,
                               1000000,
                               10000000,
                               100000000,
                               1000000000,
                               10000000000,
                               100000000000,
                               1000000000000,
                               10000000000000,
                               100000000000000,
                               1000000000000000,
                               10000000000000000,
                               100000000000000000,
                               1000000000000000000};

}  // namespace

std::optional<int64_t> NumericScaledInteger(BinaryField field, int precision, int scale) {
  const Header h = ReadHeader(field);
  if (h.sign != kPositive && h.sign != kNegative) return std::nullopt;
  // weight <= 3: the integer part has at most 16 digits; dscale <= scale: no displayed digit is
  // cut. Anything else goes the text way, which decides exactly.
  if (h.weight > 3 || h.dscale > scale || scale < 0 || precision > 18) return std::nullopt;
  uint64_t integer = 0;
  for (int d = 0; d <= h.weight; ++d) integer = integer * 10000 + Digit(field, h, d);
  // The first dscale fractional digits, as numeric_out prints them, then padded to `scale`.
  const int groups = (h.dscale + kDecDigits - 1) / kDecDigits;
  uint64_t fraction = 0;
  for (int g = 0; g < groups; ++g) fraction = fraction * 10000 + Digit(field, h, h.weight + 1 + g);
  fraction = fraction / kPow10[groups * kDecDigits - h.dscale] * kPow10[scale - h.dscale];
  const unsigned __int128 magnitude =
      static_cast<unsigned __int128>(integer) * kPow10[scale] + fraction;
  if (scale > precision || magnitude >= kPow10[precision]) return std::nullopt;
  const auto value = static_cast<int64_t>(magnitude);
  return h.sign == kNegative ? -value : value;
}

void AppendNumericText(BinaryField field, std::string& out) {
  const Header h = ReadHeader(field);
  const int weight = h.weight, dscale = h.dscale;
  switch (h.sign) {
    case kNaN:
      out += "NaN";
      return;
    case kPlusInfinity:
      out += "Infinity";
      return;
    case kMinusInfinity:
      out += "-Infinity";
      return;
    default:
      break;
  }
  auto digit = [&](int i) { return Digit(field, h, i); };
  // Written through a pointer into room reserved once: this runs for every numeric of a table.
  const size_t integer_digits = weight < 0 ? 1 : static_cast<size_t>(weight + 1) * kDecDigits;
  const size_t start = out.size();
  out.resize(start + 1 + integer_digits + 1 + static_cast<size_t>(dscale) + kDecDigits);
  char* p = out.data() + start;
  if (h.sign == kNegative) *p++ = '-';
  // Integer part: digits 0..weight; numeric_out drops the leading zeros of the first one only.
  int d = 0;
  if (weight < 0) {
    *p++ = '0';
    d = weight + 1;
  } else {
    for (; d <= weight; ++d) {
      int value = digit(d);
      bool started = d > 0;
      for (int divisor = 1000; divisor > 1; divisor /= 10) {
        int x = value / divisor % 10;
        started |= x > 0;
        if (started) *p++ = static_cast<char>('0' + x);
      }
      *p++ = static_cast<char>('0' + value % 10);
    }
  }
  if (dscale > 0) {
    // Fractional part: exactly dscale digits, from the digit after the integer part on.
    *p++ = '.';
    char* end = p + dscale;
    for (int written = 0; written < dscale; written += kDecDigits, ++d) {
      int value = digit(d);
      for (int divisor = 1000; divisor >= 1; divisor /= 10)
        *p++ = static_cast<char>('0' + value / divisor % 10);
    }
    p = end;
  }
  out.resize(static_cast<size_t>(p - out.data()));
}

}  // namespace pg2ch
