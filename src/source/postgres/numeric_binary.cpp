#include "source/postgres/numeric_binary.h"

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

}  // namespace

void AppendNumericText(BinaryField field, std::string& out) {
  if (field.size < 8) Malformed(std::to_string(field.size) + " bytes, less than its header");
  const int ndigits = static_cast<int16_t>(Word(field, 0));
  const int weight = static_cast<int16_t>(Word(field, 1));
  const uint16_t sign = Word(field, 2);
  const int dscale = static_cast<int16_t>(Word(field, 3));
  if (ndigits < 0 || field.size != 8 + 2 * ndigits)
    Malformed(std::to_string(ndigits) + " digits in " + std::to_string(field.size) + " bytes");
  switch (sign) {
    case kNaN:
      out += "NaN";
      return;
    case kPlusInfinity:
      out += "Infinity";
      return;
    case kMinusInfinity:
      out += "-Infinity";
      return;
    case kPositive:
    case kNegative:
      break;
    default:
      Malformed("sign word " + std::to_string(sign));
  }
  if (dscale < 0) Malformed("display scale " + std::to_string(dscale));
  auto digit = [&](int i) -> int {
    if (i < 0 || i >= ndigits) return 0;
    int d = Word(field, 4 + i);
    if (d > 9999) Malformed("digit " + std::to_string(d));
    return d;
  };
  if (sign == kNegative) out.push_back('-');
  // Integer part: digits 0..weight; numeric_out drops the leading zeros of the first one only.
  int d = 0;
  if (weight < 0) {
    out.push_back('0');
    d = weight + 1;
  } else {
    for (; d <= weight; ++d) {
      int value = digit(d);
      bool started = d > 0;
      for (int divisor = 1000; divisor > 1; divisor /= 10) {
        int x = value / divisor % 10;
        started |= x > 0;
        if (started) out.push_back(static_cast<char>('0' + x));
      }
      out.push_back(static_cast<char>('0' + value % 10));
    }
  }
  if (dscale == 0) return;
  // Fractional part: exactly dscale digits, from the digit after the integer part on.
  out.push_back('.');
  size_t end = out.size() + static_cast<size_t>(dscale);
  for (int written = 0; written < dscale; written += kDecDigits, ++d) {
    int value = digit(d);
    for (int divisor = 1000; divisor >= 1; divisor /= 10)
      out.push_back(static_cast<char>('0' + value / divisor % 10));
  }
  out.resize(end);
}

}  // namespace pg2ch
